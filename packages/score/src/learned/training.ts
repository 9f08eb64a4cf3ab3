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
  AbortedError, InvalidArgumentError, NonFiniteValueError, RandomStream, expectBatch, expectInteger, expectPositive, expectSeed,
  type Batch,
} from '@sgmkit/tensor';
import { adamUpdate, createAdamState, emaUpdate } from './adam.js';
import { InProcessGradientEvaluator, type GradientEvaluator } from './gradient.js';
import { writeInputRow } from './loss.js';
import { createTrainingWorkspace, networkArray, type TrainingWorkspace } from './mlp-kernels.js';
import { ScoreNetwork } from './network.js';
import { noiseScale } from './time-features.js';

/** Distribution of the training times on [tMin, tMax]. */
export type TimeDistribution = 'log-uniform' | 'uniform';

/** What the per-step callback receives. */
export interface TrainingProgress {
  /** 1-based index of the step just taken. */
  readonly step: number;
  /** Minibatch loss `(1/B)Σ|ε_θ − z|²` before this step's update. */
  readonly loss: number;
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
  /** When set (in [0, 1)), keep an EMA of the weights with this decay and return it as `ema`. */
  readonly emaDecay?: number;
  /** Seed of the minibatch stream. Default 0. */
  readonly seed?: number;
  /** Called after every step; e.g. to print progress or record a loss curve. */
  readonly onStep?: (progress: TrainingProgress) => void;
  /** Stops training with an AbortedError when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Computes each minibatch's loss and gradient (default: on the calling thread). Made for this
   * network and batch size, e.g. by the sampler's worker-thread training; the weights do not
   * depend on which evaluator is used (see `gradient.ts`).
   */
  readonly gradientEvaluator?: GradientEvaluator;
}

/** What training returns; the network's own parameters hold the final (non-averaged) weights. */
export interface TrainingResult {
  readonly steps: number;
  /** Minibatch loss of every step. */
  readonly losses: Float64Array;
  /** A network holding the EMA weights, when `emaDecay` was given. */
  readonly ema?: ScoreNetwork;
}

interface ResolvedOptions {
  steps: number; batchSize: number; tMin: number; tMax: number; timeDistribution: TimeDistribution;
  adam: { learningRate: number; beta1: number; beta2: number; epsilon: number };
  emaDecay: number | undefined; seed: number;
}

/**
 * Trains `network` in place by denoising score matching on the rows of `data` (n × d).
 * @throws {InvalidArgumentError} bad options, data of the wrong width, non-finite data
 * @throws {NonFiniteValueError} when the loss becomes non-finite (diverged: lower the learning rate)
 */
export function trainDenoisingScoreMatching(network: ScoreNetwork, data: Batch, options: TrainingOptions = {}): TrainingResult {
  const fn = 'trainDenoisingScoreMatching';
  if (!(network instanceof ScoreNetwork)) throw new InvalidArgumentError(fn, 'network', network, 'a ScoreNetwork (from createScoreNetwork or loadScoreNetwork)');
  const [n, d] = expectBatch(fn, 'data', data, network.dim);
  if (n === 0) throw new InvalidArgumentError(fn, 'data', data, 'a batch with at least 1 row');
  expectFiniteRows(fn, data, n, d);
  const resolved = resolveOptions(fn, options);
  const evaluator = expectEvaluator(fn, options.gradientEvaluator) ?? new InProcessGradientEvaluator(network.architecture, network.model.parameters);
  return runTraining(network, data, n, resolved, evaluator, options.onStep, options.signal);
}

function runTraining(
  network: ScoreNetwork, data: Batch, n: number, options: ResolvedOptions, evaluator: GradientEvaluator,
  onStep: ((progress: TrainingProgress) => void) | undefined, signal: AbortSignal | undefined,
): TrainingResult {
  const { model } = network;
  const d = network.dim;
  const size = network.parameters.length;
  network.syncWeights();
  const ws = createTrainingWorkspace(model.layouts, options.batchSize, model.dtype);
  const noise = new Float64Array(options.batchSize * d);
  const times = new Float64Array(options.batchSize);
  const sources = new Int32Array(options.batchSize);
  // A float32 network's gradient is float32 (the f32 GEMM writes it); Adam keeps float64 moments and master weights.
  const gradient = networkArray(model.dtype, size);
  const computeWeights = model.parameters instanceof Float32Array ? model.parameters : undefined;
  const adam = createAdamState(size);
  const average = options.emaDecay === undefined ? undefined : Float64Array.from(network.parameters);
  const frequencies = Float64Array.from(network.architecture.timeFeatures.frequencies);
  const rng = new RandomStream(options.seed);
  const losses = new Float64Array(options.steps);
  for (let step = 1; step <= options.steps; step++) {
    if (signal?.aborted) throw new AbortedError(`trainDenoisingScoreMatching: aborted at step ${step}`);
    drawMinibatch(rng, data, n, d, options, ws, noise, times, sources, frequencies);
    const loss = evaluator.lossAndGradient(ws.input, noise, options.batchSize, gradient);
    if (!Number.isFinite(loss)) {
      throw new NonFiniteValueError(`trainDenoisingScoreMatching: loss became ${loss} at step ${step}; lower options.learningRate`, `step ${step}`);
    }
    adamUpdate(network.parameters, gradient, adam, options.adam, computeWeights);
    if (average) emaUpdate(average, network.parameters, options.emaDecay!);
    losses[step - 1] = loss;
    onStep?.({ step, loss });
  }
  return { steps: options.steps, losses, ...(average ? { ema: new ScoreNetwork(network.architecture, average, network.dtype) } : {}) };
}

/**
 * Fills the workspace input rows with `[x_t, φ(t)]` and `noise` with z. Draw order (fixed, part of
 * the reproducibility contract): for each row an index then a time, then all B·d normals.
 */
function drawMinibatch(
  rng: RandomStream, data: Batch, n: number, d: number, options: ResolvedOptions,
  ws: TrainingWorkspace, noise: Float64Array, times: Float64Array, sources: Int32Array, frequencies: Float64Array,
): void {
  const rows = options.batchSize;
  const width = ws.input.length / ws.capacity;
  const logTMin = Math.log(options.tMin);
  const logRange = Math.log(options.tMax) - logTMin;
  const logUniform = options.timeDistribution === 'log-uniform';
  for (let r = 0; r < rows; r++) {
    // Remember the clean point; x_t is formed once the noise is drawn.
    sources[r] = data.offset + Math.floor(rng.uniform() * n) * d;
    const u = rng.uniform();
    const t = logUniform ? Math.exp(logTMin + u * logRange) : options.tMin + u * (options.tMax - options.tMin);
    writeInputRow(ws, r, width, t, frequencies, d);
    times[r] = t;
  }
  rng.fillNormal(noise, 0, rows * d);
  for (let r = 0; r < rows; r++) {
    const t = times[r]!;
    const decay = Math.exp(-t);
    const sigma = noiseScale(t);
    const source = sources[r]!;
    for (let j = 0; j < d; j++) ws.input[r * width + j] = decay * data.data[source + j]! + sigma * noise[r * d + j]!;
  }
}

function expectEvaluator(fn: string, evaluator: unknown): GradientEvaluator | undefined {
  if (evaluator === undefined) return undefined;
  if (evaluator === null || typeof evaluator !== 'object' || typeof (evaluator as GradientEvaluator).lossAndGradient !== 'function') {
    throw new InvalidArgumentError(fn, 'options.gradientEvaluator', evaluator, 'an object with a lossAndGradient method');
  }
  return evaluator as GradientEvaluator;
}

function expectFiniteRows(fn: string, data: Batch, n: number, d: number): void {
  for (let i = 0; i < n * d; i++) {
    const v = data.data[data.offset + i]!;
    if (!Number.isFinite(v)) throw new InvalidArgumentError(fn, `data[${Math.floor(i / d)}][${i % d}]`, v, 'a finite number');
  }
}

function resolveOptions(fn: string, options: TrainingOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') throw new InvalidArgumentError(fn, 'options', options, 'an options object');
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
  if (options.onStep !== undefined && typeof options.onStep !== 'function') throw new InvalidArgumentError(fn, 'options.onStep', options.onStep, 'a function');
  return {
    steps: expectInteger(fn, 'options.steps', options.steps ?? 2000, 1),
    batchSize: expectInteger(fn, 'options.batchSize', options.batchSize ?? 256, 1),
    tMin,
    tMax,
    timeDistribution,
    adam: {
      learningRate: expectPositive(fn, 'options.learningRate', options.learningRate ?? 1e-3),
      beta1: unitInterval('beta1', options.beta1 ?? 0.9, true),
      beta2: unitInterval('beta2', options.beta2 ?? 0.999, true),
      epsilon: expectPositive(fn, 'options.epsilon', options.epsilon ?? 1e-8),
    },
    emaDecay: options.emaDecay === undefined ? undefined : unitInterval('emaDecay', options.emaDecay, true),
    seed: expectSeed(fn, 'options.seed', options.seed ?? 0),
  };
}
