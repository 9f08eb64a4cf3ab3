/**
 * Learned scores: an MLP score network with sinusoidal log-time conditioning, trained by
 * denoising score matching, saved to and loaded from versioned JSON.
 * @packageDocumentation
 */
export {
  ScoreNetwork, createScoreNetwork, EVALUATION_CHUNK_ROWS, SCORE_NETWORK_SPEC_TYPE, SCORE_NETWORK_FORMAT, SCORE_NETWORK_FORMAT_VERSION,
  type ScoreNetworkOptions, type ScoreNetworkDocument,
} from './network.js';
export { layerLayouts, parameterCount, type NetworkDType, type ScoreNetworkArchitecture, type LayerLayout, type TimeFeatureConfig, type Activation } from './architecture.js';
export { trainDenoisingScoreMatching, type TrainingOptions, type TrainingResult, type TrainingProgress, type TimeDistribution } from './training.js';
export { denoisingLoss } from './loss.js';
export {
  MICRO_SHARD_ROWS, microShardCount, MicroShardGradients, sumMicroShards, InProcessGradientEvaluator, type GradientEvaluator,
} from './gradient.js';
export type { MlpModel, NetworkArray } from './mlp-kernels.js';
export { saveScoreNetwork, loadScoreNetwork, scoreNetworkFromSpec, ScoreNetworkFormatError } from './format.js';
export { noiseScale } from './time-features.js';
