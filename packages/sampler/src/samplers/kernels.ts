// Single import point for the fused tensor kernels the samplers compose.
export { affineNoiseStep, fillParticleNormals, langevinStep, eulerMaruyamaStep, cldExponentialIntegratorStep } from '@sgmkit/tensor';
