import {
  DEFAULT_RECIPE_STEPS,
  ScoreNetwork,
  ScoreNetworkFormatError,
  clipGradientNorm,
  prepareScoreNetworkTraining,
  createScoreNetwork,
  dataMomentsOf,
  defaultHiddenWidths,
  fitNormalization,
  learningRateAt,
  loadScoreNetwork,
  sampleStrokeImages,
  saveScoreNetwork,
  scoreNetworkFromSpec,
  standardizeBatch,
  trainDenoisingScoreMatching,
  trainScoreNetwork,
  unstandardizeBatch,
  type DataNormalization,
  type LearningRateSchedule,
} from '@sgmkit/score';
import { earlyStoppingGrid, sampleDDPM, slicedWasserstein } from '@sgmkit/sampler';
import { InvalidArgumentError, NonFiniteValueError, RandomStream, batch, type Batch } from '@sgmkit/tensor';

/** Rows with very different scales, a constant column and correlation, like tabular data. */
function tabular(n: number, seed: number): Batch<Float64Array> {
  const rng = new RandomStream(seed);
  const out = batch(n, 4) as Batch<Float64Array>;
  for (let i = 0; i < n; i++) {
    const a = rng.normal(),
      b = rng.normal(),
      c = rng.normal();
    out.data.set([1000 + 300 * a, 0.003 * (a + b + c), 7, -2 + 0.5 * b], 4 * i);
  }
  return out;
}

describe('standardisation', () => {
  const data = tabular(500, 1);

  test('affine: standardised columns have mean 0 and std 1; a constant column gets the mean scale of the others; the round trip returns x', () => {
    const n = fitNormalization(data, 'affine');
    if (n.kind !== 'affine') throw new Error('kind');
    expect(n.scale[2]).toBe((n.scale[0]! + n.scale[1]! + n.scale[3]!) / 3);
    const allConstant = fitNormalization({
      data: new Float64Array(6).fill(5),
      shape: [3, 2],
      stride: [2, 1],
      offset: 0,
    });
    expect(allConstant).toEqual({ kind: 'affine', mean: Float64Array.of(5, 5), scale: Float64Array.of(1, 1) });
    const y = standardizeBatch(n, data);
    const moments = dataMomentsOf(y);
    for (let j = 0; j < 4; j++) {
      expect(Math.abs(moments.mean[j]!)).toBeLessThan(1e-12);
      expect(Math.abs(moments.std[j]! - (j === 2 ? 0 : 1))).toBeLessThan(1e-12);
    }
    const back = unstandardizeBatch(n, y, batch(500, 4));
    for (let i = 0; i < data.data.length; i++)
      expect(Math.abs(back.data[i]! - data.data[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(data.data[i]!)));
  });

  test('whitening: standardised covariance is I on the non-degenerate directions; the round trip returns x', () => {
    const n = fitNormalization(data, 'whitening');
    const y = standardizeBatch(n, data);
    const cov = covariance(y);
    // Column 2 is constant: its direction is degenerate (eigenvalue floored), so its row/column of cov is 0.
    // Whitening works on the correlation matrix (condition number ≈ 10 here), so rounding stays far below 1e-9.
    for (const [i, j, want] of [
      [0, 0, 1],
      [3, 3, 1],
      [1, 1, 1],
      [0, 3, 0],
      [0, 1, 0],
      [2, 2, 0],
    ] as const) {
      expect(Math.abs(cov[i * 4 + j]! - want)).toBeLessThan(1e-9);
    }
    const back = unstandardizeBatch(n, y, batch(500, 4));
    for (let i = 0; i < data.data.length; i++)
      expect(Math.abs(back.data[i]! - data.data[i]!)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(data.data[i]!)));
  });

  test('maxStandardizedRange floors each scale at range/K: a rare spike is not stretched, other columns keep their std', () => {
    // Column 0: normal draws (range ≈ 6 std at n = 500); column 1: 0 except one row at 1 (std ≈ 0.045, range 22 std).
    const rng = new RandomStream(3);
    const spiky = batch(500, 2) as Batch<Float64Array>;
    for (let i = 0; i < 500; i++) spiky.data.set([2 + 0.5 * rng.normal(), i === 7 ? 1 : 0], 2 * i);
    const plain = fitNormalization(spiky, 'affine');
    const floored = fitNormalization(spiky, 'affine', { maxStandardizedRange: 16 });
    if (plain.kind !== 'affine' || floored.kind !== 'affine') throw new Error('kind');
    const { std, min, max } = dataMomentsOf(spiky);
    expect(plain.scale).toEqual(std);
    expect(floored.scale[0]).toBe(std[0]); // range/std < 16: untouched, bit for bit
    expect(floored.scale[1]).toBe((max![1]! - min![1]!) / 16);
    const y = standardizeBatch(floored, spiky);
    const range = dataMomentsOf(y);
    expect(range.max![1]! - range.min![1]!).toBeCloseTo(16, 12);
    expect(fitNormalization(spiky, 'affine', { maxStandardizedRange: Infinity })).toEqual(plain);
    // With standardizedStd s the cap applies to the final range: scale = max(std/s, range/K).
    const both = fitNormalization(spiky, 'affine', { standardizedStd: 0.3, maxStandardizedRange: 1 });
    if (both.kind !== 'affine') throw new Error('kind');
    for (const j of [0, 1]) expect(both.scale[j]).toBe(Math.max(std[j]! / 0.3, max![j]! - min![j]!));
    // Whitening is built on the same scales.
    const whitened = fitNormalization(spiky, 'whitening', { maxStandardizedRange: 16 });
    const back = unstandardizeBatch(whitened, standardizeBatch(whitened, spiky), batch(500, 2));
    for (let i = 0; i < 1000; i++) expect(Math.abs(back.data[i]! - spiky.data[i]!)).toBeLessThan(1e-12);
    for (const bad of [0, -1, NaN, '4'])
      expect(() => fitNormalization(spiky, 'affine', { maxStandardizedRange: bad as number })).toThrow(
        /argument 'options.maxStandardizedRange' must be a number > 0/,
      );
  });

  test('standardizedStd shrinks the whole map: standardised columns get that std, affine and whitening alike', () => {
    for (const kind of ['affine', 'whitening'] as const) {
      const n = fitNormalization(data, kind, { standardizedStd: 0.5 });
      const unit = fitNormalization(data, kind);
      const map = (m: DataNormalization) => (m.kind === 'affine' ? m.scale : m.matrix);
      const [a, b] = [map(n), map(unit)];
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j]! / 0.5, 12);
      const { std } = dataMomentsOf(standardizeBatch(n, data));
      for (const j of [0, 1, 3]) expect(Math.abs(std[j]! - 0.5)).toBeLessThan(1e-9);
    }
    for (const bad of [0, -1, Infinity, NaN])
      expect(() => fitNormalization(data, 'affine', { standardizedStd: bad })).toThrow(
        /argument 'options.standardizedStd' must be a finite number > 0/,
      );
  });

  test('bad input gives typed errors', () => {
    expect(() => fitNormalization(data, 'pca' as 'affine')).toThrow(
      /argument 'kind' must be 'affine' or 'whitening'; got "pca"/,
    );
    expect(() => fitNormalization(batch(1, 3))).toThrow(/at least 2 rows/);
    const bad = tabular(3, 2);
    bad.data[5] = NaN;
    expect(() => fitNormalization(bad)).toThrow(/argument 'data\[1\]\[1\]' must be a finite number; got NaN/);
    const n: DataNormalization = { kind: 'affine', mean: new Float64Array(4), scale: Float64Array.of(1, 0, 1, 1) };
    expect(() => standardizeBatch(n, data)).toThrow(
      /argument 'normalization.scale\[1\]' must be a finite number > 0; got 0/,
    );
    expect(() =>
      standardizeBatch(
        { kind: 'whitening', mean: new Float64Array(2), matrix: Float64Array.of(1, 2, 2, 4) },
        batch(1, 2),
      ),
    ).toThrow(/numerically singular/);
    expect(() => standardizeBatch(fitNormalization(data), batch(2, 3))).toThrow(InvalidArgumentError);
  });
});

function covariance(y: Batch): Float64Array {
  const [n, d] = y.shape as [number, number];
  const m = dataMomentsOf(y).mean;
  const c = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++)
      for (let k = 0; k < d; k++) c[j * d + k] += ((y.data[i * d + j]! - m[j]!) * (y.data[i * d + k]! - m[k]!)) / n;
  return c;
}

describe('network file format version 2: normalization and data moments', () => {
  const data = tabular(200, 3);

  test.each(['affine', 'whitening'] as const)('%s: save/load and spec round trips are bit-identical', (kind) => {
    const normalization = fitNormalization(data, kind);
    const base = createScoreNetwork({ dim: 4, hiddenWidths: [8], parameterisation: 'noise-prediction-skip', seed: 2 });
    const net = new ScoreNetwork(base.architecture, base.parameters, 'float64', {
      normalization,
      dataMoments: dataMomentsOf(standardizeBatch(normalization, data)),
    });
    const json = saveScoreNetwork(net);
    const loaded = loadScoreNetwork(json);
    expect(saveScoreNetwork(loaded)).toBe(json);
    expect(loaded.normalization).toEqual(normalization);
    expect(loaded.dataMoments).toEqual(net.dataMoments);
    // The moments carry the standardised rows' range (the samplers' divergence box contains it).
    expect(loaded.dataMoments!.max!.length).toBe(4);
    expect(loaded.architecture.parameterisation).toBe('noise-prediction-skip');
    const fromSpec = scoreNetworkFromSpec(structuredClone(net.spec));
    const x = standardizeBatch(normalization, data);
    const [a, b, c] = [batch(200, 4), batch(200, 4), batch(200, 4)];
    net.evaluate(0.3, x, a);
    loaded.evaluate(0.3, x, b);
    fromSpec.evaluate(0.3, x, c);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).toEqual(Array.from(a.data));
  });

  test('the skip parameterisation is s = s_G − F/σ_t: s_G the diagonal Gaussian of dataMoments (N(0, I) without them)', () => {
    const base = createScoreNetwork({ dim: 4, hiddenWidths: [8], parameterisation: 'noise-prediction-skip', seed: 4 });
    const plain = new ScoreNetwork({ ...base.architecture, parameterisation: 'noise-prediction' }, base.parameters);
    const moments = { mean: Float64Array.of(0.5, -1, 0, 2), std: Float64Array.of(1, 0.5, 0, 3) };
    const withMoments = new ScoreNetwork(base.architecture, base.parameters, 'float64', { dataMoments: moments });
    const x = standardizeBatch(fitNormalization(data), data);
    const t = 0.2;
    const [a, b, c] = [batch(200, 4), batch(200, 4), batch(200, 4)];
    base.evaluate(t, x, a);
    plain.evaluate(t, x, b);
    withMoments.evaluate(t, x, c);
    const decay = Math.exp(-t),
      noiseVariance = 1 - Math.exp(-2 * t);
    for (let i = 0; i < 200; i++) {
      for (let j = 0; j < 4; j++) {
        const y = x.data[4 * i + j]!,
          f = b.data[4 * i + j]!;
        // N(0, I): the OU marginal is N(0, I) at every t, so s_G = −y.
        expect(a.data[4 * i + j]).toBeCloseTo(f - y, 12);
        // N(m, diag(v)): q_t = N(e^{−t}m, e^{−2t}v + σ_t²), so s_G = −(y − e^{−t}m)/(e^{−2t}v + σ_t²).
        const v = moments.std[j]! ** 2;
        expect(c.data[4 * i + j]).toBeCloseTo(
          f - (y - decay * moments.mean[j]!) / (decay * decay * v + noiseVariance),
          10,
        );
      }
    }
  });

  test('version 1 files still load; version-2 fields and bad values are refused with their path', () => {
    const net = createScoreNetwork({ dim: 4, hiddenWidths: [8], seed: 2 });
    const v1 = JSON.parse(saveScoreNetwork(net));
    v1.version = 1;
    expect(loadScoreNetwork(JSON.stringify(v1)).normalization).toBeUndefined();
    const withField = (field: string, value: unknown, version = 2) =>
      JSON.stringify({ ...v1, version, [field]: value });
    const expectFormatError = (text: string, message: RegExp) => {
      expect(() => loadScoreNetwork(text)).toThrow(ScoreNetworkFormatError);
      expect(() => loadScoreNetwork(text)).toThrow(message);
    };
    const affine = { kind: 'affine', mean: [0, 0, 0, 0], scale: [1, 1, 1, 1] };
    expectFormatError(
      withField('normalization', affine, 1),
      /argument 'json.normalization' must be absent in a version 1 file/,
    );
    expectFormatError(
      withField('normalization', { ...affine, kind: 'pca' }),
      /argument 'json.normalization.kind' must be "affine" or "whitening"; got "pca"/,
    );
    expectFormatError(
      withField('normalization', { ...affine, scale: [1, -1, 1, 1] }),
      /argument 'json.normalization.scale\[1\]' must be a finite number > 0; got -1/,
    );
    expectFormatError(
      withField('normalization', { ...affine, mean: [0, 0, 0] }),
      /argument 'json.normalization.mean' must be an array of 4 numbers/,
    );
    expectFormatError(
      withField('normalization', { kind: 'whitening', mean: [0, 0, 0, 0], matrix: new Array(16).fill(1) }),
      /json.normalization.matrix' must be an invertible/,
    );
    expectFormatError(
      withField('dataMoments', { mean: [0, 0, 0, 0], std: [1, 1, null, 1] }),
      /argument 'json.dataMoments.std\[2\]' must be a finite number; got null/,
    );
    expectFormatError(
      withField('dataMoments', { mean: [0, 0, 0, 0], std: [1, 1, -1, 1] }),
      /argument 'json.dataMoments.std\[2\]' must be a finite number >= 0; got -1/,
    );
    const moments = { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] };
    expectFormatError(
      withField('dataMoments', { ...moments, min: [0, 0, 0, 0] }),
      /argument 'json.dataMoments.max' must be given with the other/,
    );
    expectFormatError(
      withField('dataMoments', { ...moments, min: [0, 0, 0, 0], max: [1, 1, -1, 1] }),
      /argument 'json.dataMoments.max\[2\]' must be a finite number >= json.dataMoments.min\[2\] = 0; got -1/,
    );
    expect(loadScoreNetwork(withField('dataMoments', moments)).dataMoments!.min).toBeUndefined();
    const range = { lower: [0, 0, 0, 0], upper: [1, 1, 1, 1] };
    expectFormatError(withField('dataRange', range, 1), /argument 'json.dataRange' must be absent in a version 1 file/);
    expectFormatError(
      withField('dataRange', { ...range, upper: [1, 1, -1, 1] }),
      /argument 'json.dataRange.upper\[2\]' must be a number >= dataRange.lower\[2\] = 0; got -1/,
    );
    expectFormatError(
      withField('dataRange', { ...range, lower: [0, 0] }),
      /argument 'json.dataRange.lower' must be an array of 4 numbers/,
    );
    expectFormatError(withField('dataRange', 'wide'), /argument 'json.dataRange' must be an object/);
    const skipV1 = { ...v1, architecture: { ...v1.architecture, parameterisation: 'noise-prediction-skip' } };
    expectFormatError(
      JSON.stringify(skipV1),
      /json.architecture.parameterisation' must be "noise-prediction" \(version 1\)/,
    );
  });
});

describe('the data range stored in the network (for --clip train)', () => {
  test('trainScoreNetwork stores the per-coordinate min and max of its training rows (raw units); files keep it bit-identically', () => {
    const data = tabular(60, 8);
    const { network, train } = trainScoreNetwork(data, { steps: 3, hiddenWidths: [8], seed: 5 });
    const [m, d] = train.shape as [number, number];
    for (let j = 0; j < d; j++) {
      const column = Array.from({ length: m }, (_, r) => train.data[r * d + j]!);
      expect(network.dataRange!.lower[j]).toBe(Math.min(...column));
      expect(network.dataRange!.upper[j]).toBe(Math.max(...column));
    }
    // The held-out rows are not in it: the range is that of the rows the network saw.
    expect(train.shape[0]).toBe(54);
    const loaded = loadScoreNetwork(saveScoreNetwork(network));
    expect(loaded.dataRange).toEqual(network.dataRange);
    expect(scoreNetworkFromSpec(structuredClone(network.spec)).dataRange).toEqual(network.dataRange);
    // A network made by hand has none, and its file has no field.
    expect(JSON.parse(saveScoreNetwork(createScoreNetwork({ dim: 4, hiddenWidths: [8] }))).dataRange).toBeUndefined();
  });
});

describe('learning-rate schedule and gradient clipping', () => {
  const schedule: LearningRateSchedule = {
    learningRate: 2e-3,
    steps: 110,
    warmupSteps: 10,
    decay: 'cosine',
    finalFraction: 0.1,
  };

  test('linear warm-up, then cosine from the peak to finalFraction·peak at the last step', () => {
    expect(learningRateAt(schedule, 1)).toBeCloseTo(2e-4, 15);
    expect(learningRateAt(schedule, 5)).toBeCloseTo(1e-3, 15);
    expect(learningRateAt(schedule, 10)).toBe(2e-3);
    expect(learningRateAt(schedule, 11)).toBe(2e-3);
    // Halfway through the decay (p = 1/2): f + (1 − f)/2.
    expect(learningRateAt({ ...schedule, steps: 111 }, 61)).toBeCloseTo(2e-3 * 0.55, 15);
    expect(learningRateAt(schedule, 110)).toBeCloseTo(2e-4, 15);
    for (let k = 11; k < 110; k++)
      expect(learningRateAt(schedule, k + 1)).toBeLessThanOrEqual(learningRateAt(schedule, k));
    expect(learningRateAt({ ...schedule, decay: 'constant' }, 100)).toBe(2e-3);
  });

  test('clipGradientNorm rescales to the bound exactly and leaves smaller gradients alone', () => {
    const g = Float64Array.of(3, 4);
    expect(clipGradientNorm(g, 1)).toBe(5);
    expect(Math.hypot(g[0]!, g[1]!)).toBeCloseTo(1, 15);
    expect(g[0]! / g[1]!).toBeCloseTo(0.75, 15);
    const h = Float64Array.of(0.3, 0.4);
    expect(clipGradientNorm(h, 1)).toBeCloseTo(0.5, 15);
    expect(Array.from(h)).toEqual([0.3, 0.4]);
  });

  test('clipGradientNorm: the norm of every length (each tail lane), float64 and float32, and a non-finite entry', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 6, 7, 9, 100_003]) {
      const values = Array.from({ length }, (_, i) => Math.sin(1.7 * i + 0.3) * (1 + (i % 7)));
      for (const g of [Float64Array.from(values), Float32Array.from(values)]) {
        let sum = 0;
        for (const v of g) sum += v * v;
        const norm = clipGradientNorm(g, Infinity);
        // Both sums of positive terms are within (n − 1)·2⁻⁵³ relative of the exact one; the square root halves that.
        expect(Math.abs(norm - Math.sqrt(sum))).toBeLessThanOrEqual(length * 2 ** -53 * Math.sqrt(sum));
        expect(clipGradientNorm(g.slice().reverse(), Infinity)).toBeCloseTo(norm, 10);
      }
    }
    const bad = Float64Array.of(1, 2, NaN, 4, 5);
    expect(clipGradientNorm(bad, 1)).toBeNaN();
    expect(Array.from(bad)).toEqual([1, 2, NaN, 4, 5]);
  });

  test('training reports the pre-clip norms, and clipping changes the trajectory only when a norm exceeds the bound', () => {
    const data = standardizeBatch(fitNormalization(tabular(64, 5)), tabular(64, 5));
    const run = (clip?: number) => {
      const net = createScoreNetwork({ dim: 4, hiddenWidths: [8], seed: 1 });
      return {
        net,
        result: trainDenoisingScoreMatching(net, data, {
          steps: 20,
          batchSize: 16,
          seed: 3,
          ...(clip === undefined ? {} : { gradientClipNorm: clip }),
        }),
      };
    };
    const free = run();
    const loose = run(2 * Math.max(...free.result.gradientNorms));
    const tight = run(0.5 * Math.min(...free.result.gradientNorms));
    expect(Array.from(loose.net.parameters)).toEqual(Array.from(free.net.parameters));
    expect(Array.from(tight.net.parameters)).not.toEqual(Array.from(free.net.parameters));
    expect(tight.result.gradientNorms[0]).toBe(free.result.gradientNorms[0]);
  });
});

describe('held-out loss and early stopping', () => {
  const raw = tabular(300, 7);
  const normalization = fitNormalization(raw);
  const train = standardizeBatch(normalization, { ...raw, shape: [250, 4] });
  const heldOut = standardizeBatch(normalization, { ...raw, offset: 250 * 4, shape: [50, 4] });

  test('evaluations every evaluateEvery steps and after the last, on fixed draws (same weights, same numbers)', () => {
    const net = createScoreNetwork({ dim: 4, hiddenWidths: [8], seed: 1 });
    const seen: number[] = [];
    const result = trainDenoisingScoreMatching(net, train, {
      steps: 25,
      batchSize: 16,
      heldOut,
      evaluateEvery: 10,
      evaluationRows: 300,
      onEvaluation: (e) => seen.push(e.step),
    });
    expect(seen).toEqual([10, 20, 25]);
    for (const e of result.evaluations) {
      expect(Number.isFinite(e.heldOutLoss) && e.heldOutLoss > 0).toBe(true);
      expect(Number.isFinite(e.trainLoss) && e.trainLoss > 0).toBe(true);
    }
    // A learning rate so small the weights do not move: every evaluation sees the same weights and the same draws.
    const frozen = trainDenoisingScoreMatching(createScoreNetwork({ dim: 4, hiddenWidths: [8], seed: 1 }), train, {
      steps: 30,
      batchSize: 16,
      heldOut,
      evaluateEvery: 10,
      evaluationRows: 300,
      learningRate: 1e-300,
    });
    const losses = frozen.evaluations.map((e) => e.heldOutLoss);
    expect(new Set(losses).size).toBe(1);
  });

  test('early stopping triggers on a plateau after `patience` evaluations without improvement', () => {
    // The plateau is exact: with lr = 1e-300 the held-out loss never improves after the first evaluation.
    const result = trainDenoisingScoreMatching(createScoreNetwork({ dim: 4, hiddenWidths: [8], seed: 1 }), train, {
      steps: 1000,
      batchSize: 16,
      heldOut,
      evaluateEvery: 5,
      evaluationRows: 100,
      learningRate: 1e-300,
      earlyStopping: { patience: 3 },
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.steps).toBe(20);
    expect(result.losses).toHaveLength(20);
    expect(result.evaluations.map((e) => e.step)).toEqual([5, 10, 15, 20]);
    // Without early stopping the same run goes to the end.
    const full = trainDenoisingScoreMatching(createScoreNetwork({ dim: 4, hiddenWidths: [8], seed: 1 }), train, {
      steps: 40,
      batchSize: 16,
      heldOut,
      evaluateEvery: 5,
      evaluationRows: 100,
      learningRate: 1e-300,
    });
    expect(full.stoppedEarly).toBe(false);
    expect(full.steps).toBe(40);
  });

  test('bad options give typed errors', () => {
    const net = createScoreNetwork({ dim: 4, hiddenWidths: [8], seed: 1 });
    const e = (options: object) => () => trainDenoisingScoreMatching(net, train, { steps: 5, ...options });
    expect(e({ gradientClipNorm: 0 })).toThrow(/argument 'options.gradientClipNorm' must be a number > 0/);
    expect(e({ warmupSteps: 6 })).toThrow(
      /argument 'options.warmupSteps' must be an integer in \[0, options.steps = 5\]; got 6/,
    );
    expect(e({ learningRateDecay: 'step' })).toThrow(
      /argument 'options.learningRateDecay' must be 'constant' or 'cosine'/,
    );
    expect(e({ finalLearningRateFraction: 2 })).toThrow(
      /argument 'options.finalLearningRateFraction' must be a number in \[0, 1\]; got 2/,
    );
    expect(e({ earlyStopping: {} })).toThrow(
      /argument 'options.earlyStopping' must be given only with options.heldOut/,
    );
    expect(e({ heldOut, earlyStopping: { patience: 0 } })).toThrow(/options.earlyStopping.patience/);
    expect(e({ heldOut: batch(3, 2) })).toThrow(/options.heldOut/);
    expect(e({ heldOut, evaluateEvery: 0 })).toThrow(/options.evaluateEvery/);
    const nan = batch(2, 4);
    nan.data[3] = Infinity;
    expect(e({ heldOut: nan })).toThrow(/argument 'options.heldOut\[0\]\[3\]' must be a finite number; got Infinity/);
    expect(() => trainScoreNetwork(raw, { normalization: 'pca' as 'affine' })).toThrow(
      /argument 'options.normalization' must be 'affine', 'whitening' or 'none'/,
    );
    expect(() => trainScoreNetwork(raw, { maxStandardizedRange: 0 })).toThrow(
      /argument 'options.maxStandardizedRange' must be a number > 0/,
    );
    expect(() => trainScoreNetwork(raw, { standardizedStd: 0 })).toThrow(
      /argument 'options.standardizedStd' must be a finite number > 0/,
    );
    expect(() => trainScoreNetwork(raw, { heldOutFraction: 0.6 })).toThrow(
      /argument 'options.heldOutFraction' must be a number in \[0, 0.5\]; got 0.6/,
    );
    expect(() => trainScoreNetwork(raw, { emaDecay: 1 })).toThrow(
      /argument 'options.emaDecay' must be a number in \[0, 1\); got 1/,
    );
    expect(() => trainScoreNetwork(raw, { heldOutFraction: 0, earlyStopping: true })).toThrow(/options.earlyStopping/);
    expect(() => trainScoreNetwork(batch(2, 4), {})).toThrow(/argument 'data' must be a batch with at least 3 rows/);
    expect(() => trainScoreNetwork(raw, { parameterisation: 'score' as 'noise-prediction' })).toThrow(
      /options.parameterisation/,
    );
    expect(() => trainDenoisingScoreMatching(net, train, { steps: 3, learningRate: 1e300 })).toThrow(
      NonFiniteValueError,
    );
  });

  test('default widths grow with d', () => {
    expect([2, 13, 30, 64, 100, 300].map((d) => defaultHiddenWidths(d)[0])).toEqual([128, 128, 128, 256, 512, 1024]);
  });

  test('the default budget: 8000 steps of 256 rows, 200 warm-up steps (prepared, not trained)', () => {
    const { recipe, trainingOptions, normalization, train } = prepareScoreNetworkTraining(tabular(40, 1));
    expect(DEFAULT_RECIPE_STEPS).toBe(8000);
    expect(recipe).toMatchObject({
      steps: 8000,
      batchSize: 256,
      warmupSteps: 200,
      learningRate: 1e-3,
      emaDecay: 0.999,
    });
    expect(trainingOptions).toMatchObject({ steps: 8000, warmupSteps: 200 });
    // The default standardisation: std 0.3 with the range capped at 1, so scale = max(std/0.3, range) (the
    // constant column: the others' mean scale); the residual horizon 1 and box 2 (session 6).
    expect(recipe).toMatchObject({
      normalization: 'affine',
      standardizedStd: 0.3,
      maxStandardizedRange: 1,
      residualHorizon: 1,
      residualBox: 2,
    });
    const { std } = dataMomentsOf(train);
    if (normalization?.kind !== 'affine') throw new Error('kind');
    for (const j of [0, 1, 3]) {
      const column = Array.from({ length: train.shape[0]! }, (_, r) => train.data[r * 4 + j]!);
      expect(normalization.scale[j]).toBe(Math.max(std[j]! / 0.3, Math.max(...column) - Math.min(...column)));
    }
  });
});

describe('the default recipe on image-like data (8×8 strokes)', () => {
  // Stated in advance: with the recipe at a small test budget (widths 64,64, 2000 steps, batch 128; 800 steps until
  // session 6: the std-0.3 standardisation needs more steps at this width, 1.92× at 800 steps) no sample of
  // 2000 leaves the region of k = 10 scales around the mean, and the sliced W2 of the samples to the held-out
  // images is within the issue's goal of 1.5× the sliced W2 of the training images to the held-out images
  // (the noise floor: what an exact sampler of the data law would get, up to the sample sizes).
  test('0 diverged of 2000; sliced-W2 to held-out within 1.5× of train vs held-out; held-out loss reported', async () => {
    const data = sampleStrokeImages(2000, { seed: 1 });
    const result = trainScoreNetwork(data, { hiddenWidths: [64, 64], steps: 2000, batchSize: 128, seed: 2 });
    expect(result.heldOut.shape).toEqual([200, 64]);
    expect(result.evaluations).toHaveLength(50);
    const [first, last] = [result.evaluations[0]!, result.evaluations.at(-1)!];
    expect(last.heldOutLoss).toBeLessThan(first.heldOutLoss);
    const { network } = result;
    expect(network.normalization?.kind).toBe('affine');
    // Sample in the network's (standardised) space and map back: the score ignores its normalization.
    const standardised = new ScoreNetwork(network.architecture, network.parameters, network.dtype, {
      dataMoments: network.dataMoments!,
    });
    // The early-stopping grid, as the goal is measured (docs/learned-scores.md): a uniform grid's last step adds noise
    // of std 0.47 (100 steps), more than the default standardisation's std of 0.3 (session 6).
    const { samples } = await sampleDDPM(standardised, {
      T: 10,
      grid: earlyStoppingGrid(10, 1e-3, 100),
      n: 2000,
      seed: 4,
    });
    const x = unstandardizeBatch(network.normalization!, samples, batch(2000, 64));
    const n = network.normalization as Extract<DataNormalization, { kind: 'affine' }>;
    let diverged = 0;
    for (let i = 0; i < 2000; i++) {
      let outside = false;
      for (let j = 0; j < 64; j++) {
        const v = x.data[i * 64 + j]!;
        if (!(Math.abs(v - n.mean[j]!) <= 10 * n.scale[j]!)) outside = true;
      }
      if (outside) diverged += 1;
    }
    expect(diverged).toBe(0);
    const sw = (a: Batch, b: Batch) => slicedWasserstein(a, b, { projections: 200, seed: 5 }).distance;
    expect(sw(x, result.heldOut)).toBeLessThan(1.5 * sw(result.train, result.heldOut));
  });
});
