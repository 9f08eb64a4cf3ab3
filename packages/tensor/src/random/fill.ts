/**
 * The one hot loop of the library: `y ← a·y + b·s + c·z` over a segment, with
 * the xoroshiro128+ transition and the ziggurat fast path inlined on local
 * variables. The fused affine kernels call it directly; plain normals are the
 * instance `a = b = 0, c = 1` on a zeroed target.
 * @packageDocumentation
 */
import type { FloatArray } from '../tensor.js';
import * as ziggurat from './ziggurat.js';

// Module-local constants, not imported bindings: V8 embeds these arrays in the optimised loop,
// where an import would be re-read through its module cell (hole, map and length checks) on every element.
const ACCEPT_HIGH = ziggurat.ACCEPT_HIGH;
const SIGNED_SCALE = ziggurat.SIGNED_SCALE;
const slowNormal = ziggurat.slowNormal;

/**
 * Positions of the current segment's slow draws (main-stream candidates that
 * failed the fast test), finished after its loop. A segment never holds more
 * than `SEGMENT_CAPACITY` (4096) normals. Only positions are kept: fewer live
 * values in the loop, and `slowNormal` redraws the candidate from its exact
 * conditional law.
 */
const slowPosition = new Int32Array(4096);

/**
 * One segment (≤ 4096 elements of one block):
 * `y[k] ← a·y[k] + b·s[k + (sStart − yStart)] + c·z_k` for `k` in
 * `[yStart, yStart + count)`, z from the block state `state` (main generator:
 * one transition per normal; auxiliary generator: slow draws).
 *
 * The loop stores every element unconditionally and makes no call, so V8 keeps
 * the generator state and the coefficients in registers. Draws that fail the
 * fast test contribute 0 in the loop and `c·z` afterwards, from `slowNormal`,
 * in order: `(a·y + b·s + 0) + c·z` rounds exactly like the fast form.
 *
 * The body is written out twice (two elements per iteration) on purpose: V8
 * re-checks the maps and lengths of `y` and `s` at every iteration, and
 * unrolling halves those checks; measured 10–15% faster on the OU benchmark.
 * Keep the two halves identical.
 */
export function affineNoiseSegment(
  y: FloatArray, yStart: number, s: FloatArray, sStart: number, count: number,
  a: number, b: number, c: number, state: Int32Array,
): void {
  let s01 = state[0]!, s00 = state[1]!, s11 = state[2]!, s10 = state[3]!;
  let low = 0, high = 0, a0 = 0, a1 = 0, next00 = 0, index = 0, mantissaHigh = 0, noise = 0;
  let slow = 0;
  const shift = sStart - yStart;
  const end = yStart + count;
  for (let k = yStart; k < end; k++) {
    low = (s00 + s10) | 0;
    // High word of the 64-bit sum: the low word wrapped iff it is (unsigned) below an addend.
    high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    a0 = s10 ^ s00; a1 = s11 ^ s01;
    next00 = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    s01 = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s00 = next00; s10 = (a1 << 5) ^ (a0 >>> 27); s11 = (a0 << 5) ^ (a1 >>> 27);
    // Layer and sign: top 11 bits; mantissa: the next 21 bits and bits 3..31 of the low word (× 2^-29).
    index = high >>> 21; mantissaHigh = high & 0x1fffff;
    noise = c * ((mantissaHigh + (low >>> 3) * 1.862645149230957e-9) * SIGNED_SCALE[index]!);
    if (mantissaHigh >= ACCEPT_HIGH[index]!) { noise = 0; slowPosition[slow++] = k; }
    y[k] = a * y[k]! + b * s[k + shift]! + noise;
    if (++k === end) break;
    // Second half: the same element update, for k + 1.
    low = (s00 + s10) | 0;
    high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    a0 = s10 ^ s00; a1 = s11 ^ s01;
    next00 = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    s01 = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s00 = next00; s10 = (a1 << 5) ^ (a0 >>> 27); s11 = (a0 << 5) ^ (a1 >>> 27);
    index = high >>> 21; mantissaHigh = high & 0x1fffff;
    noise = c * ((mantissaHigh + (low >>> 3) * 1.862645149230957e-9) * SIGNED_SCALE[index]!);
    if (mantissaHigh >= ACCEPT_HIGH[index]!) { noise = 0; slowPosition[slow++] = k; }
    y[k] = a * y[k]! + b * s[k + shift]! + noise;
  }
  state[0] = s01; state[1] = s00; state[2] = s11; state[3] = s10;
  for (let i = 0; i < slow; i++) {
    const k = slowPosition[i]!;
    y[k] = y[k]! + c * slowNormal(state);
  }
}

/** Writes `count` (≤ 4096) normals from the block state `state` to `out[start .. start+count)`, advancing `state`. */
export function fillNormalSegment(state: Int32Array, out: FloatArray, start: number, count: number): void {
  out.fill(0, start, start + count); // 0·y must not meet a NaN or an infinity left in `out`
  affineNoiseSegment(out, start, out, start, count, 0, 0, 1, state);
}
