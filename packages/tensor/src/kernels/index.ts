/**
 * Fused in-place step kernels: validated public steps over unchecked kernels.
 * @packageDocumentation
 */
export { affineNoiseStep, ouExponentialIntegratorStep, eulerMaruyamaStep, langevinStep } from './steps.js';
export { cldExponentialIntegratorStep } from './cld.js';
export {
  ddpmStepCoefficients, langevinStepCoefficients, DDPM_METHODS, type DDPMMethod, type DDPMStepCoefficients,
} from './ddpm-coefficients.js';
export { cldStepCoefficients, expRemainder, type CLDDirection, type CLDStepCoefficients } from './cld-coefficients.js';
// Unchecked form and its output layout, for setup code that validated its step itself.
export { cldCoefficientsInto, cldEulerMaruyamaCoefficientsInto, CLD_LAYOUT, CLD_REVERSE_SDE } from './cld-coefficients.js';
export { ddpmCoefficientsInto, langevinCoefficientsInto, DDPM_LAYOUT } from './ddpm-coefficients.js';
export { sscsHalfStepCoefficientsInto } from './sscs-coefficients.js';
