// The DDPM step coefficients (one source for every sampler, the named steps and the exact analysis)
// against an oracle that shares no code with them: 256-bit fixed-point e^x, e^x − 1 and √x.
import {
  DDPM_LAYOUT,
  DDPM_METHODS,
  InvalidArgumentError,
  affineNoiseStep,
  batch,
  exp,
  expm1,
  langevinStep,
  ouExponentialIntegratorStep,
  ddpmCoefficientsInto,
  ddpmStepCoefficients,
  langevinCoefficientsInto,
  langevinStepCoefficients,
  type Batch,
  type DDPMMethod,
} from '@sgmkit/tensor';
import { FIXED_ONE, div, expFixed, expm1Fixed, fixed, mul, sqrtFixed, toDouble } from '../helpers/exact-exp';

/** Relative tolerance: about 45 ulps, far below the 1e-12 a coefficient change must be caught at. */
const TOLERANCE = 1e-14;

/** `[linear, score, noiseVariance]` of a step, in fixed point, from the formulas of DEVELOPING.md "Sampler updates". */
function oracle(method: DDPMMethod, from: number, to: number): [bigint, bigint, bigint] {
  const h = fixed(from) - fixed(to);
  const two = 2n * FIXED_ONE;
  switch (method) {
    case 'exponential-integrator':
      return [expFixed(h), 2n * expm1Fixed(h), expm1Fixed(mul(two, h))];
    case 'euler-maruyama':
      return [FIXED_ONE + h, 2n * h, 2n * h];
    case 'ancestral': {
      const beta = -expm1Fixed(-mul(two, h));
      const posterior = div(mul(beta, -expm1Fixed(-mul(two, fixed(to)))), -expm1Fixed(-mul(two, fixed(from))));
      return [expFixed(h), mul(beta, expFixed(h)), posterior];
    }
    case 'probability-flow':
      return [expFixed(h), expm1Fixed(h), 0n];
  }
}

function expectRelativelyClose(actual: number, expected: bigint, what: string): void {
  const e = toDouble(expected);
  const error = e === 0 ? Math.abs(actual) : Math.abs(actual - e) / Math.abs(e);
  if (!(error <= TOLERANCE)) throw new Error(`${what}: ${actual} vs oracle ${e}, relative error ${error}`);
}

// Steps from the tiny (expm1 matters) to past the EI stability limit ln 3, last steps ending at 0, and long horizons.
const STEPS: [number, number][] = [
  [1e-3, 0],
  [0.01, 0],
  [0.1, 0],
  [1, 0],
  [2.5, 0],
  [1, 1 - 1e-8],
  [0.5, 0.4999],
  [1.3, 0.9],
  [5, 4.95],
  [5, 4.1],
  [10, 9.99],
  [0.2, 0.1],
  [0.092, 0],
  [0.149, 0.0123],
  [3, 1e-3],
  [1e-3, 5e-4],
  [8, 7.9],
  [1.09, 0.001],
];

describe('ddpmCoefficientsInto: every method against an independent 256-bit oracle', () => {
  test.each(DDPM_METHODS.map((m) => [m]))('%s', (method) => {
    const out = new Float64Array(DDPM_LAYOUT.LENGTH);
    for (const [from, to] of STEPS) {
      ddpmCoefficientsInto(method, from, to, out);
      const [linear, score, variance] = oracle(method, from, to);
      const where = `${method} ${from} → ${to}`;
      expectRelativelyClose(out[DDPM_LAYOUT.LINEAR]!, linear, `${where} linear`);
      expectRelativelyClose(out[DDPM_LAYOUT.SCORE]!, score, `${where} score`);
      expectRelativelyClose(out[DDPM_LAYOUT.NOISE_VARIANCE]!, variance, `${where} noise variance`);
      expectRelativelyClose(out[DDPM_LAYOUT.NOISE]!, sqrtFixed(variance), `${where} noise`);
    }
  });

  test('the Langevin corrector step: 1, ε, √(2ε)', () => {
    const out = new Float64Array(DDPM_LAYOUT.LENGTH);
    for (const epsilon of [1e-6, 0.01, 0.3, 1.9]) {
      langevinCoefficientsInto(epsilon, out);
      expect(out[DDPM_LAYOUT.LINEAR]).toBe(1);
      expect(out[DDPM_LAYOUT.SCORE]).toBe(epsilon);
      expectRelativelyClose(out[DDPM_LAYOUT.NOISE_VARIANCE]!, 2n * fixed(epsilon), `Langevin ${epsilon} variance`);
      expectRelativelyClose(out[DDPM_LAYOUT.NOISE]!, sqrtFixed(2n * fixed(epsilon)), `Langevin ${epsilon} noise`);
    }
  });

  test('the oracle check can fail: a coefficient changed by 1e-12 relative is rejected', () => {
    const out = ddpmCoefficientsInto('exponential-integrator', 0.3, 0.29, new Float64Array(DDPM_LAYOUT.LENGTH));
    const [, score] = oracle('exponential-integrator', 0.3, 0.29);
    expect(() => expectRelativelyClose(out[DDPM_LAYOUT.SCORE]! * (1 + 1e-12), score, 'perturbed')).toThrow(
      /relative error/,
    );
  });

  test('e^h is exp(h), not 1 + expm1(h): they differ in the last bit for some h (0.092, 0.149), and the samplers always used exp', () => {
    for (const h of [0.092, 0.149]) {
      expect(exp(h)).not.toBe(1 + expm1(h));
      for (const method of ['exponential-integrator', 'ancestral', 'probability-flow'] as const) {
        expect(ddpmCoefficientsInto(method, h, 0, new Float64Array(DDPM_LAYOUT.LENGTH))[DDPM_LAYOUT.LINEAR]).toBe(
          exp(h),
        );
      }
    }
  });

  test('the ancestral posterior variance is exactly 0 on a last step ending at t = 0', () => {
    const out = ddpmCoefficientsInto('ancestral', 0.1, 0, new Float64Array(DDPM_LAYOUT.LENGTH));
    expect(out[DDPM_LAYOUT.NOISE_VARIANCE]).toBe(0);
    expect(out[DDPM_LAYOUT.NOISE]).toBe(0);
  });
});

describe('ddpmStepCoefficients / langevinStepCoefficients: the validating forms', () => {
  test('return the unchecked kernel coefficients as a record', () => {
    for (const method of DDPM_METHODS) {
      const c = ddpmCoefficientsInto(method, 0.7, 0.2, new Float64Array(DDPM_LAYOUT.LENGTH));
      expect(ddpmStepCoefficients(method, 0.7, 0.2)).toEqual({
        linear: c[DDPM_LAYOUT.LINEAR],
        score: c[DDPM_LAYOUT.SCORE],
        noise: c[DDPM_LAYOUT.NOISE],
        noiseVariance: c[DDPM_LAYOUT.NOISE_VARIANCE],
      });
    }
    expect(langevinStepCoefficients(0.2)).toEqual({ linear: 1, score: 0.2, noise: Math.sqrt(0.4), noiseVariance: 0.4 });
  });

  test('reject a bad method, times out of order, negative or non-finite times, a bad step size', () => {
    expect(() => ddpmStepCoefficients('heun' as DDPMMethod, 1, 0)).toThrow(
      /ddpmStepCoefficients: argument 'method' must be one of 'exponential-integrator'/,
    );
    expect(() => ddpmStepCoefficients('ancestral', 0.5, 0.5)).toThrow(
      /argument 'from' must be a forward time > to = 0.5; got 0.5/,
    );
    expect(() => ddpmStepCoefficients('ancestral', 1, -0.1)).toThrow(InvalidArgumentError);
    expect(() => ddpmStepCoefficients('ancestral', Infinity, 0)).toThrow(/argument 'from' must be a finite number/);
    expect(() => ddpmStepCoefficients('ancestral', 1, NaN)).toThrow(/argument 'to'/);
    expect(() => langevinStepCoefficients(0)).toThrow(
      /langevinStepCoefficients: argument 'stepSize' must be a finite number > 0; got 0/,
    );
  });
});

describe('the named steps are affineNoiseStep with these coefficients, bit for bit', () => {
  const y0 = (): Batch => {
    const y = batch(300, 2);
    for (let k = 0; k < 600; k++) y.data[k] = Math.cos(1.3 * k) * 2;
    return y;
  };
  const s = batch(300, 2);
  for (let k = 0; k < 600; k++) s.data[k] = Math.sin(0.7 * k);
  const same = (a: Batch, b: Batch) => expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);

  test.each([0.01, 0.092, 0.149, 0.5])('ouExponentialIntegratorStep, h = %p', (h) => {
    const [y, expected] = [y0(), y0()];
    ouExponentialIntegratorStep(y, s, h, 3, 9, 21);
    const c = ddpmStepCoefficients('exponential-integrator', h, 0);
    affineNoiseStep(expected, s, c.linear, c.score, c.noise, 3, 9, 21);
    same(y, expected);
  });

  test.each([0.01, 0.3])('langevinStep, ε = %p', (epsilon) => {
    const [y, expected] = [y0(), y0()];
    langevinStep(y, s, epsilon, 3, 9, 21);
    const c = langevinStepCoefficients(epsilon);
    affineNoiseStep(expected, s, c.linear, c.score, c.noise, 3, 9, 21);
    same(y, expected);
  });
});
