// The point-cloud score's GEMM path (d >= 4) on workers: same seed, same bits, for 1, 2 and 3 threads.
import { RandomStream } from '@sgmkit/tensor';
import { pointCloudScore } from '@sgmkit/score';
import { sampleDDPM } from '@sgmkit/sampler';

test('sampleDDPM with a 12-D point cloud (GEMM path) is bit-identical on 1, 2 and 3 workers', async () => {
  const rng = new RandomStream(3);
  const cloud = Array.from({ length: 300 }, () => Array.from({ length: 12 }, () => rng.normal()));
  const score = pointCloudScore(cloud);
  expect(score.path).toBe('gemm');
  const options = { T: 4, steps: 30, n: 257, seed: 9, delta: 1e-2 };
  const runs = await Promise.all([1, 2, 3].map((workers) => sampleDDPM(score, { ...options, workers })));
  expect(runs.map((r) => r.workers)).toEqual([1, 2, 3]);
  for (const run of runs.slice(1))
    expect(run.samples.data.every((v, k) => Object.is(v, runs[0]!.samples.data[k]))).toBe(true);
  expect(runs[0]!.samples.data.every(Number.isFinite)).toBe(true);
}, 60_000);
