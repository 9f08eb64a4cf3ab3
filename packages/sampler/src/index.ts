/**
 * `@sgmkit/sampler`: DDPM and CLD samplers, step schedules, exact Gaussian
 * analysis and sample-based metrics. Platform-neutral (runs in browsers), as are
 * `@sgmkit/sampler/plot` (SVG charts, PNG image grids) and `@sgmkit/sampler/io`
 * (CSV/JSON sample formats). Files and the `worker_threads` backend are in
 * `@sgmkit/sampler/node`, which Node's `node` export condition loads with this
 * entry, and the `sgmkit` CLI.
 * @packageDocumentation
 */
export type { Score, CLDScore } from '@sgmkit/score';

// --- samplers, schedules, workers (samplers developer) ---
export { uniformGrid, earlyStoppingGrid, customGrid, expectGrid, MAX_STEPS } from './schedules/grids.js';
export type { EarlyStoppingGridOptions } from './schedules/grids.js';
export {
  stabilityLimit,
  expectStableGrid,
  cldExponentialIntegratorSpectralRadius,
  stochasticHeunGain,
  LANGEVIN_STABILITY_LIMIT,
} from './schedules/stability.js';
export {
  DDPM_METHODS,
  CLD_METHODS,
  SINGLE_STEP_DDPM_METHODS,
  DDPM_SOLVER_METHODS,
  type DDPMMethod,
  type CLDMethod,
  type SingleStepDDPMMethod,
  type DDPMSolverMethod,
} from './samplers/methods.js';
export {
  ddpmExponentialIntegrator,
  ddpmEulerMaruyama,
  ddpmAncestral,
  ddpmProbabilityFlow,
  SINGLE_STEP_DDPM_INTEGRATORS,
} from './samplers/ddpm.js';
export {
  ddpmHeun,
  ddpmExponentialHeun,
  HEUN_FORMS,
  ddpmStochasticHeun,
  ddpmDPMSolver2M,
  ddpmDEIS,
  ddpmDEIS1,
  ddpmDEIS2,
  ddpmDEIS3,
  ddpmSolverHistory,
  DDPM_INTEGRATORS,
  type DDPMSolverHistory,
  type DEISOptions,
  type HeunForm,
  type HeunOptions,
} from './samplers/ddpm-solvers.js';
export type { LangevinCorrector, DDPMStepInfo, DDPMCallback, DDPMIntegratorOptions } from './samplers/ddpm.js';
export { cldExponentialIntegrator, cldEulerMaruyama, cldSSCS, CLD_INTEGRATORS } from './samplers/cld.js';
export type { CLDStepInfo, CLDCallback, CLDIntegratorOptions } from './samplers/cld.js';
export { sampleDDPM, sampleCLD, MAX_WORKERS, AUTO_WORKERS_MIN_PARTICLES } from './samplers/sample.js';
export type { SampleDDPMOptions, SampleCLDOptions, SampleResult, CommonSampleOptions } from './samplers/sample.js';
export { shardRows, type ShardRows } from './samplers/shard.js';
export type { NoiseOrigin } from './samplers/common.js';
export { MAX_BROWNIAN_LEVELS, BROWNIAN_METHODS, brownianWeightsInto } from './samplers/brownian.js';
export {
  countDiverged,
  DEFAULT_DIVERGENCE_K,
  type DivergenceRegion,
  type DivergenceReport,
  type ResolvedRegion,
} from './samplers/divergence.js';
export { setWorkerBackend, getWorkerBackend } from './parallel/backend.js';
export type { WorkerBackend, WorkerEvents, WorkerHandle } from './parallel/backend.js';
export type { WorkerTask, WorkerResult, WorkerFailure } from './parallel/protocol.js';
export type { DDPMJob, CLDJob } from './parallel/run.js';
export { runWorkerTask } from './parallel/task.js';
export { webWorkerBackend, type WebWorkerBackendOptions, type WebWorkerLike } from './web/backend.js';
export {
  INITIAL_POSITION_STREAM,
  INITIAL_VELOCITY_STREAM,
  MAX_CORRECTOR_STEPS,
  predictorStream,
  secondHalfStepStream,
  correctorStream,
  LIKELIHOOD_PROBE_STREAM,
} from './samplers/streams.js';
export {
  logLikelihood,
  defaultDivergence,
  defaultDivergenceOf,
  hasExactDivergence,
  MAX_PROBES,
  DEFAULT_LIKELIHOOD_CHUNK,
  FINITE_DIFFERENCE_DEFAULT_MAX_DIM,
  type LogLikelihoodOptions,
  type LogLikelihoodResult,
  type LikelihoodSummary,
} from './likelihood/log-likelihood.js';
export { DIVERGENCE_METHODS, FINITE_DIFFERENCE_STEP, type DivergenceMethod } from './likelihood/divergence.js';
// --- end samplers ---

// Exact Gaussian analysis and sample-based metrics (analysis/, metrics/).
export { gaussianLaw, ouMarginal, type GaussianLaw } from './analysis/gaussian.js';
export type { ScoreErrorOptions } from './analysis/options.js';
export { ddpmStepCoefficients, langevinStepCoefficients, type DDPMStepCoefficients } from '@sgmkit/tensor';
export { exactDDPMLaw, type ExactDDPMOptions, type InitialLaw } from './analysis/exact-ddpm.js';
export { gaussianKL, gaussianW2, gaussianHellinger } from './analysis/divergences.js';
export {
  exactPFODELikelihood,
  type ExactPFODELikelihood,
  type ExactPFODELikelihoodOptions,
} from './analysis/likelihood.js';
export {
  exactCLDLaw,
  cldPairMoments,
  cldForwardMarginal,
  type ExactCLDOptions,
  type ExactCLDLaw,
  type CLDInitialLaw,
} from './analysis/exact-cld.js';
export {
  cldUpdateSchedule,
  cldStepUpdates,
  cldCorrectorUpdate,
  cldExponentialIntegratorUpdate,
  sscsHalfStepUpdate,
  type CLDAffineUpdate,
  type Pair2x2,
} from './analysis/cld-updates.js';
export { ddpmPathSpaceKL, type PathSpaceKLOptions, type PathSpaceKL } from './analysis/path-kl.js';
export {
  errorDecomposition,
  cldErrorDecomposition,
  type ErrorDecomposition,
  type ErrorDecompositionOptions,
  type CLDErrorDecompositionOptions,
} from './analysis/decomposition.js';
export {
  ddpmBound,
  ddpmStepsForAccuracy,
  ddpmEarlyStoppingBound,
  cldBound,
  type DDPMBoundInputs,
  type TVBound,
  type DDPMStepsInputs,
  type DDPMStepsResult,
  type EarlyStoppingBoundInputs,
  type EarlyStoppingBound,
  type CLDBoundInputs,
} from './analysis/bounds.js';
export { gaussianTV, normalTV1D, type TotalVariationBounds } from './analysis/total-variation.js';
export { mmd, MEDIAN_HEURISTIC_POINTS, type MMDOptions, type MMDResult } from './metrics/mmd.js';
export { nearestNeighbourDistances } from './metrics/nearest-neighbour.js';
export {
  qualityReport,
  type QualityReport,
  type QualityReportOptions,
  type SetDistances,
  type NearestSummary,
} from './metrics/quality.js';
export {
  slicedWasserstein,
  sortedW2Squared,
  type SlicedWassersteinOptions,
  type SlicedWassersteinResult,
} from './metrics/sliced-wasserstein.js';
