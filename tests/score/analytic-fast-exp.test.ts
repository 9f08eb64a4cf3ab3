import { FAST_EXP_MAX, FAST_EXP_MIN, fastExp, fastExpInRange } from '@sgmkit/score';

/** Largest relative difference from Math.exp over `xs` (where Math.exp's result is a normal double). */
function maxRelativeError(xs: number[]): number {
  let worst = 0;
  for (const x of xs) {
    const want = Math.exp(x);
    if (want < 2 ** -1022 || !Number.isFinite(want)) continue;
    worst = Math.max(worst, Math.abs(fastExp(x) - want) / want);
  }
  return worst;
}

describe('fastExp', () => {
  test('within 1e-15 relative of Math.exp over the whole normal range', () => {
    // Deterministic scattered points (golden-ratio sequence) over [−745, 709.78], and dense near 0.
    const wide = Array.from({ length: 400000 }, (_, i) => -745.2 + 1455 * ((i * 0.6180339887498949) % 1));
    const near = Array.from({ length: 100000 }, (_, i) => -1 + 2 * ((i * 0.7548776662466927) % 1));
    // Half-way points of the ln2/256 reduction grid, where |r| is largest.
    const edges = Array.from({ length: 40000 }, (_, i) => ((i - 20000 + 0.5) * Math.LN2) / 256);
    for (const xs of [wide, near, edges]) expect(maxRelativeError(xs)).toBeLessThanOrEqual(1e-15);
  });

  test('special values and range ends agree with Math.exp', () => {
    for (const x of [
      0,
      -0,
      1,
      -1,
      NaN,
      Infinity,
      -Infinity,
      709,
      709.78,
      709.8,
      -708,
      -708.0001,
      -745,
      -745.2,
      -746,
      1e-300,
      -1e-300,
    ]) {
      const want = Math.exp(x);
      const got = fastExp(x);
      if (Number.isNaN(want)) expect(got).toBeNaN();
      else if (want === 0 || !Number.isFinite(want) || want < 2 ** -1022) expect(got).toBe(want);
      else expect(Math.abs(got - want) / want).toBeLessThanOrEqual(1e-15);
    }
    expect(fastExp(0)).toBe(1);
  });

  test('fastExpInRange is fastExp without the range test: bit-identical on [FAST_EXP_MIN, FAST_EXP_MAX]', () => {
    expect([FAST_EXP_MIN, FAST_EXP_MAX]).toEqual([-708, 709]);
    const xs = Array.from(
      { length: 200000 },
      (_, i) => FAST_EXP_MIN + (FAST_EXP_MAX - FAST_EXP_MIN) * ((i * 0.6180339887498949) % 1),
    );
    for (const x of [...xs, FAST_EXP_MIN, FAST_EXP_MAX, 0, -0, 1e-300]) expect(fastExpInRange(x)).toBe(fastExp(x));
  });
});
