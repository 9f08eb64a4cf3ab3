/**
 * Data points to the standardised space of a score with a `normalization`, and the
 * log-Jacobian of that change: a score learned on `y` with `x = mean + A·y` has
 * `log p_x(x) = log p_y(y) − log |det A|`.
 * @packageDocumentation
 */
import { InvalidArgumentError, log } from '@sgmkit/tensor';
import type { DataNormalization } from '@sgmkit/score';

/** The inverse map `x ↦ y` of a normalisation and `log |det A|`. */
export interface StandardisingMap {
  /** Writes `y = A⁻¹(x − mean)` for the `n × d` row-major rows of `data` in place. */
  readonly apply: (data: Float64Array, n: number) => void;
  readonly logDeterminant: number;
}

/** LU factorisation with partial pivoting of the `d × d` row-major `a` (copied), for solves. */
function luFactor(
  fn: string,
  a: Float64Array,
  d: number,
): { lu: Float64Array; pivot: Int32Array; logDeterminant: number } {
  const lu = Float64Array.from(a);
  const pivot = new Int32Array(d);
  let logDeterminant = 0;
  for (let k = 0; k < d; k++) {
    let p = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(lu[i * d + k]!) > Math.abs(lu[p * d + k]!)) p = i;
    pivot[k] = p;
    if (lu[p * d + k] === 0)
      throw new InvalidArgumentError(fn, 'score.normalization.matrix', a, 'an invertible d × d matrix');
    if (p !== k) for (let j = 0; j < d; j++) [lu[k * d + j], lu[p * d + j]] = [lu[p * d + j]!, lu[k * d + j]!];
    const diagonal = lu[k * d + k]!;
    logDeterminant += log(Math.abs(diagonal));
    for (let i = k + 1; i < d; i++) {
      const factor = (lu[i * d + k]! /= diagonal);
      for (let j = k + 1; j < d; j++) lu[i * d + j] -= factor * lu[k * d + j]!;
    }
  }
  return { lu, pivot, logDeterminant };
}

/**
 * The map from data space to the score's space (identity without a normalisation).
 * @throws InvalidArgumentError for a zero scale or a singular whitening matrix
 */
export function standardisingMap(
  fn: string,
  normalization: DataNormalization | undefined,
  d: number,
): StandardisingMap {
  if (normalization === undefined) return { apply: () => {}, logDeterminant: 0 };
  const mean = normalization.mean;
  if (normalization.kind === 'affine') {
    const scale = normalization.scale;
    let logDeterminant = 0;
    for (let i = 0; i < d; i++) {
      if (scale[i] === 0)
        throw new InvalidArgumentError(
          fn,
          `score.normalization.scale[${i}]`,
          0,
          'a non-zero number (the map must be invertible)',
        );
      logDeterminant += log(Math.abs(scale[i]!));
    }
    const apply = (data: Float64Array, n: number): void => {
      for (let p = 0; p < n * d; p++) data[p] = (data[p]! - mean[p % d]!) / scale[p % d]!;
    };
    return { apply, logDeterminant };
  }
  const { lu, pivot, logDeterminant } = luFactor(fn, normalization.matrix, d);
  const apply = (data: Float64Array, n: number): void => {
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let i = 0; i < d; i++) data[o + i] -= mean[i]!;
      for (let k = 0; k < d; k++) {
        const p = pivot[k]!;
        if (p !== k) [data[o + k], data[o + p]] = [data[o + p]!, data[o + k]!];
      }
      for (let i = 1; i < d; i++) for (let j = 0; j < i; j++) data[o + i] -= lu[i * d + j]! * data[o + j]!;
      for (let i = d - 1; i >= 0; i--) {
        for (let j = i + 1; j < d; j++) data[o + i] -= lu[i * d + j]! * data[o + j]!;
        data[o + i] /= lu[i * d + i]!;
      }
    }
  };
  return { apply, logDeterminant };
}
