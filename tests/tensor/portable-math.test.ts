// exp, expm1, log, log1p and turnPoint: deterministic replacements for Math.* (implementation-defined, and
// different between V8 in Node 20 and in Chromium), so the same seed gives the same samples in every engine.
// tests/web/chromium.test.ts checks the cross-engine contract end to end; here: special values and accuracy.
import { exp, expm1, integerPower, log, log1p, turnPoint } from '@sgmkit/tensor';

const scratch = new Float64Array(1);
const bits = new BigInt64Array(scratch.buffer);
/** Distance in units in the last place between two finite doubles of the same sign. */
function ulps(a: number, b: number): number {
  scratch[0] = a;
  const x = bits[0]!;
  scratch[0] = b;
  return Number(x > bits[0]! ? x - bits[0]! : bits[0]! - x);
}

/** Deterministic pseudo-random doubles spanning the useful range of each function. */
function inputs(count: number, scale: (u: number, v: number) => number): number[] {
  let state = 0x9e3779b9;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, () => scale(next(), next()));
}

describe('deterministic exp, expm1, log, log1p', () => {
  test('special values follow IEEE 754 / Math.*', () => {
    for (const f of [exp, expm1, log, log1p]) expect(f(NaN)).toBeNaN();
    expect([exp(0), exp(-0), exp(Infinity), exp(-Infinity), exp(710), exp(-746), exp(1)]).toEqual([
      1,
      1,
      Infinity,
      0,
      Infinity,
      0,
      Math.E,
    ]);
    expect([expm1(0), Object.is(expm1(-0), -0), expm1(Infinity), expm1(-Infinity), expm1(-50), expm1(710)]).toEqual([
      0,
      true,
      Infinity,
      -1,
      -1,
      Infinity,
    ]);
    expect([log(1), log(0), log(-0), log(Infinity), log(Math.E)]).toEqual([0, -Infinity, -Infinity, Infinity, 1]);
    expect(log(-1)).toBeNaN();
    expect([log1p(0), Object.is(log1p(-0), -0), log1p(-1), log1p(Infinity), log1p(1e-300)]).toEqual([
      0,
      true,
      -Infinity,
      Infinity,
      1e-300,
    ]);
    expect(log1p(-2)).toBeNaN();
    // subnormal arguments and results
    expect(log(5e-324)).toBeCloseTo(-744.4400719213812, 12);
    expect(exp(-745)).toBe(5e-324);
    expect(exp(-740) / 2 ** -1074).toBeCloseTo(Math.exp(-740) / 2 ** -1074, 0);
  });

  test('within 1 ulp of Math.* (itself within 1 ulp of the true value in V8) over their ranges', () => {
    const cases: [string, (x: number) => number, (x: number) => number, number[]][] = [
      ['exp', exp, Math.exp, inputs(50_000, (u) => (u - 0.5) * 1400)],
      ['exp near 0', exp, Math.exp, inputs(20_000, (u, v) => (u - 0.5) * 10 ** (-20 * v))],
      ['expm1', expm1, Math.expm1, inputs(50_000, (u, v) => (u - 0.5) * 10 ** (3 - 20 * v))],
      ['log', log, Math.log, inputs(50_000, (u, v) => u * 10 ** (600 * v - 300))],
      ['log near 1', log, Math.log, inputs(20_000, (u) => 0.9 + 0.2 * u)],
      ['log1p', log1p, Math.log1p, inputs(50_000, (u, v) => (u - 0.3) * 10 ** (3 - 20 * v)).filter((x) => x > -1)],
    ];
    for (const [name, mine, reference, xs] of cases) {
      const worst = Math.max(...xs.map((x) => ulps(mine(x), reference(x))));
      expect([name, worst <= 1]).toEqual([name, true]);
    }
  });
});

describe('turnPoint(k, n) = [cos 2πk/n, sin 2πk/n]', () => {
  test('quarter and eighth turns are exact or correctly rounded', () => {
    expect(turnPoint(0, 8)).toEqual([1, 0]);
    expect(turnPoint(2, 8)).toEqual([0, 1]);
    expect(turnPoint(4, 8)).toEqual([-1, 0]);
    expect(turnPoint(6, 8)).toEqual([0, -1]);
    expect(turnPoint(-2, 8)).toEqual([0, -1]);
    const [c, s] = turnPoint(1, 8);
    expect(ulps(c, Math.SQRT1_2)).toBeLessThanOrEqual(1);
    expect(ulps(s, Math.SQRT1_2)).toBeLessThanOrEqual(1);
  });

  test('on the unit circle, within 1e-15 of cos/sin for many n and k, and mirror-symmetric', () => {
    for (const n of [1, 3, 5, 7, 12, 25, 97, 1000]) {
      for (let k = 0; k < n; k++) {
        const [c, s] = turnPoint(k, n);
        const angle = (2 * Math.PI * k) / n;
        expect(Math.abs(c - Math.cos(angle))).toBeLessThan(1e-15);
        expect(Math.abs(s - Math.sin(angle))).toBeLessThan(1e-15);
        expect(Math.abs(c * c + s * s - 1)).toBeLessThan(5e-16);
        // the symmetry the reduction relies on: the point of n − k is the mirror image
        const [cm, sm] = turnPoint(n - k, n);
        expect([cm, sm]).toEqual([c, 0 - s]);
      }
    }
  });
});

describe('integerPower(base, n): double-double binary exponentiation, no Math.pow', () => {
  test('exact where the power is representable, and within 1 ulp of Math.pow elsewhere', () => {
    expect([
      integerPower(2, 0),
      integerPower(2, 10),
      integerPower(-3, 3),
      integerPower(0.5, 1074),
      integerPower(0, 0),
      integerPower(10, 22),
    ]).toEqual([1, 1024, -27, 5e-324, 1, 1e22]);
    expect(integerPower(2, 1024)).toBe(Infinity);
    let worst = 0;
    for (const base of [0.9, 0.99, 0.999, 0.9999, 1.0001, 3.7]) {
      for (let n = 1; n <= 20_000; n += 7) worst = Math.max(worst, ulps(integerPower(base, n), Math.pow(base, n)));
    }
    // double-double products: within 1 ulp of the truth, as Math.pow is in V8
    expect(worst).toBeLessThanOrEqual(1);
  });
});
