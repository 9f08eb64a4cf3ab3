/**
 * `@sgmkit/score`: analytic scores for every closed-form case and learned
 * scores trained by denoising score matching.
 * @packageDocumentation
 */
export type * from './types.js';
export { expectScore, type ScoreRequirement } from './expect-score.js';

// Analytic scores (exact at every t), the score registry and the fast exp behind the mixtures.
export * from './analytic/gaussian.js';
export * from './analytic/mixture.js';
export * from './analytic/point-cloud.js';
export * from './analytic/cld.js';
export * from './analytic/cld-mixture.js';
export * from './analytic/known-error.js';
export { fastExp, fastExpInRange, FAST_EXP_MIN, FAST_EXP_MAX } from './analytic/fast-exp.js';
export type { CovarianceInput, CovarianceJson } from './analytic/spectral-covariance.js';
export { clippedScore, ClippedScore, type ClippedSpec, type ClipRange } from './clipped.js';
export {
  registerScoreType,
  registeredScoreTypes,
  scoreFromSpec,
  scoreTypeModules,
  type RegisterScoreTypeOptions,
  type ScoreFactory,
} from './spec.js';

// Learned scores (MLP, denoising score matching, save/load).
export * from './learned/index.js';

// Exact samplers for the data laws (training data for learned scores): rows addressed by (seed, stream, global row).
export { sampleGaussian } from './data/gaussian.js';
export { sampleGaussianMixture } from './data/mixture.js';
export { samplePointCloud } from './data/point-cloud.js';
export { sampleStrokeImages, MAX_STROKES, type StrokeImageOptions } from './data/strokes.js';
export { sampleForwardMarginal, sampleCLDForwardMarginal, type CLDForwardMarginalOptions } from './data/forward.js';
export { DATA_STREAM, FORWARD_MARGINAL_STREAM, type DrawOptions } from './data/draw.js';
