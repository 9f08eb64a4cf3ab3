/**
 * Time grids for the reverse samplers.
 *
 * A grid is a `Float64Array` of **forward** times `T = t_0 > t_1 > … > t_N = δ ≥ 0`.
 * Step `k` runs from `t_k` to `t_{k+1}` with `h_k = t_k − t_{k+1}` and evaluates
 * the score at `t_k > 0` (frozen at the step's left end).
 * @packageDocumentation
 */
import { InvalidArgumentError, expectInteger, expectNonNegative, expectPositive } from '@sgmkit/tensor';
import { exp, log } from '@sgmkit/tensor';

/** Largest number of steps a grid may have: the random-stream scheme (see `samplers/streams.ts`) addresses `2^26 − 1` steps. */
export const MAX_STEPS = (1 << 26) - 1;

/**
 * Validates a grid of forward times against a horizon `T`: a `Float64Array` (or
 * number array) of length ≥ 2, every entry finite and inside `[0, T]`,
 * `times[0] === T`, strictly decreasing. Returns a fresh `Float64Array` copy.
 * @param fn - name of the public function, for the error message
 * @param argument - name of the argument, for the error message
 */
export function expectGrid(fn: string, argument: string, times: unknown, T: number): Float64Array {
  if (!(times instanceof Float64Array || times instanceof Float32Array || Array.isArray(times))) {
    throw new InvalidArgumentError(fn, argument, times, 'a Float64Array or number array of forward times');
  }
  const values = times as ArrayLike<unknown>;
  if (values.length < 2)
    throw new InvalidArgumentError(fn, argument, times, 'a grid with at least 2 times (at least 1 step)');
  if (values.length - 1 > MAX_STEPS)
    throw new InvalidArgumentError(fn, argument, times, `a grid with at most ${MAX_STEPS} steps`);
  const grid = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const t = values[k];
    if (typeof t !== 'number' || !Number.isFinite(t))
      throw new InvalidArgumentError(fn, `${argument}[${k}]`, t, 'a finite number');
    if (t < 0 || t > T)
      throw new InvalidArgumentError(fn, `${argument}[${k}]`, t, `a forward time inside [0, T = ${T}]`);
    if (k === 0 && t !== T)
      throw new InvalidArgumentError(fn, `${argument}[0]`, t, `the horizon T = ${T} (grids start at T)`);
    if (k > 0 && !(t < grid[k - 1]!)) {
      throw new InvalidArgumentError(
        fn,
        `${argument}[${k}]`,
        t,
        `strictly less than ${argument}[${k - 1}] = ${grid[k - 1]} (forward times decrease from T to δ)`,
      );
    }
    grid[k] = t;
  }
  return grid;
}

/**
 * `steps` equal steps from `T` down to `delta`:
 * `t_k = T − k (T − δ)/N`, with `t_N = δ` exactly.
 *
 * @example
 * ```ts
 * import { uniformGrid } from '@sgmkit/sampler';
 * uniformGrid(1, 4); // Float64Array [1, 0.75, 0.5, 0.25, 0]
 * ```
 */
export function uniformGrid(T: number, steps: number, delta = 0): Float64Array {
  const fn = 'uniformGrid';
  expectPositive(fn, 'T', T);
  expectInteger(fn, 'steps', steps, 1, MAX_STEPS);
  expectNonNegative(fn, 'delta', delta);
  if (!(delta < T)) throw new InvalidArgumentError(fn, 'delta', delta, `a number in [0, T = ${T})`);
  const grid = new Float64Array(steps + 1);
  const h = (T - delta) / steps;
  for (let k = 0; k < steps; k++) grid[k] = T - k * h;
  grid[0] = T;
  grid[steps] = delta;
  return grid;
}

/** Options of {@link earlyStoppingGrid}. */
export interface EarlyStoppingGridOptions {
  /**
   * Forward time below which the steps shrink geometrically (default 1, as in
   * the paper, where the step is `κ·min(1, t)`).
   */
  readonly switchTime?: number;
}

/**
 * The early-stopping grid of the paper's analysis (Chen et al. 2022, the
 * `h_k ≤ κ·min(1, t_k)` schedule): uniform steps far from the data and steps
 * proportional to the time near `δ`, i.e. exponentially shrinking.
 *
 * Construction, with switch time `τ = min(switchTime, T)`:
 * - `L = T − τ` is covered by `N₁` uniform steps of size `L/N₁`;
 * - `[δ, τ]` by `N₂` geometric steps `t = τ·(δ/τ)^{j/N₂}`, whose sizes
 *   `t·(1 − (δ/τ)^{1/N₂}) ≈ t·G/N₂` with `G = ln(τ/δ)` are proportional to `t`;
 * - `N₁ = round(N·L/(L + G))` (at least 1 when `L > 0`), `N₂ = N − N₁ ≥ 1`,
 *   so both parts have about the same step `κ ≈ (L + G)/N` at the switch time
 *   and the grid has `O((T + ln(1/δ))/κ)` steps, as in the paper.
 *
 * @param T - horizon (> 0)
 * @param delta - early-stopping time `δ` in `(0, T)`
 * @param steps - total number of steps `N` (≥ 2 when `T > switchTime`, else ≥ 1)
 * @example
 * ```ts
 * import { earlyStoppingGrid } from '@sgmkit/sampler';
 * const grid = earlyStoppingGrid(10, 1e-3, 200); // 200 steps from 10 to 0.001
 * ```
 */
export function earlyStoppingGrid(
  T: number,
  delta: number,
  steps: number,
  options: EarlyStoppingGridOptions = {},
): Float64Array {
  const fn = 'earlyStoppingGrid';
  expectPositive(fn, 'T', T);
  expectPositive(fn, 'delta', delta);
  if (!(delta < T)) throw new InvalidArgumentError(fn, 'delta', delta, `a number in (0, T = ${T})`);
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object');
  const switchTime = options.switchTime ?? 1;
  expectPositive(fn, 'options.switchTime', switchTime);
  const tau = Math.max(Math.min(switchTime, T), delta);
  const L = T - tau;
  const G = log(tau / delta);
  const minSteps = (L > 0 ? 1 : 0) + (G > 0 ? 1 : 0);
  expectInteger(fn, 'steps', steps, Math.max(minSteps, 1), MAX_STEPS);
  let n1 = L > 0 ? Math.max(1, Math.round((steps * L) / (L + G))) : 0;
  if (G > 0 && n1 > steps - 1) n1 = steps - 1;
  const n2 = steps - n1;
  const grid = new Float64Array(steps + 1);
  for (let k = 0; k < n1; k++) grid[k] = T - (k * L) / n1;
  // exp/log rather than Math.pow: the same grid in every JavaScript engine (Math.pow is implementation-defined)
  const logRatio = log(delta / tau);
  for (let j = 0; j < n2; j++) grid[n1 + j] = tau * exp((j / n2) * logRatio);
  grid[0] = T;
  grid[steps] = delta;
  return grid;
}

/**
 * A user-supplied grid, validated: finite forward times, strictly decreasing
 * from `T` to some `δ ≥ 0`, inside `[0, T]`, at least one step. Returns a copy.
 *
 * @example
 * ```ts
 * import { customGrid } from '@sgmkit/sampler';
 * customGrid([2, 1, 0.5, 0.1], 2);
 * ```
 */
export function customGrid(times: ArrayLike<number>, T: number): Float64Array {
  expectPositive('customGrid', 'T', T);
  return expectGrid('customGrid', 'times', times, T);
}
