/**
 * Fused in-place step kernels: validated public steps over unchecked kernels.
 * @packageDocumentation
 */
export { affineNoiseStep, ouExponentialIntegratorStep, eulerMaruyamaStep, langevinStep } from './steps.js';
export { cldExponentialIntegratorStep } from './cld.js';
export {
  ddpmStepCoefficients,
  langevinStepCoefficients,
  DDPM_METHODS,
  type DDPMMethod,
  type DDPMStepCoefficients,
} from './ddpm-coefficients.js';
export { cldStepCoefficients, expRemainder, type CLDDirection, type CLDStepCoefficients } from './cld-coefficients.js';
// Unchecked form and its output layout, for setup code that validated its step itself.
export {
  cldCoefficientsInto,
  cldEulerMaruyamaCoefficientsInto,
  CLD_LAYOUT,
  CLD_REVERSE_SDE,
} from './cld-coefficients.js';
export { ddpmCoefficientsInto, langevinCoefficientsInto, DDPM_LAYOUT } from './ddpm-coefficients.js';
export { sscsHalfStepCoefficientsInto } from './sscs-coefficients.js';
export {
  DDPM_SOLVER_METHODS,
  DEIS_MAX_DEGREE,
  DPM_SOLVER_2M_LAYOUT,
  HEUN_LAYOUT,
  STOCHASTIC_HEUN_LAYOUT,
  deisCoefficientsInto,
  dpmSolver2MCoefficientsInto,
  exponentialHeunCoefficientsInto,
  exponentialMomentsInto,
  heunCoefficientsInto,
  logSNRIncrement,
  stochasticHeunCoefficientsInto,
  type DDPMSolverMethod,
} from './solver-coefficients.js';
