/**
 * The DDPM solvers' part of `sgmkit verify`, from exact output laws (no Monte Carlo):
 * - fitted convergence orders: W2 between a method's output law and the forward marginal
 *   `q_δ` it approximates, started at `q_T` (discretisation error only), on uniform grids
 *   `T → δ`, against the step count; the slope of the log-log fit is compared with theory;
 * - KL against the number of score evaluations, all methods side by side, on an
 *   early-stopping grid started at `N(0, I)` (what a user runs), and the issue's goal:
 *   do Heun and DPM-Solver++(2M) with ≤ 50 evaluations reach the exponential integrator's KL at 1000?
 * @packageDocumentation
 */
import {
  DDPM_METHODS,
  earlyStoppingGrid,
  exactDDPMLaw,
  gaussianKL,
  gaussianW2,
  ouMarginal,
  stabilityLimit,
  uniformGrid,
  type DDPMMethod,
  type GaussianLaw,
} from '../../index.js';
import { fitPowerLaw } from '../fit.js';
import { formatTable, type Cell } from '../format.js';

/**
 * The order `p` of `W2(output, q_δ) = O(h^p)` for each DDPM method (the weak order: the output law's mean and
 * covariance errors). The exponential integrator, Euler–Maruyama, ancestral (with `δ > 0`) and the probability-flow
 * exponential integrator are first order; Heun, stochastic Heun (Kloeden–Platen's weak order 2 for additive noise)
 * and DPM-Solver++(2M) second order; DEIS with a degree-`r` score extrapolation order `r + 1`.
 */
export const THEORETICAL_ORDER: Readonly<Record<DDPMMethod, number>> = {
  'exponential-integrator': 1,
  'euler-maruyama': 1,
  ancestral: 1,
  'probability-flow': 1,
  heun: 2,
  'stochastic-heun': 2,
  'dpmpp-2m': 2,
  'deis-1': 2,
  'deis-2': 3,
  'deis-3': 4,
};

/** Score evaluations of one run of `method` on `grid` (Heun's methods: two per step, one for a step ending at 0). */
export function scoreEvaluations(method: DDPMMethod, grid: Float64Array): number {
  const steps = grid.length - 1;
  if (method !== 'heun' && method !== 'stochastic-heun') return steps;
  return 2 * steps - (grid[steps] === 0 ? 1 : 0);
}

/** One method's fitted order. */
export interface OrderFit {
  readonly method: DDPMMethod;
  readonly theory: number;
  readonly fitted: number;
  readonly steps: readonly number[];
  readonly w2: readonly number[];
}

/** Fitted orders of W2(output, q_δ) in h on uniform grids `T → δ`, started at `q_T`. */
export function solverOrders(
  data: GaussianLaw,
  T: number,
  delta: number,
  stepCounts: readonly number[],
  methods: readonly DDPMMethod[] = DDPM_METHODS,
): OrderFit[] {
  const target = ouMarginal(data, delta);
  return methods.map((method) => {
    const usable = stepCounts.filter((n) => (T - delta) / n < stabilityLimit('ddpm', method));
    const w2 = usable.map((n) =>
      gaussianW2(exactDDPMLaw(data, { T, grid: uniformGrid(T, n, delta), method, init: 'forward-marginal' }), target),
    );
    return {
      method,
      theory: THEORETICAL_ORDER[method],
      fitted: fitPowerLaw(
        usable.map((n) => (T - delta) / n),
        w2,
      ).exponent,
      steps: usable,
      w2,
    };
  });
}

/** One cell of the KL table: a method at a budget of score evaluations (undefined when unstable or the budget is too small). */
export interface BudgetCell {
  readonly method: DDPMMethod;
  readonly budget: number;
  readonly steps: number;
  readonly evaluations: number;
  /** KL(data ‖ output). */
  readonly kl: number;
  /** KL(q_δ ‖ output): the discretisation and initialisation error alone. */
  readonly klToMarginal: number;
}

/** KL of each method's output with at most `budget` score evaluations on `earlyStoppingGrid(T, δ, steps)`, started at N(0, I). */
export function klByEvaluations(
  data: GaussianLaw,
  T: number,
  delta: number,
  budgets: readonly number[],
  methods: readonly DDPMMethod[] = DDPM_METHODS,
): BudgetCell[] {
  const marginal = ouMarginal(data, delta);
  const cells: BudgetCell[] = [];
  for (const method of methods) {
    for (const budget of budgets) {
      const perStep = method === 'heun' || method === 'stochastic-heun' ? 2 : 1;
      const steps = Math.floor(budget / perStep);
      if (steps < 2) continue;
      const grid = earlyStoppingGrid(T, delta, steps);
      const limit = stabilityLimit('ddpm', method);
      if (grid.some((t, k) => k > 0 && !(grid[k - 1]! - t < limit))) continue;
      const out = exactDDPMLaw(data, { T, grid, method });
      cells.push({
        method,
        budget,
        steps,
        evaluations: scoreEvaluations(method, grid),
        kl: gaussianKL(data, out),
        klToMarginal: gaussianKL(marginal, out),
      });
    }
  }
  return cells;
}

/** Whether `method` with ≤ `budget` evaluations reaches the exponential integrator's KL at `reference` evaluations. */
export interface GoalCheck {
  readonly method: DDPMMethod;
  readonly budget: number;
  readonly bestKL: number;
  readonly evaluations: number;
  readonly referenceKL: number;
  readonly met: boolean;
}

/** The goal on the table's setting: the best KL of `method` over budgets ≤ `budget` against EI's KL at `reference` evaluations. */
export function goalChecks(
  cells: readonly BudgetCell[],
  reference: number,
  budget: number,
  methods: readonly DDPMMethod[],
): GoalCheck[] {
  const ei = cells.find((c) => c.method === 'exponential-integrator' && c.budget === reference);
  if (ei === undefined) return [];
  return methods.flatMap((method) => {
    const own = cells.filter((c) => c.method === method && c.evaluations <= budget);
    if (own.length === 0) return [];
    const best = own.reduce((a, b) => (b.kl < a.kl ? b : a));
    return [
      { method, budget, bestKL: best.kl, evaluations: best.evaluations, referenceKL: ei.kl, met: best.kl <= ei.kl },
    ];
  });
}

/** Heun at a budget of score evaluations on one grid (the goal's diagnosis: which grids were tried). */
export interface HeunGridCell {
  readonly grid: string;
  readonly evaluations: number;
  /** KL(data ‖ output). */
  readonly kl: number;
}

/** `t` with `σ̄_t = √(e^{2t} − 1) = sigmaBar`. */
function timeOfSigmaBar(sigmaBar: number): number {
  return 0.5 * Math.log1p(sigmaBar * sigmaBar);
}

/** `σ̄_t = σ_t/α_t = √(e^{2t} − 1)`. */
function sigmaBarOf(t: number): number {
  return Math.sqrt(Math.expm1(2 * t));
}

/** Karras et al.'s (2022) ρ-schedule: `points` values of `σ̄` from `hi` to `lo`, equally spaced in `σ̄^{1/ρ}`. */
function karrasSigmas(hi: number, lo: number, points: number, rho: number): number[] {
  const a = hi ** (1 / rho);
  const b = lo ** (1 / rho);
  return Array.from({ length: points }, (_, i) => (a + (i / (points - 1)) * (b - a)) ** rho);
}

/** `points` values of `σ̄` from `hi` to `lo`, equally spaced in `ln σ̄` (the ρ → ∞ limit). */
function geometricSigmas(hi: number, lo: number, points: number): number[] {
  return Array.from({ length: points }, (_, i) => hi * Math.exp((i / (points - 1)) * Math.log(lo / hi)));
}

/** A grid from `T` through the times of `sigmas` (in decreasing order, each below `σ̄_T`), then `last`. */
function gridThrough(T: number, sigmas: readonly number[], last: number): Float64Array {
  return Float64Array.from([T, ...sigmas.map(timeOfSigmaBar), last]);
}

/**
 * A 25-step grid `T → δ` tuned to `data` for Heun: coordinate descent on the log-gaps of its 24 interior `σ̄`
 * (log σ̄ increments, normalised to span `[ln σ̄_δ, ln σ̄_T]`), minimising KL(data ‖ output). Not a schedule a user
 * could choose without knowing the data; a local optimum, so an estimate of the best any grid ending at δ can do.
 */
function searchedHeunGrid(data: GaussianLaw, T: number, delta: number, steps: number, sweeps: number): Float64Array {
  const hi = Math.log(sigmaBarOf(T));
  const lo = Math.log(sigmaBarOf(delta));
  const gridOf = (w: readonly number[]): Float64Array => {
    const e = w.map(Math.exp);
    const total = e.reduce((a, b) => a + b, 0);
    const grid = new Float64Array(steps + 1);
    grid[0] = T;
    let acc = 0;
    for (let i = 1; i < steps; i++) {
      acc += e[i - 1]!;
      grid[i] = timeOfSigmaBar(Math.exp(hi - (acc / total) * (hi - lo)));
    }
    grid[steps] = delta;
    return grid;
  };
  const cost = (w: readonly number[]): number => {
    const grid = gridOf(w);
    if (grid.some((t, k) => k > 0 && !(t < grid[k - 1]!))) return Infinity;
    const kl = gaussianKL(data, exactDDPMLaw(data, { T, grid, method: 'heun' }));
    return Number.isFinite(kl) ? kl : Infinity;
  };
  let w = new Array<number>(steps).fill(0);
  let best = cost(w);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const move = 0.5 / (1 + sweep / 10);
    for (let i = 0; i < steps; i++) {
      for (const d of [move, -move]) {
        const v = w.slice();
        v[i]! += d;
        const c = cost(v);
        if (c < best) {
          best = c;
          w = v;
        }
      }
    }
  }
  return gridOf(w);
}

/**
 * Heun's KL with at most `budget` evaluations on the grids one would try for it: the table's early-stopping grid;
 * the same with EDM's last step, Euler to `t = 0` (the denoised prediction); Karras et al.'s schedule as in EDM
 * (`σ̄` from 80 to 0.002, ρ = 7, after one step from `T`, Euler to 0); ρ = 7 and geometric (uniform log-SNR)
 * grids over the whole range `σ̄_T → σ̄_δ`; and a grid searched to minimise the KL on this very target (`searchSweeps` coordinate-descent sweeps).
 */
export function heunGridStudy(
  data: GaussianLaw,
  T: number,
  delta: number,
  budget = 50,
  searchSweeps = 30,
): HeunGridCell[] {
  const steps = Math.floor(budget / 2);
  const hi = sigmaBarOf(T);
  const lo = sigmaBarOf(delta);
  const edmPoints = Math.floor((budget - 1) / 2);
  const grids: [string, Float64Array][] = [
    [`earlyStoppingGrid(${T}, ${delta}, ${steps})`, earlyStoppingGrid(T, delta, steps)],
    [
      `earlyStoppingGrid(${T}, ${delta}, ${steps - 1}), then Euler to t = 0`,
      Float64Array.from([...earlyStoppingGrid(T, delta, steps - 1), 0]),
    ],
    [
      `EDM: one step to σ̄ = 80, ρ = 7 from 80 to 0.002 (${edmPoints} σ̄), then Euler to t = 0`,
      gridThrough(T, karrasSigmas(80, 0.002, edmPoints, 7), 0),
    ],
    [
      `ρ = 7 in σ̄ from σ̄_T = ${hi.toPrecision(4)} to σ̄_δ = ${lo.toPrecision(3)}`,
      gridThrough(T, karrasSigmas(hi, lo, steps + 1, 7).slice(1, -1), delta),
    ],
    [
      'geometric in σ̄ (uniform in log-SNR) from σ̄_T to σ̄_δ',
      gridThrough(T, geometricSigmas(hi, lo, steps + 1).slice(1, -1), delta),
    ],
    [
      `${steps} steps ending at δ, searched to minimise this KL on this target (coordinate descent on log σ̄)`,
      searchedHeunGrid(data, T, delta, steps, searchSweeps),
    ],
  ];
  return grids.map(([grid, times]) => ({
    grid,
    evaluations: scoreEvaluations('heun', times),
    kl: gaussianKL(data, exactDDPMLaw(data, { T, grid: times, method: 'heun' })),
  }));
}

/** The orders as a table. */
export function ordersTable(fits: readonly OrderFit[]): string {
  return formatTable(
    ['method', 'theory p', 'fitted p', '|fitted − theory|', ...fits[0]!.steps.map((n) => `W2 @ ${n}`)],
    fits.map((f): Cell[] => [
      f.method,
      f.theory,
      f.fitted.toFixed(3),
      Math.abs(f.fitted - f.theory).toFixed(3),
      ...f.w2,
    ]),
  );
}

/** A KL table: one row per method, one column per budget, `KL (evaluations used)`; `pick` chooses the KL. */
export function budgetTable(
  cells: readonly BudgetCell[],
  budgets: readonly number[],
  pick: (c: BudgetCell) => number = (c) => c.kl,
): string {
  const methods = [...new Set(cells.map((c) => c.method))];
  return formatTable(
    ['method', ...budgets.map((b) => `<= ${b} evals`)],
    methods.map((method): Cell[] => [
      method,
      ...budgets.map((b) => {
        const c = cells.find((x) => x.method === method && x.budget === b);
        return c === undefined ? '-' : `${pick(c).toExponential(2)} (${c.evaluations})`;
      }),
    ]),
  );
}
