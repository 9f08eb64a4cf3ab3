/**
 * The hot loop that writes standard normals into a typed array: xoroshiro128+
 * transition and ziggurat fast path inlined on local variables. Every kernel's
 * loop follows the same pattern; see `kernels/affine.ts` for the fused form.
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
export const slowPosition = new Int32Array(4096);

/**
 * Finishes the `count` slow draws recorded by a hot loop, in order, writing
 * `out[slowPosition[i]] ← base + scale·z` (base = the value the loop already
 * stored there, scale = 1 and base = 0 for plain normals).
 */
export function finishSlowDraws(state: Int32Array, count: number, out: FloatArray, scale: number): void {
  for (let i = 0; i < count; i++) {
    const position = slowPosition[i]!;
    out[position] = out[position]! + scale * slowNormal(state);
  }
}

/**
 * Writes `count` (≤ 4096) normals from the block state `state` to
 * `out[start .. start+count)`, advancing `state`. The loop runs one main
 * transition per normal with no call inside: draws that fail the fast test
 * store 0 and are finished afterwards from the auxiliary generator.
 */
export function fillNormalSegment(state: Int32Array, out: FloatArray, start: number, count: number): void {
  let s01 = state[0]!, s00 = state[1]!, s11 = state[2]!, s10 = state[3]!;
  let slow = 0;
  const end = start + count;
  for (let k = start; k < end; k++) {
    const low = (s00 + s10) | 0;
    const high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    const a0 = s10 ^ s00, a1 = s11 ^ s01;
    const next00 = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    s01 = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s00 = next00;
    s10 = (a1 << 5) ^ (a0 >>> 27);
    s11 = (a0 << 5) ^ (a1 >>> 27);
    const index = high >>> 21, mantissaHigh = high & 0x1fffff;
    let z = (mantissaHigh + (low >>> 3) * 1.862645149230957e-9) * SIGNED_SCALE[index]!;
    if (mantissaHigh >= ACCEPT_HIGH[index]!) {
      z = 0;
      slowPosition[slow++] = k;
    }
    out[k] = z;
  }
  state[0] = s01; state[1] = s00; state[2] = s11; state[3] = s10;
  finishSlowDraws(state, slow, out, 1);
}
