/**
 * Learned scores: an MLP score network with sinusoidal log-time conditioning, trained by
 * denoising score matching, saved to and loaded from versioned JSON.
 * @packageDocumentation
 */
export {
  ScoreNetwork,
  createScoreNetwork,
  EVALUATION_CHUNK_ROWS,
  SCORE_NETWORK_SPEC_TYPE,
  SCORE_NETWORK_FORMAT,
  SCORE_NETWORK_FORMAT_VERSION,
  SUPPORTED_SCORE_NETWORK_FORMAT_VERSIONS,
  CLD_SCORE_NETWORK_FORMAT_VERSION,
  RESIDUAL_HORIZON_FORMAT_VERSION,
  type ScoreNetworkOptions,
  type ScoreNetworkDocument,
  type ScoreNetworkData,
  type DataRange,
} from './network.js';
export {
  CLDScoreNetwork,
  createCLDScoreNetwork,
  CLD_SCORE_NETWORK_SPEC_TYPE,
  type CLDScoreNetworkOptions,
} from './cld-network.js';
export type { AnyScoreNetwork } from './perturbation.js';
export {
  layerLayouts,
  parameterCount,
  type ScoreNetworkKind,
  type NetworkDType,
  type ScoreNetworkArchitecture,
  type LayerLayout,
  type TimeFeatureConfig,
  type Activation,
  type Parameterisation,
} from './architecture.js';
export {
  trainDenoisingScoreMatching,
  isScoreNetwork,
  EVALUATION_STREAM,
  type TrainingOptions,
  type TrainingResult,
  type TrainingProgress,
  type TimeDistribution,
  type TrainingEvaluation,
  type EarlyStoppingOptions,
} from './training.js';
export {
  trainScoreNetwork,
  prepareScoreNetworkTraining,
  finishScoreNetworkTraining,
  trainCLDScoreNetwork,
  prepareCLDScoreNetworkTraining,
  defaultHiddenWidths,
  DEFAULT_GRADIENT_CLIP_NORM,
  DEFAULT_RECIPE_STEPS,
  DEFAULT_MAX_STANDARDIZED_RANGE,
  DEFAULT_RESIDUAL_HORIZON,
  DEFAULT_RESIDUAL_BOX,
  DEFAULT_STANDARDIZED_STD,
  SPLIT_STREAM,
  type PreparedScoreNetworkTraining,
  type TrainScoreNetworkOptions,
  type TrainCLDScoreNetworkOptions,
  type TrainScoreNetworkResult,
  type ResolvedRecipe,
} from './recipe.js';
export {
  trainingCheckpointToJson,
  parseTrainingCheckpoint,
  TRAINING_CHECKPOINT_FORMAT,
  TRAINING_CHECKPOINT_VERSION,
  type TrainingCheckpoint,
} from './checkpoint.js';
export type { AdamSnapshot } from './adam.js';
export { learningRateAt, clipGradientNorm, type LearningRateSchedule, type LearningRateDecay } from './schedule.js';
export {
  fitNormalization,
  standardizeBatch,
  unstandardizeBatch,
  unstandardizeRow,
  dataMomentsOf,
  expectNormalization,
  CONSTANT_COORDINATE_TOLERANCE,
  WHITENING_EIGENVALUE_FLOOR,
  type NormalizationKind,
  type FitNormalizationOptions,
} from './normalization.js';
export { denoisingLoss, hybridScoreMatchingLoss } from './loss.js';
export {
  MICRO_SHARD_ROWS,
  microShardCount,
  SUM_GROUP_SHARDS,
  sumGroupStart,
  foldedIntoGroupPiece,
  MicroShardGradients,
  sumMicroShards,
  InProcessGradientEvaluator,
  type GradientEvaluator,
} from './gradient.js';
export type { MlpModel, NetworkArray } from './mlp-kernels.js';
export {
  saveScoreNetwork,
  loadScoreNetwork,
  loadCLDScoreNetwork,
  loadAnyScoreNetwork,
  scoreNetworkFromSpec,
  cldScoreNetworkFromSpec,
  ScoreNetworkFormatError,
  ScoreNetworkKindError,
} from './format.js';
export { noiseScale } from './time-features.js';
