/**
 * The MLP score network: `s_θ(t, x) = −ε_θ(t, x) / σ_t` with `σ_t = √(1 − e^{−2t})`.
 *
 * Parameterisation: the MLP predicts the noise ε that took a data point to x_t = e^{−t}x₀ + σ_t ε
 * rather than the score itself. The score of q_t blows up like 1/σ_t as t → 0 while the noise
 * has unit scale at every t, so the network's output stays O(1) across [t_min, T] and
 * denoising score matching with weight λ(t) = σ_t² becomes a plain mean squared error on ε.
 * @packageDocumentation
 */
import {
  exp,
  expm1,
  DTypeMismatchError,
  InvalidArgumentError,
  RandomStream,
  dtypeOf,
  expectBatch,
  expectInteger,
  expectPositive,
  expectSeed,
  type Batch,
  type MatrixOperand,
} from '@sgmkit/tensor';
import type { DataMoments, DataNormalization, Score, ScoreSpec } from '../types.js';
import { roundInto } from './adam.js';
import {
  layerLayouts,
  parameterCount,
  type LayerLayout,
  type NetworkDType,
  type Parameterisation,
  type ScoreNetworkArchitecture,
} from './architecture.js';
import {
  createMlpWorkspace,
  denseLayer,
  forwardHiddenLayers,
  hiddenLayer,
  mlpModel,
  networkArray,
  type MlpModel,
  type MlpWorkspace,
  type MutableOperand,
  type NetworkArray,
} from './mlp-kernels.js';
import { logSpacedFrequencies, noiseScale, writeTimeFeatures } from './time-features.js';
import { expectTraceArguments } from '../analytic/validate.js';
import { createTangentWorkspace, tangentDiagonal, type TangentWorkspace } from './tangent-kernels.js';

/**
 * Rows per forward chunk: large enough for GEMM to run at speed, small enough that a chunk's
 * activations (rows × 128 doubles per layer) stay in L2 between layers, and that huge batches
 * need no huge workspace.
 */
export const EVALUATION_CHUNK_ROWS = 512;

/** Options of `createScoreNetwork`. */
export interface ScoreNetworkOptions {
  /** Data dimension d. */
  readonly dim: number;
  /** Hidden layer widths (at least one layer). Default `[128, 128]`. */
  readonly hiddenWidths?: readonly number[];
  /** Number of time frequencies (two features each). Default 8. */
  readonly timeFrequencyCount?: number;
  /** Lowest angular frequency applied to ln t. Default 0.1 (period ≈ 63, longer than ln(T/t_min)). */
  readonly minTimeFrequency?: number;
  /** Highest angular frequency applied to ln t. Default 4. */
  readonly maxTimeFrequency?: number;
  /** Seed of the weight initialisation. Default 0. */
  readonly seed?: number;
  /**
   * Precision of weights and activations. Default `'float64'`. `'float32'` runs the float32 GEMM
   * kernel (about twice as fast) on float32 weights and activations; training accumulates the
   * loss and keeps Adam's moments and a master copy of the weights in float64 (`parameters`).
   */
  readonly dtype?: NetworkDType;
  /** Output parameterisation. Default `'noise-prediction'`. */
  readonly parameterisation?: Parameterisation;
  /**
   * Residual horizon H: for t > H the score is the skip term alone (see
   * `ScoreNetworkArchitecture.residualHorizon`). Needs `'noise-prediction-skip'`. Default `Infinity` (no horizon).
   */
  readonly residualHorizon?: number;
}

/** The diagonal Gaussian of the skip term and its coefficients' scratch. */
export interface SkipGaussian {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  readonly slope: Float64Array;
  readonly offset: Float64Array;
}

function skipGaussian(d: number, moments: DataMoments | undefined): SkipGaussian {
  return {
    mean: moments ? Float64Array.from(moments.mean) : new Float64Array(d),
    variance: moments ? Float64Array.from(moments.std, (s) => s * s) : new Float64Array(d).fill(1),
    slope: new Float64Array(d),
    offset: new Float64Array(d),
  };
}

/**
 * The OU score at time t of the diagonal Gaussian `N(mean, diag(variance))` is `−a_j·y_j + b_j` with
 * `a_j = 1/(e^{−2t}·variance_j + σ_t²)` and `b_j = a_j·e^{−t}·mean_j`; writes a into `slope`, b into `offset`.
 * For standardised data (mean 0, variance 1) this is `−y`, the N(0, I) score; for a coordinate that is
 * constant in the data (variance 0) it is `−y/σ_t²`, exact at every t, which an MLP cannot represent
 * as t → 0 (its gain grows like 1/σ_t²).
 */
export function skipCoefficients(
  t: number,
  mean: Float64Array,
  variance: Float64Array,
  slope: Float64Array,
  offset: Float64Array,
): void {
  const decay = exp(-t);
  const noiseVariance = -expm1(-2 * t);
  for (let j = 0; j < mean.length; j++) {
    const a = 1 / (decay * decay * variance[j]! + noiseVariance);
    slope[j] = a;
    offset[j] = a * decay * mean[j]!;
  }
}

/**
 * With the skip parameterisation `ε_θ = −σ_t·s_G(t, x_t) + F_θ`, the loss `|ε_θ − z|²` is
 * `|F_θ − (z + σ_t·s_G(t, x_t))|²`: the MLP's target is `z + σ_t·s_G`, written over z, so the loss
 * kernels stay the same. `s_G,j = −a_j·x_j + b_j` (see `skipCoefficients`).
 */
export function skipTarget(
  t: number,
  skip: SkipGaussian,
  input: Float64Array | Float32Array,
  inputOffset: number,
  noise: Float64Array,
  noiseOffset: number,
  sigma: number,
  d: number,
): void {
  skipCoefficients(t, skip.mean, skip.variance, skip.slope, skip.offset);
  for (let j = 0; j < d; j++) {
    noise[noiseOffset + j] =
      noise[noiseOffset + j]! + sigma * (skip.offset[j]! - skip.slope[j]! * input[inputOffset + j]!);
  }
}

/** Per-coordinate range `[lower_i, upper_i]` of the training rows, in data units. */
export interface DataRange {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** What a network knows of its training data (all optional; see `ScoreNetwork`). */
export interface ScoreNetworkData {
  readonly normalization?: DataNormalization;
  readonly dataMoments?: DataMoments;
  readonly dataRange?: DataRange;
}

/** A learned score: an MLP with sinusoidal log-time conditioning, trained by denoising score matching. */
export class ScoreNetwork implements Score {
  readonly kind = 'ou' as const;
  readonly dim: number;
  readonly architecture: ScoreNetworkArchitecture;
  /**
   * All weights and biases, layer by layer (W row-major `in × out`, then b), in float64 whatever
   * the dtype: the master copy training updates in place. A float32 network computes with the
   * float32 rounding of these, refreshed after every training step; after writing to
   * `parameters` by hand, call `syncWeights()`.
   */
  readonly parameters: Float64Array;
  /** Precision of weights and activations. */
  readonly dtype: NetworkDType;
  /** @internal layer layouts and weight operands (over the compute weights) */
  readonly model: MlpModel;
  private readonly frequencies: Float64Array;
  private readonly timeFeatures: Float64Array;
  private readonly firstBias: Float64Array;
  private readonly inputOperand: MutableOperand = { data: new Float64Array(0), offset: 0, rowStride: 1, colStride: 1 };
  private workspace: MlpWorkspace | undefined;
  /** Rows of x converted to the network's dtype when x has the other one (capacity × d). */
  private inputScratch: NetworkArray | undefined;
  /**
   * Present when the network was trained on standardised data: it is then the score of the OU
   * process of `y = N⁻¹(x)`, and samplers map each final sample back with `x = N(y)`.
   */
  readonly normalization?: DataNormalization;
  /** Per-coordinate moments of the (standardised) training data, in the network's own space. */
  readonly dataMoments?: DataMoments;
  /**
   * Per-coordinate minimum and maximum of the training rows in data units (raw, before any
   * normalization): what `sgmkit sample --clip train` clips the denoised prediction to when no
   * `--train` file is given. Set by `trainScoreNetwork`.
   */
  readonly dataRange?: DataRange;
  /**
   * @internal The skip term's Gaussian (`'noise-prediction-skip'` only): per-coordinate mean and variance
   * (`dataMoments`, or 0 and 1 without them) and the scratch its coefficients at one t are written to.
   */
  readonly skip: SkipGaussian | undefined;
  /**
   * For t above this the score is the skip term alone, `s_θ = s_G` (`ScoreNetworkArchitecture.residualHorizon`;
   * `Infinity` when the architecture has none).
   */
  get residualHorizon(): number {
    return this.architecture.residualHorizon ?? Infinity;
  }

  /**
   * Wraps existing parameters (validated by the caller: `createScoreNetwork`, `loadScoreNetwork`,
   * `trainScoreNetwork`), with the normalization and data moments of the data it was trained on.
   */
  constructor(
    architecture: ScoreNetworkArchitecture,
    parameters: Float64Array,
    dtype: NetworkDType = 'float64',
    data: ScoreNetworkData = {},
  ) {
    if (data.normalization) this.normalization = data.normalization;
    if (data.dataMoments) this.dataMoments = data.dataMoments;
    if (data.dataRange) this.dataRange = data.dataRange;
    this.skip =
      architecture.parameterisation === 'noise-prediction-skip'
        ? skipGaussian(architecture.dim, data.dataMoments)
        : undefined;
    this.architecture = architecture;
    this.dim = architecture.dim;
    this.parameters = parameters;
    this.dtype = dtype;
    this.model = mlpModel(dtype === 'float32' ? Float32Array.from(parameters) : parameters, layerLayouts(architecture));
    this.frequencies = Float64Array.from(architecture.timeFeatures.frequencies);
    this.timeFeatures = new Float64Array(2 * this.frequencies.length);
    this.firstBias = new Float64Array(this.model.layouts[0]!.outDim);
  }

  /** Re-derives a float32 network's compute weights from `parameters` (nothing to do in float64). */
  syncWeights(): void {
    if (this.model.parameters instanceof Float32Array) roundInto(this.parameters, this.model.parameters);
  }

  /** Layer layouts in the flat parameter vector. */
  get layouts(): readonly LayerLayout[] {
    return this.model.layouts;
  }

  /** JSON description carrying the weights, for `scoreNetworkFromSpec` (e.g. in a worker thread). */
  get spec(): ScoreSpec {
    return { type: SCORE_NETWORK_SPEC_TYPE, network: networkDocument(this) };
  }

  /**
   * Writes `s_θ(t, x) = −ε_θ(t, x)/σ_t` for each row of x into out. Works in chunks of
   * `EVALUATION_CHUNK_ROWS`; the workspace is allocated on first use and reused, so repeated
   * calls allocate nothing. A batch of the network's dtype is read directly; one of the other
   * dtype is converted chunk by chunk into a scratch buffer (exact for float32 → float64). Each
   * row's result depends only on that row (GEMM rows do not depend on the row count), so any
   * split of a batch into calls gives bit-identical outputs.
   */
  evaluate(t: number, x: Batch, out: Batch): void {
    const fn = 'ScoreNetwork.evaluate';
    expectPositive(fn, 't', t);
    const [n] = expectBatch(fn, 'x', x, this.dim);
    expectBatch(fn, 'out', out, this.dim, n);
    if (dtypeOf(out) !== dtypeOf(x)) throw new DTypeMismatchError(fn, 'out', out, `of dtype ${dtypeOf(x)} like x`);
    if (out.data === x.data) throw new InvalidArgumentError(fn, 'out', out, 'a batch that does not alias x');
    if (this.skip) skipCoefficients(t, this.skip.mean, this.skip.variance, this.skip.slope, this.skip.offset);
    if (t > this.residualHorizon) {
      this.skipScoreInto(x, out, n);
      return;
    }
    const ws = this.workspaceFor(n);
    this.foldTimeIntoFirstBias(t);
    const outputScale = -1 / noiseScale(t);
    for (let start = 0; start < n; start += ws.capacity) {
      this.forwardChunk(ws, x, out, start, Math.min(ws.capacity, n - start), outputScale);
    }
  }

  /** Beyond the residual horizon: `out = s_G(t, x)` row by row (the skip coefficients of t already set). */
  private skipScoreInto(x: Batch, out: Batch, n: number): void {
    const { slope, offset } = this.skip!;
    const d = this.dim;
    const o = out.data;
    const xd = x.data;
    for (let r = 0; r < n; r++) {
      const outRow = out.offset + r * d;
      const xRow = x.offset + r * d;
      for (let j = 0; j < d; j++) o[outRow + j] = offset[j]! - slope[j]! * xd[xRow + j]!;
    }
  }

  /**
   * Writes `tr ∂s_θ/∂x` for every row of `x` into `out`, exactly (to rounding) by forward-mode
   * differentiation on the GEMM kernels (`tangent-kernels.ts`): the tangents of every (row, basis
   * direction) pair are the rows of one matrix pushed through the hidden layers with their own weights
   * (`Ż_l = Ḣ_{l−1} W_l`, `Ḣ_l = Ż_l ⊙ silu'(z_l)`), and the trace is `−(1/σ_t) Σ_i (Ḣ_{L−1} W_L)_{(r,i), i}`
   * (minus `Σ_j a_j` for the skip term). Cost: about `d` forward passes of the batch; memory bounded
   * (blocks of `TANGENT_BLOCK_PAIRS` tangent rows), the workspace allocated on the first call. Computed in
   * float64 also for a float32 network: its float32 weights are read exactly, so the trace is that of
   * the float64 evaluation of the same weights (its `evaluate` rounds activations to float32). Each row's
   * value depends only on that row. Used by `logLikelihood`'s `'exact'` divergence.
   */
  jacobianTraceInto(t: number, x: Batch, out: Float64Array): void {
    const fn = 'ScoreNetwork.jacobianTraceInto';
    const n = this.expectTangentArguments(fn, t, x, out, 1);
    const ws = this.prepareTangents(t);
    const d = this.dim;
    const diagonal = this.traceScratch!;
    for (let start = 0; start < n; start += ws.rowsPerBlock) {
      const rows = Math.min(ws.rowsPerBlock, n - start);
      this.scoreDiagonal(ws, x, start, rows, diagonal, 0);
      for (let r = 0; r < rows; r++) {
        let trace = 0;
        for (let i = 0; i < d; i++) trace += diagonal[r * d + i]!;
        out[start + r] = trace;
      }
    }
  }

  /**
   * Writes the diagonal of the score's Jacobian, `out[r·d + i] = ∂s_i/∂x_i` at row r of `x`, by the
   * forward-mode pass of `jacobianTraceInto` (same cost, same precision). `clippedScore` uses it for the
   * trace of a clipped network.
   */
  jacobianDiagonalInto(t: number, x: Batch, out: Float64Array): void {
    const fn = 'ScoreNetwork.jacobianDiagonalInto';
    const n = this.expectTangentArguments(fn, t, x, out, this.dim);
    const ws = this.prepareTangents(t);
    for (let start = 0; start < n; start += ws.rowsPerBlock) {
      this.scoreDiagonal(ws, x, start, Math.min(ws.rowsPerBlock, n - start), out, start * this.dim);
    }
  }

  /** Validates `t`, `x` and `out` (a Float64Array of at least `perRow` values per row of x); returns n. */
  private expectTangentArguments(fn: string, t: number, x: Batch, out: Float64Array, perRow: number): number {
    expectPositive(fn, 't', t);
    return expectTraceArguments(fn, this.dim, x, out, perRow);
  }

  /** Buffers of the forward-mode pass (allocated on first use) and the trace's per-block diagonal. */
  private tangents: TangentWorkspace | undefined;
  private traceScratch: Float64Array | undefined;

  /** Folds t into the first bias, sets the skip coefficients and the output scale; returns the workspace. */
  private prepareTangents(t: number): TangentWorkspace {
    if (this.tangents === undefined) {
      this.tangents = createTangentWorkspace(this.model.layouts, this.dim);
      this.traceScratch = new Float64Array(this.tangents.rowsPerBlock * this.dim);
    }
    this.foldTimeIntoFirstBias(t);
    if (this.skip) skipCoefficients(t, this.skip.mean, this.skip.variance, this.skip.slope, this.skip.offset);
    this.tangentScale = -1 / noiseScale(t);
    this.tangentsBeyondHorizon = t > this.residualHorizon;
    return this.tangents;
  }

  private tangentScale = 0;
  private tangentsBeyondHorizon = false;

  /** `out[outOffset + r·d + i] = ∂s_i/∂x_i` for rows `start … start + rows − 1` of x (rows ≤ rowsPerBlock). */
  private scoreDiagonal(
    ws: TangentWorkspace,
    x: Batch,
    start: number,
    rows: number,
    out: Float64Array,
    outOffset: number,
  ): void {
    const d = this.dim;
    const slope = this.skip?.slope;
    if (this.tangentsBeyondHorizon) {
      // s_θ = s_G: the diagonal is −a_i whatever x.
      for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) out[outOffset + r * d + i] = -slope![i]!;
      return;
    }
    tangentDiagonal(this.model, ws, d, this.firstBias, x.data, x.offset + start * d, rows, out, outOffset);
    const scale = this.tangentScale;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < d; i++) {
        const k = outOffset + r * d + i;
        out[k] = scale * out[k]! - (slope ? slope[i]! : 0);
      }
    }
  }

  private workspaceFor(n: number): MlpWorkspace {
    const wanted = Math.min(Math.max(n, 1), EVALUATION_CHUNK_ROWS);
    if (!this.workspace || this.workspace.capacity < wanted) {
      this.workspace = createMlpWorkspace(this.model.layouts, wanted, this.dtype);
      this.inputScratch = networkArray(this.dtype, wanted * this.dim);
    }
    return this.workspace;
  }

  /** t is shared by every row, so the time features' contribution `φ(t)·W₀[d:]` is folded into b₀. */
  private foldTimeIntoFirstBias(t: number): void {
    const first = this.model.layouts[0]!;
    writeTimeFeatures(t, this.frequencies, this.timeFeatures, 0);
    const bias = this.firstBias;
    const weights = this.model.parameters;
    for (let j = 0; j < first.outDim; j++) bias[j] = weights[first.biasOffset + j]!;
    for (let f = 0; f < this.timeFeatures.length; f++) {
      const feature = this.timeFeatures[f]!;
      const row = first.weightOffset + (this.dim + f) * first.outDim;
      for (let j = 0; j < first.outDim; j++) bias[j] += feature * weights[row + j]!;
    }
  }

  private forwardChunk(ws: MlpWorkspace, x: Batch, out: Batch, start: number, rows: number, outputScale: number): void {
    const { layouts, weights, parameters } = this.model;
    const d = this.dim;
    const input = this.inputOperand;
    input.rowStride = d;
    if (x.data instanceof Float32Array === (this.dtype === 'float32')) {
      input.data = x.data;
      input.offset = x.offset + start * d;
    } else {
      const scratch = this.inputScratch!;
      const from = x.offset + start * d;
      for (let i = 0; i < rows * d; i++) scratch[i] = x.data[from + i]!;
      input.data = scratch;
      input.offset = 0;
    }
    // First layer on the x columns only (k = d): rows 0..d−1 of W₀ are exactly the x weights.
    hiddenLayer(this.model, ws, 0, rows, d, input as MatrixOperand, this.firstBias, 0);
    forwardHiddenLayers(this.model, ws, rows);
    const lastIndex = layouts.length - 1;
    const last = layouts[lastIndex]!;
    denseLayer(
      rows,
      last.inDim,
      ws.postOperands[lastIndex - 1]!,
      weights[lastIndex]!,
      d,
      parameters,
      last.biasOffset,
      outputScale,
      outputScale,
      out.data,
      out.offset + start * d,
    );
    if (this.skip) {
      // s = s_skip − F/σ_t with s_skip,j = −a_j·y_j + b_j, the diagonal Gaussian's score (see `skipCoefficients`).
      const { slope, offset } = this.skip;
      const o = out.data;
      const xd = x.data;
      const outStart = out.offset + start * d;
      const xStart = x.offset + start * d;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < d; j++)
          o[outStart + r * d + j] = o[outStart + r * d + j]! - slope[j]! * xd[xStart + r * d + j]! + offset[j]!;
      }
    }
  }
}

/** `type` of a score network's spec. */
export const SCORE_NETWORK_SPEC_TYPE = 'mlp';

/** Creates a network with LeCun-normal weights (`N(0, 1/fan_in)`, seeded) and zero biases. */
export function createScoreNetwork(options: ScoreNetworkOptions): ScoreNetwork {
  const fn = 'createScoreNetwork';
  const architecture = architectureFromOptions(options);
  const parameters = initialParameters(architecture, expectSeed(fn, 'options.seed', options.seed ?? 0));
  return new ScoreNetwork(
    architecture,
    parameters,
    expectNetworkDType(fn, 'options.dtype', options.dtype ?? 'float64'),
  );
}

/** @internal LeCun-normal weights `N(0, 1/fan_in)` from `RandomStream(seed)`, layer by layer, and zero biases. */
export function initialParameters(architecture: ScoreNetworkArchitecture, seed: number): Float64Array {
  const layouts = layerLayouts(architecture);
  const parameters = new Float64Array(parameterCount(layouts));
  const rng = new RandomStream(seed);
  for (const layer of layouts) {
    const count = layer.inDim * layer.outDim;
    rng.fillNormal(parameters, layer.weightOffset, count);
    const scale = 1 / Math.sqrt(layer.inDim);
    for (let i = layer.weightOffset; i < layer.weightOffset + count; i++) parameters[i] = scale * parameters[i]!;
  }
  return parameters;
}

/** Throws unless `dtype` is `'float64'` or `'float32'`. */
export function expectNetworkDType(fn: string, argument: string, dtype: unknown): NetworkDType {
  if (dtype !== 'float64' && dtype !== 'float32')
    throw new InvalidArgumentError(fn, argument, dtype, "'float64' or 'float32'");
  return dtype;
}

/** @internal The architecture `createScoreNetwork` (and `createCLDScoreNetwork`, as `fn`) builds from its options. */
export function architectureFromOptions(
  options: ScoreNetworkOptions,
  fn = 'createScoreNetwork',
): ScoreNetworkArchitecture {
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  const dim = expectInteger(fn, 'options.dim', options.dim, 1);
  const hiddenWidths = options.hiddenWidths ?? [128, 128];
  if (!Array.isArray(hiddenWidths) || hiddenWidths.length === 0) {
    throw new InvalidArgumentError(fn, 'options.hiddenWidths', hiddenWidths, 'a non-empty array of positive integers');
  }
  hiddenWidths.forEach((w, i) => expectInteger(fn, `options.hiddenWidths[${i}]`, w, 1));
  const count = expectInteger(fn, 'options.timeFrequencyCount', options.timeFrequencyCount ?? 8, 0);
  const minFrequency = expectPositive(fn, 'options.minTimeFrequency', options.minTimeFrequency ?? 0.1);
  const maxFrequency = expectPositive(fn, 'options.maxTimeFrequency', options.maxTimeFrequency ?? 4);
  if (maxFrequency < minFrequency) {
    throw new InvalidArgumentError(
      fn,
      'options.maxTimeFrequency',
      maxFrequency,
      `a number >= options.minTimeFrequency (${minFrequency})`,
    );
  }
  const parameterisation = options.parameterisation ?? 'noise-prediction';
  if (parameterisation !== 'noise-prediction' && parameterisation !== 'noise-prediction-skip') {
    throw new InvalidArgumentError(
      fn,
      'options.parameterisation',
      parameterisation,
      "'noise-prediction' or 'noise-prediction-skip'",
    );
  }
  const residualHorizon = expectResidualHorizon(fn, 'options.residualHorizon', options.residualHorizon ?? Infinity);
  if (residualHorizon !== Infinity && parameterisation !== 'noise-prediction-skip') {
    throw new InvalidArgumentError(
      fn,
      'options.residualHorizon',
      residualHorizon,
      "Infinity unless options.parameterisation is 'noise-prediction-skip' (beyond it the score is the skip term)",
    );
  }
  return {
    dim,
    hiddenWidths: [...hiddenWidths],
    activation: 'silu',
    timeFeatures: { frequencies: count === 0 ? [] : logSpacedFrequencies(count, minFrequency, maxFrequency) },
    ...(parameterisation === 'noise-prediction' ? {} : { parameterisation }),
    ...(residualHorizon === Infinity ? {} : { residualHorizon }),
  };
}

/** @internal Throws unless `value` is a number > 0 (`Infinity`: no residual horizon). */
export function expectResidualHorizon(fn: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0))
    throw new InvalidArgumentError(fn, argument, value, 'a number > 0 (Infinity: no residual horizon)');
  return value;
}

/** Current file-format version of saved networks. */
export const SCORE_NETWORK_FORMAT = 'sgmkit-score-network';
export const SCORE_NETWORK_FORMAT_VERSION = 2;
/**
 * Versions the loaders read: 1 (no dtype field: float64), 2 (optional `dtype`, `normalization`,
 * `dataMoments`, `dataRange`, and the `'noise-prediction-skip'` parameterisation), 3 (optional `kind`,
 * `initialVelocityVariance`) and 4 (a DDPM network with `architecture.residualHorizon`).
 */
export const SUPPORTED_SCORE_NETWORK_FORMAT_VERSIONS: readonly number[] = [1, 2, 3, 4];
/**
 * Version a DDPM network with a residual horizon is written in: 4 adds `architecture.residualHorizon`. Networks
 * without one are still written as version 2, so older readers load them (and refuse a version-4 file rather
 * than sample it without its horizon).
 */
export const RESIDUAL_HORIZON_FORMAT_VERSION = 4;
/**
 * Version CLD networks are written in: 3 adds `kind` (`'cld'`; absent means a DDPM network) and
 * `initialVelocityVariance`. DDPM networks are still written as version 2, so older readers load them.
 */
export const CLD_SCORE_NETWORK_FORMAT_VERSION = 3;

/** The saved form of a network (what `saveScoreNetwork` writes as JSON). */
export interface ScoreNetworkDocument {
  readonly format: typeof SCORE_NETWORK_FORMAT;
  readonly version: number;
  readonly architecture: {
    readonly dim: number;
    readonly hiddenWidths: number[];
    readonly activation: string;
    /** `'noise-prediction-skip'` needs version 2. */
    readonly parameterisation: Parameterisation;
    /** Version 4: `ScoreNetworkArchitecture.residualHorizon` (absent: none). */
    readonly residualHorizon?: number;
  };
  readonly timeFeatures: { readonly input: 'log-t'; readonly frequencies: number[] };
  readonly layers: { readonly weight: number[]; readonly bias: number[] }[];
  /** Precision of the weights (version 2; absent means float64). A float32 network saves its float32 weights. */
  readonly dtype?: NetworkDType;
  /** Version 2: `x = mean + scale ⊙ y` or `x = mean + matrix·y` (row-major d × d), when trained on standardised data. */
  readonly normalization?:
    | { readonly kind: 'affine'; readonly mean: number[]; readonly scale: number[] }
    | { readonly kind: 'whitening'; readonly mean: number[]; readonly matrix: number[] };
  /** Version 2: moments of the training data in the network's space. */
  readonly dataMoments?: {
    readonly mean: number[];
    readonly std: number[];
    readonly min?: number[];
    readonly max?: number[];
  };
  /** Version 2: per-coordinate range of the training rows in data units (optional). */
  readonly dataRange?: { readonly lower: number[]; readonly upper: number[] };
  /** Version 3: `'cld'` for a CLD velocity-score network (input `[x, v, φ(t)]`); absent (or `'ou'`) for DDPM. */
  readonly kind?: 'ou' | 'cld';
  /** Version 3, CLD networks: γ in `V₀ ~ N(0, γI)`. */
  readonly initialVelocityVariance?: number;
}

function normalizationDocument(n: DataNormalization): NonNullable<ScoreNetworkDocument['normalization']> {
  return n.kind === 'affine'
    ? { kind: 'affine', mean: Array.from(n.mean), scale: Array.from(n.scale) }
    : { kind: 'whitening', mean: Array.from(n.mean), matrix: Array.from(n.matrix) };
}

function momentsDocument(m: DataMoments): NonNullable<ScoreNetworkDocument['dataMoments']> {
  return {
    mean: Array.from(m.mean),
    std: Array.from(m.std),
    ...(m.min !== undefined && m.max !== undefined ? { min: Array.from(m.min), max: Array.from(m.max) } : {}),
  };
}

/** Builds the saved form of a network. JSON numbers round-trip doubles (and so float32 values) exactly. */
export function networkDocument(
  network: Pick<
    ScoreNetwork,
    'architecture' | 'model' | 'layouts' | 'dtype' | 'normalization' | 'dataMoments' | 'dataRange'
  >,
): ScoreNetworkDocument {
  const { architecture } = network;
  // The weights the network computes with: a float32 network reloads bit-identical.
  const parameters = network.model.parameters;
  const horizon = architecture.residualHorizon;
  return {
    format: SCORE_NETWORK_FORMAT,
    version: horizon === undefined ? SCORE_NETWORK_FORMAT_VERSION : RESIDUAL_HORIZON_FORMAT_VERSION,
    architecture: {
      dim: architecture.dim,
      hiddenWidths: [...architecture.hiddenWidths],
      activation: architecture.activation,
      parameterisation: architecture.parameterisation ?? 'noise-prediction',
      ...(horizon === undefined ? {} : { residualHorizon: horizon }),
    },
    timeFeatures: { input: 'log-t', frequencies: [...architecture.timeFeatures.frequencies] },
    layers: network.layouts.map((layer) => ({
      weight: Array.from(parameters.subarray(layer.weightOffset, layer.weightOffset + layer.inDim * layer.outDim)),
      bias: Array.from(parameters.subarray(layer.biasOffset, layer.biasOffset + layer.outDim)),
    })),
    dtype: network.dtype,
    ...(network.normalization ? { normalization: normalizationDocument(network.normalization) } : {}),
    ...(network.dataMoments ? { dataMoments: momentsDocument(network.dataMoments) } : {}),
    ...(network.dataRange
      ? { dataRange: { lower: Array.from(network.dataRange.lower), upper: Array.from(network.dataRange.upper) } }
      : {}),
  };
}
