/**
 * Training a score network by denoising score matching (Vincent 2011; Song et al. 2021).
 *
 * Each step draws a minibatch: data indices uniformly with replacement, times t from the
 * stated distribution on [tMin, tMax] (log-uniform by default: every decade of t gets equal
 * weight, so the small-t regime the sampler ends in is trained as much as the large-t one),
 * and noise z ~ N(0, I); it forms x_t = e^{−t}x₀ + σ_t z and minimises the noise-prediction
 * loss (λ(t) = σ_t², see `loss.ts`) with Adam. All randomness comes from one
 * `RandomStream(seed)`, consumed in a fixed order, so training is bit-for-bit reproducible.
 * @packageDocumentation
 */
import {
  AbortedError,
  InvalidArgumentError,
  NonFiniteValueError,
  RandomStream,
  exp,
  expectBatch,
  expectInteger,
  expectPositive,
  expectSeed,
  log,
  type Batch,
} from '@sgmkit/tensor';
import { createAdamRun, roundInto, type AdamRun } from './adam.js';
import { expectCheckpoint, trainingFingerprint, type TrainingCheckpoint } from './checkpoint.js';
import { InProcessGradientEvaluator, type GradientEvaluator } from './gradient.js';
import { noisePredictionLoss, writeInputRow } from './loss.js';
import {
  createTrainingWorkspace,
  forwardTraining,
  mlpModel,
  type MlpModel,
  type TrainingWorkspace,
} from './mlp-kernels.js';
import { ScoreNetwork, type ScoreNetworkData } from './network.js';
import { CLDScoreNetwork } from './cld-network.js';
import { networkLike, trainingPerturbation, type AnyScoreNetwork, type TrainingPerturbation } from './perturbation.js';
import {
  clipGradientNorm,
  expectLearningRateSchedule,
  learningRateAt,
  type LearningRateDecay,
  type LearningRateSchedule,
} from './schedule.js';
import { writeTimeFeatures } from './time-features.js';

/** Distribution of the training times on [tMin, tMax]. */
export type TimeDistribution = 'log-uniform' | 'uniform';

/** What the per-step callback receives. */
export interface TrainingProgress {
  /** 1-based index of the step just taken. */
  readonly step: number;
  /** Minibatch loss `(1/B)Σ|ε_θ − z|²` before this step's update. */
  readonly loss: number;
  /** Learning rate used by this step. */
  readonly learningRate: number;
  /** Gradient norm before clipping. */
  readonly gradientNorm: number;
  /** The latest evaluation (held-out loss), when one has been made. */
  readonly evaluation?: TrainingEvaluation;
}

/**
 * A held-out evaluation: the DSM loss of the evaluated weights (the EMA when kept) on fixed draws
 * of times and noise, the same draws at every evaluation, so the numbers are comparable along the run.
 */
export interface TrainingEvaluation {
  /** Step after which the evaluation was made. */
  readonly step: number;
  /** `(1/R)Σ|ε_θ − z|²` over the fixed held-out rows. */
  readonly heldOutLoss: number;
  /** The same over as many fixed rows drawn from the training data (the gap to `heldOutLoss` shows over-fitting). */
  readonly trainLoss: number;
}

/** Stop when the held-out loss has not improved for a while. */
export interface EarlyStoppingOptions {
  /** Evaluations without an improvement after which training stops. Default 5. */
  readonly patience?: number;
  /** An improvement must lower the best held-out loss by this fraction of it. Default 1e-3. */
  readonly minRelativeImprovement?: number;
}

/** Options of `trainDenoisingScoreMatching`. */
export interface TrainingOptions {
  /** Number of Adam steps. Default 2000. */
  readonly steps?: number;
  /** Minibatch size B. Default 256. */
  readonly batchSize?: number;
  /** Smallest training time. Default 1e-3. */
  readonly tMin?: number;
  /** Largest training time T. Default 10. */
  readonly tMax?: number;
  /** Default 'log-uniform'. */
  readonly timeDistribution?: TimeDistribution;
  /** Adam step size. Default 1e-3. */
  readonly learningRate?: number;
  /** Adam β₁. Default 0.9. */
  readonly beta1?: number;
  /** Adam β₂. Default 0.999. */
  readonly beta2?: number;
  /** Adam ε. Default 1e-8. */
  readonly epsilon?: number;
  /**
   * When set (in [0, 1)), keep an EMA of the weights and return it as `ema`. The decay used at step k
   * is `min(emaDecay, (1 + k)/(10 + k))`, so a short run is not dominated by the initial weights.
   */
  readonly emaDecay?: number;
  /** Steps of linear learning-rate warm-up. Default 0. */
  readonly warmupSteps?: number;
  /** Decay after the warm-up. Default 'constant'. */
  readonly learningRateDecay?: LearningRateDecay;
  /** Cosine decay ends at this fraction of the learning rate. Default 0.1. */
  readonly finalLearningRateFraction?: number;
  /** Rescale each minibatch gradient to at most this Euclidean norm. Default: no clipping. */
  readonly gradientClipNorm?: number;
  /** Held-out data (m × d) for the held-out DSM loss; evaluations need it. */
  readonly heldOut?: Batch;
  /** Evaluate the held-out loss every this many steps (and after the last). Default ⌈steps/50⌉. */
  readonly evaluateEvery?: number;
  /** Fixed rows (noisy points) the held-out loss averages over. Default 2048. */
  readonly evaluationRows?: number;
  /** Stop on a held-out plateau (needs `heldOut`). Default: never stop early. */
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Called after every evaluation. */
  readonly onEvaluation?: (evaluation: TrainingEvaluation) => void;
  /** Seed of the minibatch stream. Default 0. */
  readonly seed?: number;
  /** Called after every step; e.g. to print progress or record a loss curve. */
  readonly onStep?: (progress: TrainingProgress) => void;
  /** Stops training with an AbortedError when aborted. */
  readonly signal?: AbortSignal;
  /** Call `onCheckpoint` (when given) after every this many steps. The same options can then resume the run. */
  readonly checkpointEvery?: number;
  /** Receives the run's state after every `checkpointEvery` steps (save it with `trainingCheckpointToJson`). */
  readonly onCheckpoint?: (checkpoint: TrainingCheckpoint) => void;
  /**
   * Continue from a checkpoint of this same run (same network shape and dtype, data and options, which its
   * fingerprint checks): the network's weights are replaced by the checkpoint's, and the run ends with the
   * bits it would have had without stopping. `result.losses` and `evaluations` include the steps before it.
   */
  readonly resumeFrom?: TrainingCheckpoint;
  /**
   * Computes each minibatch's loss and gradient (default: on the calling thread). Made for this
   * network and batch size, e.g. by the sampler's worker-thread training; the weights do not
   * depend on which evaluator is used (see `gradient.ts`).
   */
  readonly gradientEvaluator?: GradientEvaluator;
}

/** What training returns; the network's own parameters hold the final (non-averaged) weights. */
export interface TrainingResult<N extends AnyScoreNetwork = ScoreNetwork> {
  /** Steps taken (fewer than `options.steps` when stopped early). */
  readonly steps: number;
  /** Minibatch loss of every step taken. */
  readonly losses: Float64Array;
  /** Gradient norm (before clipping) of every step taken. */
  readonly gradientNorms: Float64Array;
  /** Held-out evaluations in order (empty without `heldOut`). */
  readonly evaluations: readonly TrainingEvaluation[];
  /** True when early stopping ended the run. */
  readonly stoppedEarly: boolean;
  /** A network of the same kind holding the EMA weights, when `emaDecay` was given (with the trained network's normalization). */
  readonly ema?: N;
}

interface ResolvedOptions {
  steps: number;
  batchSize: number;
  tMin: number;
  tMax: number;
  timeDistribution: TimeDistribution;
  adam: { learningRate: number; beta1: number; beta2: number; epsilon: number };
  schedule: LearningRateSchedule;
  gradientClipNorm: number;
  emaDecay: number | undefined;
  seed: number;
  heldOut: Batch | undefined;
  evaluateEvery: number;
  evaluationRows: number;
  earlyStopping: { patience: number; minRelativeImprovement: number } | undefined;
  checkpointEvery: number | undefined;
}

/** Checkpointing of one run: when to save, where to, and where to start. */
interface Checkpointing {
  readonly every: number | undefined;
  readonly onCheckpoint: ((checkpoint: TrainingCheckpoint) => void) | undefined;
  readonly resumeFrom: TrainingCheckpoint | undefined;
  readonly fingerprint: string;
}

/** Stream of `RandomStream(seed, ·)` the fixed evaluation draws come from (the minibatches use stream 0). */
export const EVALUATION_STREAM = 1;

/**
 * Trains `network` in place on the rows of `data` (n × d): by denoising score matching for a
 * `ScoreNetwork` (DDPM), by hybrid score matching for a `CLDScoreNetwork` (Dockhorn et al. 2022: the
 * target is the velocity noise of `(x_t, v_t)` drawn from its Gaussian law given x₀; `cld-network.ts`).
 * The loop, options, minibatch draw order, evaluations and gradient evaluators are the same for both;
 * a CLD row draws 2d normals (ε_x then ε_v) where a DDPM row draws d.
 * @throws {InvalidArgumentError} bad options, data of the wrong width, non-finite data
 * @throws {NonFiniteValueError} when the loss becomes non-finite (diverged: lower the learning rate)
 * @throws {AbortedError} when `options.signal` aborts (checked before each step). Training is in place, so the
 * network then holds the weights after the last completed step (as a run of that many steps would have left them).
 */
export function trainDenoisingScoreMatching<N extends AnyScoreNetwork>(
  network: N,
  data: Batch,
  options: TrainingOptions = {},
): TrainingResult<N> {
  const fn = 'trainDenoisingScoreMatching';
  if (!isScoreNetwork(network)) {
    throw new InvalidArgumentError(
      fn,
      'network',
      network,
      'a ScoreNetwork or CLDScoreNetwork (from createScoreNetwork, createCLDScoreNetwork or a loader)',
    );
  }
  const [n, d] = expectBatch(fn, 'data', data, network.dim);
  if (n === 0) throw new InvalidArgumentError(fn, 'data', data, 'a batch with at least 1 row');
  expectFiniteRows(fn, data, n, d);
  const resolved = withinResidualHorizon(fn, network, resolveOptions(fn, options, d));
  if (resolved.heldOut) expectFiniteRows(fn, resolved.heldOut, resolved.heldOut.shape[0]!, d, 'options.heldOut');
  if (options.onEvaluation !== undefined && typeof options.onEvaluation !== 'function')
    throw new InvalidArgumentError(fn, 'options.onEvaluation', options.onEvaluation, 'a function');
  const evaluator =
    expectEvaluator(fn, options.gradientEvaluator) ??
    new InProcessGradientEvaluator(network.architecture, network.model.parameters);
  const checkpointing = resolveCheckpointing(fn, options, network, data, resolved);
  return runTraining(
    network,
    data,
    n,
    resolved,
    evaluator,
    options.onStep,
    options.onEvaluation,
    options.signal,
    checkpointing,
  );
}

/**
 * A network with a residual horizon H is the skip term alone for t > H (`ScoreNetwork.residualHorizon`), so its
 * loss there does not depend on the weights: the training times (and the evaluation draws) are drawn on
 * [tMin, min(tMax, H)] instead, the same distribution restricted to where the MLP is used.
 */
function withinResidualHorizon(fn: string, network: AnyScoreNetwork, resolved: ResolvedOptions): ResolvedOptions {
  const horizon = network instanceof ScoreNetwork ? network.residualHorizon : Infinity;
  if (!(resolved.tMax > horizon)) return resolved;
  if (!(resolved.tMin < horizon)) {
    throw new InvalidArgumentError(
      fn,
      'options.tMin',
      resolved.tMin,
      `a number < the network's residual horizon (${horizon}): beyond it the network is not trained`,
    );
  }
  return { ...resolved, tMax: horizon };
}

/** The run's fingerprint, and the checkpoint options checked against it. */
function resolveCheckpointing(
  fn: string,
  options: TrainingOptions,
  network: AnyScoreNetwork,
  data: Batch,
  resolved: ResolvedOptions,
): Checkpointing {
  if (options.onCheckpoint !== undefined && typeof options.onCheckpoint !== 'function')
    throw new InvalidArgumentError(fn, 'options.onCheckpoint', options.onCheckpoint, 'a function');
  if (options.onCheckpoint !== undefined && resolved.checkpointEvery === undefined) {
    throw new InvalidArgumentError(
      fn,
      'options.checkpointEvery',
      options.checkpointEvery,
      'an integer >= 1 when options.onCheckpoint is given (it says when to call it)',
    );
  }
  const { heldOut, ...shaping } = resolved;
  const fingerprint = trainingFingerprint(
    {
      architecture: network.architecture,
      dtype: network.model.dtype,
      options: { ...shaping, checkpointEvery: undefined },
    },
    [data, heldOut],
  );
  const resumeFrom =
    options.resumeFrom === undefined
      ? undefined
      : expectCheckpoint(
          fn,
          'options.resumeFrom',
          options.resumeFrom,
          fingerprint,
          network.parameters.length,
          resolved.steps,
        );
  return { every: resolved.checkpointEvery, onCheckpoint: options.onCheckpoint, resumeFrom, fingerprint };
}

/** Held-out and training rows with their fixed times and noise, ready to be copied into the workspace. */
interface EvaluationSet {
  readonly rows: number;
  readonly heldOutInput: Float64Array;
  readonly heldOutNoise: Float64Array;
  readonly trainInput: Float64Array;
  readonly trainNoise: Float64Array;
}

/** The normalization and data moments a network carries. */
function trainedOn(network: AnyScoreNetwork): ScoreNetworkData {
  return {
    ...(network.normalization ? { normalization: network.normalization } : {}),
    ...(network.dataMoments ? { dataMoments: network.dataMoments } : {}),
    ...(network.dataRange ? { dataRange: network.dataRange } : {}),
  };
}

/** True for a `ScoreNetwork` or a `CLDScoreNetwork`. */
export function isScoreNetwork(value: unknown): value is AnyScoreNetwork {
  return value instanceof ScoreNetwork || value instanceof CLDScoreNetwork;
}

function runTraining<N extends AnyScoreNetwork>(
  network: N,
  data: Batch,
  n: number,
  options: ResolvedOptions,
  evaluator: GradientEvaluator,
  onStep: ((progress: TrainingProgress) => void) | undefined,
  onEvaluation: ((evaluation: TrainingEvaluation) => void) | undefined,
  signal: AbortSignal | undefined,
  checkpointing: Checkpointing,
): TrainingResult<N> {
  const { model } = network;
  const d = network.dim;
  const size = network.parameters.length;
  network.syncWeights();
  const ws = createTrainingWorkspace(model.layouts, options.batchSize, model.dtype);
  // The network's own skip scratch: training and evaluation never run at once on one network.
  const perturbation = trainingPerturbation(network);
  const normals = new Float64Array(options.batchSize * perturbation.normalsPerRow);
  // The MLP's targets (B × d); a DDPM row's target is its normals, overwritten in place.
  const noise = perturbation.normalsPerRow === d ? normals : new Float64Array(options.batchSize * d);
  const times = new Float64Array(options.batchSize);
  const sources = new Int32Array(options.batchSize);
  // A float32 network's gradient is float32 (the f32 GEMM writes it); Adam keeps float64 moments and master weights.
  const adam = createAdamRun(network.parameters, model.dtype, options.emaDecay !== undefined);
  const gradient = adam.gradient;
  const computeWeights = model.parameters instanceof Float32Array ? model.parameters : undefined;
  const adamOptions = { ...options.adam };
  const average = adam.average;
  // Held-out evaluations run on the EMA weights when kept (rounded to float32 for a float32 network).
  const evaluatedWeights = average && computeWeights ? new Float32Array(size) : average;
  const evaluated = evaluatedWeights ? mlpModel(evaluatedWeights, model.layouts) : model;
  const frequencies = Float64Array.from(network.architecture.timeFeatures.frequencies);
  const evaluationSet = options.heldOut
    ? fixedEvaluationSet(options, data, options.heldOut, ws, frequencies, d, perturbation)
    : undefined;
  const plateau = { best: Infinity, sinceBest: 0 };
  let rng = new RandomStream(options.seed);
  const losses = new Float64Array(options.steps);
  const gradientNorms = new Float64Array(options.steps);
  const evaluations: TrainingEvaluation[] = [];
  let stoppedEarly = false;
  let step = 0;
  const resume = checkpointing.resumeFrom;
  if (resume !== undefined) {
    restoreCheckpoint(resume, network, adam, plateau, losses, gradientNorms, evaluations);
    rng = RandomStream.fromState(resume.random);
    step = resume.step;
    stoppedEarly = options.earlyStopping !== undefined && plateau.sinceBest >= options.earlyStopping.patience;
  }
  const save = (): TrainingCheckpoint => ({
    step,
    fingerprint: checkpointing.fingerprint,
    parameters: network.parameters.slice(),
    adam: adam.save(),
    random: rng.saveState(),
    plateau: { ...plateau },
    losses: losses.slice(0, step),
    gradientNorms: gradientNorms.slice(0, step),
    evaluations: [...evaluations],
  });
  while (step < options.steps && !stoppedEarly) {
    step += 1;
    if (signal?.aborted) throw new AbortedError(`trainDenoisingScoreMatching: aborted at step ${step}`);
    drawMinibatch(rng, data, d, options, ws, normals, noise, times, sources, frequencies, perturbation);
    const loss = evaluator.lossAndGradient(ws.input, noise, options.batchSize, gradient);
    const gradientNorm = clipGradientNorm(gradient, options.gradientClipNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradientNorm)) {
      throw new NonFiniteValueError(
        `trainDenoisingScoreMatching: loss became ${loss} (gradient norm ${gradientNorm}) at step ${step}; lower options.learningRate`,
        `step ${step}`,
      );
    }
    adamOptions.learningRate = learningRateAt(options.schedule, step);
    adam.step(
      network.parameters,
      adamOptions,
      average ? Math.min(options.emaDecay!, (1 + step) / (10 + step)) : 0,
      computeWeights,
    );
    losses[step - 1] = loss;
    gradientNorms[step - 1] = gradientNorm;
    if (evaluationSet && (step % options.evaluateEvery === 0 || step === options.steps)) {
      if (evaluatedWeights instanceof Float32Array) roundInto(average!, evaluatedWeights);
      const evaluation = evaluate(evaluated, ws, evaluationSet, d, step);
      evaluations.push(evaluation);
      onEvaluation?.(evaluation);
      stoppedEarly = reachedPlateau(plateau, evaluation.heldOutLoss, options.earlyStopping);
    }
    onStep?.({
      step,
      loss,
      learningRate: adamOptions.learningRate,
      gradientNorm,
      ...(evaluations.length ? { evaluation: evaluations[evaluations.length - 1]! } : {}),
    });
    if (checkpointing.onCheckpoint !== undefined && step % checkpointing.every! === 0)
      checkpointing.onCheckpoint(save());
  }
  return {
    steps: step,
    losses: losses.slice(0, step),
    gradientNorms: gradientNorms.slice(0, step),
    evaluations,
    stoppedEarly,
    ...(average ? { ema: networkLike(network, average, trainedOn(network)) } : {}),
  };
}

/** Puts a checkpoint's state into a fresh run: weights, optimiser, early-stopping tracker and history. */
function restoreCheckpoint(
  checkpoint: TrainingCheckpoint,
  network: AnyScoreNetwork,
  adam: AdamRun,
  plateau: { best: number; sinceBest: number },
  losses: Float64Array,
  gradientNorms: Float64Array,
  evaluations: TrainingEvaluation[],
): void {
  network.parameters.set(checkpoint.parameters);
  network.syncWeights();
  adam.restore(checkpoint.adam, network.parameters);
  plateau.best = checkpoint.plateau.best;
  plateau.sinceBest = checkpoint.plateau.sinceBest;
  losses.set(checkpoint.losses);
  gradientNorms.set(checkpoint.gradientNorms);
  evaluations.push(...checkpoint.evaluations);
}

/** Updates the plateau tracker; true when `patience` evaluations in a row brought no relative improvement. */
function reachedPlateau(
  plateau: { best: number; sinceBest: number },
  loss: number,
  early: ResolvedOptions['earlyStopping'],
): boolean {
  if (loss < plateau.best * (1 - (early?.minRelativeImprovement ?? 0))) {
    plateau.best = loss;
    plateau.sinceBest = 0;
  } else {
    plateau.sinceBest += 1;
  }
  return early !== undefined && plateau.sinceBest >= early.patience;
}

/**
 * Draws the fixed evaluation rows once, from `RandomStream(seed, EVALUATION_STREAM)`: row r uses
 * held-out point `r mod m` (and training point `r mod n`), a time from the training distribution
 * and fresh noise.
 */
function fixedEvaluationSet(
  options: ResolvedOptions,
  data: Batch,
  heldOut: Batch,
  ws: TrainingWorkspace,
  frequencies: Float64Array,
  d: number,
  perturbation: TrainingPerturbation,
): EvaluationSet {
  const rows = options.evaluationRows;
  const width = ws.input.length / ws.capacity;
  const k = perturbation.normalsPerRow;
  const rng = new RandomStream(options.seed, EVALUATION_STREAM);
  const noisyRows = (source: Batch): [Float64Array, Float64Array] => {
    const m = source.shape[0]!;
    const input = new Float64Array(rows * width);
    const normals = new Float64Array(rows * k);
    const noise = k === d ? normals : new Float64Array(rows * d);
    rng.fillNormal(normals, 0, rows * k);
    for (let r = 0; r < rows; r++) {
      const t = drawTime(rng.uniform(), options);
      const point = source.offset + (r % m) * d;
      perturbation.perturbRow(t, source.data, point, normals, r * k, input, r * width, noise, r * d);
      writeTimeFeatures(t, frequencies, input, r * width + perturbation.pointWidth);
    }
    return [input, noise];
  };
  const [heldOutInput, heldOutNoise] = noisyRows(heldOut);
  const [trainInput, trainNoise] = noisyRows(data);
  return { rows, heldOutInput, heldOutNoise, trainInput, trainNoise };
}

function evaluate(
  model: MlpModel,
  ws: TrainingWorkspace,
  set: EvaluationSet,
  d: number,
  step: number,
): TrainingEvaluation {
  return {
    step,
    heldOutLoss: fixedRowsLoss(model, ws, set.heldOutInput, set.heldOutNoise, set.rows, d),
    trainLoss: fixedRowsLoss(model, ws, set.trainInput, set.trainNoise, set.rows, d),
  };
}

/** Mean `|ε_θ − z|²` over fixed prepared rows, evaluated in workspace-sized chunks. */
function fixedRowsLoss(
  model: MlpModel,
  ws: TrainingWorkspace,
  input: Float64Array,
  noise: Float64Array,
  rows: number,
  d: number,
): number {
  const width = ws.input.length / ws.capacity;
  let sum = 0;
  for (let start = 0; start < rows; start += ws.capacity) {
    const count = Math.min(ws.capacity, rows - start);
    ws.input.set(input.subarray(start * width, (start + count) * width));
    forwardTraining(model, ws, count);
    sum += count * noisePredictionLoss(ws, noise.subarray(start * d, (start + count) * d), count, d);
  }
  return sum / rows;
}

function drawTime(u: number, options: ResolvedOptions): number {
  if (options.timeDistribution === 'uniform') return options.tMin + u * (options.tMax - options.tMin);
  return exp(log(options.tMin) + u * (log(options.tMax) - log(options.tMin)));
}

/**
 * Fills the workspace input rows with `[noisy point, φ(t)]` and `noise` with the MLP's targets. Draw
 * order (fixed, part of the reproducibility contract): for each row an index then a time, then all
 * B·k normals (k = `perturbation.normalsPerRow`: d for DDPM, 2d for CLD) into `normals`.
 */
function drawMinibatch(
  rng: RandomStream,
  data: Batch,
  d: number,
  options: ResolvedOptions,
  ws: TrainingWorkspace,
  normals: Float64Array,
  noise: Float64Array,
  times: Float64Array,
  sources: Int32Array,
  frequencies: Float64Array,
  perturbation: TrainingPerturbation,
): void {
  const rows = options.batchSize;
  const n = data.shape[0]!;
  const k = perturbation.normalsPerRow;
  const width = ws.input.length / ws.capacity;
  for (let r = 0; r < rows; r++) {
    // Remember the clean point; the noisy point is formed once the noise is drawn.
    sources[r] = data.offset + Math.floor(rng.uniform() * n) * d;
    const u = rng.uniform();
    const t = drawTime(u, options);
    writeInputRow(ws, r, width, t, frequencies, perturbation.pointWidth);
    times[r] = t;
  }
  rng.fillNormal(normals, 0, rows * k);
  for (let r = 0; r < rows; r++) {
    perturbation.perturbRow(times[r]!, data.data, sources[r]!, normals, r * k, ws.input, r * width, noise, r * d);
  }
}

function expectEvaluator(fn: string, evaluator: unknown): GradientEvaluator | undefined {
  if (evaluator === undefined) return undefined;
  if (
    evaluator === null ||
    typeof evaluator !== 'object' ||
    typeof (evaluator as GradientEvaluator).lossAndGradient !== 'function'
  ) {
    throw new InvalidArgumentError(
      fn,
      'options.gradientEvaluator',
      evaluator,
      'an object with a lossAndGradient method',
    );
  }
  return evaluator as GradientEvaluator;
}

function expectFiniteRows(fn: string, data: Batch, n: number, d: number, name = 'data'): void {
  for (let i = 0; i < n * d; i++) {
    const v = data.data[data.offset + i]!;
    if (!Number.isFinite(v))
      throw new InvalidArgumentError(fn, `${name}[${Math.floor(i / d)}][${i % d}]`, v, 'a finite number');
  }
}

function resolveOptions(fn: string, options: TrainingOptions, d: number): ResolvedOptions {
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  const tMin = expectPositive(fn, 'options.tMin', options.tMin ?? 1e-3);
  const tMax = expectPositive(fn, 'options.tMax', options.tMax ?? 10);
  if (!(tMax > tMin)) throw new InvalidArgumentError(fn, 'options.tMax', tMax, `a number > options.tMin (${tMin})`);
  const timeDistribution = options.timeDistribution ?? 'log-uniform';
  if (timeDistribution !== 'log-uniform' && timeDistribution !== 'uniform') {
    throw new InvalidArgumentError(fn, 'options.timeDistribution', timeDistribution, "'log-uniform' or 'uniform'");
  }
  const unitInterval = (name: string, value: number, closedAtZero: boolean): number => {
    if (typeof value !== 'number' || !(closedAtZero ? value >= 0 : value > 0) || !(value < 1)) {
      throw new InvalidArgumentError(fn, `options.${name}`, value, `a number in ${closedAtZero ? '[0' : '(0'}, 1)`);
    }
    return value;
  };
  if (options.onStep !== undefined && typeof options.onStep !== 'function')
    throw new InvalidArgumentError(fn, 'options.onStep', options.onStep, 'a function');
  const steps = expectInteger(fn, 'options.steps', options.steps ?? 2000, 1);
  const learningRate = expectPositive(fn, 'options.learningRate', options.learningRate ?? 1e-3);
  const schedule = expectLearningRateSchedule(fn, {
    learningRate,
    steps,
    warmupSteps: options.warmupSteps ?? 0,
    decay: options.learningRateDecay ?? 'constant',
    finalFraction: options.finalLearningRateFraction ?? 0.1,
  });
  const gradientClipNorm = options.gradientClipNorm ?? Infinity;
  if (typeof gradientClipNorm !== 'number' || !(gradientClipNorm > 0)) {
    throw new InvalidArgumentError(
      fn,
      'options.gradientClipNorm',
      gradientClipNorm,
      'a number > 0 (Infinity: no clipping)',
    );
  }
  const heldOut = options.heldOut;
  if (heldOut !== undefined) {
    const [m] = expectBatch(fn, 'options.heldOut', heldOut, d);
    if (m === 0) throw new InvalidArgumentError(fn, 'options.heldOut', heldOut, 'a batch with at least 1 row');
  }
  const early = options.earlyStopping;
  if (early !== undefined && (typeof early !== 'object' || early === null)) {
    throw new InvalidArgumentError(
      fn,
      'options.earlyStopping',
      early,
      'an object { patience?, minRelativeImprovement? }',
    );
  }
  if (early !== undefined && heldOut === undefined)
    throw new InvalidArgumentError(
      fn,
      'options.earlyStopping',
      early,
      'given only with options.heldOut (it watches the held-out loss)',
    );
  const earlyStopping =
    early === undefined
      ? undefined
      : {
          patience: expectInteger(fn, 'options.earlyStopping.patience', early.patience ?? 5, 1),
          minRelativeImprovement: unitInterval(
            'earlyStopping.minRelativeImprovement',
            early.minRelativeImprovement ?? 1e-3,
            true,
          ),
        };
  return {
    steps,
    batchSize: expectInteger(fn, 'options.batchSize', options.batchSize ?? 256, 1),
    tMin,
    tMax,
    timeDistribution,
    adam: {
      learningRate,
      beta1: unitInterval('beta1', options.beta1 ?? 0.9, true),
      beta2: unitInterval('beta2', options.beta2 ?? 0.999, true),
      epsilon: expectPositive(fn, 'options.epsilon', options.epsilon ?? 1e-8),
    },
    schedule,
    gradientClipNorm,
    emaDecay: options.emaDecay === undefined ? undefined : unitInterval('emaDecay', options.emaDecay, true),
    seed: expectSeed(fn, 'options.seed', options.seed ?? 0),
    heldOut,
    evaluateEvery: expectInteger(fn, 'options.evaluateEvery', options.evaluateEvery ?? Math.ceil(steps / 50), 1),
    checkpointEvery:
      options.checkpointEvery === undefined
        ? undefined
        : expectInteger(fn, 'options.checkpointEvery', options.checkpointEvery, 1),
    evaluationRows: expectInteger(fn, 'options.evaluationRows', options.evaluationRows ?? 2048, 1),
    earlyStopping,
  };
}
