/**
 * The one hot loop of the library: `y ← a·y + b·s + c·z` over a segment, with
 * the xorshift128+ transition and the ziggurat fast path inlined on local
 * variables, two normals per transition (see `ziggurat.ts`). The fused affine
 * kernels call it directly; plain normals are the instance `a = b = 0, c = 1`
 * on a zeroed target.
 * @packageDocumentation
 */
import type { FloatArray } from '../tensor.js';
import { SEGMENT_CAPACITY } from './blocks.js';
import { HAS_PENDING } from './seeding.js';
import * as ziggurat from './ziggurat.js';

// Module-local constants, not imported bindings: V8 embeds these arrays in the optimised loop,
// where an import would be re-read through its module cell (hole, map and length checks) on every element.
const ACCEPT_FAST = ziggurat.ACCEPT_FAST;
const SIGNED_SCALE = ziggurat.SIGNED_SCALE;
const finishCandidate = ziggurat.finishCandidate;
const nextWord = ziggurat.nextWord;

/**
 * The current segment's slow draws (main-stream candidates that failed the
 * fast test), finished after its loop: where each goes (`k` for a high word,
 * `~k` for a low word) and its word. A segment holds at most
 * `SEGMENT_CAPACITY` normals.
 */
const slowPlace = new Int32Array(SEGMENT_CAPACITY);
const slowWord = new Int32Array(SEGMENT_CAPACITY);

/**
 * Elements `[from, to)` one normal at a time, the cold form of the loop below
 * (the pending low word first, then high words of fresh transitions): the
 * ends of a segment that do not fill a whole iteration. Slow draws are
 * recorded from position `slow` on, as in the loop; returns the new count.
 */
function singleElements(
  y: FloatArray, s: FloatArray, from: number, to: number, a: number, b: number, c: number, state: Int32Array, slow: number,
): number {
  for (let k = from; k < to; k++) {
    const lowHalf = state[HAS_PENDING] === 1;
    const word = nextWord(state);
    const mantissa = lowHalf ? word & 0x1ffff8 : word & 0x1fffff;
    const cell = lowHalf ? mantissa + 4 : mantissa + 0.5;
    const index = word >>> 21;
    let noise = c * (cell * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowWord[slow] = word; slowPlace[slow++] = lowHalf ? ~k : k; }
    y[k] = a * y[k]! + b * s[k]! + noise;
  }
  return slow;
}

/**
 * One segment (≤ 4096 elements of one block):
 * `y[k] ← a·y[k] + b·s[k] + c·z_k` for `k` in `[start, start + count)`, z from
 * the block state `state` (main generator: one transition per two normals,
 * high word first; auxiliary generator: slow draws). A segment may start on
 * the low word left pending by the previous one (or by a replay) and may end
 * on a high word, leaving its low word pending.
 *
 * `y` and `s` share one index: a second index (or an offset between them)
 * costs V8 a register it does not have in this loop (3.5% measured), so
 * callers pass views aligned to each other (see `kernels/affine.ts`).
 *
 * The loop stores every element unconditionally and makes no call, so V8 keeps
 * the generator state and the coefficients in registers. Draws that fail the
 * fast test contribute 0 in the loop and `c·z` afterwards, from
 * `finishCandidate`, in order: `(a·y + b·s + 0) + c·z` rounds exactly like the
 * fast form. One iteration makes two transitions and four elements, written
 * out: V8 re-checks the map, length and data pointer of `y` and `s` once per
 * iteration, and four elements rather than two took 3.5% off the step.
 */
export function affineNoiseSegment(
  y: FloatArray, s: FloatArray, start: number, count: number, a: number, b: number, c: number, state: Int32Array,
): void {
  const end = start + count;
  let k = start;
  let slow = 0;
  if (k < end && state[HAS_PENDING] === 1) {
    // The low half of a transition whose high half went to the previous segment: the loop starts on a whole one.
    slow = singleElements(y, s, k, k + 1, a, b, c, state, slow);
    k++;
  }
  let s01 = state[0]!, s00 = state[1]!, s11 = state[2]!, s10 = state[3]!;
  let low = 0, high = 0, x0 = 0, x1 = 0, index = 0, mantissa = 0, noise = 0;
  const quadsEnd = k + ((end - k) & ~3);
  for (; k < quadsEnd; k += 4) {
    // The 64-bit output s0 + s1; the low word wrapped iff it is (unsigned) below an addend.
    low = (s00 + s10) | 0;
    high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    // xorshift128+: x = s0 ^ (s0 << 23); s0' = s1; s1' = x ^ s1 ^ (x >>> 18) ^ (s1 >>> 5).
    x0 = s00 ^ (s00 << 23);
    x1 = s01 ^ ((s01 << 23) | (s00 >>> 9));
    s01 = s11; s00 = s10;
    s11 = x1 ^ s11 ^ (x1 >>> 18) ^ (s11 >>> 5);
    s10 = x0 ^ s10 ^ ((x0 >>> 18) | (x1 << 14)) ^ ((s10 >>> 5) | (s01 << 27));
    // Element k from the high word: layer and sign from its top 11 bits, a 21-bit mantissa, cell midpoint.
    index = high >>> 21; mantissa = high & 0x1fffff;
    noise = c * ((mantissa + 0.5) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowWord[slow] = high; slowPlace[slow++] = k; }
    y[k] = a * y[k]! + b * s[k]! + noise;
    // Element k + 1 from the low word: the same, with bits 3..20 as mantissa (the weak bits 0..2 dropped).
    index = low >>> 21; mantissa = low & 0x1ffff8;
    noise = c * ((mantissa + 4) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowWord[slow] = low; slowPlace[slow++] = ~(k + 1); }
    y[k + 1] = a * y[k + 1]! + b * s[k + 1]! + noise;
    // Elements k + 2 and k + 3: the same from the next transition.
    low = (s00 + s10) | 0;
    high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    x0 = s00 ^ (s00 << 23);
    x1 = s01 ^ ((s01 << 23) | (s00 >>> 9));
    s01 = s11; s00 = s10;
    s11 = x1 ^ s11 ^ (x1 >>> 18) ^ (s11 >>> 5);
    s10 = x0 ^ s10 ^ ((x0 >>> 18) | (x1 << 14)) ^ ((s10 >>> 5) | (s01 << 27));
    index = high >>> 21; mantissa = high & 0x1fffff;
    noise = c * ((mantissa + 0.5) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowWord[slow] = high; slowPlace[slow++] = k + 2; }
    y[k + 2] = a * y[k + 2]! + b * s[k + 2]! + noise;
    index = low >>> 21; mantissa = low & 0x1ffff8;
    noise = c * ((mantissa + 4) * SIGNED_SCALE[index]!);
    if (mantissa >= ACCEPT_FAST[index]!) { noise = 0; slowWord[slow] = low; slowPlace[slow++] = ~(k + 3); }
    y[k + 3] = a * y[k + 3]! + b * s[k + 3]! + noise;
  }
  state[0] = s01; state[1] = s00; state[2] = s11; state[3] = s10;
  if (k < end) slow = singleElements(y, s, k, end, a, b, c, state, slow);
  for (let i = 0; i < slow; i++) {
    const place = slowPlace[i]!;
    const at = place >= 0 ? place : ~place;
    y[at] = y[at]! + c * finishCandidate(state, slowWord[i]!, place < 0);
  }
}

/** Writes `count` (≤ 4096) normals from the block state `state` to `out[start .. start+count)`, advancing `state`. */
export function fillNormalSegment(state: Int32Array, out: FloatArray, start: number, count: number): void {
  out.fill(0, start, start + count); // 0·y must not meet a NaN or an infinity left in `out`
  affineNoiseSegment(out, out, start, count, 0, 0, 1, state);
}
