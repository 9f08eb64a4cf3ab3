/**
 * `@sgmkit/sampler`: DDPM and CLD samplers, step schedules, exact Gaussian
 * analysis and the `sgmkit` command-line tool.
 * @packageDocumentation
 */
export type { Score, CLDScore } from '@sgmkit/score';
export * from './plot/index.js';
export * from './io/index.js';

// --- samplers, schedules, workers (samplers developer) ---
export { uniformGrid, earlyStoppingGrid, customGrid, expectGrid, MAX_STEPS } from './schedules/grids.js';
export type { EarlyStoppingGridOptions } from './schedules/grids.js';
export {
  stabilityLimit, expectStableGrid, cldExponentialIntegratorSpectralRadius,
  DDPM_METHODS, CLD_METHODS, LANGEVIN_STABILITY_LIMIT,
} from './schedules/stability.js';
export type { DDPMMethod, CLDMethod } from './schedules/stability.js';
// --- end samplers ---

// Exact Gaussian analysis and sample-based metrics (analysis/, metrics/).
export { ouMarginal, type GaussianLaw } from './analysis/gaussian.js';
export type { CorrectorOptions, ScoreErrorOptions } from './analysis/options.js';
export { ddpmStepCoefficients, langevinStepCoefficients, type DDPMStepCoefficients } from './analysis/ddpm-updates.js';
export { exactDDPMLaw, type ExactDDPMOptions, type InitialLaw } from './analysis/exact-ddpm.js';
export { gaussianKL, gaussianW2, gaussianHellinger } from './analysis/divergences.js';
