/**
 * Particle-addressed standard normals: the noise every fused kernel draws,
 * exposed so tests and callers can compose the unfused reference path.
 * @packageDocumentation
 */
import type { Batch, FloatArray } from '../tensor.js';
import { expectBatch } from '../tensor.js';
import { expectInteger, expectSeed } from '../validate.js';
import { beginParticleWalk, blockState, nextSegment, walk } from './blocks.js';
import { fillNormalSegment } from './fill.js';

/**
 * The address of particle-addressed normals (DEVELOPING.md "Random streams"): normal `j`
 * of global row `firstRow + r` under `(seed, stream)` is the same whatever the batching.
 */
export interface NoiseAddress {
  /** uint32 seed. */
  readonly seed: number;
  /** uint32 stream id. */
  readonly stream: number;
  /** Global index of the batch's row 0. */
  readonly firstRow: number;
}

/**
 * Validates the `(seed, stream, firstRow)` triple every particle-addressed
 * function takes, for a batch of `n` rows: the last global row,
 * `firstRow + n − 1`, must be a safe integer, or rows would share noise.
 */
export function expectNoiseAddress(fn: string, seed: unknown, stream: unknown, firstRow: unknown, n = 0): void {
  expectSeed(fn, 'seed', seed);
  expectSeed(fn, 'stream', stream);
  expectInteger(fn, 'firstRow', firstRow, 0, Number.MAX_SAFE_INTEGER - Math.max(0, n - 1));
}

/** Unchecked: writes the `perRow` normals of each global row `firstRow .. firstRow+n` to `data[offset ..)`. */
export function fillParticleNormalsRaw(
  data: FloatArray,
  offset: number,
  n: number,
  perRow: number,
  seed: number,
  stream: number,
  firstRow: number,
): void {
  beginParticleWalk(seed, stream, firstRow, n, perRow);
  while (nextSegment() > 0) fillNormalSegment(blockState, data, offset + walk.position, walk.count);
}

/**
 * Writes to row `r` of `out` exactly the standard normals that a fused kernel
 * called with `(seed, stream, firstRow)` draws for its row `r`, i.e. for
 * global particle `firstRow + r`. The values depend only on
 * `(seed, stream, global row, component)`, never on how rows are batched.
 * (The CLD kernel draws `2d` normals per row: pass an `n × 2d` batch.)
 *
 * @param out - contiguous `n × d` batch (float64 or float32), overwritten
 * @param seed - uint32 seed
 * @param stream - uint32 stream (samplers derive it from the step index)
 * @param firstRow - global index of `out`'s row 0, an integer ≥ 0
 * @example
 * const z = batch(1000, 2);
 * fillParticleNormals(z, 7, step, 0); // rows 0..999 of step `step`
 */
export function fillParticleNormals(out: Batch, seed: number, stream: number, firstRow: number): Batch {
  const fn = 'fillParticleNormals';
  const [n, d] = expectBatch(fn, 'out', out);
  expectNoiseAddress(fn, seed, stream, firstRow, n);
  fillParticleNormalsRaw(out.data, out.offset, n, d, seed, stream, firstRow);
  return out;
}
