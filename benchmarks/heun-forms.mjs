// Heun's forms on the probability-flow ODE of the OU process against the goal (≤ 50 score evaluations
// reach the exponential integrator's KL at 1000), on Gaussian data, exactly: every update below is affine in the
// particle, so a 1-D run is an affine map y ↦ a·y + b of its start and the output law N(a·μ + b, a²·w) is exact
// (no sampling). Independent of the library (its own recursion, plain Math); tests/sampler/heun-forms.test.ts
// checks that its EDM and exponential forms, EI and DPM-Solver++(2M) reproduce exactDDPMLaw. Not a timing
// benchmark (run-all.mjs runs *.bench.mjs only). Takes about a second:   node benchmarks/heun-forms.mjs
// Forward process dX = −X dt + √2 dB: α_t = e^{−t}, σ_t² = 1 − e^{−2t}, σ̄ = σ/α, log-SNR λ = ln(α/σ);
// data N(m, v): score s(t, y) = −(y − m α_t)/V_t, V_t = v α_t² + σ_t²; data prediction D = (y + σ² s)/α; ε = −σ s.
const { exp, expm1, log, log1p, sqrt } = Math;
const alpha = (t) => exp(-t);
const sigma = (t) => sqrt(-expm1(-2 * t));
const sigmaBar = (t) => sqrt(expm1(2 * t));
const timeOfSigmaBar = (s) => 0.5 * log1p(s * s);
/** λ_to − λ_from > 0 for from > to > 0. */
const logSNRStep = (from, to) => 0.5 * log1p((exp(2 * to) * expm1(2 * (from - to))) / expm1(2 * to));

/** Affine forms [a, b] = a·Y + b of the step's starting point Y; `lin([c, f], …)` = Σ c·f. */
const lin = (...terms) => terms.reduce(([a, b], [c, [x, y]]) => [a + c * x, b + c * y], [0, 0]);
const Y = [1, 0];

/** The Gaussian data N(m, v) in 1-D: its score, data prediction and noise prediction on affine forms. */
export function gaussianData(m, v) {
  const V = (t) => v * alpha(t) ** 2 + sigma(t) ** 2;
  const s = (t, [a, b]) => [-a / V(t), (-b + m * alpha(t)) / V(t)];
  const D = (t, X) => lin([1 / alpha(t), X], [sigma(t) ** 2 / alpha(t), s(t, X)]);
  const eps = (t, X) => lin([-sigma(t), s(t, X)]);
  return { m, v, V, s, D, eps };
}

/** The denoising step to t = 0 (EDM's Euler step to σ̄ = 0 is the same map): y ← D(from, y). */
const denoise = (P, from) => ({ form: P.D(from, Y), evaluations: 1 });

/**
 * Heun's forms: one step from forward time `from` to `to` (< from; 0 allowed), as an affine form of y and the
 * score evaluations it used. The predictor is each form's Euler step; the corrector averages two slopes.
 */
export const HEUN_FORMS = {
  'plain Heun in t on y (dy/dτ = y + s)': (P, from, to) => {
    const h = from - to;
    const f = (u, X) => lin([1, X], [1, P.s(u, X)]);
    const predicted = lin([1, Y], [h, f(from, Y)]);
    return { form: lin([1, Y], [h / 2, f(from, Y)], [h / 2, f(to, predicted)]), evaluations: to === 0 ? 2 : 2 };
  },
  'EDM: Heun in σ̄ on x̄ = y/α (library heun)': (P, from, to) => {
    if (to === 0) return denoise(P, from);
    const d = (u, X) => lin([-sigma(u), P.s(u, X)]); // dx̄/dσ̄ = −σ s
    const gap = sigmaBar(to) - sigmaBar(from);
    const bar = lin([1 / alpha(from), Y]);
    const predictedBar = lin([1, bar], [gap, d(from, Y)]);
    const predicted = lin([alpha(to), predictedBar]);
    const next = lin([1, bar], [gap / 2, d(from, Y)], [gap / 2, d(to, predicted)]);
    return { form: lin([alpha(to), next]), evaluations: 2 };
  },
  'Heun in λ on x̄ = y/α (dx̄/dλ = D − x̄)': (P, from, to) => {
    if (to === 0) return denoise(P, from);
    const h = logSNRStep(from, to);
    const bar = lin([1 / alpha(from), Y]);
    const F = (u, X, XB) => lin([1, P.D(u, X)], [-1, XB]);
    const predictedBar = lin([1, bar], [h, F(from, Y, bar)]);
    const predicted = lin([alpha(to), predictedBar]);
    const next = lin([1, bar], [h / 2, F(from, Y, bar)], [h / 2, F(to, predicted, predictedBar)]);
    return { form: lin([alpha(to), next]), evaluations: 2 };
  },
  'Heun in λ on y/σ (d(y/σ)/dλ = e^λ D)': (P, from, to) => {
    if (to === 0) return denoise(P, from);
    const h = logSNRStep(from, to);
    const snr = (u) => alpha(u) / sigma(u);
    const u0 = lin([1 / sigma(from), Y]);
    const predicted = lin([sigma(to), lin([1, u0], [h * snr(from), P.D(from, Y)])]);
    const next = lin([1, u0], [(h / 2) * snr(from), P.D(from, Y)], [(h / 2) * snr(to), P.D(to, predicted)]);
    return { form: lin([sigma(to), next]), evaluations: 2 };
  },
  'exp. trapezoid on ε, weights (½, ½) (DPM-Solver-2, r = 1)': (P, from, to) => {
    if (to === 0) return denoise(P, from);
    const h = logSNRStep(from, to);
    const r = alpha(to) / alpha(from);
    const c = -sigma(to) * expm1(h);
    const predicted = lin([r, Y], [c, P.eps(from, Y)]);
    return { form: lin([r, Y], [c / 2, P.eps(from, Y)], [c / 2, P.eps(to, predicted)]), evaluations: 2 };
  },
  'exp. trapezoid on ε, exact for ε linear in λ': (P, from, to) => {
    if (to === 0) return denoise(P, from);
    const h = logSNRStep(from, to);
    const r = alpha(to) / alpha(from);
    const c = -sigma(to) * expm1(h);
    const w = (-sigma(to) * (expm1(h) - h)) / h;
    const predicted = lin([r, Y], [c, P.eps(from, Y)]);
    return { form: lin([r, Y], [c - w, P.eps(from, Y)], [w, P.eps(to, predicted)]), evaluations: 2 };
  },
  'exp. trapezoid on D, weights (½, ½) (DPM-Solver++(2S), r = 1)': (P, from, to) => {
    if (to === 0) return denoise(P, from);
    const h = logSNRStep(from, to);
    const r = sigma(to) / sigma(from);
    const c = -alpha(to) * expm1(-h);
    const predicted = lin([r, Y], [c, P.D(from, Y)]);
    return { form: lin([r, Y], [c / 2, P.D(from, Y)], [c / 2, P.D(to, predicted)]), evaluations: 2 };
  },
  'exp. trapezoid on D, exact for D linear in λ (library exponential-heun)': (P, from, to) => {
    if (to === 0) return denoise(P, from);
    const h = logSNRStep(from, to);
    const r = sigma(to) / sigma(from);
    const c = -alpha(to) * expm1(-h);
    const w = (alpha(to) * (h + expm1(-h))) / h;
    const predicted = lin([r, Y], [c, P.D(from, Y)]);
    return { form: lin([r, Y], [c - w, P.D(from, Y)], [w, P.D(to, predicted)]), evaluations: 2 };
  },
  'exp. trapezoid on s in t (the ODE version of stochastic-heun)': (P, from, to) => {
    const h = from - to;
    const w = (expm1(h) - h) / h;
    const predicted = lin([exp(h), Y], [expm1(h), P.s(from, Y)]);
    if (to === 0) return { form: predicted, evaluations: 1 };
    return { form: lin([exp(h), Y], [expm1(h) - w, P.s(from, Y)], [w, P.s(to, predicted)]), evaluations: 2 };
  },
};
export const EDM_FORM = 'EDM: Heun in σ̄ on x̄ = y/α (library heun)';
export const EXPONENTIAL_FORM = 'exp. trapezoid on D, exact for D linear in λ (library exponential-heun)';

/** The library's earlyStoppingGrid (uniform in t down to switchTime, geometric below), in plain Math. */
export function earlyStoppingGrid(T, delta, steps, switchTime = 1) {
  const tau = Math.max(Math.min(switchTime, T), delta);
  const L = T - tau;
  const G = log(tau / delta);
  let n1 = L > 0 ? Math.max(1, Math.round((steps * L) / (L + G))) : 0;
  if (G > 0 && n1 > steps - 1) n1 = steps - 1;
  const n2 = steps - n1;
  const grid = new Float64Array(steps + 1);
  for (let k = 0; k < n1; k++) grid[k] = T - (k * L) / n1;
  for (let j = 0; j < n2; j++) grid[n1 + j] = tau * exp((j / n2) * log(delta / tau));
  grid[0] = T;
  grid[steps] = delta;
  return grid;
}

const karras = (hi, lo, n, rho) =>
  Array.from({ length: n }, (_, i) => (hi ** (1 / rho) + (i / (n - 1)) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho);
const throughSigmaBars = (T, bars, last) => Float64Array.from([T, ...bars.map(timeOfSigmaBar), last]);

/** The standard grids of `sgmkit verify`'s Heun study that end at δ, `steps` steps each (none tuned to the data). */
export function standardGrids(T, delta, steps) {
  const hi = sigmaBar(T);
  const lo = sigmaBar(delta);
  const geometricBars = Array.from({ length: steps + 1 }, (_, i) => hi * exp((i / steps) * log(lo / hi)));
  return {
    'early-stopping (uniform in t to 1, geometric below)': earlyStoppingGrid(T, delta, steps),
    'geometric in t (switchTime = T)': earlyStoppingGrid(T, delta, steps, T),
    'uniform in log-SNR': throughSigmaBars(T, geometricBars.slice(1, -1), delta),
    'ρ = 7 in σ̄, σ̄_T → σ̄_δ': throughSigmaBars(T, karras(hi, lo, steps + 1, 7).slice(1, -1), delta),
    'uniform in t': Float64Array.from({ length: steps + 1 }, (_, k) =>
      k === steps ? delta : T - (k / steps) * (T - delta),
    ),
    'quadratic in t (DDIM)': Float64Array.from(
      { length: steps + 1 },
      (_, k) => delta + (T - delta) * ((steps - k) / steps) ** 2,
    ),
  };
}

/** Output law {mean, variance, evaluations} of a Heun form on `grid`, started at N(start). */
export function runHeun(P, form, grid, start = [0, 1]) {
  let [mean, variance] = start;
  let evaluations = 0;
  for (let k = 0; k + 1 < grid.length; k++) {
    const step = HEUN_FORMS[form](P, grid[k], grid[k + 1]);
    const [a, b] = step.form;
    mean = a * mean + b;
    variance = a * a * variance;
    evaluations += step.evaluations;
  }
  return { mean, variance, evaluations };
}

/** The paper's exponential integrator on the reverse SDE: y ← e^h y + 2(e^h − 1) s + √(e^{2h} − 1) z. */
export function runEI(P, grid, start = [0, 1]) {
  let [mean, variance] = start;
  for (let k = 0; k + 1 < grid.length; k++) {
    const h = grid[k] - grid[k + 1];
    const [g, c] = P.s(grid[k], Y);
    const a = exp(h) + 2 * expm1(h) * g;
    mean = a * mean + 2 * expm1(h) * c;
    variance = a * a * variance + expm1(2 * h);
  }
  return { mean, variance, evaluations: grid.length - 1 };
}

/** DPM-Solver++(2M) (first step DDIM), on forms of the initial point (its history is one more form). */
export function run2M(P, grid, start = [0, 1]) {
  let X = [1, 0];
  let previous = null;
  let previousTime = NaN;
  for (let k = 0; k + 1 < grid.length; k++) {
    const [from, to] = [grid[k], grid[k + 1]];
    const D = P.D(from, X);
    if (to === 0) {
      X = D;
      break;
    }
    const h = logSNRStep(from, to);
    const c = -alpha(to) * expm1(-h);
    const linear = sigma(to) / sigma(from);
    if (previous === null) X = lin([linear, X], [c, D]);
    else {
      const r = logSNRStep(previousTime, from) / h;
      X = lin([linear, X], [c * (1 + 1 / (2 * r)), D], [-c / (2 * r), previous]);
    }
    previous = D;
    previousTime = from;
  }
  return { mean: X[0] * start[0] + X[1], variance: X[0] * X[0] * start[1], evaluations: grid.length - 1 };
}

/** KL(N(m0, v0) ‖ N(m1, v1)). */
const kl = (m0, v0, m1, v1) => 0.5 * (v0 / v1 + (m1 - m0) ** 2 / v1 - 1 + log(v1 / v0));
/** [KL(data ‖ out), KL(q_end ‖ out)], q_end the forward marginal at the grid's last time. */
export function divergences(P, out, end) {
  return [kl(P.m, P.v, out.mean, out.variance), kl(P.m * alpha(end), P.V(end), out.mean, out.variance)];
}

const e2 = (x) => x.toExponential(2);
const cell = ([a, b]) => `${e2(a)} [${e2(b)}]`;
const row = (cells) => `| ${cells.join(' | ')} |`;

function main() {
  const T = 8;
  const delta = 1e-3;
  const target = gaussianData(1, 0.5);
  const ei = runEI(target, earlyStoppingGrid(T, delta, 1000));
  const reference = divergences(target, ei, delta);
  console.log(`Data N(1, 0.5), T = ${T}, δ = ${delta}, start N(0, 1); cells: KL(data ‖ output) [KL(q_δ ‖ output)].`);
  console.log(`Reference: exponential integrator, earlyStoppingGrid(${T}, ${delta}, 1000): ${cell(reference)}.`);
  const [eiDenoised] = [runEI(target, earlyStoppingGrid(T, delta, 999))].map((o) => {
    const [a, b] = target.D(delta, Y);
    return { mean: a * o.mean + b, variance: a * a * o.variance };
  });
  console.log(
    `(The same with 999 steps then the denoising step to t = 0: KL(data ‖ output) ${e2(divergences(target, eiDenoised, 0)[0])}.)`,
  );
  const grids = standardGrids(T, delta, 25);
  const names = Object.keys(grids);
  console.log('\n### 1. Heun forms × standard grids, 25 steps ending at δ (50 evaluations); **bold**: meets both\n');
  console.log(row(['form', ...names]));
  console.log(row(['---', ...names.map(() => '---')]));
  const meets = ([a, b]) => a <= reference[0] && b <= reference[1];
  for (const form of Object.keys(HEUN_FORMS)) {
    const cells = names.map((g) => {
      const d = divergences(target, runHeun(target, form, grids[g]), delta);
      return meets(d) ? `**${cell(d)}**` : cell(d);
    });
    console.log(row([form, ...cells]));
  }
  for (const steps of [25, 50]) {
    const g = standardGrids(T, delta, steps);
    console.log(
      row([
        `DPM-Solver++(2M), ${steps} steps (${steps} evaluations)`,
        ...names.map((n) => cell(divergences(target, run2M(target, g[n]), delta))),
      ]),
    );
  }
  console.log(
    row([
      'exponential integrator, 1000 steps',
      ...names.map((n) => cell(divergences(target, runEI(target, standardGrids(T, delta, 1000)[n]), delta))),
    ]),
  );

  console.log(
    '\n### 2. Other data: N(m, v), T = 8, δ = 1e-3 (reference: EI with 1000 evaluations on earlyStoppingGrid)\n',
  );
  console.log(
    row([
      'data',
      'EI, 1000',
      '2M, 50 (early-stopping)',
      'EDM Heun, 50, best grid',
      'exponential Heun, 50, early-stopping',
      'exponential Heun, 50, geometric in t',
    ]),
  );
  console.log(row(['---', '---', '---', '---', '---', '---']));
  for (const [m, v] of [
    [1, 0.01],
    [1, 0.1],
    [0, 0.5],
    [1, 0.5],
    [3, 0.5],
    [1, 1],
    [1, 2],
    [1, 10],
  ]) {
    const P = gaussianData(m, v);
    const ref = divergences(P, runEI(P, earlyStoppingGrid(T, delta, 1000)), delta);
    const ok = ([a, b]) => (a <= ref[0] && b <= ref[1] ? `**${cell([a, b])}**` : cell([a, b]));
    const edm = names
      .map((n) => divergences(P, runHeun(P, EDM_FORM, grids[n]), delta))
      .reduce((x, y) => (y[1] < x[1] ? y : x));
    console.log(
      row([
        `N(${m}, ${v})`,
        cell(ref),
        ok(divergences(P, run2M(P, earlyStoppingGrid(T, delta, 50)), delta)),
        ok(edm),
        ok(divergences(P, runHeun(P, EXPONENTIAL_FORM, grids[names[0]]), delta)),
        ok(divergences(P, runHeun(P, EXPONENTIAL_FORM, grids[names[1]]), delta)),
      ]),
    );
  }

  console.log('\n### 3. Other horizons and early-stopping times, data N(1, 0.5)\n');
  console.log(row(['T, δ', 'EI, 1000', '2M, 50 (early-stopping)', 'exponential Heun, 50, geometric in t']));
  console.log(row(['---', '---', '---', '---']));
  for (const t of [6, 8, 10, 12]) {
    for (const d of [1e-2, 1e-3, 1e-4]) {
      const ref = divergences(target, runEI(target, earlyStoppingGrid(t, d, 1000)), d);
      const ok = ([a, b]) => (a <= ref[0] && b <= ref[1] ? `**${cell([a, b])}**` : cell([a, b]));
      console.log(
        row([
          `${t}, ${d}`,
          cell(ref),
          ok(divergences(target, run2M(target, earlyStoppingGrid(t, d, 50)), d)),
          ok(divergences(target, runHeun(target, EXPONENTIAL_FORM, earlyStoppingGrid(t, d, 25, t)), d)),
        ]),
      );
    }
  }

  console.log("\n### 4. Where the error sits: each step's slope against the exact flow's, 25 steps, T = 8, δ = 1e-3\n");
  console.log("In 1-D the exact flow maps y ↦ m α_to + √(V_to/V_from)(y − m α_from); a step's slope a is off by");
  console.log(
    "a/√(V_to/V_from) − 1. Their sum is the output standard deviation's relative error, and KL ≈ (2·sum)²/4.\n",
  );
  console.log(row(['data, form, grid', 'sum over steps', 'largest steps (σ̄_from → σ̄_to: error)']));
  console.log(row(['---', '---', '---']));
  for (const v of [0.5, 10]) {
    const P = gaussianData(1, v);
    for (const [name, form] of [
      ['exponential', EXPONENTIAL_FORM],
      ['EDM', EDM_FORM],
    ]) {
      for (const [gridName, grid] of [
        ['early-stopping', earlyStoppingGrid(T, delta, 25)],
        ['geometric in t', earlyStoppingGrid(T, delta, 25, T)],
      ]) {
        const errors = [];
        for (let k = 0; k + 1 < grid.length; k++) {
          const a = HEUN_FORMS[form](P, grid[k], grid[k + 1]).form[0];
          errors.push([grid[k], grid[k + 1], a / sqrt(P.V(grid[k + 1]) / P.V(grid[k])) - 1]);
        }
        const largest = [...errors].sort((x, y) => Math.abs(y[2]) - Math.abs(x[2])).slice(0, 3);
        const where = largest.map(
          ([f, t, e]) => `${sigmaBar(f).toPrecision(2)} → ${sigmaBar(t).toPrecision(2)}: ${e.toExponential(1)}`,
        );
        console.log(
          row([`N(1, ${v}), ${name}, ${gridName}`, e2(errors.reduce((x, e) => x + e[2], 0)), where.join('; ')]),
        );
      }
    }
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
