/**
 * Deterministic `exp`, `expm1`, `log` and `log1p`: ports of fdlibm 5.3
 * (`e_exp.c`, `s_expm1.c`, `e_log.c`, `s_log1p.c`), in plain IEEE double
 * arithmetic, so every conforming JavaScript engine computes the same bits.
 * `Math.exp` and friends are implementation-defined: V8 in Node 20 and in
 * Chromium 156 disagree in the last bit on ~10% of `exp` and ~2% of `log`
 * arguments, which made the same seed give different samples in Node and
 * in a browser. Within 1 ulp of the true value (fdlibm's bound); in Node 20
 * they equal `Math.*` bit for bit (V8's `ieee754` functions are the same port).
 * @packageDocumentation
 */

import { InvalidArgumentError } from '../errors.js';
import { fromWords, highWord, lowWord, withHighWord, withLowWord } from './words.js';

const E = 2.718281828459045;
const LN2_HI = 6.93147180369123816490e-01; // 0x3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const INV_LN2 = 1.44269504088896338700e+00; // 0x3ff71547 652b82fe
const TWO54 = 1.80143985094819840000e+16;
const O_THRESHOLD = 7.09782712893383973096e+02;
const U_THRESHOLD = -7.45133219101941108420e+02;
const HUGE = 1.0e+300;
const TWO_M1000 = 9.33263618503218878990e-302; // 2^-1000

const P1 = 1.66666666666666019037e-01;
const P2 = -2.77777777770155933842e-03;
const P3 = 6.61375632143793436117e-05;
const P4 = -1.65339022054652515390e-06;
const P5 = 4.13813679705723846039e-08;

/** `e^x` (fdlibm `__ieee754_exp`). */
export function exp(x: number): number {
  if (x === 1) return E; // fdlibm's reduction gives E + 1 ulp here; V8 and the spec's Math.E agree on E
  let hx = highWord(x);
  const xsb = (hx >>> 31) & 1;
  hx &= 0x7fffffff;
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx >= 0x40862e42) { // |x| >= 709.78...
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x; // NaN
      return xsb === 0 ? x : 0; // exp(+-inf) = {inf, 0}
    }
    if (x > O_THRESHOLD) return HUGE * HUGE; // overflow
    if (x < U_THRESHOLD) return TWO_M1000 * TWO_M1000; // underflow
  }
  if (hx > 0x3fd62e42) { // |x| > 0.5 ln2
    if (hx < 0x3ff0a2b2) { // and |x| < 1.5 ln2
      hi = x - (xsb === 0 ? LN2_HI : -LN2_HI);
      lo = xsb === 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = Math.trunc(INV_LN2 * x + (xsb === 0 ? 0.5 : -0.5));
      const t = k;
      hi = x - t * LN2_HI; // t*ln2_hi is exact here
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) { // |x| < 2^-28
    if (HUGE + x > 1) return 1 + x; // trigger inexact
  } else {
    k = 0;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2.0) - x);
  const y = 1 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) return withHighWord(y, highWord(y) + (k << 20));
  return withHighWord(y, highWord(y) + ((k + 1000) << 20)) * TWO_M1000;
}

const LG1 = 6.666666666666735130e-01;
const LG2 = 3.999999999940941908e-01;
const LG3 = 2.857142874366239149e-01;
const LG4 = 2.222219843214978396e-01;
const LG5 = 1.818357216161805012e-01;
const LG6 = 1.531383769920937332e-01;
const LG7 = 1.479819860511658591e-01;

/** Natural logarithm (fdlibm `__ieee754_log`). */
export function log(x: number): number {
  let hx = highWord(x);
  const lx = lowWord(x);
  let k = 0;
  if (hx < 0x00100000) { // x < 2^-1022
    if (((hx & 0x7fffffff) | lx) === 0) return -TWO54 / 0; // log(+-0) = -inf
    if (hx < 0) return (x - x) / 0; // log(-#) = NaN
    k -= 54;
    x *= TWO54; // subnormal: scale up
    hx = highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3ff00000)); // normalise x or x/2
  k += i >> 20;
  const f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) { // |f| < 2^-20
    if (f === 0) {
      if (k === 0) return 0;
      const dk = k;
      return dk * LN2_HI + dk * LN2_LO;
    }
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k === 0) return f - R;
    const dk = k;
    return dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const dk = k;
  const z = s * s;
  let j = hx - 0x6147a;
  const w = z * z;
  j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const iBand = (hx - 0x6147a) | j;
  const R = t2 + t1;
  if (iBand > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k === 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

const Q1 = -3.33333333333331316428e-02;
const Q2 = 1.58730158725481460165e-03;
const Q3 = -7.93650757867487942473e-05;
const Q4 = 4.00821782732936239552e-06;
const Q5 = -2.01099218183624371326e-07;

/** `e^x − 1`, accurate near 0 (fdlibm `expm1`). */
export function expm1(x: number): number {
  let hx = highWord(x);
  const xsb = hx & 0x80000000;
  hx &= 0x7fffffff;
  let k = 0;
  let c = 0;
  if (hx >= 0x4043687a) { // |x| >= 56 ln2
    if (hx >= 0x40862e42) { // |x| >= 709.78
      if (hx >= 0x7ff00000) {
        if (((hx & 0xfffff) | lowWord(x)) !== 0) return x + x;
        return xsb === 0 ? x : -1.0;
      }
      if (x > O_THRESHOLD) return HUGE * HUGE;
    }
    if (xsb !== 0) { // x < -56 ln2
      if (x + 1e-300 < 0.0) return 1e-300 - 1; // raise inexact, return -1
    }
  }
  if (hx > 0x3fd62e42) { // |x| > 0.5 ln2
    let hi: number;
    let lo: number;
    if (hx < 0x3ff0a2b2) { // and |x| < 1.5 ln2
      if (xsb === 0) { hi = x - LN2_HI; lo = LN2_LO; k = 1; } else { hi = x + LN2_HI; lo = -LN2_LO; k = -1; }
    } else {
      k = Math.trunc(INV_LN2 * x + (xsb === 0 ? 0.5 : -0.5));
      const t = k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < 0x3c900000) { // |x| < 2^-54
    const t = HUGE + x; // inexact when x != 0
    return x - (t - (HUGE + x));
  } else {
    k = 0;
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3.0 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k === 0) return x - (x * e - hxs);
  e = (x * (e - c) - c);
  e -= hxs;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) {
    if (x < -0.25) return -2.0 * (e - (x + 0.5));
    return 1 + 2.0 * (x - e);
  }
  if (k <= -2 || k > 56) { // suffice to return exp(x) - 1
    const y = 1 - (e - x);
    return withHighWord(y, highWord(y) + (k << 20)) - 1;
  }
  if (k < 20) {
    const t2 = fromWords(0x3ff00000 - (0x200000 >> k), 0); // 1 - 2^-k
    const y = t2 - (e - x);
    return withHighWord(y, highWord(y) + (k << 20));
  }
  const t3 = fromWords((0x3ff - k) << 20, 0); // 2^-k
  let y = x - (e + t3);
  y += 1;
  return withHighWord(y, highWord(y) + (k << 20));
}

const LP1 = 6.666666666666735130e-01;
const LP2 = 3.999999999940941908e-01;
const LP3 = 2.857142874366239149e-01;
const LP4 = 2.222219843214978396e-01;
const LP5 = 1.818357216161805012e-01;
const LP6 = 1.531383769920937332e-01;
const LP7 = 1.479819860511658591e-01;

/** `ln(1 + x)`, accurate near 0 (fdlibm `log1p`). */
export function log1p(x: number): number {
  const hx = highWord(x);
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0;
  let hu = 0;
  let c = 0;
  if (hx < 0x3fda827a) { // x < 0.41422
    if (ax >= 0x3ff00000) { // x <= -1.0
      if (x === -1.0) return -TWO54 / 0; // -inf
      return (x - x) / (x - x); // NaN
    }
    if (ax < 0x3e200000) { // |x| < 2^-29
      if (TWO54 + x > 0 && ax < 0x3c900000) return x; // |x| < 2^-54
      return x - x * x * 0.5;
    }
    if (hx > 0 || hx <= (0xbfd2bec3 | 0)) { // -0.2929 < x < 0.41422
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7ff00000) return x + x;
  if (k !== 0) {
    let u: number;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0); // correction term
      c /= u;
    } else {
      u = x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = withHighWord(u, hu | 0x3ff00000); // normalise u
    } else {
      k += 1;
      u = withHighWord(u, hu | 0x3fe00000); // normalise u/2
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu === 0) { // |f| < 2^-20
    if (f === 0) {
      if (k === 0) return 0;
      c += k * LN2_LO;
      return k * LN2_HI + c;
    }
    const R = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k === 0) return f - R;
    return k * LN2_HI - ((R - (k * LN2_LO + c)) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const R = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
  if (k === 0) return f - (hfsq - s * (hfsq + R));
  return k * LN2_HI - ((hfsq - (s * (hfsq + R) + (k * LN2_LO + c))) - f);
}

// 1/k! for the Taylor polynomials of sin and cos on [0, π/4] (next terms below 2^-60 relative).
const INVERSE_FACTORIALS = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880, 1 / 3628800,
  1 / 39916800, 1 / 479001600, 1 / 6227020800, 1 / 87178291200, 1 / 1307674368000, 1 / 20922789888000,
  1 / 355687428096000, 1 / 6402373705728000];

/** `[cos t, sin t]` for `t ∈ [0, π/4]` by Horner on the Taylor series. */
function cosSinSmall(t: number): [number, number] {
  const t2 = t * t;
  let c = INVERSE_FACTORIALS[18]!;
  for (let j = 16; j >= 0; j -= 2) c = c * -t2 + INVERSE_FACTORIALS[j]!;
  let s = INVERSE_FACTORIALS[17]!;
  for (let j = 15; j >= 1; j -= 2) s = s * -t2 + INVERSE_FACTORIALS[j]!;
  return [c, s * t];
}

/**
 * `[cos(2πk/n), sin(2πk/n)]`, the same bits in every engine (`Math.cos`/`Math.sin` are
 * implementation-defined): the angle is reduced to the first octant by exact symmetries
 * (so quarter turns give exact 0 and ±1), then a Taylor polynomial. Within 2 ulp.
 * `k` and `n` are integers, `0 < n < 2^48`.
 */
export function turnPoint(k: number, n: number): [number, number] {
  const m = ((k % n) + n) % n;
  const octant = Math.floor((8 * m) / n);
  const remainder = 8 * m - octant * n; // integer in [0, n): the angle past the octant is (π/4)·remainder/n
  const odd = (octant & 1) === 1;
  // odd octants are measured back from their end, so k and n − k are exact mirror images; an odd octant's start is an odd multiple of π/4
  const [c, s] = odd && remainder === 0 ? [Math.SQRT1_2, Math.SQRT1_2] : cosSinSmall((Math.PI / 4) * ((odd ? n - remainder : remainder) / n));
  return withoutNegativeZero(octantPoint(octant, c, s));
}

function withoutNegativeZero(point: [number, number]): [number, number] {
  return [point[0] + 0, point[1] + 0];
}

/** The point at angle `octant·π/4 + θ` (even octants) or `(octant + 1)·π/4 − θ` (odd), from `cos θ`, `sin θ`. */
function octantPoint(octant: number, c: number, s: number): [number, number] {
  switch (octant) {
    case 0: return [c, s];
    case 1: return [s, c];
    case 2: return [-s, c];
    case 3: return [-c, s];
    case 4: return [-c, -s];
    case 5: return [-s, -c];
    case 6: return [s, -c];
    default: return [c, -s];
  }
}

/**
 * `base^exponent` for an integer `exponent ≥ 0`: binary exponentiation in double-double arithmetic
 * (Dekker's exact products), so the result is within 1 ulp, with the same bits in every engine, unlike
 * `Math.pow`, whose accuracy is implementation-defined. (Plain repeated squaring would lose ~n/2 ulp.)
 */
export function integerPower(base: number, exponent: number): number {
  if (!Number.isSafeInteger(exponent) || exponent < 0) throw new InvalidArgumentError('integerPower', 'exponent', exponent, 'a safe integer >= 0');
  let resultHigh = 1;
  let resultLow = 0;
  let squareHigh = base;
  let squareLow = 0;
  for (let e = exponent; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) [resultHigh, resultLow] = doubleDoubleProduct(resultHigh, resultLow, squareHigh, squareLow);
    if (e > 1) [squareHigh, squareLow] = doubleDoubleProduct(squareHigh, squareLow, squareHigh, squareLow);
  }
  return resultHigh;
}

const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp)
const SPLIT_LIMIT = 2 ** 996; // above this, a·SPLITTER overflows

/** `(ah + al)·(bh + bl)` as a normalised double-double; plain products where a split would overflow. */
function doubleDoubleProduct(ah: number, al: number, bh: number, bl: number): [number, number] {
  const p = ah * bh;
  if (!(Math.abs(ah) < SPLIT_LIMIT && Math.abs(bh) < SPLIT_LIMIT && Number.isFinite(p))) return [p, 0];
  const a1 = ah * SPLITTER - (ah * SPLITTER - ah);
  const a2 = ah - a1;
  const b1 = bh * SPLITTER - (bh * SPLITTER - bh);
  const b2 = bh - b1;
  const error = ((a1 * b1 - p) + a1 * b2 + a2 * b1) + a2 * b2 + (ah * bl + al * bh);
  const high = p + error;
  return [high, error - (high - p)];
}
