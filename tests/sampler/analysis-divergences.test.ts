import { InvalidArgumentError, NotPositiveDefiniteError, ShapeMismatchError, spdSqrt, matmul } from '@sgmkit/tensor';
import { gaussianKL, gaussianW2, gaussianHellinger } from '@sgmkit/sampler';
import { expectArgumentError, givensProduct, law, rotatedDiagonal, unvalidatedLaw } from './analysis-helpers';

/** Determinant and inverse of a 2 × 2 matrix [[a, b], [c, d]]. */
const det2 = (m: number[][]) => m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
const inv2 = (m: number[][]) => {
  const det = det2(m);
  return [
    [m[1]![1]! / det, -m[0]![1]! / det],
    [-m[1]![0]! / det, m[0]![0]! / det],
  ];
};

describe('gaussianKL', () => {
  test('1-D: ½(s1²/s2² − 1 − ln(s1²/s2²) + (m1 − m2)²/s2²)', () => {
    for (const [m1, v1, m2, v2] of [
      [0, 1, 0, 1],
      [1, 2, -0.5, 0.3],
      [3, 0.01, 2.9, 5],
    ]) {
      const expected = 0.5 * (v1! / v2! - 1 - Math.log(v1! / v2!) + (m1! - m2!) ** 2 / v2!);
      expect(gaussianKL(law([m1!], [[v1!]]), law([m2!], [[v2!]]))).toBeCloseTo(expected, 13);
    }
  });

  test('2-D: ½[tr(Σq⁻¹Σp) − d + Δᵀ Σq⁻¹ Δ + ln det Σq − ln det Σp] written out', () => {
    const sp = [
      [2, 0.3],
      [0.3, 0.5],
    ];
    const sq = [
      [1, -0.4],
      [-0.4, 1.5],
    ];
    const [mp, mq] = [
      [1, 2],
      [-0.5, 0.7],
    ];
    const iq = inv2(sq);
    const delta = [mq[0]! - mp[0]!, mq[1]! - mp[1]!];
    let trace = 0;
    let maha = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        trace += iq[i]![j]! * sp[j]![i]!;
        maha += delta[i]! * iq[i]![j]! * delta[j]!;
      }
    }
    const expected = 0.5 * (trace - 2 + maha + Math.log(det2(sq)) - Math.log(det2(sp)));
    expect(gaussianKL(law(mp, sp), law(mq, sq))).toBeCloseTo(expected, 13);
  });

  test('nearly equal laws keep full relative accuracy: KL(N(0,(1+ε)I) ‖ N(0,I)) = (d/2)(ε − ln(1+ε)) ≈ dε²/4', () => {
    const q = givensProduct(4, [0.2, 0.9, -0.4]);
    for (const eps of [1e-3, 1e-6, 1e-8]) {
      const kl = gaussianKL(
        law([0, 0, 0, 0], rotatedDiagonal(q, [1 + eps, 1 + eps, 1 + eps, 1 + eps])),
        law([0, 0, 0, 0], rotatedDiagonal(q, [1, 1, 1, 1])),
      );
      // Series of ε − ln(1+ε) = ε²/2 − ε³/3 + ε⁴/4 − …
      const expected = 2 * (eps ** 2 / 2 - eps ** 3 / 3 + eps ** 4 / 4);
      expect(Math.abs(kl / expected - 1)).toBeLessThan(1e-6);
    }
  });
});

describe('gaussianW2', () => {
  test('commuting covariances: W2² = |Δm|² + Σ(√a_i − √b_i)²', () => {
    const q = givensProduct(3, [0.5, -0.2, 1.1]);
    const [a, b] = [
      [0.5, 2, 3],
      [1, 0.1, 4],
    ];
    const w2 = gaussianW2(law([1, 0, 2], rotatedDiagonal(q, a)), law([0, 1, 2], rotatedDiagonal(q, b)));
    const expected = Math.sqrt(2 + a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i]!)) ** 2, 0));
    expect(w2).toBeCloseTo(expected, 13);
  });

  test('non-commuting covariances: agrees with the Bures trace formula and is symmetric', () => {
    const p = law(
      [0.3, -1],
      [
        [2, 0.9],
        [0.9, 1],
      ],
    );
    const q = law(
      [1, 0.5],
      [
        [0.5, -0.2],
        [-0.2, 3],
      ],
    );
    const root = spdSqrt(q.covariance);
    const inner = spdSqrt(matmul(matmul(root, p.covariance), root));
    const bures = 3 + 3.5 - 2 * (inner.data[0]! + inner.data[3]!);
    const expected = Math.sqrt(0.7 ** 2 + 1.5 ** 2 + bures);
    expect(gaussianW2(p, q)).toBeCloseTo(expected, 12);
    expect(gaussianW2(q, p)).toBeCloseTo(expected, 12);
  });

  test('nearly equal laws: relative accuracy where the trace formula cancels (W2 = |√(1+ε) − 1|·√d)', () => {
    const q = givensProduct(3, [0.7, 0.1, -0.6]);
    const eps = 1e-10;
    const w2 = gaussianW2(
      law([0, 0, 0], rotatedDiagonal(q, [1 + eps, 1 + eps, 1 + eps])),
      law([0, 0, 0], rotatedDiagonal(q, [1, 1, 1])),
    );
    const expected = Math.sqrt(3) * (eps / (Math.sqrt(1 + eps) + 1));
    expect(Math.abs(w2 / expected - 1)).toBeLessThan(1e-4);
  });
});

describe('gaussianHellinger', () => {
  test('1-D closed form: H² = 1 − √(2 s1 s2/(s1² + s2²)) e^{−(m1 − m2)²/(4(s1² + s2²))}', () => {
    for (const [m1, s1, m2, s2] of [
      [0, 1, 1, 1],
      [0.5, 0.2, -1, 3],
      [2, 1, 2, 1.0001],
    ]) {
      // 2 s1 s2/(s1² + s2²) = 1/(1 + (s1 − s2)²/(2 s1 s2)); written with log1p/expm1 so the near-equal case keeps its digits.
      const logBC =
        -0.5 * Math.log1p((s1! - s2!) ** 2 / (2 * s1! * s2!)) - (m1! - m2!) ** 2 / (4 * (s1! ** 2 + s2! ** 2));
      const h2 = -Math.expm1(logBC);
      expect(gaussianHellinger(law([m1!], [[s1! ** 2]]), law([m2!], [[s2! ** 2]]))).toBeCloseTo(Math.sqrt(h2), 12);
    }
  });

  test('2-D: BC = det(Σp)^¼ det(Σq)^¼ / det(Σ̄)^½ · exp(−⅛ Δᵀ Σ̄⁻¹ Δ), Σ̄ = (Σp + Σq)/2', () => {
    const sp = [
      [2, 0.3],
      [0.3, 0.5],
    ];
    const sq = [
      [1, -0.4],
      [-0.4, 1.5],
    ];
    const bar = sp.map((row, i) => row.map((v, j) => (v + sq[i]![j]!) / 2));
    const delta = [1.5, -0.2];
    const ib = inv2(bar);
    let maha = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) maha += delta[i]! * ib[i]![j]! * delta[j]!;
    const bc = ((det2(sp) ** 0.25 * det2(sq) ** 0.25) / Math.sqrt(det2(bar))) * Math.exp(-maha / 8);
    expect(gaussianHellinger(law([1.5, 0], sp), law([0, 0.2], sq))).toBeCloseTo(Math.sqrt(1 - bc), 12);
  });
});

describe('divergences: bad input', () => {
  const p = law(
    [0, 0],
    [
      [1, 0],
      [0, 1],
    ],
  );
  test.each([
    ['gaussianKL', gaussianKL],
    ['gaussianW2', gaussianW2],
    ['gaussianHellinger', gaussianHellinger],
  ] as const)('%s: dimension mismatch, non-PD covariance, non-law', (name, f) => {
    const cases: [() => unknown, new (...a: never[]) => Error, string][] = [
      [() => f(p, law([0], [[1]])), ShapeMismatchError, 'q.mean'],
      [
        () =>
          f(
            p,
            unvalidatedLaw(
              [0, 0],
              [
                [1, 2],
                [2, 1],
              ],
            ),
          ),
        NotPositiveDefiniteError,
        'q.covariance',
      ],
      [
        () =>
          f(
            unvalidatedLaw(
              [0, 0],
              [
                [0, 0],
                [0, 1],
              ],
            ),
            p,
          ),
        NotPositiveDefiniteError,
        'p.covariance',
      ],
      [() => f(null as never, p), InvalidArgumentError, 'p'],
      [() => f({ mean: [0, 0], covariance: p.covariance } as never, p), InvalidArgumentError, 'p.mean'],
    ];
    for (const [call, type, argument] of cases) expectArgumentError(call, type, argument);
    expect(() => f(p, law([0], [[1]]))).toThrow(name);
  });
});
