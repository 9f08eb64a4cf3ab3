/**
 * `trainScoreNetwork`: the default training recipe for data users bring. It splits off a held-out
 * set, standardises the data, builds a network sized for d, trains it by denoising score matching
 * with an EMA of the weights, a warm-up + cosine learning-rate schedule and gradient clipping, and
 * returns the EMA network carrying its normalization. docs/learned-scores.md gives what each item
 * measurably changed on real data.
 * @packageDocumentation
 */
import { InvalidArgumentError, RandomStream, expectBatch, expectSeed, type Batch } from '@sgmkit/tensor';
import type { DataMoments, DataNormalization } from '../types.js';
import { createScoreNetwork, expectResidualHorizon, ScoreNetwork, type DataRange } from './network.js';
import { createCLDScoreNetwork, type CLDScoreNetwork } from './cld-network.js';
import { networkLike, type AnyScoreNetwork } from './perturbation.js';
import { dataMomentsOf, fitNormalization, standardizeBatch, type NormalizationKind } from './normalization.js';
import type { LearningRateDecay } from './schedule.js';
import type { NetworkDType, Parameterisation } from './architecture.js';
import type { ScoreNetworkOptions } from './network.js';
import {
  trainDenoisingScoreMatching,
  type EarlyStoppingOptions,
  type TimeDistribution,
  type TrainingEvaluation,
  type TrainingOptions,
  type TrainingProgress,
  type TrainingResult,
} from './training.js';

/** Options of {@link trainScoreNetwork}; every field has a default that works on standardised data. */
export interface TrainScoreNetworkOptions {
  /** `'affine'` (per-coordinate, default), `'whitening'` (full covariance) or `'none'`. */
  readonly normalization?: NormalizationKind | 'none';
  /**
   * Largest range a coordinate may span after standardisation: scale = max(std/standardizedStd, range/this)
   * (`FitNormalizationOptions.maxStandardizedRange`). Default `DEFAULT_MAX_STANDARDIZED_RANGE` (1; `Infinity`:
   * no cap); for CLD (`trainCLDScoreNetwork`) `Infinity`, the default measured with it.
   */
  readonly maxStandardizedRange?: number;
  /**
   * Standard deviation of the standardised coordinates (`FitNormalizationOptions.standardizedStd`). Default
   * `DEFAULT_STANDARDIZED_STD` (0.3); for CLD 1, the default measured with it.
   */
  readonly standardizedStd?: number;
  /** Hidden widths. Default `defaultHiddenWidths(d)`. */
  readonly hiddenWidths?: readonly number[];
  /** Precision of weights and activations (see `ScoreNetworkOptions.dtype`). Default 'float64'. */
  readonly dtype?: NetworkDType;
  /** Output parameterisation. Default `'noise-prediction-skip'` (see `Parameterisation`). */
  readonly parameterisation?: Parameterisation;
  /**
   * Residual horizon H: for t > H the network's score is the skip term alone and training draws t in
   * [tMin, min(tMax, H)] (`ScoreNetworkArchitecture.residualHorizon`). Default `DEFAULT_RESIDUAL_HORIZON`;
   * DDPM only (a CLD network takes none: `Infinity`).
   */
  readonly residualHorizon?: number;
  /**
   * Residual box k: the MLP reads x clipped to the training data's range widened by k noise standard deviations
   * (`ScoreNetworkArchitecture.residualBox`). Default `DEFAULT_RESIDUAL_BOX`; DDPM only (CLD: `Infinity`).
   */
  readonly residualBox?: number;
  /** Time frequencies (two features each). Default 8. */
  readonly timeFrequencyCount?: number;
  /** Adam steps. Default `DEFAULT_RECIPE_STEPS` (8000; docs/learned-scores.md has what 4000 → 8000 changed). */
  readonly steps?: number;
  /** Minibatch size. Default 256. */
  readonly batchSize?: number;
  /** Peak learning rate. Default 1e-3. */
  readonly learningRate?: number;
  /** Linear warm-up steps. Default `round(steps/40)` (200 of 8000). */
  readonly warmupSteps?: number;
  /** Decay after the warm-up. Default 'cosine'. */
  readonly learningRateDecay?: LearningRateDecay;
  /** Cosine decay ends at this fraction of the peak. Default 0.1. */
  readonly finalLearningRateFraction?: number;
  /** Gradient-norm clip. Default `DEFAULT_GRADIENT_CLIP_NORM`; `Infinity` turns it off. */
  readonly gradientClipNorm?: number;
  /** EMA decay; the EMA weights are returned. Default 0.999; 0 returns the final weights. */
  readonly emaDecay?: number;
  /** Fraction of the rows held out for the held-out loss, in [0, 0.5]. Default 0.1 (0: no held-out set). */
  readonly heldOutFraction?: number;
  /** Evaluate the held-out loss every this many steps. Default ⌈steps/50⌉. */
  readonly evaluateEvery?: number;
  /** Stop on a held-out plateau; `true` takes the defaults. Default off. */
  readonly earlyStopping?: boolean | EarlyStoppingOptions;
  /** Smallest training time. Default 1e-3. */
  readonly tMin?: number;
  /** Largest training time. Default 10 (`sgmkit sample`'s default horizon). */
  readonly tMax?: number;
  readonly timeDistribution?: TimeDistribution;
  /** Seed of the split, the weights and the minibatches. Default 0. */
  readonly seed?: number;
  readonly onStep?: (progress: TrainingProgress) => void;
  readonly onEvaluation?: (evaluation: TrainingEvaluation) => void;
  readonly signal?: AbortSignal;
}

/** Options of {@link trainCLDScoreNetwork}: the recipe's, plus the CLD data velocity law. */
export interface TrainCLDScoreNetworkOptions extends TrainScoreNetworkOptions {
  /** γ in `V₀ ~ N(0, γI)` (the library's CLD convention). Default 1. */
  readonly initialVelocityVariance?: number;
}

/** What {@link trainScoreNetwork} (and {@link trainCLDScoreNetwork}, with a `CLDScoreNetwork`) returns. */
export interface TrainScoreNetworkResult<N extends AnyScoreNetwork = ScoreNetwork> {
  /** The network to save and sample: the EMA weights, with `normalization` and `dataMoments`. */
  readonly network: N;
  /** Training rows (raw space), in the split's order. */
  readonly train: Batch<Float64Array>;
  /** Held-out rows (raw space); 0 rows when `heldOutFraction` is 0. */
  readonly heldOut: Batch<Float64Array>;
  /** The normalization fitted to the training rows (undefined for `'none'`). */
  readonly normalization?: DataNormalization;
  /** Minibatch loss of every step taken (standardised space). */
  readonly losses: Float64Array;
  /** Gradient norm before clipping of every step. */
  readonly gradientNorms: Float64Array;
  /** Held-out evaluations (fixed draws, so comparable along the run). */
  readonly evaluations: readonly TrainingEvaluation[];
  readonly stoppedEarly: boolean;
  readonly steps: number;
  /** The options as resolved (every default filled in). */
  readonly options: ResolvedRecipe;
}

/** The recipe's options with every default filled in. */
export interface ResolvedRecipe {
  readonly normalization: NormalizationKind | 'none';
  readonly maxStandardizedRange: number;
  readonly standardizedStd: number;
  readonly hiddenWidths: readonly number[];
  readonly parameterisation: Parameterisation;
  /** `Infinity`: none (always for CLD). */
  readonly residualHorizon: number;
  /** `Infinity`: none (always for CLD). */
  readonly residualBox: number;
  readonly timeFrequencyCount: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly warmupSteps: number;
  readonly learningRateDecay: LearningRateDecay;
  readonly finalLearningRateFraction: number;
  readonly gradientClipNorm: number;
  readonly emaDecay: number;
  readonly heldOutFraction: number;
  readonly tMin: number;
  readonly tMax: number;
  readonly seed: number;
}

/**
 * Default number of Adam steps of the recipe. 8000 rather than 4000: on sklearn's 8×8 digits and the 8×8
 * strokes it lowered the sliced-W2 ratio of every seed tried (digits, seeds 0–2: 1.69 ± 0.17 → 1.57 ± 0.13 in
 * pixel units), at twice the training time (docs/learned-scores.md, `benchmarks/recipe-ablation.bench.mjs`).
 */
export const DEFAULT_RECIPE_STEPS = 8000;

/**
 * Default `maxStandardizedRange` of the recipe's standardisation: 1, with `standardizedStd` 0.3, so scale =
 * max(std/0.3, range). It gives wider, better image samples than unit std (digits, seeds 0–2: sliced-W2 ratio
 * 1.57 ± 0.13 → 1.29 ± 0.10, docs/learned-scores.md, session 6); without the residual horizon and box below it made 16 of
 * 10⁴ strokes samples diverge (session 4).
 */
export const DEFAULT_MAX_STANDARDIZED_RANGE = 1;

/** Default `standardizedStd` of the recipe's standardisation: 0.3 (see `DEFAULT_MAX_STANDARDIZED_RANGE`). */
export const DEFAULT_STANDARDIZED_STD = 0.3;

/**
 * Default `residualHorizon` of the recipe (DDPM networks with the skip): 1. With the standardisation's std 0.3
 * the data's signal e^{−t}·0.3 is a tenth of the noise at t = 1, and above it the MLP's residual, fitted to nearly
 * pure noise, made strokes particles run away (docs/learned-scores.md, "The residual horizon and the residual box").
 */
export const DEFAULT_RESIDUAL_HORIZON = 1;

/**
 * Default `residualBox` of the recipe (DDPM networks with the skip): 2 noise standard deviations around the
 * training rows' range (see `DEFAULT_RESIDUAL_HORIZON`; with 4, 2 of 10⁴ wine samples stopped outside the box).
 */
export const DEFAULT_RESIDUAL_BOX = 2;

/** The defaults that differ between the DDPM and CLD recipes. */
interface RecipeDefaults {
  readonly standardizedStd: number;
  readonly maxStandardizedRange: number;
  readonly residualHorizon: number;
  readonly residualBox: number;
}

const DDPM_RECIPE_DEFAULTS: RecipeDefaults = {
  standardizedStd: DEFAULT_STANDARDIZED_STD,
  maxStandardizedRange: DEFAULT_MAX_STANDARDIZED_RANGE,
  residualHorizon: DEFAULT_RESIDUAL_HORIZON,
  residualBox: DEFAULT_RESIDUAL_BOX,
};

/**
 * CLD keeps the standardisation it was measured with (unit std, no cap; docs/learned-scores.md): the std-0.3
 * default was measured with DDPM networks only, and CLD networks take no residual horizon or box.
 */
const CLD_RECIPE_DEFAULTS: RecipeDefaults = {
  standardizedStd: 1,
  maxStandardizedRange: Infinity,
  residualHorizon: Infinity,
  residualBox: Infinity,
};

/** Default clip of the minibatch gradient's Euclidean norm. */
export const DEFAULT_GRADIENT_CLIP_NORM = 1;

/**
 * Default hidden widths for data dimension d: two layers of `max(128, nextPow2(4d))` units, capped
 * at 1024 (d = 2–32: 128; d = 64: 256; d = 100–128: 512; d ≥ 129: 1024).
 */
export function defaultHiddenWidths(d: number): number[] {
  let width = 128; // the power of two at or above 4d, within [128, 1024] (a loop: Math.log2 is implementation-defined)
  while (width < 4 * d && width < 1024) width *= 2;
  return [width, width];
}

/** Stream of `RandomStream(seed, ·)` the held-out split's shuffle draws from. */
export const SPLIT_STREAM = 2;

/**
 * Trains a score network on the rows of `data` (n × d, raw units) with the default recipe:
 * held-out split, standardisation fitted on the training rows, a network of `defaultHiddenWidths(d)`,
 * DSM with warm-up + cosine learning rate, gradient clipping and an EMA of the weights.
 * The returned `network` is the EMA network with `normalization` (samplers run in standardised
 * space and map samples back) and `dataMoments` (moments of the standardised training rows).
 * @throws {InvalidArgumentError} bad options, non-finite data, too few rows for the split
 * @example
 * ```ts
 * const { network, evaluations } = trainScoreNetwork(data, { steps: 2000, seed: 1 });
 * writeFileSync('net.json', saveScoreNetwork(network));
 * ```
 */
export function trainScoreNetwork(data: Batch, options: TrainScoreNetworkOptions = {}): TrainScoreNetworkResult {
  const prepared = prepareScoreNetworkTraining(data, options);
  return finishScoreNetworkTraining(
    prepared,
    trainDenoisingScoreMatching(prepared.network, prepared.trainData, prepared.trainingOptions),
  );
}

/**
 * The same recipe for a learned CLD velocity score: hybrid score matching (see `cld-network.ts`) of a
 * `CLDScoreNetwork` on `[x, v, φ(t)]`, with the same split, standardisation, widths, schedule, clipping,
 * EMA and (by default) the skip term, here the CLD score of the standardised data's diagonal Gaussian.
 * @throws {InvalidArgumentError} as `trainScoreNetwork`, or a bad `initialVelocityVariance`
 * @example
 * ```ts
 * const { network } = trainCLDScoreNetwork(data, { steps: 2000, seed: 1 });
 * const { samples } = await sampleCLD(network, { T: 10, delta: 1e-3, steps: 200, n: 10_000, seed: 2 });
 * ```
 */
export function trainCLDScoreNetwork(
  data: Batch,
  options: TrainCLDScoreNetworkOptions = {},
): TrainScoreNetworkResult<CLDScoreNetwork> {
  const prepared = prepareCLDScoreNetworkTraining(data, options);
  return finishScoreNetworkTraining(
    prepared,
    trainDenoisingScoreMatching(prepared.network, prepared.trainData, prepared.trainingOptions),
  );
}

/** A recipe run set up but not trained: what `trainScoreNetwork` does before and after the DSM loop. */
export interface PreparedScoreNetworkTraining<N extends AnyScoreNetwork = ScoreNetwork> {
  /** The initial network (with normalization and data moments), trained in place. */
  readonly network: N;
  /** The standardised training rows. */
  readonly trainData: Batch;
  /** Options for `trainDenoisingScoreMatching` (or a variant taking the same options, e.g. on worker threads). */
  readonly trainingOptions: TrainingOptions;
  readonly train: Batch<Float64Array>;
  readonly heldOut: Batch<Float64Array>;
  readonly normalization?: DataNormalization;
  readonly dataMoments: DataMoments;
  /** Per-coordinate range of the training rows (raw units), stored in the network for `--clip train`. */
  readonly dataRange: DataRange;
  readonly recipe: ResolvedRecipe;
}

/**
 * Splits, standardises and builds the network of `trainScoreNetwork` without training it, so the
 * DSM loop can run elsewhere (e.g. `trainDenoisingScoreMatchingOnWorkers`); finish with
 * `finishScoreNetworkTraining`.
 * @throws {InvalidArgumentError} as `trainScoreNetwork`
 */
export function prepareScoreNetworkTraining(
  data: Batch,
  options: TrainScoreNetworkOptions = {},
): PreparedScoreNetworkTraining {
  return prepare('trainScoreNetwork', data, options, DDPM_RECIPE_DEFAULTS, (initial) => createScoreNetwork(initial));
}

/** `prepareScoreNetworkTraining` for a CLD network (see `trainCLDScoreNetwork`); finish with `finishScoreNetworkTraining`. */
export function prepareCLDScoreNetworkTraining(
  data: Batch,
  options: TrainCLDScoreNetworkOptions = {},
): PreparedScoreNetworkTraining<CLDScoreNetwork> {
  const fn = 'trainCLDScoreNetwork';
  const gamma = options?.initialVelocityVariance;
  return prepare(fn, data, options, CLD_RECIPE_DEFAULTS, (initial) =>
    createCLDScoreNetwork({ ...initial, ...(gamma !== undefined ? { initialVelocityVariance: gamma } : {}) }),
  );
}

function prepare<N extends AnyScoreNetwork>(
  fn: string,
  data: Batch,
  options: TrainScoreNetworkOptions,
  defaults: RecipeDefaults,
  create: (options: ScoreNetworkOptions) => N,
): PreparedScoreNetworkTraining<N> {
  const [n, d] = expectBatch(fn, 'data', data);
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  const recipe = resolveRecipe(fn, options, d, defaults);
  const { train, heldOut } = splitRows(fn, data, n, d, recipe.heldOutFraction, recipe.seed);
  const normalization =
    recipe.normalization === 'none'
      ? undefined
      : fitNormalization(train, recipe.normalization, {
          maxStandardizedRange: recipe.maxStandardizedRange,
          standardizedStd: recipe.standardizedStd,
        });
  const trainY = normalization ? standardizeBatch(normalization, train) : train;
  const heldOutY = normalization && heldOut.shape[0]! > 0 ? standardizeBatch(normalization, heldOut) : heldOut;
  // The moments go in before training: the skip term's Gaussian is made of them.
  const dataMoments = dataMomentsOf(trainY);
  const initial = create({
    dim: d,
    hiddenWidths: recipe.hiddenWidths,
    timeFrequencyCount: recipe.timeFrequencyCount,
    parameterisation: recipe.parameterisation,
    ...(recipe.residualHorizon !== Infinity ? { residualHorizon: recipe.residualHorizon } : {}),
    ...(recipe.residualBox !== Infinity ? { residualBox: recipe.residualBox } : {}),
    seed: recipe.seed,
    ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
  });
  const dataRange = dataRangeOf(train);
  const network = networkLike(initial, initial.parameters, {
    ...(normalization ? { normalization } : {}),
    dataMoments,
    dataRange,
  });
  const early =
    options.earlyStopping === true ? {} : options.earlyStopping === false ? undefined : options.earlyStopping;
  const trainingOptions: TrainingOptions = {
    steps: recipe.steps,
    batchSize: recipe.batchSize,
    learningRate: recipe.learningRate,
    warmupSteps: recipe.warmupSteps,
    learningRateDecay: recipe.learningRateDecay,
    finalLearningRateFraction: recipe.finalLearningRateFraction,
    gradientClipNorm: recipe.gradientClipNorm,
    tMin: recipe.tMin,
    tMax: recipe.tMax,
    seed: recipe.seed,
    ...(recipe.emaDecay > 0 ? { emaDecay: recipe.emaDecay } : {}),
    ...(options.timeDistribution !== undefined ? { timeDistribution: options.timeDistribution } : {}),
    ...(heldOutY.shape[0]! > 0 ? { heldOut: heldOutY, ...(early ? { earlyStopping: early } : {}) } : {}),
    ...(options.evaluateEvery !== undefined ? { evaluateEvery: options.evaluateEvery } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
    ...(options.onEvaluation ? { onEvaluation: options.onEvaluation } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return {
    network,
    trainData: trainY,
    trainingOptions,
    train,
    heldOut,
    ...(normalization ? { normalization } : {}),
    dataMoments,
    dataRange,
    recipe,
  };
}

/** Per-coordinate minimum and maximum of the rows (raw units). */
function dataRangeOf(rows: Batch<Float64Array>): DataRange {
  const [n, d] = rows.shape as [number, number];
  const lower = new Float64Array(d).fill(Infinity);
  const upper = new Float64Array(d).fill(-Infinity);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const v = rows.data[rows.offset + r * d + j]!;
      if (v < lower[j]!) lower[j] = v;
      if (v > upper[j]!) upper[j] = v;
    }
  }
  return { lower, upper };
}

/** The result of a prepared run: the EMA (or final) weights with the normalization and data moments. */
export function finishScoreNetworkTraining<N extends AnyScoreNetwork>(
  prepared: PreparedScoreNetworkTraining<N>,
  result: TrainingResult<N>,
): TrainScoreNetworkResult<N> {
  const { normalization, dataMoments, dataRange, train, heldOut, recipe } = prepared;
  const weights = result.ema ?? prepared.network;
  const trained = networkLike(weights, weights.parameters, {
    ...(normalization ? { normalization } : {}),
    dataMoments,
    dataRange,
  });
  return {
    network: trained,
    train,
    heldOut,
    ...(normalization ? { normalization } : {}),
    losses: result.losses,
    gradientNorms: result.gradientNorms,
    evaluations: result.evaluations,
    stoppedEarly: result.stoppedEarly,
    steps: result.steps,
    options: recipe,
  };
}

function resolveRecipe(
  fn: string,
  options: TrainScoreNetworkOptions,
  d: number,
  defaults: RecipeDefaults,
): ResolvedRecipe {
  const normalization = options.normalization ?? 'affine';
  if (normalization !== 'affine' && normalization !== 'whitening' && normalization !== 'none') {
    throw new InvalidArgumentError(fn, 'options.normalization', normalization, "'affine', 'whitening' or 'none'");
  }
  const maxStandardizedRange = options.maxStandardizedRange ?? defaults.maxStandardizedRange;
  if (typeof maxStandardizedRange !== 'number' || !(maxStandardizedRange > 0)) {
    throw new InvalidArgumentError(
      fn,
      'options.maxStandardizedRange',
      maxStandardizedRange,
      'a number > 0 (Infinity: no floor)',
    );
  }
  const standardizedStd = options.standardizedStd ?? defaults.standardizedStd;
  if (typeof standardizedStd !== 'number' || !(standardizedStd > 0 && standardizedStd < Infinity))
    throw new InvalidArgumentError(fn, 'options.standardizedStd', standardizedStd, 'a finite number > 0');
  const heldOutFraction = options.heldOutFraction ?? 0.1;
  if (typeof heldOutFraction !== 'number' || !(heldOutFraction >= 0 && heldOutFraction <= 0.5)) {
    throw new InvalidArgumentError(fn, 'options.heldOutFraction', heldOutFraction, 'a number in [0, 0.5]');
  }
  const emaDecay = options.emaDecay ?? 0.999;
  if (typeof emaDecay !== 'number' || !(emaDecay >= 0 && emaDecay < 1))
    throw new InvalidArgumentError(fn, 'options.emaDecay', emaDecay, 'a number in [0, 1)');
  const e = options.earlyStopping;
  if (e !== undefined && typeof e !== 'boolean' && (typeof e !== 'object' || e === null)) {
    throw new InvalidArgumentError(
      fn,
      'options.earlyStopping',
      e,
      'a boolean or { patience?, minRelativeImprovement? }',
    );
  }
  if (e && heldOutFraction === 0)
    throw new InvalidArgumentError(
      fn,
      'options.earlyStopping',
      e,
      'off when options.heldOutFraction is 0 (it watches the held-out loss)',
    );
  // The remaining numeric options are checked by createScoreNetwork and trainDenoisingScoreMatching.
  const parameterisation = options.parameterisation ?? 'noise-prediction-skip';
  const steps = options.steps ?? DEFAULT_RECIPE_STEPS;
  return {
    normalization,
    maxStandardizedRange,
    standardizedStd,
    hiddenWidths: options.hiddenWidths ?? defaultHiddenWidths(d),
    parameterisation,
    // The default horizon goes with the skip term (beyond it the score is s_G); without the skip there is none.
    residualHorizon: expectResidualHorizon(
      fn,
      'options.residualHorizon',
      options.residualHorizon ?? (parameterisation === 'noise-prediction-skip' ? defaults.residualHorizon : Infinity),
    ),
    residualBox: expectResidualHorizon(
      fn,
      'options.residualBox',
      options.residualBox ?? (parameterisation === 'noise-prediction-skip' ? defaults.residualBox : Infinity),
    ),
    timeFrequencyCount: options.timeFrequencyCount ?? 8,
    steps,
    batchSize: options.batchSize ?? 256,
    learningRate: options.learningRate ?? 1e-3,
    warmupSteps: options.warmupSteps ?? (Number.isInteger(steps) && steps > 0 ? Math.round(steps / 40) : 0),
    learningRateDecay: options.learningRateDecay ?? 'cosine',
    finalLearningRateFraction: options.finalLearningRateFraction ?? 0.1,
    gradientClipNorm: options.gradientClipNorm ?? DEFAULT_GRADIENT_CLIP_NORM,
    emaDecay,
    heldOutFraction,
    tMin: options.tMin ?? 1e-3,
    tMax: options.tMax ?? 10,
    seed: expectSeed(fn, 'options.seed', options.seed ?? 0),
  };
}

/**
 * Shuffles the row indices with `RandomStream(seed, SPLIT_STREAM)` (Fisher–Yates) and holds out
 * the first `round(fraction·n)` (at least 1 when the fraction is > 0). Needs ≥ 2 training rows.
 */
function splitRows(
  fn: string,
  data: Batch,
  n: number,
  d: number,
  fraction: number,
  seed: number,
): { train: Batch<Float64Array>; heldOut: Batch<Float64Array> } {
  const heldOutCount = fraction > 0 ? Math.max(1, Math.round(fraction * n)) : 0;
  if (n - heldOutCount < 2) {
    throw new InvalidArgumentError(
      fn,
      'data',
      data,
      `a batch with at least ${heldOutCount + 2} rows (2 to train on${heldOutCount ? ` and ${heldOutCount} held out` : ''})`,
    );
  }
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new RandomStream(seed, SPLIT_STREAM);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(rng.uniform() * (i + 1)));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const rows = (indices: Int32Array): Batch<Float64Array> => {
    const out = new Float64Array(indices.length * d);
    indices.forEach((row, k) => {
      for (let j = 0; j < d; j++) out[k * d + j] = data.data[data.offset + row * d + j]!;
    });
    return { data: out, shape: [indices.length, d], stride: [d, 1], offset: 0 };
  };
  return { heldOut: rows(order.subarray(0, heldOutCount)), train: rows(order.subarray(heldOutCount)) };
}
