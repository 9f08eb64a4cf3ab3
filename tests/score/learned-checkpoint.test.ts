// Training checkpoints (issue 14): a run resumed from the checkpoint after any step ends with the same bits as the run
// that never stopped (weights, EMA, losses, evaluations, early stopping), for float64 and float32 networks, DDPM and
// CLD, on either GEMM backend and on worker threads; a checkpoint of another run, or a malformed one, is refused.
import { InvalidArgumentError, RandomStream, batch, setGemmBackend } from '@sgmkit/tensor';
import {
  createCLDScoreNetwork,
  createScoreNetwork,
  parseTrainingCheckpoint,
  trainDenoisingScoreMatching,
  trainingCheckpointToJson,
  type TrainingCheckpoint,
  type TrainingOptions,
} from '@sgmkit/score';
import { trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';

function normals(n: number, d: number, seed: number): ReturnType<typeof batch> {
  const b = batch(n, d);
  new RandomStream(seed).fillNormal(b.data);
  return b;
}

const data = normals(300, 2, 1);
const heldOut = normals(60, 2, 2);
const FULL: TrainingOptions = {
  steps: 45,
  batchSize: 48,
  seed: 3,
  checkpointEvery: 11,
  emaDecay: 0.99,
  heldOut,
  evaluateEvery: 4,
  earlyStopping: { patience: 4, minRelativeImprovement: 0.05 },
  learningRateDecay: 'cosine',
  warmupSteps: 5,
  gradientClipNorm: 1,
  learningRate: 3e-3,
};

afterEach(() => setGemmBackend('auto'));

describe('resume from a checkpoint', () => {
  test.each([
    ['float64', 'ou', 'auto'],
    ['float32', 'ou', 'auto'],
    ['float64', 'cld', 'auto'],
    ['float64', 'ou', 'scalar'],
    ['float32', 'cld', 'scalar'],
  ] as const)(
    '%s %s network on the %s GEMM backend: every checkpoint, through JSON, resumes to the same bits',
    (dtype, kind, backend) => {
      setGemmBackend(backend);
      const make = (seed: number) =>
        kind === 'cld'
          ? createCLDScoreNetwork({ dim: 2, hiddenWidths: [16], seed, dtype })
          : createScoreNetwork({ dim: 2, hiddenWidths: [16], seed, dtype });
      const saved: string[] = [];
      const whole = make(1);
      const reference = trainDenoisingScoreMatching(whole, data, {
        ...FULL,
        onCheckpoint: (c) => saved.push(trainingCheckpointToJson(c)),
      });
      expect(saved.length).toBe(Math.floor(reference.steps / 11));
      for (const text of saved) {
        const resumed = make(99); // other initial weights: the checkpoint's replace them
        const result = trainDenoisingScoreMatching(resumed, data, {
          ...FULL,
          resumeFrom: parseTrainingCheckpoint(text),
        });
        expect(Array.from(resumed.parameters)).toEqual(Array.from(whole.parameters));
        expect(Array.from(result.ema!.parameters)).toEqual(Array.from(reference.ema!.parameters));
        expect([result.steps, result.stoppedEarly]).toEqual([reference.steps, reference.stoppedEarly]);
        expect(Array.from(result.losses)).toEqual(Array.from(reference.losses));
        expect(result.evaluations).toEqual(reference.evaluations);
      }
    },
  );

  test('early stopping is carried across a resume (the stopped run stops at the same step)', () => {
    const saved: TrainingCheckpoint[] = [];
    const options = {
      ...FULL,
      steps: 400,
      checkpointEvery: 7,
      earlyStopping: { patience: 2, minRelativeImprovement: 0.2 },
    };
    const whole = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
    const reference = trainDenoisingScoreMatching(whole, data, { ...options, onCheckpoint: (c) => saved.push(c) });
    expect(reference.stoppedEarly).toBe(true);
    const resumed = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
    const result = trainDenoisingScoreMatching(resumed, data, { ...options, resumeFrom: saved.at(-1)! });
    expect([result.steps, result.stoppedEarly]).toEqual([reference.steps, true]);
    expect(Array.from(resumed.parameters)).toEqual(Array.from(whole.parameters));
  });

  test('on 2 worker threads: resumes to the bits of the one-thread run', async () => {
    const saved: TrainingCheckpoint[] = [];
    const whole = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
    trainDenoisingScoreMatching(whole, data, { ...FULL, onCheckpoint: (c) => saved.push(c) });
    const resumed = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
    await trainDenoisingScoreMatchingOnWorkers(resumed, data, { ...FULL, workers: 2, resumeFrom: saved[1]! });
    expect(Array.from(resumed.parameters)).toEqual(Array.from(whole.parameters));
  });
});

describe('refusals', () => {
  const saved: TrainingCheckpoint[] = [];
  trainDenoisingScoreMatching(createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 }), data, {
    ...FULL,
    onCheckpoint: (c) => saved.push(c),
  });
  const checkpoint = saved[0]!;

  test.each([
    [
      'other data',
      () =>
        trainDenoisingScoreMatching(createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 }), normals(300, 2, 5), {
          ...FULL,
          resumeFrom: checkpoint,
        }),
    ],
    [
      'another seed',
      () =>
        trainDenoisingScoreMatching(createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 }), data, {
          ...FULL,
          seed: 4,
          resumeFrom: checkpoint,
        }),
    ],
    [
      'a wider network',
      () =>
        trainDenoisingScoreMatching(createScoreNetwork({ dim: 2, hiddenWidths: [17], seed: 1 }), data, {
          ...FULL,
          resumeFrom: checkpoint,
        }),
    ],
    [
      'float32 weights',
      () =>
        trainDenoisingScoreMatching(
          createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1, dtype: 'float32' }),
          data,
          { ...FULL, resumeFrom: checkpoint },
        ),
    ],
    [
      'more steps',
      () =>
        trainDenoisingScoreMatching(createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 }), data, {
          ...FULL,
          steps: 46,
          resumeFrom: checkpoint,
        }),
    ],
  ])('a checkpoint of another run (%s): InvalidArgumentError naming options.resumeFrom', (_name, run) => {
    expect(run).toThrow(InvalidArgumentError);
    expect(run).toThrow(/argument 'options\.resumeFrom' must be a checkpoint of this run/);
  });

  test('onCheckpoint needs checkpointEvery; malformed checkpoint text names the source and the field', () => {
    expect(() =>
      trainDenoisingScoreMatching(createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 }), data, {
        steps: 2,
        onCheckpoint: () => {},
      }),
    ).toThrow(/options\.checkpointEvery/);
    const text = trainingCheckpointToJson(checkpoint);
    expect(() => parseTrainingCheckpoint(text.slice(0, text.length / 2), 'ck.json')).toThrow(/ck\.json: \(text\)/);
    expect(() => parseTrainingCheckpoint(text.replace('"version":1', '"version":7'), 'ck.json')).toThrow(
      /ck\.json: version/,
    );
    const doc = JSON.parse(text) as { parameters: unknown[]; random: { words: number[] } };
    doc.parameters[3] = 'NaN';
    expect(() => parseTrainingCheckpoint(JSON.stringify(doc), 'ck.json')).toThrow(/ck\.json: parameters/);
    const bad = JSON.parse(text) as { random: { words: number[] } };
    bad.random.words = [1, 2];
    expect(() => parseTrainingCheckpoint(JSON.stringify(bad), 'ck.json')).toThrow(/ck\.json: random/);
    // a parsed checkpoint is the checkpoint, field for field
    expect(parseTrainingCheckpoint(text)).toEqual(checkpoint);
  });
});
