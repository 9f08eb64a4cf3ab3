/**
 * The one hot loop of the library: `y ← a·y + b·s + c·z` over a segment, with
 * the xoroshiro128+ transition and the ziggurat fast path inlined on local
 * variables, two normals per transition (see `ziggurat.ts`). The fused affine
 * kernels call it directly; plain normals are the instance `a = b = 0, c = 1`
 * on a zeroed target.
 * @packageDocumentation
 */
import type { FloatArray } from '../tensor.js';
import { SEGMENT_CAPACITY } from './blocks.js';
import { HAS_PENDING, PENDING } from './seeding.js';
import { advance } from './xoroshiro.js';
import * as ziggurat from './ziggurat.js';

// Module-local constants, not imported bindings: V8 embeds these arrays in the optimised loop,
// where an import would be re-read through its module cell (hole, map and length checks) on every element.
const ACCEPT_FAST = ziggurat.ACCEPT_FAST;
const SIGNED_SCALE = ziggurat.SIGNED_SCALE;
const slowNormal = ziggurat.slowNormal;

/**
 * Positions of the current segment's slow draws (main-stream candidates that
 * failed the fast test), finished after its loop. A segment never holds more
 * than `SEGMENT_CAPACITY` (4096) normals. Only positions are kept: fewer live
 * values in the loop, and `slowNormal` redraws the candidate from its exact
 * conditional law.
 */
const slowPosition = new Int32Array(SEGMENT_CAPACITY);
const lowWord = new Int32Array(1);

/**
 * One segment (≤ 4096 elements of one block):
 * `y[k] ← a·y[k] + b·s[k + (sStart − yStart)] + c·z_k` for `k` in
 * `[yStart, yStart + count)`, z from the block state `state` (main generator:
 * one transition per two normals, high word first; auxiliary generator: slow
 * draws). A segment may start on the low word left pending by the previous
 * one (or by a replay) and may end on a high word, leaving its low word pending.
 *
 * The loop stores every element unconditionally and makes no call, so V8 keeps
 * the generator state and the coefficients in registers. Draws that fail the
 * fast test contribute 0 in the loop and `c·z` afterwards, from `slowNormal`,
 * in order: `(a·y + b·s + 0) + c·z` rounds exactly like the fast form.
 * One iteration updates the two elements of one transition, which also halves
 * V8's per-iteration map and length checks of `y` and `s`.
 */
export function affineNoiseSegment(
  y: FloatArray, yStart: number, s: FloatArray, sStart: number, count: number,
  a: number, b: number, c: number, state: Int32Array,
): void {
  const shift = sStart - yStart;
  const end = yStart + count;
  let k = yStart;
  let index = 0, mantissa = 0, noise = 0;
  let slow = 0;
  if (k < end && state[HAS_PENDING] === 1) {
    // The low half of a transition whose high half went to the previous element.
    state[HAS_PENDING] = 0;
    const word = state[PENDING]!;
    index = word >>> 21; mantissa = word & 0x1ffff8;
    noise = c * ((mantissa + 4) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowPosition[slow++] = k; }
    y[k] = a * y[k]! + b * s[k + shift]! + noise;
    k++;
  }
  let s01 = state[0]!, s00 = state[1]!, s11 = state[2]!, s10 = state[3]!;
  let low = 0, high = 0, a0 = 0, a1 = 0, next00 = 0;
  const pairsEnd = k + ((end - k) & ~1);
  for (; k < pairsEnd; k += 2) {
    low = (s00 + s10) | 0;
    // High word of the 64-bit sum: the low word wrapped iff it is (unsigned) below an addend.
    high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    a0 = s10 ^ s00; a1 = s11 ^ s01;
    next00 = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    s01 = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s00 = next00; s10 = (a1 << 5) ^ (a0 >>> 27); s11 = (a0 << 5) ^ (a1 >>> 27);
    // Element k from the high word: layer and sign from its top 11 bits, a 21-bit mantissa, cell midpoint.
    index = high >>> 21; mantissa = high & 0x1fffff;
    noise = c * ((mantissa + 0.5) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowPosition[slow++] = k; }
    y[k] = a * y[k]! + b * s[k + shift]! + noise;
    // Element k + 1 from the low word: the same, with bits 3..20 as mantissa (the weak bits 0..2 dropped).
    index = low >>> 21; mantissa = low & 0x1ffff8;
    noise = c * ((mantissa + 4) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowPosition[slow++] = k + 1; }
    y[k + 1] = a * y[k + 1]! + b * s[k + 1 + shift]! + noise;
  }
  state[0] = s01; state[1] = s00; state[2] = s11; state[3] = s10;
  if (k < end) {
    // One element left: a fresh transition's high word; its low word waits for the next segment.
    const word = advance(state, 0, lowWord);
    state[PENDING] = lowWord[0]!;
    state[HAS_PENDING] = 1;
    index = word >>> 21; mantissa = word & 0x1fffff;
    noise = c * ((mantissa + 0.5) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowPosition[slow++] = k; }
    y[k] = a * y[k]! + b * s[k + shift]! + noise;
  }
  for (let i = 0; i < slow; i++) {
    const at = slowPosition[i]!;
    y[at] = y[at]! + c * slowNormal(state);
  }
}

/** Writes `count` (≤ 4096) normals from the block state `state` to `out[start .. start+count)`, advancing `state`. */
export function fillNormalSegment(state: Int32Array, out: FloatArray, start: number, count: number): void {
  out.fill(0, start, start + count); // 0·y must not meet a NaN or an infinity left in `out`
  affineNoiseSegment(out, start, out, start, count, 0, 0, 1, state);
}
