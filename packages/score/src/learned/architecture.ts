/**
 * Architecture of the MLP score network and the layout of its parameters in one flat
 * Float64Array, so Adam, EMA and serialisation treat all weights as a single vector.
 * @packageDocumentation
 */
import type { FloatArray, MatrixOperand } from '@sgmkit/tensor';

/** The only activation implemented: SiLU `z·sigmoid(z)`, smooth so the score is Lipschitz in x. */
export type Activation = 'silu';

/**
 * Precision of a network's weights and activations. `'float32'` runs the f32x4 GEMM kernel
 * (twice the lanes); its loss is accumulated and its Adam moments and master weights are kept in float64.
 */
export type NetworkDType = 'float64' | 'float32';

/** Sinusoidal time conditioning: features `sin(ω_j ln t), cos(ω_j ln t)` for each frequency ω_j. */
export interface TimeFeatureConfig {
  /** Angular frequencies applied to `ln t`. */
  readonly frequencies: readonly number[];
}

/**
 * What the MLP's output F_θ(t, y) means:
 * - `'noise-prediction'`: the predicted noise, `ε_θ = F_θ`, so `s_θ = −F_θ/σ_t`.
 * - `'noise-prediction-skip'`: `s_θ = s_G − F_θ/σ_t`, with `s_G` the exact OU score of the diagonal Gaussian
 *   `N(m, diag(v))` of the network's `dataMoments` (m = 0, v = 1 without them: `s_G = −y`), i.e.
 *   `ε_θ = −σ_t·s_G + F_θ`. For standardised data `s_G` is exact at large t; without it the MLP must
 *   represent the identity map there, and its Jacobian errors (measured 0.3–1.9 instead of 1 on 8×8
 *   digits) make some directions expand over the long stretch from T to the data. For a coordinate
 *   that is constant in the data `s_G = −y/σ_t²` is exact at every t, a gain the MLP cannot reach
 *   as t → 0. See docs/learned-scores.md.
 */
export type Parameterisation = 'noise-prediction' | 'noise-prediction-skip';

/**
 * Which process a network scores: `'ou'` (DDPM: input `[x, φ(t)]`, output the noise of x) or `'cld'`
 * (critically damped Langevin: input `[x, v, φ(t)]`, output the velocity noise; see `cld-network.ts`).
 */
export type ScoreNetworkKind = 'ou' | 'cld';

/** Shape of a score network: data dimension, hidden widths, activation, time features. */
export interface ScoreNetworkArchitecture {
  /** Dimension `d` of a data point (the output width; the input width for `'ou'`, half of it for `'cld'`). */
  readonly dim: number;
  /** Default `'ou'` (what version-1 and version-2 files hold). */
  readonly kind?: ScoreNetworkKind;
  /** Widths of the hidden layers, e.g. `[128, 128]`. */
  readonly hiddenWidths: readonly number[];
  readonly activation: Activation;
  readonly timeFeatures: TimeFeatureConfig;
  /** Default `'noise-prediction'` (what version-1 files hold). */
  readonly parameterisation?: Parameterisation;
  /**
   * Residual horizon H (`'noise-prediction-skip'`, `'ou'` only; absent means ∞, what files before version 4
   * hold): for t > H the score is the skip term alone, `s_θ = s_G`, and the MLP is neither evaluated nor trained
   * there (training draws t in [tMin, min(tMax, H)]). At large t the true score is `s_G` plus a residual that
   * decays like e^{−3t} (the third cumulant of e^{−t}X₀), but a trained MLP's residual there is fitted to nearly
   * pure noise and its Jacobian can be positive on some coordinates, which makes the reverse run expand them
   * (docs/learned-scores.md, "The residual horizon").
   */
  readonly residualHorizon?: number;
  /**
   * Residual box k (`'noise-prediction-skip'`, `'ou'` only; absent means ∞, what files before version 4 hold): the
   * MLP reads x clipped, coordinate by coordinate, to `[e^{−t}·min_j − k·σ_t, e^{−t}·max_j + k·σ_t]` (the
   * training data's range in `dataMoments`, shrunk by the OU decay and widened by k noise standard deviations:
   * where x_t can be), in training and evaluation alike, while the skip term reads x itself. Outside the box the
   * residual is constant and the skip term, which contracts, pulls a particle back instead of the MLP's
   * extrapolation pushing it on. No effect on a network whose `dataMoments` carry no range.
   */
  readonly residualBox?: number;
}

/** Where one dense layer `z = h·W + b` lives in the flat parameter vector. W is `inDim × outDim` row-major. */
export interface LayerLayout {
  readonly inDim: number;
  readonly outDim: number;
  readonly weightOffset: number;
  readonly biasOffset: number;
}

/** Input width of the first layer: the point (x, or x then v for CLD) followed by two features per frequency. */
export function networkInputWidth(architecture: ScoreNetworkArchitecture): number {
  return pointWidth(architecture) + 2 * architecture.timeFeatures.frequencies.length;
}

/** Width of the point part of the input: d (OU) or 2d (CLD: position and velocity). */
export function pointWidth(architecture: ScoreNetworkArchitecture): number {
  return architecture.kind === 'cld' ? 2 * architecture.dim : architecture.dim;
}

/** Layer layouts in order, each layer's weights followed by its bias. */
export function layerLayouts(architecture: ScoreNetworkArchitecture): LayerLayout[] {
  const widths = [networkInputWidth(architecture), ...architecture.hiddenWidths, architecture.dim];
  const layouts: LayerLayout[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const inDim = widths[l]!;
    const outDim = widths[l + 1]!;
    layouts.push({ inDim, outDim, weightOffset: offset, biasOffset: offset + inDim * outDim });
    offset += inDim * outDim + outDim;
  }
  return layouts;
}

/** Total number of parameters. */
export function parameterCount(layouts: readonly LayerLayout[]): number {
  const last = layouts[layouts.length - 1]!;
  return last.biasOffset + last.outDim;
}

/** W of a layer as a GEMM operand, or Wᵀ when `transposed`. */
export function weightOperand(parameters: FloatArray, layout: LayerLayout, transposed = false): MatrixOperand {
  return {
    data: parameters,
    offset: layout.weightOffset,
    rowStride: transposed ? 1 : layout.outDim,
    colStride: transposed ? layout.outDim : 1,
  };
}
