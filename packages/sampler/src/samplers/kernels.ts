// Single import point for the tensor kernels the samplers compose.
export { affineNoiseStep, fillParticleNormals, langevinStep, eulerMaruyamaStep, cldExponentialIntegratorStep } from './_shim.js';
