/**
 * Walking a batch of global rows block by block: the shared driver of every
 * particle-addressed kernel (see `seeding.ts` for the addressing scheme).
 *
 * A kernel calls {@link beginParticleWalk} once, then {@link nextSegment}
 * until it returns 0; each segment is a run of at most
 * {@link SEGMENT_CAPACITY} consecutive normals of one block, starting at
 * normal number `walk.position` of the batch, with the generator positioned in
 * `blockState`. Kernels are synchronous, so this module-level state is never
 * shared between two calls in flight.
 * @packageDocumentation
 */
import { PARTICLE_DOMAIN, STATE_WORDS, blockRows, deriveBlockKey, deriveBlockState, deriveKey } from './seeding.js';
import { nextNormal } from './ziggurat.js';

/** Largest segment: bounds the fix-up lists the hot loops keep for their rare slow draws. */
export const SEGMENT_CAPACITY = 4096;

/** Main and auxiliary generator of the current block, and its pending low word (see `seeding.ts`). */
export const blockState = new Int32Array(STATE_WORDS);
const key = new Int32Array(8);
const blockKey = new Int32Array(8);
/** High word of the block index `blockKey` was derived for (-1: none yet). */
let blockKeyHigh = -1;

/** Where the walk is: normals already handed out, and the segment just handed out. */
export const walk = { position: 0, count: 0, row: 0, endRow: 0, perRow: 0, rowsPerBlock: 1, leftInBlock: 0 };

/** Starts walking global rows `[firstRow, firstRow + n)` with `perRow` normals per row. */
export function beginParticleWalk(seed: number, stream: number, firstRow: number, n: number, perRow: number): void {
  deriveKey(seed, stream, PARTICLE_DOMAIN, key);
  blockKeyHigh = -1;
  walk.position = 0;
  walk.count = 0;
  walk.row = firstRow;
  walk.endRow = firstRow + n;
  walk.perRow = perRow;
  walk.rowsPerBlock = blockRows(perRow);
  walk.leftInBlock = 0;
}

/**
 * Positions `blockState` at global row `row`: derives the state of the row's
 * block and replays the normals of the block's earlier rows (which may stop
 * after a high half, leaving the low word pending). Returns how many
 * normals, up to the end of the walk, remain in this block.
 */
function enterBlock(row: number): number {
  const block = Math.floor(row / walk.rowsPerBlock);
  const blockStart = block * walk.rowsPerBlock;
  const blockHigh = Math.floor(block / 4294967296);
  if (blockHigh !== blockKeyHigh) {
    deriveBlockKey(key, blockHigh | 0, blockKey);
    blockKeyHigh = blockHigh;
  }
  deriveBlockState(blockKey, block >>> 0, blockState);
  for (let skipped = (row - blockStart) * walk.perRow; skipped > 0; skipped--) nextNormal(blockState);
  const rowsHere = Math.min(blockStart + walk.rowsPerBlock, walk.endRow) - row;
  walk.row = row + rowsHere;
  return rowsHere * walk.perRow;
}

/** Hands out the next segment (sets `walk.position`, `walk.count`) and returns its length, or 0 at the end. */
export function nextSegment(): number {
  walk.position += walk.count;
  if (walk.leftInBlock === 0) {
    if (walk.row >= walk.endRow || walk.perRow === 0) return (walk.count = 0);
    walk.leftInBlock = enterBlock(walk.row);
  }
  walk.count = Math.min(walk.leftInBlock, SEGMENT_CAPACITY);
  walk.leftInBlock -= walk.count;
  return walk.count;
}
