/**
 * Refined Brownian paths: the noise of a DDPM run on a grid and of runs on its dyadic
 * refinements come from one Brownian path, so pathwise (strong) errors can be measured.
 *
 * Construction (dyadic, from the finest level): with `noise.brownianLevels = L`, step `k`
 * of the run is split into `m = 2^L` equal fine steps of size `h_f = h/m`, and fine step
 * `i` of it owns the particle-addressed normal `z_i` of stream `predictorStream(k·m + i)`
 * (`k` the global step index). A run at level 0 is exactly the ordinary run (same
 * streams, same bits); a run whose grid is the level-0 grid coarsened by `2^L` at level
 * `L` reads the same normals, so both see one path. The step's normal is the exact
 * functional of the fine path that the method's noise term is:
 * - `euler-maruyama` (noise `√(2h) z = √2 ΔW`): the Brownian increment over the step is
 *   the sum of its fine increments, `z = Σ_i z_i / √m`;
 * - `exponential-integrator` (noise `ξ = √2 ∫_0^h e^{h−u} dW_u`, variance `e^{2h} − 1`):
 *   splitting the integral over the fine steps, `ξ = Σ_i e^{(m−1−i)h_f} ξ_i` with
 *   `ξ_i = √(e^{2h_f} − 1) z_i` the fine run's own noise, so
 *   `z = Σ_i w_i z_i`, `w_i = e^{(m−1−i)h_f} √(e^{2h_f} − 1) / √(e^{2h} − 1)`, `Σ w_i² = 1`.
 * - `stochastic-heun`: its noise term is the exponential integrator's `ξ` (the predictor and
 *   the corrector share it), so it reads the fine normals with the same weights.
 * All make `z` exactly `N(0, 1)` and a function of `(seed, global row, global fine step)`
 * only: deterministic and independent of chunking, row splits and workers. Other methods
 * (ancestral, the deterministic and multistep solvers) and Langevin correctors are refused:
 * their noise is not a functional of one path in this form (or they have none).
 * @packageDocumentation
 */
import { InvalidArgumentError, expm1, exp, fillParticleNormals } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import { predictorStream } from './streams.js';
import type { DDPMMethod } from './methods.js';

/** Most refinement levels (a step split into at most `2^MAX_BROWNIAN_LEVELS` fine steps). */
export const MAX_BROWNIAN_LEVELS = 16;

/** Methods whose noise the refinement supports. */
export const BROWNIAN_METHODS: readonly DDPMMethod[] = ['exponential-integrator', 'euler-maruyama', 'stochastic-heun'];

/**
 * Writes the weights `w_0 … w_{m−1}` of the fine normals in the step's normal (see the
 * module doc) for a step of size `h` split into `m` fine steps.
 */
export function brownianWeightsInto(method: DDPMMethod, h: number, m: number, out: Float64Array): Float64Array {
  if (method === 'euler-maruyama') {
    out.fill(1 / Math.sqrt(m), 0, m);
    return out;
  }
  const fine = h / m;
  const scale = Math.sqrt(expm1(2 * fine) / expm1(2 * h));
  for (let i = 0; i < m; i++) out[i] = exp((m - 1 - i) * fine) * scale;
  return out;
}

/** Validates the refinement of a run of `sampler` with `method` whose last global step is `lastStep`; returns `m = 2^L`. */
export function expectBrownianRefinement(
  fn: string,
  levels: number,
  sampler: 'ddpm' | 'cld',
  method: string,
  correctorSteps: number,
  lastStep: number,
  maxSteps: number,
): number {
  if (sampler !== 'ddpm')
    throw new InvalidArgumentError(
      fn,
      'noise.brownianLevels',
      levels,
      '0 for CLD (refined Brownian paths are for the DDPM samplers)',
    );
  if (!BROWNIAN_METHODS.includes(method as DDPMMethod)) {
    throw new InvalidArgumentError(
      fn,
      'noise.brownianLevels',
      levels,
      `0 for method '${method}' (refined Brownian paths support ${BROWNIAN_METHODS.map((m) => `'${m}'`).join(', ')})`,
    );
  }
  if (correctorSteps > 0)
    throw new InvalidArgumentError(
      fn,
      'noise.brownianLevels',
      levels,
      '0 with a Langevin corrector (the corrector noise is not part of the path)',
    );
  const m = 2 ** levels;
  if ((lastStep + 1) * m - 1 > maxSteps) {
    throw new InvalidArgumentError(
      fn,
      'noise.brownianLevels',
      levels,
      `a level with (last step + 1)·2^level ≤ ${maxSteps + 1} (the fine steps need stream ids)`,
    );
  }
  return m;
}

/** The state of a refined run: scratch for one fine normal batch and the accumulated step normal. */
export interface BrownianScratch {
  readonly m: number;
  readonly weights: Float64Array;
  readonly normals: Batch<Float64Array>;
  readonly sum: Float64Array;
}

/** Scratch for a run of `n × d` particles split `m` ways (allocated once per run). */
export function brownianScratch(n: number, d: number, m: number): BrownianScratch {
  return {
    m,
    weights: new Float64Array(m),
    normals: { data: new Float64Array(n * d), shape: [n, d], stride: [d, 1], offset: 0 },
    sum: new Float64Array(n * d),
  };
}

/**
 * Writes into `scratch.sum` the refined path's normal of global step `step` (size `h`):
 * `z = Σ_i w_i z_i` over its fine normals (see the module doc). Exactly `N(0, 1)` per entry.
 */
export function refinedNormalsInto(
  method: DDPMMethod,
  h: number,
  seed: number,
  step: number,
  firstRow: number,
  scratch: BrownianScratch,
): Float64Array {
  const { m, weights, normals, sum } = scratch;
  brownianWeightsInto(method, h, m, weights);
  sum.fill(0);
  for (let i = 0; i < m; i++) {
    fillParticleNormals(normals, seed, predictorStream(step * m + i), firstRow);
    const w = weights[i]!;
    for (let p = 0; p < sum.length; p++) sum[p] += w * normals.data[p]!;
  }
  return sum;
}

/**
 * One noisy step with the refined path's normal: `y ← linear·y + score·s + noise·z`,
 * `z = Σ_i w_i z_i` over the fine normals of global step `step` (see the module doc).
 * `y` and `s` are contiguous batches of one dtype.
 */
export function refinedAffineNoiseStep(
  method: DDPMMethod,
  y: Batch,
  s: Batch,
  h: number,
  linear: number,
  score: number,
  noise: number,
  seed: number,
  step: number,
  firstRow: number,
  scratch: BrownianScratch,
): void {
  const sum = refinedNormalsInto(method, h, seed, step, firstRow, scratch);
  const yd = y.data;
  const sd = s.data;
  for (let p = 0; p < sum.length; p++) {
    yd[y.offset + p] = linear * yd[y.offset + p]! + score * sd[s.offset + p]! + noise * sum[p]!;
  }
}
