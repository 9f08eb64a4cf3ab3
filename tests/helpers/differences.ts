// Central differences of a score, the reference the exact Jacobian traces and diagonals are tested against.
import { batch, fillParticleNormals, type Batch } from '@sgmkit/tensor';
import type { Score } from '@sgmkit/score';

/** The step of the central differences: error ≈ η²|∂³s|/6 + 2^-52|s|/η, about 1e-10 for scores of order 1. */
export const ETA = 1e-5;

/** n × d standard normals (particle-addressed stream `seed`) times `scale`. */
export function points(n: number, d: number, seed: number, scale: number): Batch<Float64Array> {
  const x = batch(n, d);
  fillParticleNormals(x, seed, 0, 0);
  for (let i = 0; i < x.data.length; i++) x.data[i] *= scale;
  return x;
}

/** `(s_i(x + η e_i) − s_i(x − η e_i)) / 2η` for every row and coordinate i (n × d, row-major). */
export function centralDifferenceDiagonal(
  score: Pick<Score, 'evaluate'>,
  t: number,
  x: Batch<Float64Array>,
): Float64Array {
  const [n, d] = x.shape as [number, number];
  const out = new Float64Array(n * d);
  const shifted = batch(n, d);
  const plus = batch(n, d);
  const minus = batch(n, d);
  for (let i = 0; i < d; i++) {
    shifted.data.set(x.data);
    for (let r = 0; r < n; r++) shifted.data[r * d + i] += ETA;
    score.evaluate(t, shifted, plus);
    shifted.data.set(x.data);
    for (let r = 0; r < n; r++) shifted.data[r * d + i] -= ETA;
    score.evaluate(t, shifted, minus);
    for (let r = 0; r < n; r++) out[r * d + i] = (plus.data[r * d + i]! - minus.data[r * d + i]!) / (2 * ETA);
  }
  return out;
}

/** Σ_i of {@link centralDifferenceDiagonal} per row, summed over i in order. */
export function centralDifferenceTrace(
  score: Pick<Score, 'evaluate'>,
  t: number,
  x: Batch<Float64Array>,
): Float64Array {
  const [n, d] = x.shape as [number, number];
  const diagonal = centralDifferenceDiagonal(score, t, x);
  const trace = new Float64Array(n);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) trace[r] += diagonal[r * d + i]!;
  return trace;
}
