// Data-parallel DSM training: the same seed gives bit-identical weights, losses and EMA for any
// number of threads, and the worker threads are gone when the promise settles (success, error, abort).
import { spawnSync } from 'node:child_process';
import { createScoreNetwork, trainDenoisingScoreMatching, type TrainingOptions } from '@sgmkit/score';
import { WorkerGradientEvaluator, trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';
import { InvalidArgumentError, RandomStream, SgmkitError, batch, setGemmBackend } from '@sgmkit/tensor';

const data = batch(300, 3);
new RandomStream(5).fillNormal(data.data);
const network = () => createScoreNetwork({ dim: 3, hiddenWidths: [24, 16], seed: 8 });
// B = 100: four micro-shards (one sum group), the last of 4 rows, so 3 threads get unequal ranges.
const options: TrainingOptions = { steps: 12, batchSize: 100, seed: 9, emaDecay: 0.9, learningRate: 3e-3 };
// B = 300: ten micro-shards in three sum groups (4, 4, 2): thread ranges start and end inside groups, so every case of
// the contract comes up (a group's piece summed in place, its later micro-shards handed over one by one, the calling
// thread's range ending inside group 0 or a later group).
const multiGroup: TrainingOptions = { ...options, batchSize: 300 };

const reference = network();
const referenceResult = trainDenoisingScoreMatching(reference, data, options);
const multiGroupReference = network();
const multiGroupResult = trainDenoisingScoreMatching(multiGroupReference, data, multiGroup);

test.each([
  [100, 1],
  [100, 2],
  [100, 3],
  [100, 4],
  [100, 8],
  [300, 2],
  [300, 3],
  [300, 4],
  [300, 7],
  [300, 10],
])(
  'B = %i, %i thread(s): bit-identical weights, EMA and losses to the in-process training',
  async (batchSize, workers) => {
    const [run, ref, refResult] =
      batchSize === 100 ? [options, reference, referenceResult] : [multiGroup, multiGroupReference, multiGroupResult];
    const trained = network();
    const result = await trainDenoisingScoreMatchingOnWorkers(trained, data, { ...run, workers });
    expect(Array.from(trained.parameters)).toEqual(Array.from(ref.parameters));
    expect(Array.from(result.ema!.parameters)).toEqual(Array.from(refResult.ema!.parameters));
    expect(Array.from(result.losses)).toEqual(Array.from(refResult.losses));
  },
);

test('a float32 network: 2 and 3 threads give the in-process float32 training bit for bit', async () => {
  const net32 = () => createScoreNetwork({ dim: 3, hiddenWidths: [24, 16], seed: 8, dtype: 'float32' });
  const single = net32();
  const singleResult = trainDenoisingScoreMatching(single, data, options);
  expect(Array.from(single.parameters)).not.toEqual(Array.from(reference.parameters)); // it did train in float32
  for (const workers of [2, 3]) {
    const trained = net32();
    const result = await trainDenoisingScoreMatchingOnWorkers(trained, data, { ...options, workers });
    expect(Array.from(trained.parameters)).toEqual(Array.from(single.parameters));
    expect(Array.from(result.losses)).toEqual(Array.from(singleResult.losses));
  }
  const singleMulti = net32();
  trainDenoisingScoreMatching(singleMulti, data, multiGroup);
  for (const workers of [2, 3]) {
    const trained = net32();
    await trainDenoisingScoreMatchingOnWorkers(trained, data, { ...multiGroup, workers });
    expect(Array.from(trained.parameters)).toEqual(Array.from(singleMulti.parameters));
  }
});

test.each(['float64', 'float32'] as const)(
  'on the scalar GEMM backend, a %s network: 2 and 3 threads give the in-process training bit for bit',
  async (dtype) => {
    setGemmBackend('scalar');
    try {
      const make = () => createScoreNetwork({ dim: 3, hiddenWidths: [24, 16], seed: 8, dtype });
      const single = make();
      const singleResult = trainDenoisingScoreMatching(single, data, options);
      for (const workers of [2, 3]) {
        const trained = make();
        const result = await trainDenoisingScoreMatchingOnWorkers(trained, data, { ...options, workers });
        expect(Array.from(trained.parameters)).toEqual(Array.from(single.parameters));
        expect(Array.from(result.losses)).toEqual(Array.from(singleResult.losses));
      }
      const singleMulti = make();
      trainDenoisingScoreMatching(singleMulti, data, multiGroup);
      for (const workers of [2, 3]) {
        const trained = make();
        await trainDenoisingScoreMatchingOnWorkers(trained, data, { ...multiGroup, workers });
        expect(Array.from(trained.parameters)).toEqual(Array.from(singleMulti.parameters));
      }
    } finally {
      setGemmBackend('auto');
    }
  },
);

test('a run uses at most one thread per micro-shard, and the evaluator checks its batch size and closes', async () => {
  const net = network();
  const evaluator = await WorkerGradientEvaluator.start(net, 40, 5);
  try {
    expect(evaluator.threads).toBe(2);
    const width = net.layouts[0]!.inDim;
    expect(() =>
      evaluator.lossAndGradient(
        new Float64Array(64 * width),
        new Float64Array(64 * 3),
        64,
        new Float64Array(net.parameters.length),
      ),
    ).toThrow(InvalidArgumentError);
  } finally {
    await evaluator.close();
  }
  expect(() => evaluator.lossAndGradient(new Float64Array(0), new Float64Array(0), 40, new Float64Array(0))).toThrow(
    SgmkitError,
  );
});

test('bad workers and a gradient evaluator are refused before any thread starts', async () => {
  for (const workers of [0, 2.5, 65, '2']) {
    await expect(
      trainDenoisingScoreMatchingOnWorkers(network(), data, { ...options, workers: workers as number }),
    ).rejects.toThrow(InvalidArgumentError);
  }
  const gradientEvaluator = { lossAndGradient: () => 0 };
  await expect(
    trainDenoisingScoreMatchingOnWorkers(network(), data, { ...options, gradientEvaluator } as never),
  ).rejects.toThrow(InvalidArgumentError);
  await expect(trainDenoisingScoreMatchingOnWorkers({} as never, data, { ...options, workers: 2 })).rejects.toThrow(
    InvalidArgumentError,
  );
});

// In a child process, so that a worker left running would keep it alive: it must exit by itself.
const cleanupScript = `
import { createScoreNetwork } from '@sgmkit/score';
import { trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';
import { RandomStream, batch } from '@sgmkit/tensor';
const data = batch(200, 2);
new RandomStream(1).fillNormal(data.data);
const net = () => createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 1 });
const base = { steps: 6, batchSize: 96, seed: 2, workers: 3 };
const outcome = (p) => p.then((r) => 'ok ' + r.steps, (e) => e.name);
const controller = new AbortController();
console.log([
  await outcome(trainDenoisingScoreMatchingOnWorkers(net(), data, base)),
  await outcome(trainDenoisingScoreMatchingOnWorkers(net(), data, { ...base, onStep: ({ step }) => { if (step === 3) throw new RangeError('stop'); } })),
  await outcome(trainDenoisingScoreMatchingOnWorkers(net(), data, { ...base, signal: controller.signal, onStep: ({ step }) => { if (step === 2) controller.abort(); } })),
  await outcome(trainDenoisingScoreMatchingOnWorkers(net(), data, { ...base, learningRate: -1 })),
].join(','));
`;

test('workers are stopped on success, on an error in a step, on abort and on bad options: the process exits by itself', () => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', cleanupScript], {
    cwd: process.cwd(),
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.error).toBeUndefined();
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(run.stdout.trim()).toBe('ok 6,RangeError,AbortedError,InvalidArgumentError');
});

test('a worker that cannot build its network copy fails the start with a typed error, and no thread is left', async () => {
  const net = network();
  const broken = {
    parameters: net.parameters,
    layouts: net.layouts,
    dim: 3,
    architecture: { ...net.architecture, hiddenWidths: [24, -16] },
  };
  await expect(WorkerGradientEvaluator.start(broken as never, 100, 3)).rejects.toThrow(
    /gradient worker \d: RangeError/,
  );
});
