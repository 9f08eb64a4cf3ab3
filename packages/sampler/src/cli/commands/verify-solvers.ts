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
  'exponential-heun': 2,
  'stochastic-heun': 2,
  'dpmpp-2m': 2,
  'deis-1': 2,
  'deis-2': 3,
  'deis-3': 4,
};

/** Heun's methods: two score evaluations per step (one for a step ending at `t = 0`). */
const TWO_STAGE_METHODS: readonly DDPMMethod[] = ['heun', 'exponential-heun', 'stochastic-heun'];

/** Score evaluations per step of `method` (away from `t = 0`). */
export function evaluationsPerStep(method: DDPMMethod): number {
  return TWO_STAGE_METHODS.includes(method) ? 2 : 1;
}

/** Score evaluations of one run of `method` on `grid` (Heun's methods: two per step, one for a step ending at 0). */
export function scoreEvaluations(method: DDPMMethod, grid: Float64Array): number {
  const steps = grid.length - 1;
  if (evaluationsPerStep(method) === 1) return steps;
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
      const steps = Math.floor(budget / evaluationsPerStep(method));
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

/**
 * Whether `method` with ≤ `budget` evaluations reaches the exponential integrator's KL at `reference` evaluations.
 * Met only when both divergences are at most the reference's: KL(data ‖ output), the goal's own measure, and
 * KL(q_end ‖ output), the discretisation and initialisation error alone (`q_end` the forward marginal at the
 * grid's last time), so that a discretisation error which happens to cancel the early-stopping bias does not count.
 */
export interface GoalCheck {
  readonly method: DDPMMethod;
  /** The grid of the best run (the KL table's, or one of {@link heunGridStudy}'s). */
  readonly grid: string;
  readonly budget: number;
  readonly bestKL: number;
  readonly bestKLToMarginal: number;
  readonly evaluations: number;
  readonly referenceKL: number;
  readonly referenceKLToMarginal: number;
  readonly met: boolean;
}

/** The KL table's grid, as printed. */
function tableGrid(T: number, delta: number, steps: number): string {
  return `earlyStoppingGrid(${T}, ${delta}, ${steps})`;
}

/**
 * The issue's goal on the table's setting: `method`'s best run over budgets ≤ `budget` (by KL to the data, among
 * the runs meeting the goal if any) against EI's at `reference` evaluations.
 */
export function goalChecks(
  cells: readonly BudgetCell[],
  reference: number,
  budget: number,
  methods: readonly DDPMMethod[],
  T: number,
  delta: number,
): GoalCheck[] {
  const ei = cells.find((c) => c.method === 'exponential-integrator' && c.budget === reference);
  if (ei === undefined) return [];
  return methods.flatMap((method) => {
    const own = cells.filter((c) => c.method === method && c.evaluations <= budget);
    if (own.length === 0) return [];
    return [
      bestGoal(
        method,
        budget,
        own.map((c) => ({ ...c, grid: tableGrid(T, delta, c.steps) })),
        ei,
      ),
    ];
  });
}

/** The best of `runs` (a run meeting both references first, then the smallest KL to the data) as a goal check. */
function bestGoal(
  method: DDPMMethod,
  budget: number,
  runs: readonly { grid: string; evaluations: number; kl: number; klToMarginal: number }[],
  reference: { kl: number; klToMarginal: number },
): GoalCheck {
  const meets = (r: { kl: number; klToMarginal: number }): boolean =>
    r.kl <= reference.kl && r.klToMarginal <= reference.klToMarginal;
  const pool = runs.some(meets) ? runs.filter(meets) : runs;
  const best = pool.reduce((a, b) => (b.kl < a.kl ? b : a));
  return {
    method,
    grid: best.grid,
    budget,
    bestKL: best.kl,
    bestKLToMarginal: best.klToMarginal,
    evaluations: best.evaluations,
    referenceKL: reference.kl,
    referenceKLToMarginal: reference.klToMarginal,
    met: meets(best),
  };
}

/** Heun (one form) at a budget of score evaluations on one standard grid. */
export interface HeunGridCell {
  readonly method: 'heun' | 'exponential-heun';
  readonly grid: string;
  /** The grid's last time: `δ`, or 0 for the grids whose last step is the denoising (Euler / data-prediction) step. */
  readonly end: number;
  readonly evaluations: number;
  /** KL(data ‖ output). */
  readonly kl: number;
  /** KL(q_end ‖ output), `q_end` the forward marginal at the grid's last time (the data when it ends at 0). */
  readonly klToMarginal: number;
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
 * The standard grids tried for Heun with at most `budget` evaluations, fixed in advance and not tuned to the
 * data: the KL table's early-stopping grid (uniform in t to 1, geometric below); the fully geometric one
 * (`switchTime = T`, uniform in ln t); uniform in log-SNR (geometric in σ̄); Karras et al.'s ρ = 7 over
 * `σ̄_T → σ̄_δ`; uniform and quadratic in t (DDPM's and DDIM's); and, ending at t = 0 with the denoising step,
 * the early-stopping grid and EDM's own schedule (one step to σ̄ = 80, ρ = 7 from 80 to 0.002).
 */
export function heunStudyGrids(T: number, delta: number, budget = 50): [string, Float64Array][] {
  const steps = Math.floor(budget / 2);
  const hi = sigmaBarOf(T);
  const lo = sigmaBarOf(delta);
  const edmPoints = Math.floor((budget - 1) / 2);
  const quadratic = (k: number): number => delta + (T - delta) * ((steps - k) / steps) ** 2;
  return [
    [tableGrid(T, delta, steps), earlyStoppingGrid(T, delta, steps)],
    [
      `earlyStoppingGrid(${T}, ${delta}, ${steps}, { switchTime: ${T} }) (geometric in t)`,
      earlyStoppingGrid(T, delta, steps, { switchTime: T }),
    ],
    [
      'geometric in σ̄ (uniform in log-SNR) from σ̄_T to σ̄_δ',
      gridThrough(T, geometricSigmas(hi, lo, steps + 1).slice(1, -1), delta),
    ],
    [
      `ρ = 7 in σ̄ from σ̄_T = ${hi.toPrecision(4)} to σ̄_δ = ${lo.toPrecision(3)}`,
      gridThrough(T, karrasSigmas(hi, lo, steps + 1, 7).slice(1, -1), delta),
    ],
    [`uniform in t from ${T} to ${delta}`, uniformGrid(T, steps, delta)],
    [`quadratic in t from ${T} to ${delta} (DDIM)`, Float64Array.from({ length: steps + 1 }, (_, k) => quadratic(k))],
    [
      `earlyStoppingGrid(${T}, ${delta}, ${steps - 1}), then the denoising step to t = 0`,
      Float64Array.from([...earlyStoppingGrid(T, delta, steps - 1), 0]),
    ],
    [
      `EDM: one step to σ̄ = 80, ρ = 7 from 80 to 0.002 (${edmPoints} σ̄), then the denoising step to t = 0`,
      gridThrough(T, karrasSigmas(80, 0.002, edmPoints, 7), 0),
    ],
  ];
}

/**
 * Heun's KL with at most `budget` evaluations in both forms (`heun`: EDM's; `exponential-heun`) on
 * {@link heunStudyGrids}' standard grids, with KL(data ‖ output) and the discretisation error alone KL(q_end ‖ output).
 */
export function heunGridStudy(data: GaussianLaw, T: number, delta: number, budget = 50): HeunGridCell[] {
  const grids = heunStudyGrids(T, delta, budget);
  return (['heun', 'exponential-heun'] as const).flatMap((method) =>
    grids.map(([grid, times]): HeunGridCell => {
      const end = times[times.length - 1]!;
      const out = exactDDPMLaw(data, { T, grid: times, method });
      return {
        method,
        grid,
        end,
        evaluations: scoreEvaluations(method, times),
        kl: gaussianKL(data, out),
        klToMarginal: gaussianKL(end === 0 ? data : ouMarginal(data, end), out),
      };
    }),
  );
}

/**
 * The goal for Heun: the best of {@link heunGridStudy}'s runs that end at `δ`, like the reference (both forms,
 * standard grids), against the exponential integrator's KL table cell at `reference` evaluations.
 */
export function heunGoal(
  study: readonly HeunGridCell[],
  cells: readonly BudgetCell[],
  reference: number,
  budget: number,
  delta: number,
): GoalCheck | undefined {
  const ei = cells.find((c) => c.method === 'exponential-integrator' && c.budget === reference);
  const runs = study
    .filter((c) => c.end === delta && c.evaluations <= budget)
    .map((c) => ({ ...c, grid: `${c.grid}, ${c.method}` }));
  if (ei === undefined || runs.length === 0) return undefined;
  return bestGoal('heun', budget, runs, ei);
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
