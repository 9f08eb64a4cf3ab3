/**
 * Deterministic `sin` and `cos`: ports of fdlibm 5.3 (`s_sin.c`, `s_cos.c`,
 * `k_sin.c`, `k_cos.c` and the small and medium cases of `e_rem_pio2.c`) in plain
 * IEEE double arithmetic, so every conforming JavaScript engine computes the same
 * bits. `Math.sin` and `Math.cos` are implementation-defined, and the learned
 * networks' time features feed every learned sample.
 *
 * Arguments beyond 2^19·π/2 (where fdlibm calls `__kernel_rem_pio2`) are reduced
 * exactly with BigInt arithmetic against 2/π to 1280 bits (computed once, by
 * Machin's formula in integers), which is deterministic too. Within 1 ulp of the
 * true value (fdlibm's bound for the kernels on a reduced argument good to ~100 bits).
 * @packageDocumentation
 */
import type { FloatArray } from '../tensor.js';
import { fromWords, highWord, lowWord } from './words.js';

// k_sin.c: sin on [−π/4, π/4], |error| < 2^−58.
const S1 = -1.66666666666666324348e-01;
const S2 = 8.33333333332248946124e-03;
const S3 = -1.98412698298579493134e-04;
const S4 = 2.75573137070700676789e-06;
const S5 = -2.50507602534068634195e-08;
const S6 = 1.58969099521155010221e-10;

// k_cos.c: cos on [−π/4, π/4], |error| < 2^−58.
const C1 = 4.16666666666666019037e-02;
const C2 = -1.38888888888741095749e-03;
const C3 = 2.48015872894767294178e-05;
const C4 = -2.75573143513906633035e-07;
const C5 = 2.08757232129817482790e-09;
const C6 = -1.13596475577881948265e-11;

// e_rem_pio2.c: π/2 split into 33-bit pieces, so n·PIO2_k is exact for n < 2^20.
const INV_PIO2 = 6.36619772367581382433e-01;
const PIO2_1 = 1.57079632673412561417e+00;
const PIO2_1T = 6.07710050650619224932e-11;
const PIO2_2 = 6.07710050630396597660e-11;
const PIO2_2T = 2.02226624879595063154e-21;
const PIO2_3 = 2.02226624871116645580e-21;
const PIO2_3T = 8.47842766036889956997e-32;

/** `sin(x + y)` for `|x| ≤ π/4`, `|y|` below half an ulp of `x`; `yIsZero` skips the tail. */
function kernelSin(x: number, y: number, yIsZero: boolean): number {
  if ((highWord(x) & 0x7fffffff) < 0x3e400000 && (x | 0) === 0) return x; // |x| < 2^−27: sin x rounds to x
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (yIsZero) return x + v * (S1 + z * r);
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

/** `cos(x + y)` for `|x| ≤ π/4`, `|y|` below half an ulp of `x`. */
function kernelCos(x: number, y: number): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix < 0x3e400000 && (x | 0) === 0) return 1; // |x| < 2^−27
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1 - (0.5 * z - (z * r - x * y)); // |x| < 0.3
  // 1 − z/2 loses bits for |x| ≥ 0.3: subtract a quarter of x² exactly first (fdlibm's qx)
  const qx = ix > 0x3fe90000 ? 0.28125 : fromWords(ix - 0x00200000, 0); // ≈ x²/4, exactly representable
  const hz = 0.5 * z - qx;
  const a = 1 - qx;
  return a - (hz - (z * r - x * y));
}

/** A reduced argument: `x = n·π/2 + (y0 + y1)` with `|y0 + y1| ≤ π/4`. */
interface Reduced {
  n: number;
  y0: number;
  y1: number;
}

const reduced: Reduced = { n: 0, y0: 0, y1: 0 };

/** `x − (±π/2)` for `π/4 < |x| < 3π/4` (e_rem_pio2.c's first case). */
function reduceSmall(x: number, ix: number): Reduced {
  const sign = x > 0 ? 1 : -1;
  let z = x - sign * PIO2_1;
  if (ix !== 0x3ff921fb) { // 33 + 53 bits of π/2 suffice
    const y0 = z - sign * PIO2_1T;
    return setReduced(sign, y0, (z - y0) - sign * PIO2_1T);
  }
  z -= sign * PIO2_2; // x is near π/2: use 33 + 33 + 53 bits
  const y0 = z - sign * PIO2_2T;
  return setReduced(sign, y0, (z - y0) - sign * PIO2_2T);
}

/** `x − n·π/2` for `3π/4 ≤ |x| ≤ 2^19·π/2` (e_rem_pio2.c's medium case). */
function reduceMedium(x: number, ix: number): Reduced {
  const t = Math.abs(x);
  const n = Math.trunc(t * INV_PIO2 + 0.5);
  const fn = n;
  let r = t - fn * PIO2_1;
  let w = fn * PIO2_1T; // first round good to 85 bits
  const j = ix >> 20;
  let y0 = r - w;
  let i = j - ((highWord(y0) >> 20) & 0x7ff);
  if (i > 16) { // cancellation: second round, good to 118 bits
    const t1 = r;
    w = fn * PIO2_2;
    r = t1 - w;
    w = fn * PIO2_2T - ((t1 - r) - w);
    y0 = r - w;
    i = j - ((highWord(y0) >> 20) & 0x7ff);
    if (i > 49) { // third round, good to 151 bits
      const t2 = r;
      w = fn * PIO2_3;
      r = t2 - w;
      w = fn * PIO2_3T - ((t2 - r) - w);
      y0 = r - w;
    }
  }
  const y1 = (r - y0) - w;
  if (x < 0) return setReduced(-n, -y0, -y1);
  return setReduced(n, y0, y1);
}

function setReduced(n: number, y0: number, y1: number): Reduced {
  reduced.n = n;
  reduced.y0 = y0;
  reduced.y1 = y1;
  return reduced;
}

// Large arguments: x·(2/π) in exact integer arithmetic against 2/π to TWO_OVER_PI_BITS bits.
const TWO_OVER_PI_BITS = 1280n;
const FRACTION_BITS = 192n;
const PIO2_HI = 1.5707963267948966; // π/2 rounded
const PIO2_LO = 6.123233995736766e-17; // π/2 − PIO2_HI
let twoOverPiFixed: bigint | undefined;

/** `⌊2^bits·2/π⌋`, from Machin's formula π = 16·atan(1/5) − 4·atan(1/239) in fixed point with 64 guard bits. */
function twoOverPi(bits: bigint): bigint {
  const precision = 2n * bits + 64n;
  const one = 1n << precision;
  const pi = 16n * arctanInverse(5n, one) - 4n * arctanInverse(239n, one);
  return ((2n * one) << bits) / pi;
}

/** `atan(1/k)·one` by its alternating series, truncated toward zero term by term. */
function arctanInverse(k: bigint, one: bigint): bigint {
  const k2 = k * k;
  let power = one / k;
  let sum = power;
  for (let j = 1n; power !== 0n; j++) {
    power /= k2;
    const term = power / (2n * j + 1n);
    sum += j % 2n === 1n ? -term : term;
  }
  return sum;
}

/** `x − n·π/2` for `|x| > 2^19·π/2` (finite), exactly reduced with BigInt. */
function reduceLarge(x: number): Reduced {
  twoOverPiFixed ??= twoOverPi(TWO_OVER_PI_BITS);
  const hx = highWord(x) & 0x7fffffff;
  const mantissa = (BigInt((hx & 0xfffff) | 0x100000) << 32n) | BigInt(lowWord(x));
  const shift = TWO_OVER_PI_BITS - BigInt(((hx >> 20) & 0x7ff) - 1075); // x·2/π = mantissa·F / 2^shift
  const product = mantissa * twoOverPiFixed;
  let n = Number((product >> shift) & 3n);
  let fraction = (product >> (shift - FRACTION_BITS)) & ((1n << FRACTION_BITS) - 1n);
  if (fraction >= 1n << (FRACTION_BITS - 1n)) { // round to the nearest quarter turn: |remainder| ≤ π/4
    fraction -= 1n << FRACTION_BITS;
    n += 1;
  }
  const high = Number(fraction);
  const low = Number(fraction - BigInt(high));
  const [y0, y1] = timesHalfPi(high * 2 ** -192, low * 2 ** -192);
  if (x < 0) return setReduced(-(n & 3), -y0, -y1);
  return setReduced(n & 3, y0, y1);
}

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's splitting constant

/** `(hi + lo)·π/2` as a double-double (Dekker's product; no fused multiply-add in JavaScript). */
function timesHalfPi(hi: number, lo: number): [number, number] {
  const product = hi * PIO2_HI;
  const hiHigh = hi * SPLITTER - (hi * SPLITTER - hi);
  const hiLow = hi - hiHigh;
  const piHigh = PIO2_HI * SPLITTER - (PIO2_HI * SPLITTER - PIO2_HI);
  const piLow = PIO2_HI - piHigh;
  const productError = ((hiHigh * piHigh - product) + hiHigh * piLow + hiLow * piHigh) + hiLow * piLow;
  const tail = productError + hi * PIO2_LO + lo * PIO2_HI;
  const y0 = product + tail;
  return [y0, (product - y0) + tail];
}

function reduce(x: number, ix: number): Reduced {
  if (ix < 0x4002d97c) return reduceSmall(x, ix);
  return ix <= 0x413921fb ? reduceMedium(x, ix) : reduceLarge(x);
}

/**
 * `out[offset] = sin x` and `out[offset + 1] = cos x`, the bits of `sin` and `cos`, with x reduced once. Writing into
 * an array rather than returning the two values keeps a hot caller (the time features of every training row) free of
 * allocation: a double returned from a call that is not inlined is boxed.
 */
export function sinCosInto(x: number, out: FloatArray, offset: number): void {
  const ix = highWord(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) { // |x| ≤ π/4
    out[offset] = kernelSin(x, 0, true);
    out[offset + 1] = kernelCos(x, 0);
    return;
  }
  if (ix >= 0x7ff00000) {
    out[offset] = NaN;
    out[offset + 1] = NaN;
    return;
  }
  const { n, y0, y1 } = reduce(x, ix);
  const s = kernelSin(y0, y1, false);
  const c = kernelCos(y0, y1);
  switch (n & 3) {
    case 0: out[offset] = s; out[offset + 1] = c; break;
    case 1: out[offset] = c; out[offset + 1] = -s; break;
    case 2: out[offset] = -s; out[offset + 1] = -c; break;
    default: out[offset] = -c; out[offset + 1] = s;
  }
}

/** `sin x` (fdlibm `sin`): NaN for ±∞ and NaN. */
export function sin(x: number): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) return kernelSin(x, 0, true); // |x| ≤ π/4
  if (ix >= 0x7ff00000) return NaN;
  const { n, y0, y1 } = reduce(x, ix);
  switch (n & 3) {
    case 0: return kernelSin(y0, y1, false);
    case 1: return kernelCos(y0, y1);
    case 2: return -kernelSin(y0, y1, false);
    default: return -kernelCos(y0, y1);
  }
}

/** `cos x` (fdlibm `cos`): NaN for ±∞ and NaN. */
export function cos(x: number): number {
  const ix = highWord(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) return kernelCos(x, 0);
  if (ix >= 0x7ff00000) return NaN;
  const { n, y0, y1 } = reduce(x, ix);
  switch (n & 3) {
    case 0: return kernelCos(y0, y1);
    case 1: return -kernelSin(y0, y1, false);
    case 2: return -kernelCos(y0, y1);
    default: return kernelSin(y0, y1, false);
  }
}
