// Faults (issue 14): an AbortSignal fired at a random step, a callback that throws, 20 concurrent runs (some of them
// aborted or failing), an n whose memory cannot be allocated, training aborted mid-run. Each gives a typed error
// (or the caller's own error, unchanged), leaves no worker busy, never touches the caller's initial points, and
// leaves every other run's samples bit-identical to the same run alone.
import { AbortedError, AllocationError, RandomStream, batch } from '@sgmkit/tensor';
import { cldGaussianScore, createScoreNetwork, gaussianMixtureScore, trainDenoisingScoreMatching } from '@sgmkit/score';
import { sampleCLD, sampleDDPM } from '@sgmkit/sampler';
import { WorkerPool, nodeWorkerBackend } from '@sgmkit/sampler/node';
import { values } from './samplers-helpers';

const mixture = gaussianMixtureScore({
  weights: [0.4, 0.6],
  means: [
    [1, -1],
    [-2, 0.5],
  ],
  covariances: [0.3, 0.5],
});
const cld = cldGaussianScore({
  mean: [0.5, -1],
  covariance: [
    [1, 0.2],
    [0.2, 0.6],
  ],
});
const STEPS = 40;

/** Seeded "random" step in [1, STEPS − 1] for fault number `i`. */
function faultStep(i: number): number {
  return 1 + Math.floor(new RandomStream(1000 + i).uniform() * (STEPS - 1));
}

function initialPoints(n: number, seed: number): ReturnType<typeof batch> {
  const init = batch(n, 2);
  new RandomStream(seed).fillNormal(init.data);
  return init;
}

describe('faults in sampling runs', () => {
  test('an AbortSignal fired at a random step: AbortedError, the initial points untouched', async () => {
    for (let i = 0; i < 6; i++) {
      const init = initialPoints(50, i);
      const before = Array.from(init.data);
      const controller = new AbortController();
      const abortAt = faultStep(i);
      const run =
        i % 2 === 0
          ? sampleDDPM(mixture, {
              T: 4,
              steps: STEPS,
              seed: i,
              init,
              signal: controller.signal,
              callback: ({ step }) => step + 1 === abortAt && controller.abort(),
            })
          : sampleCLD(cld, {
              T: 4,
              steps: STEPS,
              seed: i,
              init: { positions: init },
              signal: controller.signal,
              callback: ({ step }) => step + 1 === abortAt && controller.abort(),
            });
      await expect(run).rejects.toThrow(AbortedError);
      expect(Array.from(init.data)).toEqual(before);
    }
  });

  test('a callback that throws at a random step: the run rejects with that very error; the next run is unharmed', async () => {
    const failure = new Error('the caller gave up');
    const init = initialPoints(30, 7);
    const before = Array.from(init.data);
    const throwAt = faultStep(7);
    await expect(
      sampleDDPM(mixture, {
        T: 4,
        steps: STEPS,
        seed: 3,
        init,
        callback: ({ step }) => {
          if (step + 1 === throwAt) throw failure;
        },
      }),
    ).rejects.toBe(failure);
    await expect(
      sampleCLD(cld, {
        T: 4,
        steps: STEPS,
        seed: 3,
        init: { positions: init },
        callback: ({ step }) => {
          if (step === throwAt) throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(Array.from(init.data)).toEqual(before);
    const again = await sampleDDPM(mixture, { T: 4, steps: STEPS, seed: 3, init });
    const fresh = await sampleDDPM(mixture, { T: 4, steps: STEPS, seed: 3, init: initialPoints(30, 7) });
    expect(values(again.samples)).toEqual(values(fresh.samples));
  });

  test('20 concurrent runs on one pool, 5 aborted at random moments and 3 failing: the others are bit-identical to running alone, no worker stays busy', async () => {
    const pool = new WorkerPool();
    const backend = nodeWorkerBackend(pool);
    try {
      const plans = Array.from({ length: 20 }, (_, i) => ({
        seed: i + 1,
        workers: 1 + (i % 3),
        sampler: i % 4 === 3 ? 'cld' : 'ddpm',
        fault: i % 4 === 1 ? 'abort' : i % 4 === 2 && i < 12 ? 'fail' : 'none',
      }));
      const started = plans.map((plan, i) => {
        const controller = new AbortController();
        const options = {
          T: 4,
          steps: STEPS,
          n: 400,
          seed: plan.seed,
          workers: plan.workers,
          backend,
          signal: controller.signal,
        };
        // an abort at a random fraction of the run, heard through the workers' progress counters
        const abortAt = faultStep(i) / STEPS;
        const onProgress =
          plan.fault === 'abort' ? (fraction: number) => fraction >= abortAt && controller.abort() : undefined;
        if (plan.fault === 'fail')
          return sampleDDPM(mixture, {
            ...options,
            workers: 1,
            callback: ({ step }) => {
              if (step === faultStep(i)) throw new RangeError(`run ${i} fails`);
            },
          });
        return plan.sampler === 'cld'
          ? sampleCLD(cld, { ...options, onProgress })
          : sampleDDPM(mixture, { ...options, onProgress });
      });
      const settled = await Promise.allSettled(started);
      let aborted = 0;
      let failed = 0;
      for (const [i, outcome] of settled.entries()) {
        const plan = plans[i]!;
        if (plan.fault === 'abort') {
          // an abort may land after the last step: then the run completes, and must be right
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toBeInstanceOf(AbortedError);
            aborted++;
            continue;
          }
        }
        if (plan.fault === 'fail') {
          expect(outcome.status).toBe('rejected');
          expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
          failed++;
          continue;
        }
        expect(outcome.status).toBe('fulfilled');
        const alone =
          plan.sampler === 'cld'
            ? await sampleCLD(cld, { T: 4, steps: STEPS, n: 400, seed: plan.seed })
            : await sampleDDPM(mixture, { T: 4, steps: STEPS, n: 400, seed: plan.seed });
        expect(
          values((outcome as PromiseFulfilledResult<Awaited<ReturnType<typeof sampleDDPM>>>).value.samples),
        ).toEqual(values(alone.samples));
      }
      expect([plans.filter((p) => p.fault === 'abort').length, failed]).toEqual([5, 3]);
      expect(aborted).toBeGreaterThan(0);
      expect(pool.idleCount).toBe(pool.size);
    } finally {
      await pool.dispose();
    }
  });

  test('an n whose memory cannot be allocated: AllocationError naming options.n, before any work, and no worker started', async () => {
    const pool = new WorkerPool();
    const backend = nodeWorkerBackend(pool);
    try {
      for (const workers of [1, 2]) {
        const ddpm = sampleDDPM(mixture, { T: 4, steps: STEPS, n: 0xffffffff, seed: 1, workers, backend });
        await expect(ddpm).rejects.toThrow(AllocationError);
        await expect(ddpm).rejects.toMatchObject({
          argument: 'options.n',
          value: 0xffffffff,
          code: 'ERR_ALLOCATION',
          bytes: 0xffffffff * 2 * 8,
        });
        await expect(sampleCLD(cld, { T: 4, steps: STEPS, n: 0xffffffff, seed: 1, workers, backend })).rejects.toThrow(
          /sampleCLD: argument 'options\.n' must be a size whose 68719476720 bytes/,
        );
      }
      expect(pool.size).toBe(0);
    } finally {
      await pool.dispose();
    }
  });
});

describe('faults in training', () => {
  test('training aborted at a random step: AbortedError; the network holds the weights of the last step taken, as documented', () => {
    const data = batch(64, 2);
    new RandomStream(3).fillNormal(data.data);
    const abortAt = faultStep(11);
    const controller = new AbortController();
    const network = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
    expect(() =>
      trainDenoisingScoreMatching(network, data, {
        steps: STEPS,
        batchSize: 32,
        seed: 5,
        signal: controller.signal,
        onStep: ({ step }) => step === abortAt && controller.abort(),
      }),
    ).toThrow(AbortedError);
    const reference = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
    trainDenoisingScoreMatching(reference, data, { steps: abortAt, batchSize: 32, seed: 5 });
    expect(Array.from(network.parameters)).toEqual(Array.from(reference.parameters));
  });
});
