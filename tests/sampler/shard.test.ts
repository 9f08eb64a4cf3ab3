// Sharding a run across processes (issue 13): shardRows splits n rows like the worker threads do, and a run with
// firstRow computes exactly those rows of the single-process run, bit for bit, on any number of workers and chunks.
import { InvalidArgumentError } from '@sgmkit/tensor';
import { cldGaussianScore, ringMixture } from '@sgmkit/score';
import { sampleCLD, sampleDDPM, shardRows } from '@sgmkit/sampler';
import { expectArgumentError } from '../helpers/errors';

function rowsOf(samples: { data: ArrayLike<number>; offset: number }, from: number, to: number, d: number): number[] {
  return Array.from(samples.data as Float64Array).slice(samples.offset + from * d, samples.offset + to * d);
}

describe('shardRows', () => {
  test('the shards of n rows are contiguous, in order, cover every row once and differ in size by at most one', () => {
    for (const [n, k] of [
      [1, 1],
      [10, 3],
      [1001, 7],
      [5, 5],
      [3, 8],
      [2 ** 52 + 3, 64],
    ] as const) {
      let next = 0;
      const sizes: number[] = [];
      for (let i = 0; i < k; i++) {
        const { firstRow, rows } = shardRows(n, i, k);
        expect(firstRow).toBe(next);
        next = firstRow + rows;
        sizes.push(rows);
      }
      expect(next).toBe(n);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  test('bad arguments name themselves', () => {
    expectArgumentError(() => shardRows(0, 0, 1), InvalidArgumentError, 'n');
    expectArgumentError(() => shardRows(10, 0, 0), InvalidArgumentError, 'count');
    expectArgumentError(() => shardRows(10, 3, 3), InvalidArgumentError, 'index');
    expectArgumentError(() => shardRows(10, -1, 3), InvalidArgumentError, 'index');
    expectArgumentError(() => shardRows(10, 0.5, 3), InvalidArgumentError, 'index');
  });
});

describe('firstRow: one shard of a run', () => {
  const n = 1003;
  const k = 4;

  test('DDPM shards (on 1 or 2 workers, chunked) concatenate to the single-process run, bit for bit', async () => {
    const options = { T: 6, steps: 40, seed: 17, method: 'euler-maruyama' as const };
    const whole = await sampleDDPM(ringMixture(), { ...options, n });
    for (let i = 0; i < k; i++) {
      const { firstRow, rows } = shardRows(n, i, k);
      const shard = await sampleDDPM(ringMixture(), {
        ...options,
        n: rows,
        firstRow,
        workers: i % 2 === 0 ? 1 : 2,
        chunkSize: 97,
      });
      expect(rowsOf(shard.samples, 0, rows, 2)).toEqual(rowsOf(whole.samples, firstRow, firstRow + rows, 2));
    }
  });

  test('CLD shards with velocities and a corrector: the same rows and velocities as the whole run', async () => {
    const score = cldGaussianScore({
      mean: [1, -1],
      covariance: [
        [1, 0.3],
        [0.3, 0.5],
      ],
    });
    const options = {
      T: 4,
      steps: 30,
      seed: 5,
      method: 'sscs' as const,
      returnVelocities: true,
      corrector: { steps: 1, stepSize: 0.05 },
    };
    const whole = await sampleCLD(score, { ...options, n });
    const { firstRow, rows } = shardRows(n, 2, k);
    const shard = await sampleCLD(score, { ...options, n: rows, firstRow, workers: 2 });
    expect(rowsOf(shard.samples, 0, rows, 2)).toEqual(rowsOf(whole.samples, firstRow, firstRow + rows, 2));
    expect(rowsOf(shard.velocities!, 0, rows, 2)).toEqual(rowsOf(whole.velocities!, firstRow, firstRow + rows, 2));
  });

  test('a different firstRow gives other particles; callbacks see global rows', async () => {
    const seen: number[] = [];
    const a = await sampleDDPM(ringMixture(), { T: 5, steps: 10, seed: 1, n: 10, firstRow: 0 });
    const b = await sampleDDPM(ringMixture(), {
      T: 5,
      steps: 10,
      seed: 1,
      n: 10,
      firstRow: 10,
      callback: (info) => seen.push(info.firstRow),
    });
    expect(rowsOf(a.samples, 0, 1, 2)).not.toEqual(rowsOf(b.samples, 0, 1, 2));
    expect(new Set(seen)).toEqual(new Set([10]));
  });

  test('firstRow must be an integer that keeps every row addressable (rows are unsigned 32-bit), checked up front', async () => {
    for (const firstRow of [-1, 0.5, NaN, 2 ** 32 - 9, 2 ** 33, Number.MAX_SAFE_INTEGER]) {
      for (const workers of [1, 2]) {
        await expect(sampleDDPM(ringMixture(), { T: 5, steps: 10, seed: 1, n: 10, firstRow, workers })).rejects.toThrow(
          /sampleDDPM: argument 'options\.firstRow'/,
        );
      }
    }
    // the last ten addressable rows, on one thread and on two
    const last = { T: 5, steps: 10, seed: 1, n: 10, firstRow: 2 ** 32 - 10 };
    const one = await sampleDDPM(ringMixture(), last);
    const two = await sampleDDPM(ringMixture(), { ...last, workers: 2 });
    expect(rowsOf(two.samples, 0, 10, 2)).toEqual(rowsOf(one.samples, 0, 10, 2));
  });
});
