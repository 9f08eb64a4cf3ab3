/**
 * The fused affine noise kernel `y ← a·y + b·s + c·z`, z standard normal drawn
 * inside the loop. DDPM's exponential integrator, Euler–Maruyama and Langevin
 * steps are all instances of it (see `steps.ts`).
 * @packageDocumentation
 */
import type { FloatArray } from '../tensor.js';
import { beginParticleWalk, blockState, nextSegment, walk } from '../random/blocks.js';
import { affineNoiseSegment } from '../random/fill.js';
import { shiftedView } from './views.js';

/**
 * Unchecked kernel on contiguous `n × d` blocks `y` (at `yOffset`) and `s` (at
 * `sOffset`): `y ← a·y + b·s + c·z` with the normals of global rows
 * `firstRow ..` under `(seed, stream)`. The hot loop indexes `y` and `s` with
 * one index, so the array whose block starts later is viewed from the
 * difference on.
 */
export function affineNoiseStepRaw(
  y: FloatArray, yOffset: number, s: FloatArray, sOffset: number, n: number, d: number,
  a: number, b: number, c: number, seed: number, stream: number, firstRow: number,
): void {
  const start = Math.min(yOffset, sOffset);
  const yAligned = yOffset > start ? shiftedView(y, yOffset - start) : y;
  const sAligned = sOffset > start ? shiftedView(s, sOffset - start) : s;
  beginParticleWalk(seed, stream, firstRow, n, d);
  while (nextSegment() > 0) {
    affineNoiseSegment(yAligned, sAligned, start + walk.position, walk.count, a, b, c, blockState);
  }
}
