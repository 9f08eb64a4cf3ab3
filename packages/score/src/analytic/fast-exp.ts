/**
 * A fast, accurate `exp` for the log-sum-exp kernels, which are bound by it.
 *
 * Range reduction by ln2/64: `x = (64m + j)·ln2/64 + r` with `|r| ≤ ln2/128`, so
 * `e^x = 2^m · 2^{j/64} · e^r`. `2^m` and `2^{j/64}` come from tables and `e^r` from
 * its degree-5 Taylor polynomial, whose truncation error `|r|^6/720 < 4e-17` is below
 * half an ulp; the result is within ~2 ulp (≈ 4.4e-16 relative) of the true value.
 * Outside `[−708, 709]` (subnormal or overflowing results) and for NaN it defers to
 * `Math.exp`, so it agrees with `Math.exp` on every special case.
 * @packageDocumentation
 */

/** Table size 64: small enough for L1, large enough for a degree-5 polynomial. */
const FRACTION_BITS = 6;
const FRACTIONS = 1 << FRACTION_BITS;
const FRACTION_MASK = FRACTIONS - 1;

/** `64/ln2`, and `ln2/64` split Cody–Waite style: the high part has 32 significant bits, so `k·HI` is exact for `|k| < 2^21`. */
const INV_LN2_BY_64 = FRACTIONS / Math.LN2;
const LN2_BY_64_HI = splitHigh(Math.LN2 / FRACTIONS);
const LN2_BY_64_LO = Math.LN2 / FRACTIONS - LN2_BY_64_HI + lnTwoTail() / FRACTIONS;

/** Adding 1.5·2^52 rounds a double to the nearest integer (ties to even) without a call. */
const ROUND_SHIFTER = 6755399441055744;

/** The fast path's domain: results are normal doubles and `2^m` stays in the table. */
const FAST_MIN = -708;
const FAST_MAX = 709;

/** `2^{j/64}`, j = 0..63. */
const EXP2_FRACTION = buildFractionTable();

/** `2^m` for m in [−1022, 1023], built by exact doubling/halving; index m + POW2_BIAS. */
const POW2_BIAS = 1022;
const POW2 = buildPowerTable();

function splitHigh(value: number): number {
  // Keep the top 32 bits of the significand: k·HI is then exact for |k| < 2^21.
  const scale = 2 ** (31 - Math.floor(Math.log2(value)));
  return Math.round(value * scale) / scale;
}

/** ln2 − Math.LN2: the part of ln2 below double precision (ln2 = 0.6931471805599453094172321...). */
function lnTwoTail(): number {
  return 2.319046813846299558e-17;
}

function buildFractionTable(): Float64Array {
  const table = new Float64Array(FRACTIONS);
  for (let j = 0; j < FRACTIONS; j++) table[j] = 2 ** (j / FRACTIONS);
  return table;
}

function buildPowerTable(): Float64Array {
  const table = new Float64Array(1023 + POW2_BIAS + 1);
  let up = 1;
  for (let m = 0; m <= 1023; m++, up *= 2) table[m + POW2_BIAS] = up;
  let down = 1;
  for (let m = 0; m >= -1022; m--, down /= 2) table[m + POW2_BIAS] = down;
  return table;
}

/**
 * `e^x` to within ~2 ulp of the true value, for any double (NaN, ±Infinity, overflow
 * and underflow behave as in `Math.exp`). Small enough for V8 to inline into kernels.
 */
export function fastExp(x: number): number {
  if (!(x >= FAST_MIN && x <= FAST_MAX)) return Math.exp(x);
  const k = x * INV_LN2_BY_64 + ROUND_SHIFTER - ROUND_SHIFTER;
  const r = x - k * LN2_BY_64_HI - k * LN2_BY_64_LO;
  const ki = k | 0;
  const er = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return EXP2_FRACTION[ki & FRACTION_MASK]! * er * POW2[(ki >> FRACTION_BITS) + POW2_BIAS]!;
}
