/**
 * Unchecked kernels of the affine scores: one pass over contiguous rows, no
 * allocation, no validation (the public `evaluate` methods check first).
 * @packageDocumentation
 */
import type { FloatArray } from '@sgmkit/tensor';

/** `out_i ← M (x_i − center)` for every row, `M` row-major `d × d`. */
export function centeredAffineKernel(
  n: number,
  d: number,
  matrix: Float64Array,
  center: Float64Array,
  x: FloatArray,
  xOffset: number,
  out: FloatArray,
  outOffset: number,
): void {
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    const oi = outOffset + i * d;
    for (let r = 0; r < d; r++) {
      let sum = 0;
      for (let c = 0; c < d; c++) sum += matrix[r * d + c]! * (x[xi + c]! - center[c]!);
      out[oi + r] = sum;
    }
  }
}

/** `out_i ← diag(m) (x_i − center)`: the diagonal-covariance case, O(d) a row. */
export function centeredDiagonalKernel(
  n: number,
  d: number,
  diagonal: Float64Array,
  center: Float64Array,
  x: FloatArray,
  xOffset: number,
  out: FloatArray,
  outOffset: number,
): void {
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    const oi = outOffset + i * d;
    for (let c = 0; c < d; c++) out[oi + c] = diagonal[c]! * (x[xi + c]! - center[c]!);
  }
}

/** `out_i ← Mx (x_i − mx) + Mv (v_i − mv)`: the CLD velocity score, both matrices row-major `d × d`. */
export function centeredTwoBlockKernel(
  n: number,
  d: number,
  positionMatrix: Float64Array,
  positionCenter: Float64Array,
  x: FloatArray,
  xOffset: number,
  velocityMatrix: Float64Array,
  velocityCenter: Float64Array,
  v: FloatArray,
  vOffset: number,
  out: FloatArray,
  outOffset: number,
): void {
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    const vi = vOffset + i * d;
    const oi = outOffset + i * d;
    for (let r = 0; r < d; r++) {
      let sum = 0;
      for (let c = 0; c < d; c++) {
        sum +=
          positionMatrix[r * d + c]! * (x[xi + c]! - positionCenter[c]!) +
          velocityMatrix[r * d + c]! * (v[vi + c]! - velocityCenter[c]!);
      }
      out[oi + r] = sum;
    }
  }
}

/** `out ← a·out + b` row by row (`b` a length-d vector): applies a known affine error to a score in place. */
export function scaleShiftRowsKernel(
  n: number,
  d: number,
  scale: number,
  shift: Float64Array,
  out: FloatArray,
  outOffset: number,
): void {
  for (let i = 0; i < n; i++) {
    const oi = outOffset + i * d;
    for (let c = 0; c < d; c++) out[oi + c] = scale * out[oi + c]! + shift[c]!;
  }
}

/** Diagonal form of `centeredTwoBlockKernel`: both matrices diagonal (vectors of length d). */
export function centeredTwoBlockDiagonalKernel(
  n: number,
  d: number,
  positionDiagonal: Float64Array,
  positionCenter: Float64Array,
  x: FloatArray,
  xOffset: number,
  velocityDiagonal: Float64Array,
  velocityCenter: Float64Array,
  v: FloatArray,
  vOffset: number,
  out: FloatArray,
  outOffset: number,
): void {
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      out[outOffset + i * d + c] =
        positionDiagonal[c]! * (x[xOffset + i * d + c]! - positionCenter[c]!) +
        velocityDiagonal[c]! * (v[vOffset + i * d + c]! - velocityCenter[c]!);
    }
  }
}
