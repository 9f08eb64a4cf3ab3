/**
 * The point-cloud score `Σ_j π_j (a·p_j − x)/σ²`, `π ∝ exp(−|x − a·p_j|²/(2σ²))`, for many
 * points: both passes over the points run as GEMMs on `@sgmkit/tensor`'s blocked (WebAssembly
 * SIMD) kernel instead of one particle and one point at a time.
 *
 * For a block of particles `X` and a block of points `P`:
 * - logits from the expansion `−|x − a p|²/(2σ²) = (a·x·p − a²|p|²/2)/σ² − |x|²/(2σ²)`, where the
 *   last term is the same for every point of a particle and cancels in the softmax, so it is never
 *   formed; `X·Pᵀ` is one GEMM;
 * - weights `w = exp(l − max)` with the running max over point blocks (online softmax: a new max
 *   rescales what was accumulated), and `W·P` accumulated by a second GEMM;
 * - `score = (a·Σ w p − (Σ w)·x) / ((Σ w)·σ²)`.
 *
 * **Accuracy.** The expansion loses what the direct distances keep: the logits' absolute error is
 * about `ε·(a²|p|² + 2a|x·p|)/σ²` (ε the double rounding unit, times a small constant for the
 * sums), so each weight is off by that much relatively. At `σ² = 2·10⁻³` (δ = 10⁻³) and
 * `|p|² ≈ 64` that is ~1e-11: far below any score error that matters, but not the last bit.
 * The direct kernel (`pointCloudScoreKernel`) stays the reference, tested against this one.
 *
 * **Reproducibility.** Row i of the result depends only on particle i (the GEMM's rows are
 * independent of the number of rows; blocks of points are visited in a fixed order), so
 * chunks and workers give bit-identical rows.
 * @packageDocumentation
 */
import { gemmAccumulate, gemmKernel, type FloatArray } from '@sgmkit/tensor';
import { FAST_EXP_MIN, fastExp, fastExpInRange } from './fast-exp.js';

/** Particles per block: the logits block is `PARTICLE_BLOCK × POINT_BLOCK` doubles (256 KiB). */
export const PARTICLE_BLOCK = 64;
/** Points per block. */
export const POINT_BLOCK = 512;

/** Scratch for {@link pointCloudScoreGemm}, allocated once per score and dimension. */
export interface PointCloudGemmWorkspace {
  /** `X·Pᵀ`, then the weights, for one particle block × point block. */
  readonly logits: Float64Array;
  /** `Σ_j w_j p_j` per particle of the block (`PARTICLE_BLOCK × d`). */
  readonly weighted: Float64Array;
  /** Running max logit per particle of the block. */
  readonly rowMax: Float64Array;
  /** Running `Σ_j w_j` per particle of the block. */
  readonly total: Float64Array;
}

/** A workspace for dimension `d`. */
export function pointCloudGemmWorkspace(d: number): PointCloudGemmWorkspace {
  return {
    logits: new Float64Array(PARTICLE_BLOCK * POINT_BLOCK),
    weighted: new Float64Array(PARTICLE_BLOCK * d),
    rowMax: new Float64Array(PARTICLE_BLOCK),
    total: new Float64Array(PARTICLE_BLOCK),
  };
}

/** `|p_j|²` for each of the m points (m·d, row-major). */
export function squaredNorms(points: Float64Array, m: number, d: number): Float64Array {
  const norms = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += points[j * d + c]! * points[j * d + c]!;
    norms[j] = s;
  }
  return norms;
}

/**
 * The point-cloud score of n particles (`x`, n·d from `xOffset`) into `out`, for points `p_j`
 * (m·d) with squared norms `norms`, decay `a = e^{−t}` and variance `σ² = 1 − e^{−2t}`.
 */
export function pointCloudScoreGemm(
  n: number,
  d: number,
  m: number,
  points: Float64Array,
  norms: Float64Array,
  decay: number,
  variance: number,
  workspace: PointCloudGemmWorkspace,
  x: FloatArray,
  xOffset: number,
  out: FloatArray,
  outOffset: number,
): void {
  for (let first = 0; first < n; first += PARTICLE_BLOCK) {
    const rows = Math.min(PARTICLE_BLOCK, n - first);
    scoreParticleBlock(
      rows,
      d,
      m,
      points,
      norms,
      decay,
      variance,
      workspace,
      x,
      xOffset + first * d,
      out,
      outOffset + first * d,
    );
  }
}

function scoreParticleBlock(
  rows: number,
  d: number,
  m: number,
  points: Float64Array,
  norms: Float64Array,
  decay: number,
  variance: number,
  workspace: PointCloudGemmWorkspace,
  x: FloatArray,
  xOffset: number,
  out: FloatArray,
  outOffset: number,
): void {
  const { logits, weighted, rowMax, total } = workspace;
  rowMax.fill(-Infinity, 0, rows);
  total.fill(0, 0, rows);
  weighted.fill(0, 0, rows * d);
  const particles = { data: x, offset: xOffset, rowStride: d, colStride: 1 };
  for (let start = 0; start < m; start += POINT_BLOCK) {
    const count = Math.min(POINT_BLOCK, m - start);
    // logits[i, j] = x_i · p_j (op(B)[c, j] = P[start + j, c])
    const transposed = { data: points, offset: start * d, rowStride: 1, colStride: d };
    gemmKernel(rows, count, d, 1, particles, transposed, 0, logits, 0, count);
    blockWeights(rows, count, d, start, norms, decay, variance, workspace);
    // weighted += W·P_block
    const weights = { data: logits, offset: 0, rowStride: count, colStride: 1 };
    const block = { data: points, offset: start * d, rowStride: d, colStride: 1 };
    gemmAccumulate(rows, d, count, 1, weights, block, weighted, 0, d);
  }
  for (let i = 0; i < rows; i++) {
    const scale = 1 / (total[i]! * variance);
    for (let c = 0; c < d; c++) {
      out[outOffset + i * d + c] = (decay * weighted[i * d + c]! - total[i]! * x[xOffset + i * d + c]!) * scale;
    }
  }
}

/**
 * Turns the block's `x·p` into weights `exp(l − max)` in place, updating each particle's running
 * max and total; when the max grows, what was accumulated so far is rescaled by `exp(old − new)`.
 */
function blockWeights(
  rows: number,
  count: number,
  d: number,
  start: number,
  norms: Float64Array,
  decay: number,
  variance: number,
  workspace: PointCloudGemmWorkspace,
): void {
  const { logits, weighted, rowMax, total } = workspace;
  const precision = 1 / variance;
  const halfDecaySquared = 0.5 * decay * decay;
  for (let i = 0; i < rows; i++) {
    const row = i * count;
    let max = -Infinity;
    for (let j = 0; j < count; j++) {
      const l = (decay * logits[row + j]! - halfDecaySquared * norms[start + j]!) * precision;
      logits[row + j] = l;
      if (l > max) max = l;
    }
    const previous = rowMax[i]!;
    if (max > previous) {
      if (previous !== -Infinity) {
        const shrink = fastExp(previous - max);
        total[i] = total[i]! * shrink;
        for (let c = 0; c < d; c++) weighted[i * d + c] = weighted[i * d + c]! * shrink;
      }
      rowMax[i] = max;
    }
    const reference = rowMax[i]!;
    let sum = 0;
    for (let j = 0; j < count; j++) {
      // Below e^-708 a weight is < 1e-307 of the largest (which is 1): flushed to 0, which keeps the slow
      // subnormal path of exp out of the loop (far points are most points in high d). NaN stays NaN.
      const z = logits[row + j]! - reference;
      const w = z >= FAST_EXP_MIN ? fastExpInRange(z) : z < FAST_EXP_MIN ? 0 : z;
      logits[row + j] = w;
      sum += w;
    }
    total[i] = total[i]! + sum;
  }
}
