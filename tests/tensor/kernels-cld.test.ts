import ops from 'ndarray-ops';
import {
  cldExponentialIntegratorStep,
  cldStepCoefficients,
  expRemainder,
  fillParticleNormals,
  batch,
  rows,
  tensor,
  toNdarray,
  toContiguous,
  dtypeOf,
  transpose,
  InvalidArgumentError,
  DTypeMismatchError,
  ShapeMismatchError,
  NonContiguousError,
  type Batch,
  type CLDDirection,
  type DType,
} from '@sgmkit/tensor';
import { filled } from './batches';
import { K_SE } from './stats';

type Matrix2 = [number, number, number, number];
const A: Matrix2 = [0, 1, -1, -2];
const drift = (direction: CLDDirection): Matrix2 => (direction === 'forward' ? A : (A.map((x) => -x) as Matrix2));
const multiply = (p: Matrix2, q: Matrix2): Matrix2 => [
  p[0] * q[0] + p[1] * q[2],
  p[0] * q[1] + p[1] * q[3],
  p[2] * q[0] + p[3] * q[2],
  p[2] * q[1] + p[3] * q[3],
];

/** exp(tM) by scaling and squaring of a 30-term Taylor series (independent of the closed form). */
function expm(m: Matrix2, t: number): Matrix2 {
  const squarings = 10;
  const scaled = m.map((x) => (x * t) / 2 ** squarings) as Matrix2;
  let term: Matrix2 = [1, 0, 0, 1];
  let sum: Matrix2 = [1, 0, 0, 1];
  for (let k = 1; k <= 30; k++) {
    term = multiply(term, scaled).map((x) => x / k) as Matrix2;
    sum = sum.map((x, i) => x + term[i]!) as Matrix2;
  }
  for (let i = 0; i < squarings; i++) sum = multiply(sum, sum);
  return sum;
}

/** ∫₀ʰ f(u) du by 20-point-per-panel Gauss–Legendre on 200 panels (f vector-valued). */
function integrate(f: (u: number) => number[], h: number): number[] {
  const nodes = [
    -0.9931285991850949, -0.9639719272779138, -0.9122344282513259, -0.8391169718222188, -0.7463319064601508,
    -0.636053680726515, -0.5108670019508271, -0.37370608871541955, -0.2277858511416451, -0.07652652113349734,
  ];
  const weights = [
    0.017614007139152118, 0.04060142980038694, 0.06267204833410907, 0.08327674157670475, 0.10193011981724044,
    0.11819453196151841, 0.13168863844917664, 0.14209610931838204, 0.14917298647260374, 0.15275338713072584,
  ];
  const panels = 200;
  const width = h / panels;
  let total: number[] | null = null;
  for (let p = 0; p < panels; p++) {
    const mid = (p + 0.5) * width;
    for (let i = 0; i < 10; i++) {
      for (const sign of [-1, 1]) {
        const value = f(mid + (sign * nodes[i]! * width) / 2);
        total ??= value.map(() => 0);
        value.forEach((x, j) => (total![j]! += (weights[i]! * width * x) / 2));
      }
    }
  }
  return total!;
}

function numericalCoefficients(h: number, direction: CLDDirection) {
  const m = drift(direction);
  const kappa = direction === 'forward' ? 1 : 4;
  const transition = expm(m, h);
  const scoreIntegral = integrate((u) => {
    const e = expm(m, u);
    return [kappa * e[1], kappa * e[3]];
  }, h);
  // Σ = ∫ e^{uM} Q e^{uMᵀ} du with Q = diag(0, 4): 4 c cᵀ, c the second column of e^{uM}.
  const covariance = integrate((u) => {
    const e = expm(m, u);
    return [4 * e[1] * e[1], 4 * e[1] * e[3], 4 * e[3] * e[3]];
  }, h);
  return { transition, scoreIntegral, covariance };
}

function expectRelativeClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance * Math.max(Math.abs(expected), 1e-300));
}

describe.each(['forward', 'reverse'] as CLDDirection[])(
  'CLD step coefficients (%s) against numerical integration',
  (direction) => {
    test.each([1e-3, 0.05, 0.5, 2])('h = %p', (h) => {
      const closed = cldStepCoefficients(h, direction);
      const numeric = numericalCoefficients(h, direction);
      closed.transition.forEach((x, i) => expectRelativeClose(x, numeric.transition[i]!, 1e-12));
      closed.scoreIntegral.forEach((x, i) => expectRelativeClose(x, numeric.scoreIntegral[i]!, 1e-10));
      const [s11, s12, s21, s22] = closed.covariance;
      expect(s12).toBe(s21);
      expectRelativeClose(s11!, numeric.covariance[0]!, 1e-10);
      expectRelativeClose(s12!, numeric.covariance[1]!, 1e-10);
      expectRelativeClose(s22!, numeric.covariance[2]!, 1e-10);
      const [l11, l12, l21, l22] = closed.cholesky;
      expect(l12).toBe(0);
      expectRelativeClose(l11! * l11!, s11!, 1e-14);
      expectRelativeClose(l11! * l21!, s12!, 1e-14);
      expectRelativeClose(l21! * l21! + l22! * l22!, s22!, 1e-13);
    });
  },
);

test('expRemainder keeps full relative accuracy as x → 0 (leading term x^{n+1}/(n+1)!)', () => {
  for (const x of [1e-8, -1e-8, 1e-4]) {
    expectRelativeClose(expRemainder(2, x), (x ** 3 / 6) * (1 - (3 * x) / 4), 1e-7);
    expectRelativeClose(expRemainder(1, x), (x ** 2 / 2) * (1 - (2 * x) / 3), 1e-7);
  }
  expectRelativeClose(expRemainder(0, 3), 1 - Math.exp(-3), 1e-15);
  expectRelativeClose(expRemainder(2, -3), 1 - Math.exp(3) * (1 - 3 + 4.5), 1e-15);
});

const SEED = 5,
  STREAM = 8,
  FIRST_ROW = 70;

/** Unfused reference from ndarray-ops: x' = E11 x + E12 v + w1 s + L11 z1, v' = E21 x + E22 v + w2 s + L21 z1 + L22 z2. */
function referenceCLD(x: Batch, v: Batch, s: Batch | null, h: number, direction: CLDDirection) {
  const [n, d] = x.shape as [number, number];
  const dtype = dtypeOf(x);
  const c = cldStepCoefficients(h, direction);
  const z = fillParticleNormals(batch(n, 2 * d, dtype), SEED, STREAM, FIRST_ROW);
  const zn = toNdarray(z);
  const z1 = zn.step(1, 2),
    z2 = zn
      .hi(n, 2 * d)
      .lo(0, 1)
      .step(1, 2);
  const combine = (coefficients: number[], terms: ReturnType<typeof toNdarray>[]) => {
    const out = toNdarray(batch(n, d, dtype));
    const scratch = toNdarray(batch(n, d, dtype));
    coefficients.forEach((k, i) => {
      ops.muls(scratch, terms[i]!, k);
      ops.addeq(out, scratch);
    });
    return out;
  };
  const sTerm = s === null ? toNdarray(batch(n, d, dtype)) : toNdarray(toContiguous(s, true));
  const [e11, e12, e21, e22] = c.transition;
  const xs = toNdarray(toContiguous(x, true)),
    vs = toNdarray(toContiguous(v, true));
  const xOut = combine([e11!, e12!, c.scoreIntegral[0]!, c.cholesky[0]!], [xs, vs, sTerm, z1]);
  const vOut = combine([e21!, e22!, c.scoreIntegral[1]!, c.cholesky[2]!, c.cholesky[3]!], [xs, vs, sTerm, z1, z2]);
  const magnitude = (k: number) =>
    Math.abs(e11! * x.data[k]!) +
    Math.abs(e12! * v.data[k]!) +
    Math.abs(e21! * x.data[k]!) +
    Math.abs(e22! * v.data[k]!) +
    Math.abs((s?.data[k] ?? 0) * 4) +
    Math.abs(z.data[2 * k]!) +
    Math.abs(z.data[2 * k + 1]!);
  return { xOut, vOut, magnitude };
}

describe.each(['float64', 'float32'] as DType[])(
  'fused CLD kernel agrees with ndarray-ops composition (%s)',
  (dtype) => {
    test.each([
      ['forward', true],
      ['forward', false],
      ['reverse', true],
    ] as [CLDDirection, boolean][])('%s, score given: %p', (direction, withScore) => {
      const x = filled(700, 3, dtype, (k) => Math.sin(k));
      const v = filled(700, 3, dtype, (k) => Math.cos(1.3 * k));
      const s = withScore ? filled(700, 3, dtype, (k) => Math.sin(0.3 * k) * 2) : null;
      const { xOut, vOut, magnitude } = referenceCLD(x, v, s, 0.1, direction);
      cldExponentialIntegratorStep(x, v, s, 0.1, direction, SEED, STREAM, FIRST_ROW);
      const epsilon = dtype === 'float32' ? 2 ** -23 : 2 ** -52;
      const ulps = dtype === 'float32' ? 8 : 6;
      for (let k = 0; k < 2100; k++) {
        const i = Math.floor(k / 3),
          j = k % 3;
        expect(Math.abs(x.data[k]! - xOut.get(i, j))).toBeLessThanOrEqual(ulps * epsilon * magnitude(k));
        expect(Math.abs(v.data[k]! - vOut.get(i, j))).toBeLessThanOrEqual(ulps * epsilon * magnitude(k));
      }
    });
  },
);

describe.each(['forward', 'reverse'] as CLDDirection[])(
  'CLD kernel one-step law from a fixed point (%s, n = 10^5 × 2, 5 SE)',
  (direction) => {
    test('mean and covariance match the closed form', () => {
      const h = 0.4,
        x0 = 0.7,
        v0 = -0.4,
        s0 = 0.25;
      const n = 100_000,
        d = 2;
      const x = filled(n, d, 'float64', () => x0);
      const v = filled(n, d, 'float64', () => v0);
      const s = filled(n, d, 'float64', () => s0);
      cldExponentialIntegratorStep(x, v, s, h, direction, 2024, 1, 0);
      const c = cldStepCoefficients(h, direction);
      const [e11, e12, e21, e22] = c.transition as unknown as number[];
      const meanX = e11! * x0 + e12! * v0 + c.scoreIntegral[0]! * s0;
      const meanV = e21! * x0 + e22! * v0 + c.scoreIntegral[1]! * s0;
      const [s11, s12, , s22] = c.covariance as unknown as number[];
      const m = n * d;
      let mx = 0,
        mv = 0,
        cxx = 0,
        cxv = 0,
        cvv = 0;
      for (let k = 0; k < m; k++) {
        const dx = x.data[k]! - meanX,
          dv = v.data[k]! - meanV;
        mx += dx;
        mv += dv;
        cxx += dx * dx;
        cxv += dx * dv;
        cvv += dv * dv;
      }
      expect(Math.abs(mx / m)).toBeLessThan(K_SE * Math.sqrt(s11! / m));
      expect(Math.abs(mv / m)).toBeLessThan(K_SE * Math.sqrt(s22! / m));
      // Around the known mean: Var(ξ²) = 2σ⁴, Var(ξ_x ξ_v) = σ11σ22 + σ12².
      expect(Math.abs(cxx / m - s11!)).toBeLessThan(K_SE * s11! * Math.sqrt(2 / m));
      expect(Math.abs(cvv / m - s22!)).toBeLessThan(K_SE * s22! * Math.sqrt(2 / m));
      expect(Math.abs(cxv / m - s12!)).toBeLessThan(K_SE * Math.sqrt((s11! * s22! + s12! * s12!) / m));
    });
  },
);

describe('CLD kernel reproducibility and bad input', () => {
  test('chunked calls are bit-identical to one call', () => {
    const make = () => [filled(300, 2, 'float64', (k) => k / 50), filled(300, 2, 'float64', (k) => -k / 70)] as const;
    const score = filled(300, 2, 'float64', (k) => Math.sin(k));
    const [x1, v1] = make();
    cldExponentialIntegratorStep(x1, v1, score, 0.2, 'reverse', 3, 4, 10);
    const [x2, v2] = make();
    for (const [lo, hi] of [
      [0, 50],
      [50, 51],
      [51, 300],
    ] as const) {
      cldExponentialIntegratorStep(
        rows(x2, lo, hi),
        rows(v2, lo, hi),
        rows(score, lo, hi),
        0.2,
        'reverse',
        3,
        4,
        10 + lo,
      );
    }
    expect(Array.from(x2.data)).toEqual(Array.from(x1.data));
    expect(Array.from(v2.data)).toEqual(Array.from(v1.data));
  });

  test.each([
    ['float64', 'reverse'],
    ['float32', 'reverse'],
    ['float64', 'forward'],
    ['float32', 'forward'],
  ] as [DType, CLDDirection][])(
    'x, v and s at different offsets of one buffer step bit-identically to separate batches (%s, %s)',
    (dtype, direction) => {
      const [n, d] = [301, 3];
      const m = n * d;
      const xValue = (k: number) => Math.sin(k),
        vValue = (k: number) => Math.cos(1.3 * k),
        sValue = (k: number) => 2 * Math.sin(0.3 * k);
      const withScore = direction === 'reverse';
      const separate = [
        filled(n, d, dtype, xValue),
        filled(n, d, dtype, vValue),
        withScore ? filled(n, d, dtype, sValue) : null,
      ] as const;
      // One buffer: v first, then x one element later, then s (the kernel views the later blocks from the offset differences).
      const shared = batch(1, 3 * m + 5, dtype).data;
      const [vOffset, xOffset, sOffset] = [2, m + 3, 2 * m + 5];
      for (let k = 0; k < m; k++)
        [shared[xOffset + k], shared[vOffset + k], shared[sOffset + k]] = [xValue(k), vValue(k), sValue(k)];
      const x = tensor(shared, [n, d], undefined, xOffset),
        v = tensor(shared, [n, d], undefined, vOffset);
      const s = withScore ? tensor(shared, [n, d], undefined, sOffset) : null;
      for (let step = 0; step < 2; step++) {
        cldExponentialIntegratorStep(separate[0], separate[1], separate[2], 0.2, direction, 3, step, 40);
        cldExponentialIntegratorStep(x, v, s, 0.2, direction, 3, step, 40);
      }
      expect(Array.from(shared.subarray(xOffset, xOffset + m))).toEqual(Array.from(separate[0].data));
      expect(Array.from(shared.subarray(vOffset, vOffset + m))).toEqual(Array.from(separate[1].data));
      if (withScore) expect(Array.from(shared.subarray(sOffset, sOffset + m))).toEqual(Array.from(separate[2]!.data));
    },
  );

  test('typed errors naming the argument', () => {
    const x = batch(4, 2),
      v = batch(4, 2),
      s = batch(4, 2);
    const f = 'cldExponentialIntegratorStep';
    expect(() => cldExponentialIntegratorStep(x, batch(4, 3), s, 0.1, 'forward', 1, 1, 0)).toThrow(ShapeMismatchError);
    expect(() => cldExponentialIntegratorStep(x, v, batch(5, 2), 0.1, 'forward', 1, 1, 0)).toThrow(
      new RegExp(`${f}: argument 's'`),
    );
    expect(() => cldExponentialIntegratorStep(x, batch(4, 2, 'float32'), s, 0.1, 'forward', 1, 1, 0)).toThrow(
      DTypeMismatchError,
    );
    expect(() => cldExponentialIntegratorStep(x, v, transpose(batch(2, 4)), 0.1, 'reverse', 1, 1, 0)).toThrow(
      NonContiguousError,
    );
    expect(() => cldExponentialIntegratorStep(x, v, null, 0.1, 'reverse', 1, 1, 0)).toThrow(
      /argument 's' must be a velocity-score batch/,
    );
    expect(() => cldExponentialIntegratorStep(x, x, s, 0.1, 'reverse', 1, 1, 0)).toThrow(
      /argument 'v' must be a batch distinct from x/,
    );
    for (const h of [0, -1, Number.NaN, Infinity]) {
      expect(() => cldExponentialIntegratorStep(x, v, s, h, 'reverse', 1, 1, 0)).toThrow(
        /argument 'h' must be a finite number > 0/,
      );
    }
    expect(() => cldExponentialIntegratorStep(x, v, s, 1000, 'reverse', 1, 1, 0)).toThrow(
      /argument 'h' must be small enough/,
    );
    expect(() => cldExponentialIntegratorStep(x, v, s, 0.1, 'sideways' as never, 1, 1, 0)).toThrow(
      /argument 'direction'/,
    );
    expect(() => cldExponentialIntegratorStep(x, v, s, 0.1, 'forward', -1, 1, 0)).toThrow(/argument 'seed'/);
    expect(() => cldExponentialIntegratorStep(x, v, s, 0.1, 'forward', 1, 1.5, 0)).toThrow(/argument 'stream'/);
    expect(() => cldExponentialIntegratorStep(x, v, s, 0.1, 'forward', 1, 1, -2)).toThrow(/argument 'firstRow'/);
    expect(() => cldExponentialIntegratorStep(x, v, s, 0.1, 'forward', 1, 1, Number.MAX_SAFE_INTEGER)).toThrow(
      /argument 'firstRow' must be an integer in/,
    );
    expect(() => cldExponentialIntegratorStep(tensor(new Float64Array(4), [4]), v, s, 0.1, 'forward', 1, 1, 0)).toThrow(
      /argument 'x'/,
    );
    expect(() => cldStepCoefficients(-1, 'forward')).toThrow(InvalidArgumentError);
    expect(Array.from(x.data)).toEqual(new Array(8).fill(0));
  });
});
