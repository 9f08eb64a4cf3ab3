/**
 * Derivation of generator states from `(seed, stream, row)`, the addressing
 * that makes noise independent of batch size, chunking and worker split.
 *
 * Global particle rows are grouped in fixed blocks of {@link blockRows}`(m)` =
 * ⌈512/m⌉ consecutive rows, `m` the number of normals per row (`d`, or `2d` for
 * CLD): about 512 normals per block whatever the dimension.
 * Block `b` of `(seed, stream)` gets two xorshift128+ states, a *main* and an
 * *auxiliary* one, together a 256-bit hash of `(seed, stream, domain, b)`:
 * eight lanes, each a chain of murmur3 `fmix32` finalisers absorbing one
 * 32-bit input word at a time from its own salt. `fmix32` is a bijection with
 * full avalanche, so each lane is a bijection of each input word given the
 * others, and the differently salted lanes behave as independent 32-bit
 * hashes: two distinct addresses share a main state with probability about 2^-128.
 *
 * Inside a block the standard normals are consumed as one flat row-major
 * sequence, `d` per row (2d for the CLD kernel), so with odd `d` the two
 * normals of a transition may belong to two rows: normal `j` of the block is
 * half `j mod 2` of main transition `⌊j/2⌋`, the high word for even `j`, the
 * low word for odd `j` (see `ziggurat.ts`). A block with an odd number of
 * normals leaves the low half of its last transition unused. The rare ziggurat
 * draws that need more randomness (wedges, tail, rejections) take it from the
 * auxiliary generator, in order of `j`. Fixed consumption of the main stream
 * lets the hot loops finish those rare draws after the loop. A batch starting
 * mid-block first replays the normals of the block's earlier rows, which is
 * exact, not an estimate; when it stops after a high half, the low word waits
 * in the state's pending slot (`state[PENDING]`, flagged by `state[HAS_PENDING]`).
 *
 * About 512 normals per block keeps hashing (8 `fmix32` per block) and the
 * per-block bookkeeping negligible even for d = 1, while bounding the replay
 * at a chunk start to 511 normals.
 * @packageDocumentation
 */

/** Target number of normals per block. */
export const BLOCK_NORMALS = 512;

/** Number of consecutive global rows that share one generator state, for `normalsPerRow` normals per row. */
export function blockRows(normalsPerRow: number): number {
  return Math.max(1, Math.ceil(BLOCK_NORMALS / Math.max(1, normalsPerRow)));
}

/** Domain words separating particle-addressed noise from sequential `RandomStream`s with the same seed. */
export const PARTICLE_DOMAIN = 0x50415254; // "PART"
export const SEQUENTIAL_DOMAIN = 0x53455155; // "SEQU"

/** Offset of the auxiliary generator's four words in a block state (main words come first). */
export const AUX = 4;
/** Slot of a block state holding the low word of the last main transition while its normal is not yet drawn. */
export const PENDING = 8;
/** Slot of a block state that is 1 while `state[PENDING]` holds an undrawn low word, else 0. */
export const HAS_PENDING = 9;
/** Length of a block state: main and auxiliary generators, then the pending low word and its flag. */
export const STATE_WORDS = 10;

/** Per-lane salts (hexadecimal digits of π), so the eight lanes hash differently. */
const LANE_SALTS = [
  0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89,
] as const;

/** murmur3's 32-bit finaliser: a bijection of int32 with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Hashes `(seed, stream, domain)` into the eight lane prefixes `key`; done once per call. */
export function deriveKey(seed: number, stream: number, domain: number, key: Int32Array): void {
  for (let lane = 0; lane < 8; lane++) {
    const h = fmix32(fmix32(LANE_SALTS[lane]! ^ seed) ^ stream);
    key[lane] = fmix32(h ^ domain);
  }
}

/**
 * Mixes the high word of a block index into `key`, giving `blockKey`; done once
 * per call (and again only when a walk crosses a multiple of 2^32 blocks).
 */
export function deriveBlockKey(key: Int32Array, blockHigh: number, blockKey: Int32Array): void {
  for (let lane = 0; lane < 8; lane++) blockKey[lane] = fmix32(key[lane]! ^ blockHigh);
}

/**
 * Writes the main and auxiliary states of the block whose index has low word
 * `blockLow` under `blockKey` (from {@link deriveBlockKey}) into `state` (8
 * words, or {@link STATE_WORDS} with an empty pending slot).
 * Each word is a bijection of `blockLow`, so blocks of one walk never share a state.
 */
export function deriveBlockState(blockKey: Int32Array, blockLow: number, state: Int32Array): void {
  for (let lane = 0; lane < 8; lane++) state[lane] = fmix32(blockKey[lane]! ^ blockLow);
  if (state.length > HAS_PENDING) state[PENDING] = state[HAS_PENDING] = 0; // a fresh block has no pending half
  // xorshift128+ is stuck at the all-zero state; any fixed non-zero state is as good (probability 2^-128).
  for (let generator = 0; generator < 8; generator += 4) {
    if ((state[generator]! | state[generator + 1]! | state[generator + 2]! | state[generator + 3]!) === 0)
      state[generator + 1] = 1;
  }
}
