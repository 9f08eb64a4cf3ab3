/**
 * Learned scores: an MLP score network with sinusoidal log-time conditioning, trained by
 * denoising score matching, saved to and loaded from versioned JSON.
 * @packageDocumentation
 */
export {
  ScoreNetwork, createScoreNetwork, EVALUATION_CHUNK_ROWS, SCORE_NETWORK_SPEC_TYPE, SCORE_NETWORK_FORMAT, SCORE_NETWORK_FORMAT_VERSION,
  SUPPORTED_SCORE_NETWORK_FORMAT_VERSIONS, type ScoreNetworkOptions, type ScoreNetworkDocument, type ScoreNetworkData, type DataRange,
} from './network.js';
export { layerLayouts, parameterCount, type NetworkDType, type ScoreNetworkArchitecture, type LayerLayout, type TimeFeatureConfig, type Activation, type Parameterisation } from './architecture.js';
export {
  trainDenoisingScoreMatching, EVALUATION_STREAM, type TrainingOptions, type TrainingResult, type TrainingProgress, type TimeDistribution,
  type TrainingEvaluation, type EarlyStoppingOptions,
} from './training.js';
export {
  trainScoreNetwork, prepareScoreNetworkTraining, finishScoreNetworkTraining, defaultHiddenWidths, DEFAULT_GRADIENT_CLIP_NORM, DEFAULT_RECIPE_STEPS, SPLIT_STREAM,
  type PreparedScoreNetworkTraining, type TrainScoreNetworkOptions, type TrainScoreNetworkResult, type ResolvedRecipe,
} from './recipe.js';
export { learningRateAt, clipGradientNorm, type LearningRateSchedule, type LearningRateDecay } from './schedule.js';
export {
  fitNormalization, standardizeBatch, unstandardizeBatch, unstandardizeRow, dataMomentsOf, expectNormalization,
  CONSTANT_COORDINATE_TOLERANCE, WHITENING_EIGENVALUE_FLOOR, type NormalizationKind,
} from './normalization.js';
export { denoisingLoss } from './loss.js';
export {
  MICRO_SHARD_ROWS, microShardCount, MicroShardGradients, sumMicroShards, InProcessGradientEvaluator, type GradientEvaluator,
} from './gradient.js';
export type { MlpModel, NetworkArray } from './mlp-kernels.js';
export { saveScoreNetwork, loadScoreNetwork, scoreNetworkFromSpec, ScoreNetworkFormatError } from './format.js';
export { noiseScale } from './time-features.js';
