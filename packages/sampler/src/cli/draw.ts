/**
 * Exact draws from analytic targets (Gaussians and Gaussian mixtures), used
 * as training data by `sgmkit train` and as noisy inputs `x_t` when checking
 * a learned score against the exact one.
 * @packageDocumentation
 */
import { batch, cholesky, RandomStream, type Batch, type Tensor } from '@sgmkit/tensor';
import type { Moments } from './targets.js';

/** One Gaussian component: mean and the lower Cholesky factor of its covariance. */
export interface GaussianComponent {
  readonly mean: Float64Array;
  readonly factor: Tensor<Float64Array>;
}

/** A component from a mean and a row-major covariance. */
export function gaussianComponent(moments: Moments): GaussianComponent {
  const d = moments.mean.length;
  return { mean: moments.mean, factor: cholesky({ data: moments.covariance, shape: [d, d], stride: [d, 1], offset: 0 }) };
}

function drawRow(component: GaussianComponent, rng: RandomStream, z: Float64Array, out: Float64Array, offset: number): void {
  const d = component.mean.length;
  const l = component.factor.data;
  rng.fillNormal(z);
  for (let i = 0; i < d; i++) {
    let v = component.mean[i]!;
    for (let j = 0; j <= i; j++) v += l[i * d + j]! * z[j]!;
    out[offset + i] = v;
  }
}

/** Index `k` with probability `weights[k]` (weights summing to 1), by inversion of one uniform. */
function pickComponent(weights: readonly number[], u: number): number {
  let cumulative = 0;
  for (let k = 0; k < weights.length - 1; k++) {
    cumulative += weights[k]!;
    if (u < cumulative) return k;
  }
  return weights.length - 1;
}

/** `m` exact draws from the mixture `Σ w_k N(μ_k, Σ_k)` (one component: a Gaussian), seeded. */
export function drawMixture(weights: readonly number[], components: readonly GaussianComponent[], m: number, seed: number): Batch {
  const d = components[0]!.mean.length;
  const out = batch(m, d);
  const rng = new RandomStream(seed);
  const z = new Float64Array(d);
  for (let i = 0; i < m; i++) {
    const k = components.length === 1 ? 0 : pickComponent(weights, rng.uniform());
    drawRow(components[k]!, rng, z, out.data as Float64Array, i * d);
  }
  return out;
}

/**
 * Moves data forward by the OU process to time t in place: `x ← e^{−t}x + √(1 − e^{−2t}) z`,
 * an exact draw from `q_t` when `x` is a draw from the data law.
 */
export function diffuseTo(x: Batch, t: number, seed: number): void {
  const rng = new RandomStream(seed, 1);
  const decay = Math.exp(-t);
  const sigma = Math.sqrt(-Math.expm1(-2 * t));
  const data = x.data;
  const end = x.offset + x.shape[0]! * x.shape[1]!;
  for (let i = x.offset; i < end; i++) data[i] = decay * data[i]! + sigma * rng.normal();
}
