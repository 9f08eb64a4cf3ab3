// Every integrator step is the affine kernel with the one source's coefficients, bit for bit:
// a sampler cannot drift from `ddpmCoefficientsInto` (and so from the exact analysis) by even one ulp.
import {
  CLD_LAYOUT,
  CLD_REVERSE_SDE,
  affineNoiseStep,
  batch,
  cldEulerMaruyamaCoefficientsInto,
  cldExponentialIntegratorStep,
  ddpmStepCoefficients,
  fillParticleNormals,
  langevinStepCoefficients,
  toContiguous,
  type Batch,
  type DType,
} from '@sgmkit/tensor';
import {
  CLD_INTEGRATORS,
  DDPM_INTEGRATORS,
  SINGLE_STEP_DDPM_METHODS as DDPM_METHODS,
  cldStepUpdates,
  correctorStream,
  exactDDPMLaw,
  gaussianLaw,
  predictorStream,
  type GaussianLaw,
} from '@sgmkit/sampler';
import { cldGaussianScore } from '@sgmkit/score';
import { diagonalGaussianScore } from './samplers-helpers';

const SEED = 77,
  FIRST_ROW = 13,
  FIRST_STEP = 7;
const noise = { seed: SEED, firstRow: FIRST_ROW, firstStep: FIRST_STEP };

function start(n: number, d: number, dtype: DType, phase: number): Batch {
  const y = batch(n, d, dtype);
  for (let k = 0; k < n * d; k++) y.data[k] = 1.7 * Math.sin(0.37 * k + phase);
  return y;
}

function bytes(b: Batch): Buffer {
  return Buffer.from(
    b.data.buffer,
    b.data.byteOffset + b.offset * b.data.BYTES_PER_ELEMENT,
    b.shape[0]! * b.shape[1]! * b.data.BYTES_PER_ELEMENT,
  );
}

/** The two batches are equal bit for bit (signed zeros and NaN payloads included). */
function expectSameBits(actual: Batch, expected: Batch): void {
  expect(bytes(actual).equals(bytes(expected))).toBe(true);
}

// Steps that straddle exp(h) ≠ 1 + expm1(h) (h = 0.092) and a last step ending at 0 (ancestral's β̃ = 0).
const DDPM_STEPS: [number, number][] = [
  [1.3, 0.9],
  [0.392, 0.3],
  [0.05, 0],
];

describe.each(['float64', 'float32'] as DType[])(
  'one DDPM integrator step is affineNoiseStep with ddpmStepCoefficients (%s)',
  (dtype) => {
    const score = diagonalGaussianScore([0.5, -1, 2], [1.5, 0.3, 2]);
    test.each(DDPM_METHODS.map((m) => [m]))('%s, with and without a corrector', (method) => {
      for (const [from, to] of DDPM_STEPS) {
        for (const corrector of [undefined, { steps: 2, stepSize: 0.05 }]) {
          const y = start(50, 3, dtype, from);
          const expected = toContiguous(y, true);
          DDPM_INTEGRATORS[method](score, y, Float64Array.of(from, to), noise, corrector ? { corrector } : {});
          const s = batch(50, 3, dtype);
          score.evaluate(from, expected, s);
          const c = ddpmStepCoefficients(method, from, to);
          affineNoiseStep(expected, s, c.linear, c.score, c.noise, SEED, predictorStream(FIRST_STEP), FIRST_ROW);
          for (let j = 0; j < (corrector?.steps ?? 0); j++) {
            score.evaluate(to, expected, s);
            const l = langevinStepCoefficients(corrector!.stepSize);
            affineNoiseStep(expected, s, l.linear, l.score, l.noise, SEED, correctorStream(FIRST_STEP, j), FIRST_ROW);
          }
          expectSameBits(y, expected);
        }
      }
    });
  },
);

describe('exactDDPMLaw reads the same coefficients', () => {
  test.each(DDPM_METHODS.map((m) => [m]))(
    '%s: one step from N(m, v) in 1-D is the scalar recursion with ddpmStepCoefficients, to 1e-15',
    (method) => {
      const [mu, lambda, from, to, m, v] = [0.7, 2.5, 1.3, 0.9, -0.4, 1.8];
      const law = (mean: number, variance: number): GaussianLaw => gaussianLaw([mean], [[variance]]);
      const c = ddpmStepCoefficients(method, from, to);
      const sigma2 = lambda * Math.exp(-2 * from) - Math.expm1(-2 * from);
      const gain = c.linear - c.score / sigma2;
      const out = exactDDPMLaw(law(mu, lambda), { T: from, grid: Float64Array.of(from, to), method, init: law(m, v) });
      const mean = gain * m + (c.score * Math.exp(-from) * mu) / sigma2;
      const variance = gain * gain * v + c.noiseVariance;
      expect(Math.abs(out.mean[0]! - mean)).toBeLessThanOrEqual(1e-15 * Math.abs(mean));
      expect(Math.abs(out.covariance.data[0]! - variance)).toBeLessThanOrEqual(1e-15 * variance);
    },
  );
});

describe('CLD integrator steps read their one source', () => {
  const score = cldGaussianScore({
    mean: [0.5, -1],
    covariance: [
      [1.2, 0.3],
      [0.3, 0.6],
    ],
  });

  test('exponential integrator: one step is cldExponentialIntegratorStep (the kernel on cldCoefficientsInto), bit for bit', () => {
    const x = start(40, 2, 'float64', 1),
      v = start(40, 2, 'float64', 2);
    const [ex, ev] = [toContiguous(x, true), toContiguous(v, true)];
    CLD_INTEGRATORS['exponential-integrator'](score, x, v, Float64Array.of(0.8, 0.6), noise);
    const s = batch(40, 2);
    score.evaluate(0.8, ex, ev, s);
    cldExponentialIntegratorStep(ex, ev, s, 0.8 - 0.6, 'reverse', SEED, predictorStream(FIRST_STEP), FIRST_ROW);
    expectSameBits(x, ex);
    expectSameBits(v, ev);
  });

  test('Euler–Maruyama: cldEulerMaruyamaCoefficientsInto is I + hR, (0, 4h), diag(0, 4h), 2√h, and the analysis uses exactly it', () => {
    for (const h of [1e-6, 0.013, 0.4, 1.9]) {
      const c = cldEulerMaruyamaCoefficientsInto(h, new Float64Array(CLD_LAYOUT.LENGTH));
      expect(Array.from(c)).toEqual([1, -h, h, 1 + 2 * h, 0, 4 * h, 0, 0, 4 * h, 0, 0, 2 * Math.sqrt(h)]);
      const [update] = cldStepUpdates('euler-maruyama', 1 + h, 1);
      const hh = 1 + h - 1;
      const expected = cldEulerMaruyamaCoefficientsInto(hh, new Float64Array(CLD_LAYOUT.LENGTH));
      expect(update!.linear).toEqual([
        expected[CLD_LAYOUT.E11],
        expected[CLD_LAYOUT.E12],
        expected[CLD_LAYOUT.E21],
        expected[CLD_LAYOUT.E22],
      ]);
      expect(update!.scoreWeight).toEqual([expected[CLD_LAYOUT.W1], expected[CLD_LAYOUT.W2]]);
      expect(update!.noiseCovariance).toEqual([
        expected[CLD_LAYOUT.Q11],
        expected[CLD_LAYOUT.Q12],
        expected[CLD_LAYOUT.Q12],
        expected[CLD_LAYOUT.Q22],
      ]);
    }
    expect(CLD_REVERSE_SDE).toEqual({ R11: 0, R12: -1, R21: 1, R22: 2, SCORE_GAIN: 4, DIFFUSION: 2 });
  });

  test('Euler–Maruyama: one sampler step is (x, v) ← E(x, v) + w·s + L z with those coefficients, to 4 ulps of its largest term', () => {
    const [n, d, from, to] = [60, 2, 0.9, 0.75];
    const x = start(n, d, 'float64', 3),
      v = start(n, d, 'float64', 4);
    const [x0, v0] = [toContiguous(x, true), toContiguous(v, true)];
    CLD_INTEGRATORS['euler-maruyama'](score, x, v, Float64Array.of(from, to), noise);
    const s = batch(n, d);
    score.evaluate(from, x0, v0, s);
    const z = fillParticleNormals(batch(n, d), SEED, predictorStream(FIRST_STEP), FIRST_ROW);
    const c = cldEulerMaruyamaCoefficientsInto(from - to, new Float64Array(CLD_LAYOUT.LENGTH));
    let worst = 0;
    for (let k = 0; k < n * d; k++) {
      const [xi, vi, si, zi] = [x0.data[k]!, v0.data[k]!, s.data[k]!, z.data[k]!];
      const xTerms = [
        c[CLD_LAYOUT.E11]! * xi,
        c[CLD_LAYOUT.E12]! * vi,
        c[CLD_LAYOUT.W1]! * si,
        c[CLD_LAYOUT.L11]! * zi,
      ];
      const vTerms = [
        c[CLD_LAYOUT.E21]! * xi,
        c[CLD_LAYOUT.E22]! * vi,
        c[CLD_LAYOUT.W2]! * si,
        c[CLD_LAYOUT.L22]! * zi,
      ];
      for (const [actual, terms] of [
        [x.data[k]!, xTerms],
        [v.data[k]!, vTerms],
      ] as [number, number[]][]) {
        const scale = Math.max(...terms.map(Math.abs), Math.abs(terms.reduce((a, b) => a + b)));
        worst = Math.max(worst, Math.abs(actual - terms.reduce((a, b) => a + b)) / (scale * 2 ** -52));
      }
    }
    expect(worst).toBeLessThanOrEqual(4);
  });
});
