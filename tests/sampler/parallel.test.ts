import { availableParallelism } from 'node:os';
import { AbortedError, NonFiniteValueError, SgmkitError } from '@sgmkit/tensor';
import {
  gaussianScore,
  gaussianMixtureScore,
  ringMixture,
  cldGaussianScore,
  biasedScore,
  createScoreNetwork,
  ScoreNetwork,
} from '@sgmkit/score';
import type { CLDScore, Score, ScoreSpec } from '@sgmkit/score';
import {
  sampleDDPM,
  sampleCLD,
  DDPM_METHODS,
  AUTO_WORKERS_MIN_PARTICLES,
  getWorkerBackend,
  setWorkerBackend,
  webWorkerBackend,
} from '@sgmkit/sampler';
import type { WorkerBackend } from '@sgmkit/sampler';
import { nodeWorkerBackend } from '@sgmkit/sampler/node';
import { values } from './samplers-helpers';

// Worker threads run packages/sampler/dist/node/pool-worker.js (tests run against dist; importing
// @sgmkit/sampler in Node installs the worker_threads backend).
const gaussian = gaussianScore({
  mean: [1, -2],
  covariance: [
    [1, 0.6],
    [0.6, 2],
  ],
});

describe('workers: bit-identical to one thread, whatever the worker count, batch size or chunking', () => {
  test('DDPM, every method with a corrector, 1 vs 2 vs 3 workers, chunk sizes, and the first half of the batch alone', async () => {
    for (const method of DDPM_METHODS) {
      const base = { T: 3, steps: 10, seed: 21, method, corrector: { steps: 1, stepSize: 0.02 } } as const;
      const one = await sampleDDPM(gaussian, { ...base, n: 1001 });
      const two = await sampleDDPM(gaussian, { ...base, n: 1001, workers: 2 });
      const three = await sampleDDPM(gaussian, { ...base, n: 1001, workers: 3, chunkSize: 97 });
      const half = await sampleDDPM(gaussian, { ...base, n: 500, workers: 2, chunkSize: 64 });
      expect(values(two.samples)).toEqual(values(one.samples));
      expect(values(three.samples)).toEqual(values(one.samples));
      expect(values(half.samples)).toEqual(values(one.samples).slice(0, 1000));
      expect(two.scoreEvaluations).toBe(one.scoreEvaluations);
    }
  });

  test('the 8-mode mixture score in float32 and float64', async () => {
    const score = ringMixture();
    for (const dtype of ['float64', 'float32'] as const) {
      const base = { T: 5, steps: 20, seed: 3, n: 777, dtype };
      const one = await sampleDDPM(score, { ...base, chunkSize: 100 });
      const two = await sampleDDPM(score, { ...base, workers: 2 });
      expect(values(two.samples)).toEqual(values(one.samples));
      expect(two.samples.data).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
    }
  });

  test('a biased score (nested spec) and user-supplied initial points', async () => {
    const score = biasedScore(gaussian, [0.3, -0.1]);
    const init = (await sampleDDPM(gaussian, { T: 1, steps: 2, n: 301, seed: 9 })).samples;
    const one = await sampleDDPM(score, { T: 2, steps: 8, seed: 4, init });
    const two = await sampleDDPM(score, { T: 2, steps: 8, seed: 4, init, workers: 2 });
    expect(values(two.samples)).toEqual(values(one.samples));
  });

  test('CLD, every method, positions and velocities', async () => {
    const score = cldGaussianScore({
      mean: [0.5, 1],
      covariance: [
        [0.5, 0.1],
        [0.1, 1],
      ],
      initialVelocityVariance: 0.04,
    });
    for (const method of ['exponential-integrator', 'euler-maruyama', 'sscs'] as const) {
      const base = {
        T: 2,
        steps: 10,
        seed: 8,
        method,
        returnVelocities: true,
        corrector: { steps: 1, stepSize: 0.01 },
      } as const;
      const one = await sampleCLD(score, { ...base, n: 501 });
      const three = await sampleCLD(score, { ...base, n: 501, workers: 3, chunkSize: 50 });
      expect(values(three.samples)).toEqual(values(one.samples));
      expect(values(three.velocities!)).toEqual(values(one.velocities!));
    }
  });

  test("workers: 'auto' shards large batches of spec'd scores and keeps the samples", async () => {
    const base = { T: 1, steps: 3, n: 20_000, seed: 2 };
    const one = await sampleDDPM(gaussian, base);
    const auto = await sampleDDPM(gaussian, { ...base, workers: 'auto' });
    // it used worker threads when the machine has more than one core
    expect(Object.prototype.toString.call(auto.samples.data.buffer)).toBe(
      availableParallelism() > 1 ? '[object SharedArrayBuffer]' : '[object ArrayBuffer]',
    );
    expect(values(auto.samples)).toEqual(values(one.samples));
    // a score without spec, or a small batch, stays on the calling thread
    const noSpec = { kind: 'ou' as const, dim: 2, evaluate: gaussian.evaluate.bind(gaussian) };
    const local = await sampleDDPM(noSpec, { ...base, workers: 'auto' });
    expect(Object.prototype.toString.call(local.samples.data.buffer)).toBe('[object ArrayBuffer]');
    expect(values(local.samples)).toEqual(values(one.samples));
    const small = await sampleDDPM(gaussian, { ...base, n: 100, workers: 'auto' });
    expect(Object.prototype.toString.call(small.samples.data.buffer)).toBe('[object ArrayBuffer]');
  });

  test('more workers than particles', async () => {
    const one = await sampleDDPM(gaussian, { T: 1, steps: 3, n: 2, seed: 1 });
    const many = await sampleDDPM(gaussian, { T: 1, steps: 3, n: 2, seed: 1, workers: 5 });
    expect(values(many.samples)).toEqual(values(one.samples));
  });
});

/** `score` behind a `spec` getter that counts its reads (a ScoreNetwork's getter serialises the weights on every read). */
function countingSpecReads<S extends Score | CLDScore>(
  score: S,
  spec: () => ScoreSpec | undefined = () => score.spec,
): { score: S; reads: () => number } {
  let reads = 0;
  const counting = Object.create(score, {
    spec: {
      get: () => {
        reads++;
        return spec();
      },
    },
  }) as S;
  return { score: counting, reads: () => reads };
}

describe('score.spec is read at most once per sample() call', () => {
  const network = createScoreNetwork({ dim: 2, hiddenWidths: [8], timeFrequencyCount: 2, seed: 5 });
  const base = { T: 1, steps: 2, seed: 6 };

  test('a learned network with workers: 2 is read once, and gives the one-thread samples', async () => {
    const one = await sampleDDPM(network, { ...base, n: 50 });
    const counted = countingSpecReads(network);
    const two = await sampleDDPM(counted.score, { ...base, n: 50, workers: 2 });
    expect(counted.reads()).toBe(1);
    expect(values(two.samples)).toEqual(values(one.samples));
  });

  test('a ScoreNetwork itself travels to workers as its raw weights: its spec is never serialised', async () => {
    const one = await sampleDDPM(network, { ...base, n: 50 });
    const original = Object.getOwnPropertyDescriptor(ScoreNetwork.prototype, 'spec')!;
    let reads = 0;
    Object.defineProperty(ScoreNetwork.prototype, 'spec', {
      ...original,
      get() {
        reads++;
        return original.get!.call(this);
      },
    });
    try {
      const two = await sampleDDPM(network, { ...base, n: 50, workers: 2 });
      expect(reads).toBe(0);
      expect(two.workers).toBe(2);
      expect(values(two.samples)).toEqual(values(one.samples));
      // float32 and a normalised network (the data-space map travels too)
      const net32 = createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 5, dtype: 'float32' });
      const normalised = new ScoreNetwork(network.architecture, network.parameters, 'float64', {
        normalization: { kind: 'affine', mean: Float64Array.of(1, -1), scale: Float64Array.of(2, 0.5) },
      });
      for (const score of [net32, normalised]) {
        expect(values((await sampleDDPM(score, { ...base, n: 30, workers: 3 })).samples)).toEqual(
          values((await sampleDDPM(score, { ...base, n: 30 })).samples),
        );
      }
      expect(reads).toBe(0);
    } finally {
      Object.defineProperty(ScoreNetwork.prototype, 'spec', original);
    }
  });

  test('a CLD score with workers: 2 is read once', async () => {
    const counted = countingSpecReads(cldGaussianScore({ mean: [0.5], covariance: [[0.5]] }));
    await sampleCLD(counted.score, { ...base, n: 20, workers: 2 });
    expect(counted.reads()).toBe(1);
  });

  test('workers: 2 on a score without spec reads it once to report it', async () => {
    const counted = countingSpecReads(network, () => undefined);
    await expect(sampleDDPM(counted.score, { ...base, n: 10, workers: 2 })).rejects.toThrow(/argument 'score.spec'/);
    expect(counted.reads()).toBe(1);
  });

  test('on the calling thread (workers omitted or 1) it is not read', async () => {
    const counted = countingSpecReads(network);
    await sampleDDPM(counted.score, { ...base, n: 10 });
    await sampleDDPM(counted.score, { ...base, n: 10, workers: 1 });
    expect(counted.reads()).toBe(0);
  });

  test("workers: 'auto' decides from n and the callback before reading it", async () => {
    const counted = countingSpecReads(network);
    await sampleDDPM(counted.score, { ...base, n: AUTO_WORKERS_MIN_PARTICLES - 1, workers: 'auto' });
    await sampleDDPM(counted.score, { ...base, n: AUTO_WORKERS_MIN_PARTICLES, workers: 'auto', callback: () => {} });
    expect(counted.reads()).toBe(0);
    // a batch large enough for threads: read once when there is more than one core to use
    await sampleDDPM(counted.score, { ...base, n: AUTO_WORKERS_MIN_PARTICLES, workers: 'auto' });
    expect(counted.reads()).toBe(availableParallelism() > 1 ? 1 : 0);
  });
});

describe('worker failures', () => {
  test('a non-finite score inside a worker rejects with NonFiniteValueError naming the step and time', async () => {
    // started at 1e307 with data variance 1e-12, the score -(y - m_t)/v_t (v_t ≈ 2t ≈ 0.02 at t = 0.01) overflows to -Infinity
    const narrow = gaussianScore({ mean: [0], covariance: [[1e-12]] });
    const init = { data: new Float64Array(100).fill(1e307), shape: [100, 1], stride: [1, 1], offset: 0 };
    const run = sampleDDPM(narrow, { T: 0.01, steps: 2, seed: 1, init, workers: 2 });
    await expect(run).rejects.toThrow(NonFiniteValueError);
    await expect(run).rejects.toThrow(
      /returned a non-finite value \(-Infinity\) at step 0, forward time t = 0.01, particle \d+/,
    );
  });

  test('a spec the worker cannot rebuild is reported, not swallowed', async () => {
    const fake: Score = {
      ...gaussian,
      kind: 'ou',
      dim: 2,
      evaluate: (t, x, out) => gaussian.evaluate(t, x, out),
      spec: { type: 'no-such-score' },
    };
    await expect(sampleDDPM(fake, { T: 1, steps: 2, n: 10, seed: 1, workers: 2 })).rejects.toThrow(SgmkitError);
    await expect(sampleDDPM(fake, { T: 1, steps: 2, n: 10, seed: 1, workers: 2 })).rejects.toThrow(
      /sampler worker \d: InvalidArgumentError: .*no-such-score/,
    );
  });

  test('aborting stops the workers', async () => {
    const controller = new AbortController();
    const mixture = gaussianMixtureScore({
      weights: [0.5, 0.5],
      means: [
        [-2, 0],
        [2, 0],
      ],
      covariances: [0.25, 0.25],
    });
    setTimeout(() => controller.abort(), 100);
    await expect(
      sampleDDPM(mixture, { T: 10, steps: 100000, n: 2000, seed: 1, workers: 2, signal: controller.signal }),
    ).rejects.toThrow(AbortedError);
  });
});

/** `inner` with its `start` calls counted and `available()` forced. */
function countingBackend(inner: WorkerBackend, available = true): { backend: WorkerBackend; starts: () => number } {
  let starts = 0;
  const backend: WorkerBackend = {
    name: 'counting',
    available: () => available,
    parallelism: () => 3,
    start: (task, events) => {
      starts++;
      return inner.start(task, events);
    },
  };
  return { backend, starts: () => starts };
}

describe('worker backends', () => {
  const base = { T: 2, steps: 6, n: 301, seed: 12 };

  test('importing @sgmkit/sampler in Node installs the worker_threads backend', () => {
    expect(getWorkerBackend()?.name).toBe('worker_threads');
    expect(getWorkerBackend()?.available()).toBe(true);
  });

  test('options.backend runs the shards (one start per worker) and the samples equal one thread', async () => {
    const one = await sampleDDPM(gaussian, base);
    const counted = countingBackend(nodeWorkerBackend());
    const three = await sampleDDPM(gaussian, { ...base, workers: 3, backend: counted.backend });
    expect(counted.starts()).toBe(3);
    expect(three.workers).toBe(3);
    expect(one.workers).toBe(1);
    expect(values(three.samples)).toEqual(values(one.samples));
    // 'auto' asks the backend how many threads to use
    const auto = countingBackend(nodeWorkerBackend());
    const big = { ...base, n: AUTO_WORKERS_MIN_PARTICLES, steps: 2 };
    const autoRun = await sampleDDPM(gaussian, { ...big, workers: 'auto', backend: auto.backend });
    expect([autoRun.workers, auto.starts()]).toEqual([3, 3]);
    expect(values(autoRun.samples)).toEqual(values((await sampleDDPM(gaussian, big)).samples));
  });

  test('a backend that is not available (a page without cross-origin isolation) leaves the run on the calling thread', async () => {
    const one = await sampleCLD(cldGaussianScore({ mean: [0.5], covariance: [[0.5]] }), base);
    const counted = countingBackend(nodeWorkerBackend(), false);
    const run = await sampleCLD(cldGaussianScore({ mean: [0.5], covariance: [[0.5]] }), {
      ...base,
      workers: 2,
      backend: counted.backend,
    });
    expect([run.workers, counted.starts()]).toEqual([1, 0]);
    expect(Object.prototype.toString.call(run.samples.data.buffer)).toBe('[object ArrayBuffer]');
    expect(values(run.samples)).toEqual(values(one.samples));
  });

  test('without any backend installed, workers: 2 runs on the calling thread with the same samples', async () => {
    const installed = getWorkerBackend();
    setWorkerBackend(undefined);
    try {
      const run = await sampleDDPM(gaussian, { ...base, workers: 2 });
      expect(run.workers).toBe(1);
      setWorkerBackend(installed);
      expect(values(run.samples)).toEqual(values((await sampleDDPM(gaussian, { ...base, workers: 2 })).samples));
    } finally {
      setWorkerBackend(installed);
    }
  });

  test('the Web Worker backend is unavailable where there is no cross-origin isolation (Node)', async () => {
    const web = webWorkerBackend({ url: 'https://example.invalid/worker.js' });
    expect(web.available()).toBe(false);
    const run = await sampleDDPM(gaussian, { ...base, workers: 2, backend: web });
    expect(run.workers).toBe(1);
  });

  test('a worker that cannot start, or dies without a result, rejects with a worker error', async () => {
    const throwing: WorkerBackend = {
      name: 'throwing',
      available: () => true,
      parallelism: () => 2,
      start: () => {
        throw new Error('no threads here');
      },
    };
    await expect(sampleDDPM(gaussian, { ...base, workers: 2, backend: throwing })).rejects.toThrow(
      /sampler worker 0 could not start: no threads here/,
    );
    const dying: WorkerBackend = {
      name: 'dying',
      available: () => true,
      parallelism: () => 2,
      start: (_task, events) => {
        setTimeout(() => events.failure('crashed: out of memory'), 1);
        return { terminate: () => {} };
      },
    };
    await expect(sampleDDPM(gaussian, { ...base, workers: 2, backend: dying })).rejects.toThrow(
      /sampler worker \d crashed: out of memory/,
    );
  });

  test('bad backends are refused with a typed error naming the argument', async () => {
    await expect(sampleDDPM(gaussian, { ...base, backend: {} as WorkerBackend })).rejects.toThrow(
      /sampleDDPM: argument 'options.backend' must be a WorkerBackend/,
    );
    expect(() => setWorkerBackend({ name: 'x' } as unknown as WorkerBackend)).toThrow(
      /setWorkerBackend: argument 'backend' must be a WorkerBackend/,
    );
    expect(() => webWorkerBackend({})).toThrow(/webWorkerBackend: argument 'options.url' must be a string or URL/);
    expect(() => webWorkerBackend({ url: 'w.js', type: 'shared' as 'module' })).toThrow(/argument 'options.type'/);
    expect(() => webWorkerBackend({ create: 3 as unknown as () => never })).toThrow(/argument 'options.create'/);
  });
});
