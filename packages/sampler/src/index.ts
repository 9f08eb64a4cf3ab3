/**
 * `@sgmkit/sampler`: DDPM and CLD samplers, step schedules, exact Gaussian
 * analysis and the `sgmkit` command-line tool.
 * @packageDocumentation
 */
export type { Score, CLDScore } from '@sgmkit/score';

// Exact Gaussian analysis and sample-based metrics (analysis/, metrics/).
export { ouMarginal, type GaussianLaw } from './analysis/gaussian.js';
export type { DDPMUpdate, CLDUpdate, CorrectorOptions, ScoreErrorOptions } from './analysis/options.js';
export { ddpmStepCoefficients, langevinStepCoefficients, type DDPMStepCoefficients } from './analysis/ddpm-updates.js';
export { exactDDPMLaw, type ExactDDPMOptions, type InitialLaw } from './analysis/exact-ddpm.js';
export { gaussianKL, gaussianW2, gaussianHellinger } from './analysis/divergences.js';
