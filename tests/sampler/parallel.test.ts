import { availableParallelism } from 'node:os';
import { AbortedError, NonFiniteValueError, SgmkitError } from '@sgmkit/tensor';
import { gaussianScore, gaussianMixtureScore, ringMixture, cldGaussianScore, biasedScore, createScoreNetwork } from '@sgmkit/score';
import type { CLDScore, Score, ScoreSpec } from '@sgmkit/score';
import { sampleDDPM, sampleCLD, DDPM_METHODS, AUTO_WORKERS_MIN_PARTICLES } from '@sgmkit/sampler';
import { values } from './samplers-helpers';

// Worker threads run packages/sampler/dist/parallel/worker.js (tests run against dist).
const gaussian = gaussianScore({ mean: [1, -2], covariance: [[1, 0.6], [0.6, 2]] });

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
    const score = cldGaussianScore({ mean: [0.5, 1], covariance: [[0.5, 0.1], [0.1, 1]], initialVelocityVariance: 0.04 });
    for (const method of ['exponential-integrator', 'euler-maruyama', 'sscs'] as const) {
      const base = { T: 2, steps: 10, seed: 8, method, returnVelocities: true, corrector: { steps: 1, stepSize: 0.01 } } as const;
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
    expect(Object.prototype.toString.call(auto.samples.data.buffer)).toBe(availableParallelism() > 1 ? '[object SharedArrayBuffer]' : '[object ArrayBuffer]');
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
function countingSpecReads<S extends Score | CLDScore>(score: S, spec: () => ScoreSpec | undefined = () => score.spec): { score: S; reads: () => number } {
  let reads = 0;
  const counting = Object.create(score, { spec: { get: () => { reads++; return spec(); } } }) as S;
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
    await expect(run).rejects.toThrow(/returned a non-finite value \(-Infinity\) at step 0, forward time t = 0.01, particle \d+/);
  });

  test('a spec the worker cannot rebuild is reported, not swallowed', async () => {
    const fake: Score = { ...gaussian, kind: 'ou', dim: 2, evaluate: (t, x, out) => gaussian.evaluate(t, x, out), spec: { type: 'no-such-score' } };
    await expect(sampleDDPM(fake, { T: 1, steps: 2, n: 10, seed: 1, workers: 2 })).rejects.toThrow(SgmkitError);
    await expect(sampleDDPM(fake, { T: 1, steps: 2, n: 10, seed: 1, workers: 2 })).rejects.toThrow(/sampler worker \d: InvalidArgumentError: .*no-such-score/);
  });

  test('aborting stops the workers', async () => {
    const controller = new AbortController();
    const mixture = gaussianMixtureScore({ weights: [0.5, 0.5], means: [[-2, 0], [2, 0]], covariances: [0.25, 0.25] });
    setTimeout(() => controller.abort(), 100);
    await expect(sampleDDPM(mixture, { T: 10, steps: 100000, n: 2000, seed: 1, workers: 2, signal: controller.signal })).rejects.toThrow(AbortedError);
  });
});
