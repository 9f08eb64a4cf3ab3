// The CLD step coefficients (cldCoefficientsInto: the EI kernel, the exact analysis and, conjugated, SSCS read them)
// evaluated in double precision against the same closed forms in 256-bit fixed point (tests/helpers/exact-exp.ts).
// kernels-cld.test.ts checks the closed forms themselves against numerical integration (to 1e-10); this checks that
// their double-precision evaluation keeps full relative accuracy, so a coefficient off by 1e-12 fails.
import { CLD_LAYOUT, cldCoefficientsInto, sscsHalfStepCoefficientsInto, type CLDDirection } from '@sgmkit/tensor';
import { FIXED_ONE, div, expFixed, fixed, mul, sqrtFixed, toDouble } from '../helpers/exact-exp';

const TOLERANCE = 1e-13; // the worst entry measured is 9.7e-15 (L22, a difference of squares)

/** `gₙ(x) = 1 − e^{−x} Σ_{k≤n} x^k/k!` in fixed point. */
function remainder(n: number, x: bigint): bigint {
  let term = FIXED_ONE;
  let partial = FIXED_ONE;
  for (let k = 1; k <= n; k++) {
    term = mul(term, x) / BigInt(k);
    partial += term;
  }
  return FIXED_ONE - mul(expFixed(-x), partial);
}

/** The 12 coefficients of the layout, in fixed point, from the closed forms of cld-coefficients.ts's documentation. */
function oracle(h: number, direction: CLDDirection): bigint[] {
  const forward = direction === 'forward';
  const t = forward ? fixed(h) : -fixed(h);
  const sign = forward ? 1n : -1n;
  const kappa = forward ? 1n : 4n;
  const decay = expFixed(-t);
  const decay2 = expFixed(-2n * t);
  const g2 = remainder(2, 2n * t);
  const q11 = sign * g2;
  const q12 = sign * 2n * mul(mul(t, t), decay2);
  const q22 = sign * (4n * mul(t, decay2) + g2);
  const l11 = sqrtFixed(q11);
  const l21 = div(q12, l11);
  return [
    mul(decay, FIXED_ONE + t),
    mul(decay, t),
    -mul(decay, t),
    mul(decay, FIXED_ONE - t),
    sign * kappa * remainder(1, t),
    sign * kappa * mul(t, decay),
    q11,
    q12,
    q22,
    l11,
    l21,
    sqrtFixed(q22 - mul(l21, l21)),
  ];
}

const NAMES = ['E11', 'E12', 'E21', 'E22', 'W1', 'W2', 'Q11', 'Q12', 'Q22', 'L11', 'L21', 'L22'] as const;

function relativeErrors(actual: Float64Array, expected: bigint[]): { name: string; error: number }[] {
  return NAMES.map((name) => {
    const e = toDouble(expected[CLD_LAYOUT[name]]!);
    const a = actual[CLD_LAYOUT[name]]!;
    return { name, error: e === 0 ? Math.abs(a) : Math.abs(a - e) / Math.abs(e) };
  });
}

const STEPS = [1e-6, 1e-4, 0.003, 0.05, 0.2, 0.5, 0.9, 2];

describe.each(['forward', 'reverse'] as CLDDirection[])(
  'cldCoefficientsInto (%s) against the 256-bit closed forms',
  (direction) => {
    test.each(STEPS)('h = %p: every coefficient to 1e-13 relative', (h) => {
      const out = new Float64Array(CLD_LAYOUT.LENGTH);
      expect(cldCoefficientsInto(h, direction, out)).toBe(true);
      const bad = relativeErrors(out, oracle(h, direction)).filter((r) => !(r.error <= TOLERANCE));
      expect(bad).toEqual([]);
    });
  },
);

test('SSCS half steps: the forward coefficients with E12, E21, Q12, L21 negated, against the oracle', () => {
  for (const tau of [1e-5, 0.01, 0.25, 1.5]) {
    const out = new Float64Array(CLD_LAYOUT.LENGTH);
    sscsHalfStepCoefficientsInto(tau, out);
    const expected = oracle(tau, 'forward');
    for (const name of ['E12', 'E21', 'Q12', 'L21'] as const) expected[CLD_LAYOUT[name]] = -expected[CLD_LAYOUT[name]]!;
    expected[CLD_LAYOUT.W1] = 0n;
    expected[CLD_LAYOUT.W2] = 0n;
    expect(relativeErrors(out, expected).filter((r) => !(r.error <= TOLERANCE))).toEqual([]);
  }
});

test('the oracle check can fail: a coefficient changed by 1e-12 relative is rejected', () => {
  const out = new Float64Array(CLD_LAYOUT.LENGTH);
  cldCoefficientsInto(0.2, 'reverse', out);
  out[CLD_LAYOUT.Q12] = out[CLD_LAYOUT.Q12]! * (1 + 1e-12);
  expect(
    relativeErrors(out, oracle(0.2, 'reverse'))
      .filter((r) => !(r.error <= TOLERANCE))
      .map((r) => r.name),
  ).toEqual(['Q12']);
});
