// An oracle for step coefficients that shares no code with the library: e^x, e^x − 1 and √x in
// 256-bit fixed point (BigInt), rounded to a double once at the end. Error ≤ 2^-200 absolute
// before that rounding, so a coefficient off by 1e-12 relative cannot pass a 1e-14 check.

const BITS = 256n;
const ONE = 1n << BITS;

/** A finite double as an exact fixed-point BigInt (truncated below 2^-256, irrelevant for |x| ≥ 1e-60). */
export function fixed(x: number): bigint {
  if (!Number.isFinite(x)) throw new Error(`fixed: ${x} is not finite`);
  if (x === 0) return 0n;
  const negative = x < 0;
  let m = Math.abs(x);
  let e = 0;
  while (m !== Math.floor(m)) {
    m *= 2;
    e++;
  }
  const value = e <= Number(BITS) ? BigInt(m) << (BITS - BigInt(e)) : BigInt(m) >> (BigInt(e) - BITS);
  return negative ? -value : value;
}

/** Nearest double to a fixed-point value (BigInt → Number rounds to nearest; scaling by 2^-256 is exact). */
export function toDouble(v: bigint): number {
  return Number(v) / 2 ** Number(BITS);
}

export function mul(a: bigint, b: bigint): bigint {
  return (a * b) >> BITS;
}

export function div(a: bigint, b: bigint): bigint {
  return (a << BITS) / b;
}

/** `e^x − 1` for fixed-point `x ≥ 0` by its Taylor series. */
function expm1NonNegative(x: bigint): bigint {
  let term = ONE;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k++) {
    term = mul(term, x) / k;
    sum += term;
  }
  return sum;
}

/** `e^x − 1`, fixed point, any sign (`e^{−x} − 1 = −(e^x − 1)/e^x`). */
export function expm1Fixed(x: bigint): bigint {
  if (x >= 0n) return expm1NonNegative(x);
  const m = expm1NonNegative(-x);
  return -div(m, m + ONE);
}

export function expFixed(x: bigint): bigint {
  return expm1Fixed(x) + ONE;
}

/** `√v` for fixed-point `v ≥ 0` (integer square root of `v·2^256`). */
export function sqrtFixed(v: bigint): bigint {
  if (v < 0n) throw new Error('sqrtFixed: negative');
  const n = v << BITS;
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

export const FIXED_ONE = ONE;
