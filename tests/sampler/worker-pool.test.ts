// The persistent worker pool: runs reuse the same threads (sampling and training alike) and stay
// bit-identical to one thread before and after reuse; progress comes from shared counters; custom
// score types load in workers; a worker that dies, throws or returns NaN gives a typed error, no
// hang, and leaves the pool usable; idle workers never keep the process alive.
import { spawnSync } from 'node:child_process';
import { NonFiniteValueError, RandomStream, SgmkitError, batch } from '@sgmkit/tensor';
import {
  createScoreNetwork,
  gaussianMixtureScore,
  trainDenoisingScoreMatching,
  type TrainingOptions,
} from '@sgmkit/score';
import { sampleDDPM, sampleCLD } from '@sgmkit/sampler';
import {
  WorkerPool,
  defaultWorkerPool,
  nodeWorkerBackend,
  trainDenoisingScoreMatchingOnWorkers,
} from '@sgmkit/sampler/node';
import { cldGaussianScore } from '@sgmkit/score';
import { testFaultyScore, testShrinkScore } from './fixtures/custom-scores.mjs';
import { values } from './samplers-helpers';

const mixture = gaussianMixtureScore({
  weights: [0.3, 0.7],
  means: [
    [1, -1],
    [-2, 0.5],
  ],
  covariances: [
    [
      [0.5, 0.1],
      [0.1, 0.4],
    ],
    [
      [0.3, 0],
      [0, 0.6],
    ],
  ],
});
const base = { T: 4, steps: 12, seed: 17, n: 601 } as const;

describe('a pool reused across calls', () => {
  test('same seed, same bits: 1, 2, 3 workers, before and after reuse, sampling and training interleaved', async () => {
    const pool = new WorkerPool();
    const backend = nodeWorkerBackend(pool);
    try {
      const one = values((await sampleDDPM(mixture, base)).samples);
      const data = batch(200, 3);
      new RandomStream(4).fillNormal(data.data);
      const options: TrainingOptions = { steps: 5, batchSize: 96, seed: 2, emaDecay: 0.9 };
      const reference = createScoreNetwork({ dim: 3, hiddenWidths: [16], seed: 5 });
      trainDenoisingScoreMatching(reference, data, options);
      for (let round = 0; round < 2; round++) {
        for (const workers of [2, 3]) {
          const run = await sampleDDPM(mixture, { ...base, workers, backend });
          expect(run.workers).toBe(workers);
          expect(values(run.samples)).toEqual(one);
        }
        const trained = createScoreNetwork({ dim: 3, hiddenWidths: [16], seed: 5 });
        await trainDenoisingScoreMatchingOnWorkers(trained, data, { ...options, workers: 3, pool });
        expect(Array.from(trained.parameters)).toEqual(Array.from(reference.parameters));
        // Every thread is back, idle; no run started more threads than it used at once.
        expect(pool.size).toBe(3);
        expect(pool.idleCount).toBe(3);
      }
    } finally {
      await pool.dispose();
    }
    expect(pool.size).toBe(0);
    // A disposed pool starts threads again on demand.
    const again = await sampleDDPM(mixture, { ...base, workers: 2, backend });
    expect(values(again.samples)).toEqual(values((await sampleDDPM(mixture, base)).samples));
    await pool.dispose();
  });

  test('8 concurrent calls on 2 workers each: every call gets its own threads and the one-thread samples', async () => {
    const pool = new WorkerPool();
    const backend = nodeWorkerBackend(pool);
    try {
      const seeds = Array.from({ length: 8 }, (_, i) => i + 1);
      const runs = await Promise.all(
        seeds.map((seed) => sampleDDPM(mixture, { ...base, n: 200, seed, workers: 2, backend })),
      );
      for (const [i, run] of runs.entries()) {
        expect(values(run.samples)).toEqual(
          values((await sampleDDPM(mixture, { ...base, n: 200, seed: seeds[i]! })).samples),
        );
      }
      expect(pool.size).toBeLessThanOrEqual(16);
      expect(pool.idleCount).toBe(pool.size);
    } finally {
      await pool.dispose();
    }
  });

  test('a learned network samples bit-identically on pooled workers, call after call', async () => {
    const network = createScoreNetwork({ dim: 4, hiddenWidths: [32, 32], seed: 3 });
    const one = values((await sampleDDPM(network, { ...base, n: 300 })).samples);
    for (let call = 0; call < 2; call++) {
      expect(values((await sampleDDPM(network, { ...base, n: 300, workers: 2 })).samples)).toEqual(one);
    }
  });

  test('progress: the workers count every step in shared memory (the last report is exactly 1), samples unchanged', async () => {
    for (const workers of [1, 3]) {
      const reports: number[] = [];
      const run = await sampleDDPM(mixture, { ...base, chunkSize: 100, workers, onProgress: (f) => reports.push(f) });
      expect(values(run.samples)).toEqual(values((await sampleDDPM(mixture, base)).samples));
      expect(reports.at(-1)).toBe(1);
      for (let i = 1; i < reports.length; i++) expect(reports[i]!).toBeGreaterThanOrEqual(reports[i - 1]!);
      if (workers === 1) expect(reports).toHaveLength(Math.ceil(601 / 100) * 12); // one report per chunk and step
    }
    const cld = cldGaussianScore({ mean: [0.5], covariance: [[0.5]] });
    const reports: number[] = [];
    await sampleCLD(cld, { T: 2, steps: 8, seed: 1, n: 50, workers: 2, onProgress: (f) => reports.push(f) });
    expect(reports.at(-1)).toBe(1);
    await expect(sampleDDPM(mixture, { ...base, onProgress: 3 as never })).rejects.toThrow(
      /argument 'options.onProgress' must be a function/,
    );
  });
});

describe('custom score types on workers', () => {
  test('a type registered with its module runs on workers, bit-identical to one thread', async () => {
    const score = testShrinkScore(3, 0.25);
    const run = { ...base, steps: 200, n: 400 };
    const one = await sampleDDPM(score, run);
    const two = await sampleDDPM(score, { ...run, workers: 2 });
    expect(two.workers).toBe(2);
    expect(values(two.samples)).toEqual(values(one.samples));
    // The workers did use the custom score: the samples have about the target's variance 0.25 (plus the last
    // step's noise e^{2h} − 1 = 0.04), far from the N(0, 1) that a score of the wrong law would leave.
    const variance = values(two.samples).reduce((a, v) => a + v * v, 0) / (400 * 3);
    expect(variance).toBeGreaterThan(0.2);
    expect(variance).toBeLessThan(0.4);
  });

  test('a spec type the workers cannot learn is a typed error', async () => {
    const unknown = { ...testShrinkScore(2, 1), spec: { type: 'test-never-registered', dim: 2 } };
    await expect(sampleDDPM(unknown, { ...base, workers: 2 })).rejects.toThrow(SgmkitError);
    await expect(sampleDDPM(unknown, { ...base, workers: 2 })).rejects.toThrow(/test-never-registered/);
  });
});

describe('faults on pooled workers', () => {
  test('a score that throws or returns NaN inside a worker: typed errors, and the pool still gives the same bits', async () => {
    const faulty = (mode: 'throw' | 'nan') => testFaultyScore(2, mode, 5);
    await expect(sampleDDPM(faulty('throw'), { ...base, workers: 2 })).rejects.toThrow(
      /sampler worker \d: RangeError: test-faulty: thrown on purpose/,
    );
    await expect(sampleDDPM(faulty('nan'), { ...base, workers: 2 })).rejects.toThrow(NonFiniteValueError);
    const one = values((await sampleDDPM(mixture, base)).samples);
    expect(values((await sampleDDPM(mixture, { ...base, workers: 2 })).samples)).toEqual(one);
  });

  test('a worker that exits mid-run: typed error, the dead thread leaves the pool, the next run works', async () => {
    const pool = new WorkerPool();
    const backend = nodeWorkerBackend(pool);
    try {
      await expect(sampleDDPM(testFaultyScore(2, 'exit', 5), { ...base, workers: 2, backend })).rejects.toThrow(
        /sampler worker \d exited with code 7/,
      );
      await new Promise((resolve) => setTimeout(resolve, 100)); // the 'exit' events of the stopped threads
      expect(pool.idleCount).toBeLessThanOrEqual(1);
      const one = values((await sampleDDPM(mixture, base)).samples);
      expect(values((await sampleDDPM(mixture, { ...base, workers: 2, backend })).samples)).toEqual(one);
    } finally {
      await pool.dispose();
    }
  });
});

// In a child process, so that a worker left running (or a wait that never ends) would keep it alive.
const script = `
import { createScoreNetwork, gaussianScore } from '@sgmkit/score';
import { sampleDDPM } from '@sgmkit/sampler';
import { WorkerPool, defaultWorkerPool, nodeWorkerBackend, trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';
import { RandomStream, batch } from '@sgmkit/tensor';
import { testFaultyScore, testTrapScore } from ${JSON.stringify(new URL('./fixtures/custom-scores.mjs', import.meta.url).href)};
const data = batch(300, 2);
new RandomStream(1).fillNormal(data.data);
const net = () => createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
const outcome = (p) => p.then((r) => 'ok', (e) => e.name + (e.code ? ':' + e.code : ''));
const results = [
  await outcome(sampleDDPM(gaussianScore({ mean: [0, 1], covariance: 1 }), { T: 2, steps: 5, n: 100, seed: 1, workers: 2 })),
  await outcome(sampleDDPM(testFaultyScore(2, 'exit', 2), { T: 2, steps: 5, n: 100, seed: 1, workers: 2 })),
  // The pool is disposed between two steps (the threads are killed): the next step fails, it does not wait.
  await outcome(trainDenoisingScoreMatchingOnWorkers(net(), data, { steps: 20, batchSize: 96, seed: 2, workers: 3,
    onStep: ({ step }) => { if (step === 3) void defaultWorkerPool.dispose(); } })),
  await outcome(trainDenoisingScoreMatchingOnWorkers(net(), data, { steps: 5, batchSize: 96, seed: 2, workers: 3 })),
];
// Both threads of a private pool arm a trap (see the fixture) that ends them in the middle of a gradient step,
// while the training thread waits for them: it must notice and fail, not wait forever.
const pool = new WorkerPool();
const trapped = net();
await sampleDDPM(testTrapScore(2, trapped.parameters.length), { T: 2, steps: 3, n: 20, seed: 1, workers: 2, backend: nodeWorkerBackend(pool) });
results.push(await outcome(trainDenoisingScoreMatchingOnWorkers(trapped, data, { steps: 5, batchSize: 96, seed: 2, workers: 3, pool })));
// The first thread to die ends the step; the other dies too, or, woken after the failure, leaves its session unharmed.
results.push(pool.size <= 1 ? 'pool ok' : 'pool size ' + pool.size);
console.log(results.join(','));
`;

test('after successes, a worker exit, a pool disposed mid-training and workers dying mid-step, the process exits by itself', () => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 40_000,
    cwd: new URL('..', import.meta.url).pathname,
  });
  expect(child.stderr).toBe('');
  expect(child.stdout.trim()).toBe(
    'ok,SgmkitError:ERR_WORKER,SgmkitError:ERR_WORKER,ok,SgmkitError:ERR_WORKER,pool ok',
  );
  expect(child.status).toBe(0);
});

test('the default pool is the one the installed backend uses', async () => {
  await sampleDDPM(mixture, { ...base, workers: 2 });
  expect(defaultWorkerPool.size).toBeGreaterThanOrEqual(2);
});
