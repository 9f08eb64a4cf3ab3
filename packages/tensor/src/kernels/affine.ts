/**
 * The fused affine noise kernel `y ← a·y + b·s + c·z`, z standard normal drawn
 * inside the loop. DDPM's exponential integrator, Euler–Maruyama and Langevin
 * steps are all instances of it (see `steps.ts`).
 * @packageDocumentation
 */
import type { FloatArray } from '../tensor.js';
import { beginParticleWalk, blockState, nextSegment, walk } from '../random/blocks.js';
import * as fill from '../random/fill.js';
import * as ziggurat from '../random/ziggurat.js';

// Module-local constants, not imported bindings: V8 embeds these arrays in the optimised loop,
// where an import would be re-read through its module cell (hole, map and length checks) on every element.
const ACCEPT_HIGH = ziggurat.ACCEPT_HIGH;
const SIGNED_SCALE = ziggurat.SIGNED_SCALE;
const slowPosition = fill.slowPosition;
const finishSlowDraws = fill.finishSlowDraws;

/**
 * One segment (≤ 4096 elements of one block): `y[k] ← a·y[k] + b·s[k + (sStart − yStart)] + c·z_k`.
 * Same generator and fast path as `fillNormalSegment`; the loop stores every
 * element unconditionally and has no call inside, so V8 keeps the generator
 * state and the coefficients in registers. The rare slow draws are added after
 * the loop: `(a·y + b·s + 0) + c·z` rounds exactly like the fast form.
 */
function affineSegment(
  y: FloatArray, yStart: number, s: FloatArray, sStart: number, count: number,
  a: number, b: number, c: number, state: Int32Array,
): void {
  let s01 = state[0]!, s00 = state[1]!, s11 = state[2]!, s10 = state[3]!;
  let slow = 0;
  const shift = sStart - yStart;
  const end = yStart + count;
  for (let k = yStart; k < end; k++) {
    const low = (s00 + s10) | 0;
    const high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    const a0 = s10 ^ s00, a1 = s11 ^ s01;
    const next00 = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    s01 = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    s00 = next00;
    s10 = (a1 << 5) ^ (a0 >>> 27);
    s11 = (a0 << 5) ^ (a1 >>> 27);
    const index = high >>> 21, mantissaHigh = high & 0x1fffff;
    let noise = c * ((mantissaHigh + (low >>> 3) * 1.862645149230957e-9) * SIGNED_SCALE[index]!);
    if (mantissaHigh >= ACCEPT_HIGH[index]!) {
      noise = 0;
      slowPosition[slow++] = k;
    }
    y[k] = a * y[k]! + b * s[k + shift]! + noise;
  }
  state[0] = s01; state[1] = s00; state[2] = s11; state[3] = s10;
  finishSlowDraws(state, slow, y, c);
}

/**
 * Unchecked kernel on contiguous `n × d` blocks `y` (at `yOffset`) and `s` (at
 * `sOffset`): `y ← a·y + b·s + c·z` with the normals of global rows
 * `firstRow ..` under `(seed, stream)`.
 */
export function affineNoiseStepRaw(
  y: FloatArray, yOffset: number, s: FloatArray, sOffset: number, n: number, d: number,
  a: number, b: number, c: number, seed: number, stream: number, firstRow: number,
): void {
  beginParticleWalk(seed, stream, firstRow, n, d);
  while (nextSegment() > 0) {
    affineSegment(y, yOffset + walk.position, s, sOffset + walk.position, walk.count, a, b, c, blockState);
  }
}
