/**
 * The exact output law of the higher-order DDPM solvers (Heun in both forms, stochastic Heun,
 * DPM-Solver++(2M), DEIS) for an affine score. Every stage of these solvers is affine
 * in the particle, its history and fresh normals, so the joint law of the solver's
 * state `X = (y, h₁, …, h_m)` (the particle and its `m` history vectors: the previous
 * data prediction for `dpmpp-2m`, the previous scores for `deis-r`) stays Gaussian.
 * Each update writes the new state as affine forms `M x + b` of the extended state
 * `x = (X, z)` (`z ~ N(0, I)` the step's fresh normals, if any), so
 * `mean ← M (mean, 0) + b`, `P ← M diag(P, I) Mᵀ`: the affine recursion over the history.
 * The stages mirror `ddpm-solvers.ts` with the same coefficients (`@sgmkit/tensor`).
 * @packageDocumentation
 */
import {
  DDPM_LAYOUT,
  DEIS_MAX_DEGREE,
  DPM_SOLVER_2M_LAYOUT,
  HEUN_LAYOUT,
  STOCHASTIC_HEUN_LAYOUT,
  deisCoefficientsInto,
  dpmSolver2MCoefficientsInto,
  exponentialHeunCoefficientsInto,
  heunCoefficientsInto,
  langevinCoefficientsInto,
  stochasticHeunCoefficientsInto,
  type DDPMSolverMethod,
} from '@sgmkit/tensor';
import type { AffineScoreForm } from '@sgmkit/score';
import type { LangevinCorrector } from '../samplers/common.js';
import { historyLength } from '../samplers/ddpm-solvers.js';
import { symmetrise } from './affine-recursion.js';

/** A Gaussian law of dimension `n` (mean, row-major covariance). */
export interface StateLaw {
  mean: Float64Array;
  covariance: Float64Array;
}

/** An affine form `M x + b` of the extended state: `m` is row-major `d × width`. */
interface Form {
  readonly m: Float64Array;
  readonly b: Float64Array;
}

/** Builds affine forms over an extended state of `width` columns, in blocks of `d`. */
class FormAlgebra {
  constructor(
    readonly d: number,
    readonly width: number,
    private readonly scoreAt: (t: number) => AffineScoreForm,
  ) {}

  /** The state block `j` (columns `j·d … (j + 1)·d − 1`). */
  block(j: number): Form {
    const { d, width } = this;
    const m = new Float64Array(d * width);
    for (let i = 0; i < d; i++) m[i * width + j * d + i] = 1;
    return { m, b: new Float64Array(d) };
  }

  /** `Σ coefficient·form`. */
  sum(...terms: [number, Form][]): Form {
    const m = new Float64Array(this.d * this.width);
    const b = new Float64Array(this.d);
    for (const [c, f] of terms) {
      for (let i = 0; i < m.length; i++) m[i] = m[i]! + c * f.m[i]!;
      for (let i = 0; i < b.length; i++) b[i] = b[i]! + c * f.b[i]!;
    }
    return { m, b };
  }

  /** The score at forward time `t` of the vector `f`: `J_t f + c_t`. */
  score(t: number, f: Form): Form {
    const { d, width } = this;
    const { matrix, offset } = this.scoreAt(t);
    const m = new Float64Array(d * width);
    const b = Float64Array.from(offset);
    for (let i = 0; i < d; i++) {
      for (let k = 0; k < d; k++) {
        const j = matrix[i * d + k]!;
        if (j === 0) continue;
        for (let c = 0; c < width; c++) m[i * width + c] = m[i * width + c]! + j * f.m[k * width + c]!;
        b[i] = b[i]! + j * f.b[k]!;
      }
    }
    return { m, b };
  }
}

/** Replaces `law` (dimension `n`) by the law of the stacked `forms` of `(X, z)`, `z ~ N(0, I_{noise})`. */
function applyForms(law: StateLaw, forms: readonly Form[], noise: number): void {
  const n = law.mean.length;
  const width = n + noise;
  const d = forms[0]!.b.length;
  const rows = forms.length * d;
  const m = new Float64Array(rows * width);
  const b = new Float64Array(rows);
  forms.forEach((f, k) => {
    m.set(f.m, k * d * width);
    b.set(f.b, k * d);
  });
  const mean = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = b[i]!;
    for (let j = 0; j < n; j++) sum += m[i * width + j]! * law.mean[j]!;
    mean[i] = sum;
  }
  // MP (rows × width) with P_ext = diag(P, I), then (MP) Mᵀ
  const mp = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < n; k++) {
      const a = m[i * width + k]!;
      if (a === 0) continue;
      for (let j = 0; j < n; j++) mp[i * width + j] = mp[i * width + j]! + a * law.covariance[k * n + j]!;
    }
    for (let j = n; j < width; j++) mp[i * width + j] = m[i * width + j]!;
  }
  const covariance = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < width; k++) sum += mp[i * width + k]! * m[j * width + k]!;
      covariance[i * rows + j] = sum;
      covariance[j * rows + i] = sum;
    }
  }
  symmetrise(covariance, rows);
  law.mean = mean;
  law.covariance = covariance;
}

/** The solver's history bookkeeping, as the sampler keeps it: the start times of the stored entries, most recent first. */
interface HistoryTimes {
  count: number;
  readonly times: number[];
}

/**
 * Runs the solver's steps on the joint law of `(y, h₁, …, h_m)` in dimension `d` (`law` is the law of
 * `y` alone on entry) and returns the law of `y`. `scoreAt(t)` is the affine score (errors included).
 */
export function solverRecursion(
  method: DDPMSolverMethod,
  grid: Float64Array,
  yLaw: StateLaw,
  scoreAt: (t: number) => AffineScoreForm,
  corrector: LangevinCorrector | undefined,
): StateLaw {
  const d = yLaw.mean.length;
  const m = historyLength(method);
  const n = (1 + m) * d;
  const law: StateLaw = { mean: new Float64Array(n), covariance: new Float64Array(n * n) };
  law.mean.set(yLaw.mean);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) law.covariance[i * n + j] = yLaw.covariance[i * d + j]!;
  const history: HistoryTimes = { count: 0, times: [] };
  for (let k = 0; k + 1 < grid.length; k++) {
    const t = grid[k]!;
    const tNext = grid[k + 1]!;
    solverStep(method, law, d, m, t, tNext, history, scoreAt);
    for (let j = 0; j < (corrector?.steps ?? 0); j++) correctorStep(law, d, m, tNext, corrector!.stepSize, scoreAt);
  }
  const mean = law.mean.slice(0, d);
  const covariance = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) covariance[i * d + j] = law.covariance[i * n + j]!;
  return { mean, covariance };
}

/** One predictor step of `method` from `t` to `tNext` on the joint law (`m` history blocks). */
function solverStep(
  method: DDPMSolverMethod,
  law: StateLaw,
  d: number,
  m: number,
  t: number,
  tNext: number,
  history: HistoryTimes,
  scoreAt: (t: number) => AffineScoreForm,
): void {
  const noise = method === 'stochastic-heun' ? d : 0;
  const f = new FormAlgebra(d, (1 + m) * d + noise, scoreAt);
  const y = f.block(0);
  const s = f.score(t, y);
  const past = Array.from({ length: m }, (_, j) => f.block(1 + j));
  switch (method) {
    case 'heun':
    case 'exponential-heun': {
      const coefficientsInto = method === 'heun' ? heunCoefficientsInto : exponentialHeunCoefficientsInto;
      const c = coefficientsInto(t, tNext, new Float64Array(HEUN_LAYOUT.LENGTH));
      const { LINEAR, EULER, FROM, TO } = HEUN_LAYOUT;
      const predicted = f.sum([c[LINEAR]!, y], [c[EULER]!, s]);
      applyForms(
        law,
        [tNext === 0 ? predicted : f.sum([c[LINEAR]!, y], [c[FROM]!, s], [c[TO]!, f.score(tNext, predicted)])],
        0,
      );
      return;
    }
    case 'stochastic-heun': {
      const c = stochasticHeunCoefficientsInto(t, tNext, new Float64Array(STOCHASTIC_HEUN_LAYOUT.LENGTH));
      const { LINEAR, EULER, FROM, TO, NOISE } = STOCHASTIC_HEUN_LAYOUT;
      const z = f.block(1 + m);
      const predicted = f.sum([c[LINEAR]!, y], [c[EULER]!, s], [c[NOISE]!, z]);
      applyForms(
        law,
        [
          tNext === 0
            ? predicted
            : f.sum([c[LINEAR]!, y], [c[FROM]!, s], [c[TO]!, f.score(tNext, predicted)], [c[NOISE]!, z]),
        ],
        noise,
      );
      return;
    }
    case 'dpmpp-2m': {
      const c = dpmSolver2MCoefficientsInto(
        history.count > 0 ? history.times[0]! : NaN,
        t,
        tNext,
        new Float64Array(DPM_SOLVER_2M_LAYOUT.LENGTH),
      );
      const { LINEAR, CURRENT, PREVIOUS, DENOISE_Y, DENOISE_SCORE } = DPM_SOLVER_2M_LAYOUT;
      const denoised = f.sum([c[DENOISE_Y]!, y], [c[DENOISE_SCORE]!, s]);
      const next =
        history.count > 0
          ? f.sum([c[LINEAR]!, y], [c[CURRENT]!, denoised], [c[PREVIOUS]!, past[0]!])
          : f.sum([c[LINEAR]!, y], [c[CURRENT]!, denoised]);
      applyForms(law, [next, denoised], 0);
      history.times[0] = t;
      history.count = 1;
      return;
    }
    default: {
      const q = Math.min(m, history.count);
      const times = Float64Array.of(t, ...history.times.slice(0, q));
      const w = deisCoefficientsInto(times, q, tNext, new Float64Array(DEIS_MAX_DEGREE + 2), new Float64Array(12));
      const terms: [number, Form][] = [
        [w[0]!, y],
        [w[1]!, s],
      ];
      for (let j = 0; j < q; j++) terms.push([w[2 + j]!, past[j]!]);
      applyForms(law, [f.sum(...terms), s, ...past.slice(0, m - 1)], 0);
      history.times.unshift(t);
      history.times.length = m;
      history.count = Math.min(history.count + 1, m);
    }
  }
}

/** One Langevin corrector step on `y` at forward time `t` (the history blocks are kept). */
function correctorStep(
  law: StateLaw,
  d: number,
  m: number,
  t: number,
  stepSize: number,
  scoreAt: (t: number) => AffineScoreForm,
): void {
  const c = langevinCoefficientsInto(stepSize, new Float64Array(DDPM_LAYOUT.LENGTH));
  const f = new FormAlgebra(d, (2 + m) * d, scoreAt);
  const y = f.block(0);
  const next = f.sum(
    [c[DDPM_LAYOUT.LINEAR]!, y],
    [c[DDPM_LAYOUT.SCORE]!, f.score(t, y)],
    [c[DDPM_LAYOUT.NOISE]!, f.block(1 + m)],
  );
  applyForms(law, [next, ...Array.from({ length: m }, (_, j) => f.block(1 + j))], d);
}
