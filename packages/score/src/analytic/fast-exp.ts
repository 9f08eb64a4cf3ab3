/**
 * A fast, accurate `exp` for the log-sum-exp kernels, which are bound by it.
 *
 * Range reduction by ln2/256: `x = (256m + j)·ln2/256 + r` with `|r| ≤ ln2/512 ≈ 1.35e-3`, so
 * `e^x = 2^m · 2^{j/256} · e^r`. `2^m` and `2^{j/256}` come from tables (the 2 KB fraction table
 * stays in L1) and `e^r` from its degree-4 Taylor polynomial, whose truncation error
 * `|r|^5/120 < 4e-17` is below half an ulp; the result is within ~2 ulp (≈ 4.4e-16 relative) of the
 * true value. (The larger table buys one polynomial degree over a 64-entry table: ≈ 8% faster kernels.)
 * `fastExp` defers to the portable `exp` outside `[−708, 709]` (subnormal or overflowing results) and for NaN,
 * so it agrees with `Math.exp` on every special case; `fastExpInRange` skips that test for callers
 * that have proven their argument lies in `[−708, 709]` (the test costs ≈ 10% of a mixture kernel).
 * @packageDocumentation
 */
import { EXP2_FRACTION_TABLE, exp } from '@sgmkit/tensor';

/** Table size 256: 2 KB, stays in L1; large enough for a degree-4 polynomial. */
const FRACTION_BITS = 8;
const FRACTIONS = 1 << FRACTION_BITS;
const FRACTION_MASK = FRACTIONS - 1;

/** `256/ln2`, and `ln2/256` split Cody–Waite style: the high part has 32 significant bits, so `k·HI` is exact for `|k| < 2^21` (here `|k| ≤ 709·256/ln2 < 2^18`). */
const INV_LN2_BY_N = FRACTIONS / Math.LN2;
const LN2_BY_N_HI = splitHigh(Math.LN2 / FRACTIONS);
const LN2_BY_N_LO = Math.LN2 / FRACTIONS - LN2_BY_N_HI + lnTwoTail() / FRACTIONS;

/** Adding 1.5·2^52 rounds a double to the nearest integer (ties to even) without a call. */
const ROUND_SHIFTER = 6755399441055744;

/** The fast path's domain: results are normal doubles and `2^m` stays in the table. */
export const FAST_EXP_MIN = -708;
export const FAST_EXP_MAX = 709;

/** `2^{j/256}`, j = 0..255. */
const EXP2_FRACTION = buildFractionTable();

/** `2^m` for m in [−1022, 1023], built by exact doubling/halving; index m + POW2_BIAS. */
const POW2_BIAS = 1022;
const POW2 = buildPowerTable();

function splitHigh(value: number): number {
  // Keep the top 32 bits of the significand: k·HI is then exact for |k| < 2^21. The exponent by halving,
  // not Math.log2 (implementation-defined): value ∈ [2^e, 2^(e+1)).
  let e = 0;
  while (2 ** e > value) e--;
  while (2 ** (e + 1) <= value) e++;
  const scale = 2 ** (31 - e);
  return Math.round(value * scale) / scale;
}

/** ln2 − Math.LN2: the part of ln2 below double precision (ln2 = 0.6931471805599453094172321...). */
function lnTwoTail(): number {
  return 2.319046813846299558e-17;
}

/** `2^{j/256}` as literal doubles: the tensor package's table, shared with its SIMD kernel exp. */
function buildFractionTable(): Float64Array {
  return EXP2_FRACTION_TABLE;
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
  if (!(x >= FAST_EXP_MIN && x <= FAST_EXP_MAX)) return exp(x);
  return fastExpInRange(x);
}

/**
 * `e^x` to within ~2 ulp for `x` in `[FAST_EXP_MIN, FAST_EXP_MAX]` = `[−708, 709]`, without the range
 * test. Outside that range (or for NaN) the result is meaningless (the `2^m` table lookup misses):
 * only for callers whose arguments are bounded by construction.
 */
export function fastExpInRange(x: number): number {
  const k = x * INV_LN2_BY_N + ROUND_SHIFTER - ROUND_SHIFTER;
  const r = x - k * LN2_BY_N_HI - k * LN2_BY_N_LO;
  const ki = k | 0;
  const er = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24))));
  return EXP2_FRACTION[ki & FRACTION_MASK]! * er * POW2[(ki >> FRACTION_BITS) + POW2_BIAS]!;
}
