/**
 * Fused in-place step kernels: validated public steps over unchecked kernels.
 * @packageDocumentation
 */
export { affineNoiseStep, ouExponentialIntegratorStep, eulerMaruyamaStep, langevinStep } from './steps.js';
export { cldExponentialIntegratorStep } from './cld.js';
export { cldStepCoefficients, expRemainder, type CLDDirection, type CLDStepCoefficients } from './cld-coefficients.js';
