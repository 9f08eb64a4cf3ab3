/**
 * Sharding one run across processes or machines. A particle's noise depends only
 * on `(seed, stream, global row)`, so shard `i` of `k` that samples rows
 * `[⌊i·n/k⌋, ⌊(i+1)·n/k⌋)` with `firstRow` set computes exactly those rows of the
 * single-process run, bit for bit; concatenating the shards in order gives that run.
 * @packageDocumentation
 */
import { InvalidArgumentError, expectInteger } from '@sgmkit/tensor';

/** The rows one shard computes: particles `firstRow … firstRow + rows − 1` of the global run. */
export interface ShardRows {
  readonly firstRow: number;
  readonly rows: number;
}

/**
 * Rows of shard `index` of `count` in a run of `n` particles: `[⌊index·n/count⌋, ⌊(index+1)·n/count⌋)`, the
 * same split the worker threads use. Shards differ in size by at most one row; a shard may be empty when
 * `count > n` (sampling needs `rows ≥ 1`, so skip it).
 *
 * @throws InvalidArgumentError unless `n ≥ 1`, `1 ≤ count` and `0 ≤ index < count` are integers
 * @example
 * ```ts
 * import { ringMixture } from '@sgmkit/score';
 * import { sampleDDPM, shardRows } from '@sgmkit/sampler';
 * // machine 2 of 4 in a run of 10^4 particles: rows 5000 … 7499 of the single-process run, bit for bit
 * const { firstRow, rows } = shardRows(10_000, 2, 4);
 * const { samples } = await sampleDDPM(ringMixture(), { T: 10, steps: 200, n: rows, firstRow, seed: 1 });
 * ```
 */
export function shardRows(n: number, index: number, count: number): ShardRows {
  const fn = 'shardRows';
  expectInteger(fn, 'n', n, 1, Number.MAX_SAFE_INTEGER);
  expectInteger(fn, 'count', count, 1, Number.MAX_SAFE_INTEGER);
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new InvalidArgumentError(fn, 'index', index, `an integer in [0, count = ${count})`);
  }
  const firstRow = rowBoundary(n, index, count);
  return { firstRow, rows: rowBoundary(n, index + 1, count) - firstRow };
}

/** `⌊i·n/k⌋` without rounding error for any safe integers (the product may pass 2^53). */
function rowBoundary(n: number, i: number, k: number): number {
  return Number((BigInt(i) * BigInt(n)) / BigInt(k));
}
