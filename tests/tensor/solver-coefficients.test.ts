// The higher-order solvers' coefficients (Heun, stochastic Heun, DPM-Solver++(2M), DEIS) against an oracle that
// shares no code with them: 256-bit fixed-point e^x, e^x − 1, √x, a Newton logarithm and the positive series of the
// exponential moments. Small steps (where expm1 and the cancellation-free forms matter) and long horizons.
import {
  DEIS_MAX_DEGREE,
  DPM_SOLVER_2M_LAYOUT,
  HEUN_LAYOUT,
  STOCHASTIC_HEUN_LAYOUT,
  deisCoefficientsInto,
  dpmSolver2MCoefficientsInto,
  exponentialHeunCoefficientsInto,
  exponentialMomentsInto,
  expm1,
  heunCoefficientsInto,
  logSNRIncrement,
  stochasticHeunCoefficientsInto,
} from '@sgmkit/tensor';
import { FIXED_ONE, div, expFixed, expm1Fixed, fixed, mul, sqrtFixed, toDouble } from '../helpers/exact-exp';

const TOLERANCE = 1e-14;

function expectRelativelyClose(actual: number, expected: bigint, what: string, tolerance = TOLERANCE): void {
  const e = toDouble(expected);
  const error = e === 0 ? Math.abs(actual) : Math.abs(actual - e) / Math.abs(e);
  if (!(error <= tolerance)) throw new Error(`${what}: ${actual} vs oracle ${e}, relative error ${error}`);
}

/** `ln x` for fixed-point `x > 0` by Newton's method on `e^y = x` from the double estimate (quadratic: 5 steps reach 2^-256). */
function logFixed(x: bigint): bigint {
  let y = fixed(Math.log(toDouble(x)));
  for (let i = 0; i < 6; i++) y = y + div(x, expFixed(y)) - FIXED_ONE;
  return y;
}

/** `J_m(h) = ∫_0^1 θ^m e^{hθ} dθ = Σ_i h^i/(i!(m + i + 1))` in fixed point. */
function momentFixed(m: number, h: number): bigint {
  const hf = fixed(h);
  let term = FIXED_ONE; // h^i/i!
  let sum = FIXED_ONE / BigInt(m + 1);
  for (let i = 1; term !== 0n; i++) {
    term = mul(term, hf) / BigInt(i);
    sum += term / BigInt(m + i + 1);
  }
  return sum;
}

const two = 2n * FIXED_ONE;
const sigmaBar = (t: number): bigint => sqrtFixed(expm1Fixed(mul(two, fixed(t))));
const sigma = (t: number): bigint => sqrtFixed(-expm1Fixed(-mul(two, fixed(t))));

const STEPS: [number, number][] = [
  [1e-3, 0],
  [0.1, 0],
  [1, 0],
  [1, 1 - 1e-8],
  [0.5, 0.4999],
  [1.3, 0.9],
  [5, 4.95],
  [10, 9.99],
  [0.2, 0.1],
  [3, 1e-3],
  [1e-3, 5e-4],
  [8, 7.9],
  [2e-6, 1e-6],
];

describe('solver coefficients against a 256-bit oracle', () => {
  test('heun: e^h, α_to(σ̄_from − σ̄_to)σ_from, its half, α_to(σ̄_from − σ̄_to)σ_to/2', () => {
    const out = new Float64Array(HEUN_LAYOUT.LENGTH);
    for (const [from, to] of STEPS) {
      heunCoefficientsInto(from, to, out);
      const gap = mul(expFixed(-fixed(to)), sigmaBar(from) - sigmaBar(to));
      const where = `${from} → ${to}`;
      expectRelativelyClose(out[HEUN_LAYOUT.LINEAR]!, expFixed(fixed(from) - fixed(to)), `${where} linear`);
      expectRelativelyClose(out[HEUN_LAYOUT.EULER]!, mul(gap, sigma(from)), `${where} euler`);
      expectRelativelyClose(out[HEUN_LAYOUT.FROM]!, mul(gap, sigma(from)) / 2n, `${where} from`);
      expectRelativelyClose(out[HEUN_LAYOUT.TO]!, mul(gap, sigma(to)) / 2n, `${where} to`);
    }
  });

  test('exponential heun: e^{from − to}, gσ_from²e^{from − to}, σ_from²e^{from − to}(g − φe^{−h}), φσ_to²; the step to 0', () => {
    const out = new Float64Array(HEUN_LAYOUT.LENGTH);
    for (const [from, to] of STEPS) {
      exponentialHeunCoefficientsInto(from, to, out);
      const where = `${from} → ${to}`;
      const linear = expFixed(fixed(from) - fixed(to));
      const fromVariance = -expm1Fixed(-mul(two, fixed(from)));
      expectRelativelyClose(out[HEUN_LAYOUT.LINEAR]!, linear, `${where} linear`);
      if (to === 0) {
        // the data prediction (y + σ² s)/α
        expectRelativelyClose(out[HEUN_LAYOUT.EULER]!, mul(fromVariance, linear), `${where} euler`);
        expectRelativelyClose(out[HEUN_LAYOUT.FROM]!, mul(fromVariance, linear), `${where} from`);
        expect(out[HEUN_LAYOUT.TO]).toBe(0);
        continue;
      }
      // h = λ_to − λ_from = ln(σ̄_from/σ̄_to), g = 1 − e^{−h}, φ = (h − g)/h: at 256 bits the difference is harmless
      const h = logFixed(div(sigmaBar(from), sigmaBar(to)));
      const decay = expFixed(-h);
      const g = FIXED_ONE - decay;
      const phi = div(h - g, h);
      const scaled = mul(fromVariance, linear);
      // 1e-13 for the terms through h (the Newton log is the oracle's, the sampler's is log1p)
      expectRelativelyClose(out[HEUN_LAYOUT.EULER]!, mul(g, scaled), `${where} euler`, 1e-13);
      expectRelativelyClose(out[HEUN_LAYOUT.FROM]!, mul(scaled, g - mul(phi, decay)), `${where} from`, 1e-13);
      expectRelativelyClose(out[HEUN_LAYOUT.TO]!, mul(phi, -expm1Fixed(-mul(two, fixed(to)))), `${where} to`, 1e-13);
    }
  });

  test('stochastic heun: e^h, 2(e^h − 1), w₁ = 2(e^h − 1 − h)/h, w₀ = 2(e^h − 1) − w₁, e^{2h} − 1', () => {
    const out = new Float64Array(STOCHASTIC_HEUN_LAYOUT.LENGTH);
    const L = STOCHASTIC_HEUN_LAYOUT;
    for (const [from, to] of STEPS) {
      stochasticHeunCoefficientsInto(from, to, out);
      const h = fixed(from) - fixed(to);
      const toWeight = div(2n * (expm1Fixed(h) - h), h);
      const where = `${from} → ${to}`;
      expectRelativelyClose(out[L.LINEAR]!, expFixed(h), `${where} linear`);
      expectRelativelyClose(out[L.EULER]!, 2n * expm1Fixed(h), `${where} euler`);
      expectRelativelyClose(out[L.TO]!, toWeight, `${where} to`);
      expectRelativelyClose(out[L.FROM]!, 2n * expm1Fixed(h) - toWeight, `${where} from`);
      expectRelativelyClose(out[L.NOISE_VARIANCE]!, expm1Fixed(mul(two, h)), `${where} noise variance`);
      expectRelativelyClose(out[L.NOISE]!, sqrtFixed(expm1Fixed(mul(two, h))), `${where} noise`);
    }
  });

  test('the log-SNR increment ½ ln(σ̄_from²/σ̄_to²), also for steps of 1e-6 (no cancellation)', () => {
    for (const [from, to] of STEPS.filter(([, to]) => to > 0)) {
      const exact = logFixed(div(expm1Fixed(mul(two, fixed(from))), expm1Fixed(mul(two, fixed(to))))) / 2n;
      expectRelativelyClose(logSNRIncrement(from, to), exact, `${from} → ${to}`, 1e-13);
    }
  });

  test('dpmpp-2m: the data prediction, σ_to/σ_from, α_to(1 − e^{−h})(1 + 1/(2r)) and −α_to(1 − e^{−h})/(2r); first and last steps', () => {
    const out = new Float64Array(DPM_SOLVER_2M_LAYOUT.LENGTH);
    const L = DPM_SOLVER_2M_LAYOUT;
    const lambda = (t: number): bigint => -logFixed(sigmaBar(t));
    for (const [previous, from, to] of [
      [1.5, 1.3, 0.9],
      [10, 9.99, 9.98],
      [0.2, 0.1, 0.05],
      [3, 1e-3, 5e-4],
      [1, 0.5, 0.4999],
    ] as const) {
      const h = lambda(to) - lambda(from);
      const r = div(lambda(from) - lambda(previous), h);
      const gain = mul(expFixed(-fixed(to)), -expm1Fixed(-h));
      const where = `${previous} → ${from} → ${to}`;
      dpmSolver2MCoefficientsInto(previous, from, to, out);
      expectRelativelyClose(out[L.DENOISE_Y]!, expFixed(fixed(from)), `${where} x̂ from y`);
      expectRelativelyClose(
        out[L.DENOISE_SCORE]!,
        mul(expFixed(fixed(from)), -expm1Fixed(-mul(two, fixed(from)))),
        `${where} x̂ from s`,
      );
      expectRelativelyClose(out[L.LINEAR]!, div(sigma(to), sigma(from)), `${where} linear`);
      expectRelativelyClose(out[L.CURRENT]!, mul(gain, FIXED_ONE + div(FIXED_ONE, 2n * r)), `${where} current`, 1e-13);
      expectRelativelyClose(out[L.PREVIOUS]!, -div(gain, 2n * r), `${where} previous`, 1e-13);
      dpmSolver2MCoefficientsInto(NaN, from, to, out);
      expectRelativelyClose(out[L.CURRENT]!, gain, `${where} first step`, 1e-13);
      expect(out[L.PREVIOUS]).toBe(0);
    }
    dpmSolver2MCoefficientsInto(0.3, 0.1, 0, out);
    expect([out[L.LINEAR], out[L.CURRENT], out[L.PREVIOUS]]).toEqual([0, 1, 0]); // y ← x̂ on the step to t = 0
  });

  test('exponential moments J_m(h), m = 0…3, on both sides of the series/recurrence switch at h = 2', () => {
    const out = new Float64Array(4);
    for (const h of [1e-9, 1e-3, 0.5, 1.999, 2, 2.001, 3, 5, 10, 20]) {
      exponentialMomentsInto(h, out);
      for (let m = 0; m < 4; m++) expectRelativelyClose(out[m]!, momentFixed(m, h), `J_${m}(${h})`);
    }
  });

  test('deis: the weights integrate every polynomial of degree ≤ q against e^{u − to} exactly; degree 0 is the probability-flow step', () => {
    const weights = new Float64Array(DEIS_MAX_DEGREE + 2);
    const scratch = new Float64Array(12);
    const histories = [
      [1.3, 1.5, 1.8, 2.2],
      [0.01, 0.02, 0.03, 0.04],
      [9.9, 10, 10.1, 10.2],
      [0.5, 1.5, 2.6, 3],
      [2, 2.0001, 2.0002, 2.0003],
      [0.02, 0.05, 0.1, 0.3],
    ];
    for (const times of histories) {
      // current steps from a tenth of to four times the last history spacing (the grids' step ratios)
      const spacing = times[1]! - times[0]!;
      for (const to of [times[0]! - 0.1 * spacing, times[0]! - spacing, Math.max(0, times[0]! - 4 * spacing)]) {
        const h = times[0]! - to;
        for (let q = 0; q <= 3; q++) {
          deisCoefficientsInto(times, q, to, weights, scratch);
          expectRelativelyClose(weights[0]!, expFixed(fixed(h)), `e^h, ${times} → ${to}`);
          for (let m = 0; m <= q; m++) {
            // p(u) = θ^m with θ = (u − to)/h: Σ_j w_j θ_j^m = ∫ e^{u − to} θ^m du = h·J_m(h), to 1e-14 of the terms' scale
            // Σ_j |w_j θ_j^m| (distant history nodes make the terms large and the sum small: the test's own rounding)
            let sum = 0;
            let scale = 0;
            for (let j = 0; j <= q; j++) {
              const term = weights[1 + j]! * ((times[j]! - to) / h) ** m;
              sum += term;
              scale += Math.abs(term);
            }
            const exact = toDouble(mul(fixed(h), momentFixed(m, h)));
            if (!(Math.abs(sum - exact) <= 1e-14 * scale))
              throw new Error(`degree ${q}, θ^${m}, ${times} → ${to}: ${sum} vs ${exact}, scale ${scale}`);
          }
        }
        deisCoefficientsInto(times, 0, to, weights, scratch);
        expect(weights[1]).toBe(expm1(h));
      }
    }
  });
});
