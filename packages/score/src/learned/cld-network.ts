/**
 * The learned CLD velocity score, trained by hybrid score matching (Dockhorn, Vahdat, Kreis 2022).
 *
 * Forward process `dX = V dt, dV = −X dt − 2V dt + 2 dB` started from `X₀ ~ data`, `V₀ ~ N(0, γI)`.
 * Given x₀ only, every coordinate pair `(x_t, v_t)` is Gaussian (the flow is linear and V₀ Gaussian):
 * mean `(a x₀, c x₀)` with `e^{tA} = [[a, b], [c, e]]`, covariance `P = E diag(0, γ) Eᵀ + Q_t`, the
 * λ = 0 pair law of the exact mixture scores (`cldPairLawTermsInto`, built on `cldTransitionAt`).
 * With its Cholesky factor `L = [[L_xx, 0], [L_vx, ℓ_t]]`, `L_xx = √P_xx`, `L_vx = P_xv/L_xx`,
 * `ℓ_t = √(det P / P_xx)`, a draw is `(x_t, v_t) = (a x₀ + L_xx ε_x, c x₀ + L_vx ε_x + ℓ_t ε_v)` and
 * the conditional velocity score is `∇_v ln p(x_t, v_t | x₀) = −ε_v/ℓ_t` (the v-row of `L⁻ᵀε`).
 * Hybrid score matching with weight `ℓ_t²` is then a noise-prediction loss on ε_v:
 * `ℓ_t²|s_θ + ε_v/ℓ_t|² = |ε_θ − ε_v|²` with `s_θ = −ε_θ/ℓ_t`. The position noise ε_x enters x_t and
 * v_t but is not a target: given (x_t, v_t) the velocity score is all the reverse SDE needs.
 * `det P` comes from the rank-one expansion (no cancellation as t → 0, where `ℓ_t ~ √t` for γ > 0).
 *
 * Skip parameterisation (`'noise-prediction-skip'`): `s_θ = s_G − F_θ/ℓ_t`, `s_G` the exact CLD velocity
 * score of the diagonal Gaussian `N(m, diag(λ))` of the network's `dataMoments` (`N(0, I)` without
 * them), per coordinate `s_G = −(P_xx/det)(v − c m) + (P_xv/det)(x − a m)` with `P = P(0) + λ ααᵀ`,
 * `det = det P(0) + λ·slope`; training folds it into the target, `F_θ ≈ ε_v + ℓ_t·s_G(x_t, v_t)`.
 * @packageDocumentation
 */
import {
  DTypeMismatchError,
  InvalidArgumentError,
  dtypeOf,
  expectBatch,
  expectNonNegative,
  expectPositive,
  expectSeed,
  type Batch,
  type FloatArray,
  type MatrixOperand,
} from '@sgmkit/tensor';
import type { CLDScore, DataMoments, DataNormalization, ScoreSpec } from '../types.js';
import { PAIR } from '../analytic/cld-mixture.js';
import { CLD_LAW, cldConditionalLawInto } from '../analytic/cld-conditional.js';

export { CLD_LAW, cldConditionalLawInto };
import { roundInto } from './adam.js';
import { layerLayouts, type LayerLayout, type NetworkDType, type ScoreNetworkArchitecture } from './architecture.js';
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
import {
  CLD_SCORE_NETWORK_FORMAT_VERSION,
  EVALUATION_CHUNK_ROWS,
  architectureFromOptions,
  expectNetworkDType,
  initialParameters,
  networkDocument,
  type DataRange,
  type ScoreNetworkData,
  type ScoreNetworkDocument,
  type ScoreNetworkOptions,
} from './network.js';
import { writeTimeFeatures } from './time-features.js';

/** The skip Gaussian `N(mean, diag(variance))` of a CLD network and the scratch of its coefficients at one t. */
export interface CLDSkipGaussian {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
  /** `κ_v = P_xx/det`, `κ_x = P_xv/det`, `b = κ_v c m − κ_x a m`: `s_G = −κ_v v + κ_x x + b`. */
  readonly velocitySlope: Float64Array;
  readonly positionSlope: Float64Array;
  readonly offset: Float64Array;
}

function cldSkipGaussian(d: number, moments: DataMoments | undefined): CLDSkipGaussian {
  return {
    mean: moments ? Float64Array.from(moments.mean) : new Float64Array(d),
    variance: moments ? Float64Array.from(moments.std, (s) => s * s) : new Float64Array(d).fill(1),
    velocitySlope: new Float64Array(d),
    positionSlope: new Float64Array(d),
    offset: new Float64Array(d),
  };
}

/** Fills the skip coefficients from a law written by {@link cldConditionalLawInto} (see the module doc). */
export function cldSkipCoefficients(law: Float64Array, skip: CLDSkipGaussian): void {
  const a = law[CLD_LAW.A]!,
    c = law[CLD_LAW.C]!;
  for (let j = 0; j < skip.mean.length; j++) {
    const lambda = skip.variance[j]!;
    const m = skip.mean[j]!;
    const det = law[CLD_LAW.DET]! + lambda * law[CLD_LAW.DET_SLOPE]!;
    const kv = (law[CLD_LAW.XX]! + lambda * a * a) / det;
    const kx = (law[CLD_LAW.XV]! + lambda * a * c) / det;
    skip.velocitySlope[j] = kv;
    skip.positionSlope[j] = kx;
    skip.offset[j] = kv * c * m - kx * a * m;
  }
}

/**
 * Forms one training row: writes `(x_t, v_t)` into `input[inputOffset …+2d)` from the clean point and the
 * normals `(ε_x, ε_v)` (2d entries), and the MLP's target into `target[targetOffset …+d)`: ε_v, plus
 * `ℓ_t·s_G(x_t, v_t)` with the skip (s_G read from the input as stored, so a float32 network's target
 * matches its rounded input). `law` (and `skip`'s coefficients) must be those of time t.
 */
export function cldPerturbRow(
  law: Float64Array,
  skip: CLDSkipGaussian | undefined,
  d: number,
  clean: FloatArray,
  cleanOffset: number,
  normals: Float64Array,
  normalsOffset: number,
  input: FloatArray,
  inputOffset: number,
  target: Float64Array,
  targetOffset: number,
): void {
  const a = law[CLD_LAW.A]!,
    c = law[CLD_LAW.C]!,
    lxx = law[CLD_LAW.LXX]!,
    lvx = law[CLD_LAW.LVX]!,
    ell = law[CLD_LAW.VELOCITY_SCALE]!;
  for (let j = 0; j < d; j++) {
    const x0 = clean[cleanOffset + j]!;
    const ex = normals[normalsOffset + j]!;
    const ev = normals[normalsOffset + d + j]!;
    input[inputOffset + j] = a * x0 + lxx * ex;
    input[inputOffset + d + j] = c * x0 + lvx * ex + ell * ev;
    target[targetOffset + j] = ev;
  }
  if (!skip) return;
  for (let j = 0; j < d; j++) {
    const sG =
      skip.offset[j]! +
      skip.positionSlope[j]! * input[inputOffset + j]! -
      skip.velocitySlope[j]! * input[inputOffset + d + j]!;
    target[targetOffset + j] = target[targetOffset + j]! + ell * sG;
  }
}

/** Options of `createCLDScoreNetwork`: those of `createScoreNetwork` plus γ. */
export interface CLDScoreNetworkOptions extends ScoreNetworkOptions {
  /** γ in `V₀ ~ N(0, γI)` (the library's CLD convention; 1 as in the paper). Default 1. */
  readonly initialVelocityVariance?: number;
}

/** `type` of a CLD score network's spec. */
export const CLD_SCORE_NETWORK_SPEC_TYPE = 'cld-mlp';

/**
 * A learned CLD velocity score `s_θ(t, x, v) = −ε_θ(t, x, v)/ℓ_t` (plus `s_G` with the skip): an MLP on
 * `[x, v, φ(t)]` with the same layers, kernels, dtypes and file format as `ScoreNetwork` (kind `'cld'`),
 * trained by `trainDenoisingScoreMatching` (which uses the hybrid score-matching target for it).
 */
export class CLDScoreNetwork implements CLDScore {
  readonly kind = 'cld' as const;
  readonly dim: number;
  readonly architecture: ScoreNetworkArchitecture;
  /** Master weights in float64 (see `ScoreNetwork.parameters`); after writing to them, call `syncWeights()`. */
  readonly parameters: Float64Array;
  readonly dtype: NetworkDType;
  /** γ in `V₀ ~ N(0, γI)`: the data velocity law the network was trained for. */
  readonly initialVelocityVariance: number;
  /** @internal */
  readonly model: MlpModel;
  readonly normalization?: DataNormalization;
  readonly dataMoments?: DataMoments;
  /** Per-coordinate range of the training rows in data units (set by the recipe; see `ScoreNetwork.dataRange`). */
  readonly dataRange?: DataRange;
  /** @internal the skip Gaussian (`'noise-prediction-skip'` only) and its coefficient scratch */
  readonly skip: CLDSkipGaussian | undefined;
  private readonly frequencies: Float64Array;
  private readonly timeFeatures: Float64Array;
  private readonly firstBias: Float64Array;
  private readonly law = new Float64Array(CLD_LAW.LENGTH);
  private readonly lawTerms = new Float64Array(PAIR.LENGTH);
  private readonly inputOperand: MutableOperand = { data: new Float64Array(0), offset: 0, rowStride: 1, colStride: 1 };
  private workspace: MlpWorkspace | undefined;
  /** Rows of `[x, v]` in the network's dtype (capacity × 2d). */
  private inputScratch: NetworkArray | undefined;

  /** Wraps validated parameters (from `createCLDScoreNetwork`, `loadCLDScoreNetwork` or training). */
  constructor(
    architecture: ScoreNetworkArchitecture,
    parameters: Float64Array,
    dtype: NetworkDType,
    initialVelocityVariance: number,
    data: ScoreNetworkData = {},
  ) {
    if (architecture.kind !== 'cld')
      throw new InvalidArgumentError('CLDScoreNetwork', 'architecture.kind', architecture.kind, "'cld'");
    if (data.normalization) this.normalization = data.normalization;
    if (data.dataMoments) this.dataMoments = data.dataMoments;
    if (data.dataRange) this.dataRange = data.dataRange;
    this.skip =
      architecture.parameterisation === 'noise-prediction-skip'
        ? cldSkipGaussian(architecture.dim, data.dataMoments)
        : undefined;
    this.architecture = architecture;
    this.dim = architecture.dim;
    this.parameters = parameters;
    this.dtype = dtype;
    this.initialVelocityVariance = initialVelocityVariance;
    this.model = mlpModel(dtype === 'float32' ? Float32Array.from(parameters) : parameters, layerLayouts(architecture));
    this.frequencies = Float64Array.from(architecture.timeFeatures.frequencies);
    this.timeFeatures = new Float64Array(2 * this.frequencies.length);
    this.firstBias = new Float64Array(this.model.layouts[0]!.outDim);
  }

  /** Re-derives a float32 network's compute weights from `parameters`. */
  syncWeights(): void {
    if (this.model.parameters instanceof Float32Array) roundInto(this.parameters, this.model.parameters);
  }

  get layouts(): readonly LayerLayout[] {
    return this.model.layouts;
  }

  /** JSON description carrying the weights (the saved document), for `scoreFromSpec` in a worker. */
  get spec(): ScoreSpec {
    return { type: CLD_SCORE_NETWORK_SPEC_TYPE, network: cldNetworkDocument(this) };
  }

  /**
   * @internal Writes the conditional law at t into `law` (and the skip coefficients); throws when degenerate.
   * Shared by evaluation and training.
   */
  lawAt(fn: string, t: number, law: Float64Array = this.law): Float64Array {
    if (!cldConditionalLawInto(t, this.initialVelocityVariance, law, this.lawTerms)) {
      throw new InvalidArgumentError(
        fn,
        't',
        t,
        'a time at which the CLD law of (x, v) given x₀ is non-degenerate and finite',
      );
    }
    if (this.skip) cldSkipCoefficients(law, this.skip);
    return law;
  }

  /**
   * Writes `s_θ(t, x, v)` for each row into out (t > 0). Works in chunks of `EVALUATION_CHUNK_ROWS`
   * rows, allocation-free after the first call; each row's result depends only on that row, so any
   * split of a batch (chunks, workers) gives bit-identical outputs.
   */
  evaluate(t: number, x: Batch, v: Batch, out: Batch): void {
    const fn = 'CLDScoreNetwork.evaluate';
    expectPositive(fn, 't', t);
    const [n] = expectBatch(fn, 'x', x, this.dim);
    expectBatch(fn, 'v', v, this.dim, n);
    expectBatch(fn, 'out', out, this.dim, n);
    if (dtypeOf(v) !== dtypeOf(x)) throw new DTypeMismatchError(fn, 'v', v, `of dtype ${dtypeOf(x)} like x`);
    if (dtypeOf(out) !== dtypeOf(x)) throw new DTypeMismatchError(fn, 'out', out, `of dtype ${dtypeOf(x)} like x`);
    if (out.data === x.data || out.data === v.data)
      throw new InvalidArgumentError(fn, 'out', out, 'a batch that does not alias x or v');
    const law = this.lawAt(fn, t);
    const ws = this.workspaceFor(n);
    this.foldTimeIntoFirstBias(t);
    const outputScale = -1 / law[CLD_LAW.VELOCITY_SCALE]!;
    for (let start = 0; start < n; start += ws.capacity) {
      this.forwardChunk(ws, x, v, out, start, Math.min(ws.capacity, n - start), outputScale);
    }
  }

  private workspaceFor(n: number): MlpWorkspace {
    const wanted = Math.min(Math.max(n, 1), EVALUATION_CHUNK_ROWS);
    if (!this.workspace || this.workspace.capacity < wanted) {
      this.workspace = createMlpWorkspace(this.model.layouts, wanted, this.dtype);
      this.inputScratch = networkArray(this.dtype, wanted * 2 * this.dim);
    }
    return this.workspace;
  }

  /** t is shared by every row, so `φ(t)·W₀[2d:]` is folded into the first bias. */
  private foldTimeIntoFirstBias(t: number): void {
    const first = this.model.layouts[0]!;
    writeTimeFeatures(t, this.frequencies, this.timeFeatures, 0);
    const bias = this.firstBias;
    const weights = this.model.parameters;
    for (let j = 0; j < first.outDim; j++) bias[j] = weights[first.biasOffset + j]!;
    for (let f = 0; f < this.timeFeatures.length; f++) {
      const feature = this.timeFeatures[f]!;
      const row = first.weightOffset + (2 * this.dim + f) * first.outDim;
      for (let j = 0; j < first.outDim; j++) bias[j] += feature * weights[row + j]!;
    }
  }

  private forwardChunk(
    ws: MlpWorkspace,
    x: Batch,
    v: Batch,
    out: Batch,
    start: number,
    rows: number,
    outputScale: number,
  ): void {
    const { layouts, weights, parameters } = this.model;
    const d = this.dim;
    const scratch = this.inputScratch!;
    const xStart = x.offset + start * d;
    const vStart = v.offset + start * d;
    // [x, v] side by side: the first layer's k = 2d rows of W₀ are exactly the position and velocity weights.
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) {
        scratch[r * 2 * d + j] = x.data[xStart + r * d + j]!;
        scratch[r * 2 * d + d + j] = v.data[vStart + r * d + j]!;
      }
    }
    const input = this.inputOperand;
    input.data = scratch;
    input.offset = 0;
    input.rowStride = 2 * d;
    hiddenLayer(this.model, ws, 0, rows, 2 * d, input as MatrixOperand, this.firstBias, 0);
    forwardHiddenLayers(this.model, ws, rows);
    const lastIndex = layouts.length - 1;
    const last = layouts[lastIndex]!;
    const outStart = out.offset + start * d;
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
      outStart,
    );
    if (!this.skip) return;
    const { velocitySlope, positionSlope, offset } = this.skip;
    const o = out.data;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) {
        const i = r * d + j;
        o[outStart + i] =
          o[outStart + i]! +
          offset[j]! +
          positionSlope[j]! * x.data[xStart + i]! -
          velocitySlope[j]! * v.data[vStart + i]!;
      }
    }
  }
}

/** Creates a CLD network with LeCun-normal weights (seeded) and zero biases; same options as `createScoreNetwork`, plus γ. */
export function createCLDScoreNetwork(options: CLDScoreNetworkOptions): CLDScoreNetwork {
  const fn = 'createCLDScoreNetwork';
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  for (const name of ['residualHorizon', 'residualBox'] as const) {
    if (options[name] !== undefined && options[name] !== Infinity) {
      throw new InvalidArgumentError(
        fn,
        `options.${name}`,
        options[name],
        'absent or Infinity (implemented for DDPM networks only)',
      );
    }
  }
  const architecture: ScoreNetworkArchitecture = { ...architectureFromOptions(options, fn), kind: 'cld' };
  const gamma = expectNonNegative(fn, 'options.initialVelocityVariance', options.initialVelocityVariance ?? 1);
  const parameters = initialParameters(architecture, expectSeed(fn, 'options.seed', options.seed ?? 0));
  return new CLDScoreNetwork(
    architecture,
    parameters,
    expectNetworkDType(fn, 'options.dtype', options.dtype ?? 'float64'),
    gamma,
  );
}

/** The saved form of a CLD network: a version-3 document with `kind: 'cld'` and γ. */
export function cldNetworkDocument(network: CLDScoreNetwork): ScoreNetworkDocument {
  return {
    ...networkDocument(network),
    version: CLD_SCORE_NETWORK_FORMAT_VERSION,
    kind: 'cld',
    initialVelocityVariance: network.initialVelocityVariance,
  };
}
