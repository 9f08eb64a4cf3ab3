// The residual horizon H of a skip network (ScoreNetworkArchitecture.residualHorizon): for t > H the score is the
// skip term s_G alone (evaluate, Jacobian diagonal and trace), for t <= H it is the network without a horizon bit for
// bit; the file format (version 4), the loss (rows beyond H: constant, no gradient), training (times drawn on
// [tMin, min(tMax, H)]) and the recipe option.
import { InvalidArgumentError, RandomStream, batch, type Batch } from '@sgmkit/tensor';
import {
  DEFAULT_RESIDUAL_HORIZON,
  DEFAULT_RESIDUAL_BOX,
  RESIDUAL_HORIZON_FORMAT_VERSION,
  ScoreNetwork,
  ScoreNetworkFormatError,
  createCLDScoreNetwork,
  createScoreNetwork,
  denoisingLoss,
  loadScoreNetwork,
  saveScoreNetwork,
  scoreNetworkFromSpec,
  trainCLDScoreNetwork,
  trainDenoisingScoreMatching,
  trainScoreNetwork,
  type NetworkDType,
} from '@sgmkit/score';
import { expectArgumentError } from '../helpers/errors';

const D = 5;
const MOMENTS = {
  mean: Float64Array.from({ length: D }, (_, j) => 0.1 * j - 0.2),
  std: Float64Array.from({ length: D }, (_, j) => 0.3 + 0.2 * j),
};

/** A skip network with perturbed weights and data moments, and the same weights with residual horizon `horizon`. */
function pair(horizon: number, dtype: NetworkDType = 'float64'): [ScoreNetwork, ScoreNetwork] {
  const base = createScoreNetwork({
    dim: D,
    hiddenWidths: [12, 9],
    parameterisation: 'noise-prediction-skip',
    seed: 3,
  });
  const rng = new RandomStream(17);
  const parameters = Float64Array.from(base.parameters, (w) => w + 0.3 * rng.normal());
  const plain = new ScoreNetwork(base.architecture, parameters, dtype, { dataMoments: MOMENTS });
  const gated = new ScoreNetwork({ ...base.architecture, residualHorizon: horizon }, parameters.slice(), dtype, {
    dataMoments: MOMENTS,
  });
  return [plain, gated];
}

function points(n: number, seed: number, scale = 2): Batch<Float64Array> {
  const rng = new RandomStream(seed);
  const x = batch(n, D) as Batch<Float64Array>;
  for (let i = 0; i < n * D; i++) x.data[i] = scale * rng.normal();
  return x;
}

/** The OU score at t of N(mean, diag(std²)), from its definition: −(y − e^{−t}m)/(e^{−2t}v + 1 − e^{−2t}). */
function gaussianScore(t: number, y: number, j: number): number {
  const decay = Math.exp(-t);
  return -(y - decay * MOMENTS.mean[j]!) / (decay * decay * MOMENTS.std[j]! ** 2 - Math.expm1(-2 * t));
}

describe('residual horizon: evaluation', () => {
  test.each(['float64', 'float32'] as const)(
    '%s: s_θ = s_G beyond H; below and at H bit-identical to the network without a horizon',
    (dtype) => {
      const [plain, gated] = pair(2, dtype);
      expect(gated.residualHorizon).toBe(2);
      expect(plain.residualHorizon).toBe(Infinity);
      const x = points(40, 1);
      const [a, b] = [batch(40, D), batch(40, D)];
      for (const t of [1e-3, 0.5, 2]) {
        plain.evaluate(t, x, a);
        gated.evaluate(t, x, b);
        expect(Array.from(b.data)).toEqual(Array.from(a.data));
      }
      for (const t of [2.0001, 3, 9.5]) {
        gated.evaluate(t, x, b);
        plain.evaluate(t, x, a);
        // The network's residual is not zero there (so the test can fail), but the horizon network ignores it.
        let residual = 0;
        for (let i = 0; i < 40 * D; i++) {
          expect(b.data[i]).toBeCloseTo(gaussianScore(t, x.data[i]!, i % D), 12);
          residual = Math.max(residual, Math.abs(a.data[i]! - b.data[i]!));
        }
        expect(residual).toBeGreaterThan(1e-3);
      }
    },
  );

  test('Jacobian diagonal and trace: −a_j beyond H; the same as without a horizon below it', () => {
    const [plain, gated] = pair(1.5);
    const x = points(7, 2);
    const [a, b] = [new Float64Array(7 * D), new Float64Array(7 * D)];
    plain.jacobianDiagonalInto(0.7, x, a);
    gated.jacobianDiagonalInto(0.7, x, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    const t = 4;
    gated.jacobianDiagonalInto(t, x, b);
    const slope = (j: number) => 1 / (Math.exp(-2 * t) * MOMENTS.std[j]! ** 2 - Math.expm1(-2 * t));
    for (let i = 0; i < 7 * D; i++) expect(b[i]).toBeCloseTo(-slope(i % D), 12);
    const trace = new Float64Array(7);
    gated.jacobianTraceInto(t, x, trace);
    let sum = 0;
    for (let j = 0; j < D; j++) sum -= slope(j);
    for (const v of trace) expect(v).toBeCloseTo(sum, 12);
    // Back below H the tangent pass runs again (the beyond-H state is per call).
    gated.jacobianDiagonalInto(0.7, x, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  test('typed errors: a horizon needs the skip parameterisation and a DDPM network, and must be > 0', () => {
    const options = { dim: 3, hiddenWidths: [4], parameterisation: 'noise-prediction-skip' as const };
    expectArgumentError(
      () => createScoreNetwork({ dim: 3, hiddenWidths: [4], residualHorizon: 2 }),
      InvalidArgumentError,
      'options.residualHorizon',
    );
    for (const bad of [0, -1, Number.NaN, '2'])
      expectArgumentError(
        () => createScoreNetwork({ ...options, residualHorizon: bad as number }),
        InvalidArgumentError,
        'options.residualHorizon',
      );
    expect(createScoreNetwork({ ...options, residualHorizon: Infinity }).architecture.residualHorizon).toBeUndefined();
    expectArgumentError(
      () => createCLDScoreNetwork({ ...options, residualHorizon: 2 }),
      InvalidArgumentError,
      'options.residualHorizon',
    );
  });
});

describe('residual horizon: file format version 4', () => {
  test('save/load and spec round trips are bit-identical; a network without a horizon is still version 2', () => {
    const [plain, gated] = pair(2.5);
    const doc = JSON.parse(saveScoreNetwork(gated));
    expect(doc.version).toBe(RESIDUAL_HORIZON_FORMAT_VERSION);
    expect(doc.architecture.residualHorizon).toBe(2.5);
    expect(JSON.parse(saveScoreNetwork(plain)).version).toBe(2);
    const loaded = loadScoreNetwork(JSON.stringify(doc));
    const fromSpec = scoreNetworkFromSpec(structuredClone(gated.spec));
    expect(loaded.residualHorizon).toBe(2.5);
    expect(saveScoreNetwork(loaded)).toBe(saveScoreNetwork(gated));
    const x = points(30, 4);
    const [a, b, c] = [batch(30, D), batch(30, D), batch(30, D)];
    for (const t of [0.4, 5]) {
      gated.evaluate(t, x, a);
      loaded.evaluate(t, x, b);
      fromSpec.evaluate(t, x, c);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expect(Array.from(c.data)).toEqual(Array.from(a.data));
    }
  });

  test('the field is refused outside version 4, without the skip, and when not a finite number > 0', () => {
    const [, gated] = pair(2.5);
    const doc = JSON.parse(saveScoreNetwork(gated));
    const expectFormatError = (value: object, message: RegExp) => {
      const text = JSON.stringify(value);
      expect(() => loadScoreNetwork(text)).toThrow(ScoreNetworkFormatError);
      expect(() => loadScoreNetwork(text)).toThrow(message);
    };
    expectFormatError({ ...doc, version: 2 }, /json.architecture.residualHorizon' must be absent in a version 2 file/);
    expectFormatError(
      { ...doc, architecture: { ...doc.architecture, parameterisation: 'noise-prediction' } },
      /json.architecture.residualHorizon' must be absent unless the parameterisation is "noise-prediction-skip"/,
    );
    for (const bad of [0, -2, null, '2'])
      expectFormatError(
        { ...doc, architecture: { ...doc.architecture, residualHorizon: bad } },
        /json.architecture.residualHorizon' must be a finite number > 0/,
      );
    // A version-4 file without the field is a network without a horizon.
    const { residualHorizon: _, ...architecture } = doc.architecture;
    expect(loadScoreNetwork(JSON.stringify({ ...doc, architecture })).residualHorizon).toBe(Infinity);
  });
});

describe('residual horizon: loss and training', () => {
  test('denoisingLoss: a row beyond H adds |z + σ_t s_G|²/n and nothing to the gradient', () => {
    const [plain, gated] = pair(1);
    const n = 12;
    const noisy = points(n, 5, 1);
    const noise = points(n, 6, 1);
    const times = Float64Array.from({ length: n }, (_, r) => (r % 3 === 0 ? 2 + r : 0.05 + 0.07 * r));
    const inside = Array.from({ length: n }, (_, r) => r).filter((r) => times[r]! <= 1);
    const m = inside.length;
    const pick = (b: Batch<Float64Array>) => {
      const out = batch(m, D) as Batch<Float64Array>;
      inside.forEach((r, k) => out.data.set(b.data.subarray(r * D, r * D + D), k * D));
      return out;
    };
    const gradient = new Float64Array(gated.parameters.length);
    const insideGradient = new Float64Array(gated.parameters.length);
    const loss = denoisingLoss(gated, noisy, times, noise, gradient);
    const insideLoss = denoisingLoss(
      plain,
      pick(noisy),
      Float64Array.from(inside, (r) => times[r]!),
      pick(noise),
      insideGradient,
    );
    let beyond = 0;
    for (let r = 0; r < n; r++) {
      if (times[r]! <= 1) continue;
      const t = times[r]!;
      const sigma = Math.sqrt(-Math.expm1(-2 * t));
      for (let j = 0; j < D; j++)
        beyond += (noise.data[r * D + j]! + sigma * gaussianScore(t, noisy.data[r * D + j]!, j)) ** 2;
    }
    expect(loss).toBeCloseTo((m * insideLoss + beyond) / n, 12);
    for (let i = 0; i < gradient.length; i++) expect(gradient[i]).toBeCloseTo((m / n) * insideGradient[i]!, 12);
    // Only rows beyond H: the constant, and a zero gradient.
    const far = Float64Array.from({ length: n }, () => 3);
    expect(denoisingLoss(gated, noisy, far, noise, gradient)).toBeGreaterThan(0);
    expect(gradient.every((g) => g === 0)).toBe(true);
  });

  test('training draws t on [tMin, min(tMax, H)]: the same run, bit for bit, as the network without a horizon with tMax = H', () => {
    const data = points(64, 7, 1);
    const heldOut = points(16, 8, 1);
    const options = { steps: 15, batchSize: 16, seed: 4, emaDecay: 0.9, heldOut, evaluateEvery: 5 };
    const [plain, gated] = pair(1.5);
    const a = trainDenoisingScoreMatching(plain, data, { ...options, tMax: 1.5 });
    const b = trainDenoisingScoreMatching(gated, data, { ...options, tMax: 10 });
    expect(Array.from(b.losses)).toEqual(Array.from(a.losses));
    expect(Array.from(gated.parameters)).toEqual(Array.from(plain.parameters));
    expect(b.evaluations).toEqual(a.evaluations);
    expect(b.ema!.residualHorizon).toBe(1.5);
    expectArgumentError(
      () => trainDenoisingScoreMatching(pair(1.5)[1], data, { steps: 1, tMin: 1.5 }),
      InvalidArgumentError,
      'options.tMin',
    );
  });

  test('the recipe: option residualHorizon (in the resolved recipe and the network), DDPM only', () => {
    const data = points(60, 9, 1);
    const run = trainScoreNetwork(data, { steps: 2, hiddenWidths: [8], residualHorizon: 2 });
    expect(run.options.residualHorizon).toBe(2);
    expect(run.network.residualHorizon).toBe(2);
    const byDefault = trainScoreNetwork(data, { steps: 2, hiddenWidths: [8] });
    expect(byDefault.options.residualHorizon).toBe(DEFAULT_RESIDUAL_HORIZON);
    expect(byDefault.network.residualHorizon).toBe(DEFAULT_RESIDUAL_HORIZON);
    // Without the skip there is no skip term to fall back on: no horizon by default, an error when asked for one.
    const noSkip = trainScoreNetwork(data, { steps: 2, hiddenWidths: [8], parameterisation: 'noise-prediction' });
    expect(noSkip.options.residualHorizon).toBe(Infinity);
    expectArgumentError(
      () =>
        trainScoreNetwork(data, {
          steps: 2,
          hiddenWidths: [8],
          parameterisation: 'noise-prediction',
          residualHorizon: 2,
        }),
      InvalidArgumentError,
      'options.residualHorizon',
    );
    expectArgumentError(
      () => trainScoreNetwork(data, { steps: 2, residualHorizon: -1 }),
      InvalidArgumentError,
      'options.residualHorizon',
    );
    expect(trainCLDScoreNetwork(data, { steps: 2, hiddenWidths: [8] }).options.residualHorizon).toBe(Infinity);
    expectArgumentError(
      () => trainCLDScoreNetwork(data, { steps: 2, hiddenWidths: [8], residualHorizon: 2 }),
      InvalidArgumentError,
      'options.residualHorizon',
    );
  });
});

describe('residual box', () => {
  const RANGE = {
    ...MOMENTS,
    min: Float64Array.from({ length: D }, (_, j) => -0.5 - 0.1 * j),
    max: Float64Array.from({ length: D }, (_, j) => 1 + 0.2 * j),
  };
  const k = 1.5;
  /** The same weights: plain (no box), boxed (box k), and with moments that carry no range (box inactive). */
  function boxed(dtype: NetworkDType = 'float64'): [ScoreNetwork, ScoreNetwork, ScoreNetwork] {
    const [plain] = pair(Infinity, dtype);
    const withRange = new ScoreNetwork(plain.architecture, plain.parameters, dtype, { dataMoments: RANGE });
    const architecture = { ...plain.architecture, residualBox: k };
    return [
      withRange,
      new ScoreNetwork(architecture, plain.parameters, dtype, { dataMoments: RANGE }),
      new ScoreNetwork(architecture, plain.parameters, dtype, { dataMoments: MOMENTS }),
    ];
  }
  const boxOf = (t: number, j: number): [number, number] => {
    const decay = Math.exp(-t),
      width = k * Math.sqrt(-Math.expm1(-2 * t));
    return [decay * RANGE.min[j]! - width, decay * RANGE.max[j]! + width];
  };

  test.each(['float64', 'float32'] as const)(
    '%s: s_θ(x) = s_G(x) − F(clip(x))/σ_t: the plain network at the clipped point plus the skip difference',
    (dtype) => {
      const [plain, box, noRange] = boxed(dtype);
      const t = 0.6;
      const x = points(50, 11, 3); // wide: many coordinates outside the box
      const clipped = batch(50, D) as Batch<Float64Array>;
      let outside = 0;
      for (let i = 0; i < 50 * D; i++) {
        const [lo, hi] = boxOf(t, i % D);
        clipped.data[i] = Math.min(Math.max(x.data[i]!, lo), hi);
        if (clipped.data[i] !== x.data[i]) outside++;
      }
      expect(outside).toBeGreaterThan(20);
      const [a, b, c] = [batch(50, D), batch(50, D), batch(50, D)];
      box.evaluate(t, x, a);
      plain.evaluate(t, clipped, b);
      for (let i = 0; i < 50 * D; i++) {
        const j = i % D;
        const skipShift = gaussianScore(t, x.data[i]!, j) - gaussianScore(t, clipped.data[i]!, j);
        expect(a.data[i]).toBeCloseTo(b.data[i]! + skipShift, dtype === 'float32' ? 4 : 11);
      }
      // Without the data's range the box has no effect.
      noRange.evaluate(t, x, c);
      const unboxed = new ScoreNetwork(plain.architecture, plain.parameters, dtype, { dataMoments: MOMENTS });
      unboxed.evaluate(t, x, b);
      expect(Array.from(c.data)).toEqual(Array.from(b.data));
    },
  );

  test('Jacobian diagonal: −a_i on a clipped coordinate, the plain network at the clipped point elsewhere', () => {
    const [plain, box] = boxed();
    const t = 0.4;
    const x = points(9, 12, 2);
    const clipped = batch(9, D) as Batch<Float64Array>;
    for (let i = 0; i < 9 * D; i++) {
      const [lo, hi] = boxOf(t, i % D);
      clipped.data[i] = Math.min(Math.max(x.data[i]!, lo), hi);
    }
    const [a, b] = [new Float64Array(9 * D), new Float64Array(9 * D)];
    box.jacobianDiagonalInto(t, x, a);
    plain.jacobianDiagonalInto(t, clipped, b);
    const slope = (j: number) => 1 / (Math.exp(-2 * t) * RANGE.std[j]! ** 2 - Math.expm1(-2 * t));
    let clippedCount = 0;
    for (let i = 0; i < 9 * D; i++) {
      if (clipped.data[i] !== x.data[i]) {
        clippedCount++;
        expect(a[i]).toBeCloseTo(-slope(i % D), 12);
      } else expect(a[i]).toBe(b[i]);
    }
    expect(clippedCount).toBeGreaterThan(3);
    // Against central differences of the boxed evaluation itself.
    const h = 1e-6;
    const [up, down] = [batch(9, D), batch(9, D)];
    for (let j = 0; j < D; j++) {
      const xp = batch(9, D) as Batch<Float64Array>,
        xm = batch(9, D) as Batch<Float64Array>;
      xp.data.set(x.data);
      xm.data.set(x.data);
      for (let r = 0; r < 9; r++) {
        xp.data[r * D + j] += h;
        xm.data[r * D + j] -= h;
      }
      box.evaluate(t, xp, up);
      box.evaluate(t, xm, down);
      for (let r = 0; r < 9; r++)
        expect(a[r * D + j]).toBeCloseTo((up.data[r * D + j]! - down.data[r * D + j]!) / (2 * h), 5);
    }
  });

  test('training and the loss read the clipped input: denoisingLoss equals the plain loss at the clipped points', () => {
    const [plain, box] = boxed();
    const n = 10;
    const noisy = points(n, 13, 3);
    const noise = points(n, 14, 1);
    const times = Float64Array.from({ length: n }, (_, r) => 0.05 + 0.2 * r);
    // The plain network's loss target is z + σ_t s_G(x); with the box only the MLP's input changes, so the same
    // loss comes from the plain network at the clipped points with the target shifted by σ_t (s_G(x) − s_G(clip x)).
    const clipped = batch(n, D) as Batch<Float64Array>;
    const shifted = batch(n, D) as Batch<Float64Array>;
    for (let r = 0; r < n; r++) {
      const t = times[r]!;
      const sigma = Math.sqrt(-Math.expm1(-2 * t));
      for (let j = 0; j < D; j++) {
        const [lo, hi] = boxOf(t, j);
        const v = noisy.data[r * D + j]!;
        const c = Math.min(Math.max(v, lo), hi);
        clipped.data[r * D + j] = c;
        shifted.data[r * D + j] = noise.data[r * D + j]! + sigma * (gaussianScore(t, v, j) - gaussianScore(t, c, j));
      }
    }
    const [g1, g2] = [new Float64Array(box.parameters.length), new Float64Array(box.parameters.length)];
    const a = denoisingLoss(box, noisy, times, noise, g1);
    const b = denoisingLoss(plain, clipped, times, shifted, g2);
    expect(a).toBeCloseTo(b, 10);
    for (let i = 0; i < g1.length; i++) expect(g1[i]).toBeCloseTo(g2[i]!, 10);
    const data = points(64, 15, 1);
    const run = trainDenoisingScoreMatching(boxed()[1], data, { steps: 3, batchSize: 16, seed: 1 });
    expect(run.losses.every(Number.isFinite)).toBe(true);
  });

  test('file format and typed errors', () => {
    const [, box] = boxed();
    const doc = JSON.parse(saveScoreNetwork(box));
    expect(doc.version).toBe(RESIDUAL_HORIZON_FORMAT_VERSION);
    expect(doc.architecture.residualBox).toBe(k);
    const loaded = loadScoreNetwork(JSON.stringify(doc));
    expect(loaded.residualBox).toBe(k);
    const x = points(20, 16, 3);
    const [a, b] = [batch(20, D), batch(20, D)];
    box.evaluate(0.3, x, a);
    loaded.evaluate(0.3, x, b);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(() => loadScoreNetwork(JSON.stringify({ ...doc, version: 2 }))).toThrow(
      /json.architecture.residualBox' must be absent in a version 2 file/,
    );
    expect(() =>
      loadScoreNetwork(JSON.stringify({ ...doc, architecture: { ...doc.architecture, residualBox: -1 } })),
    ).toThrow(/json.architecture.residualBox' must be a finite number > 0/);
    expectArgumentError(
      () => createScoreNetwork({ dim: 3, hiddenWidths: [4], residualBox: 2 }),
      InvalidArgumentError,
      'options.residualBox',
    );
    expectArgumentError(
      () =>
        createCLDScoreNetwork({ dim: 3, hiddenWidths: [4], parameterisation: 'noise-prediction-skip', residualBox: 2 }),
      InvalidArgumentError,
      'options.residualBox',
    );
    const data = points(60, 9, 1);
    expect(trainScoreNetwork(data, { steps: 2, hiddenWidths: [8], residualBox: 3 }).network.residualBox).toBe(3);
    expect(trainScoreNetwork(data, { steps: 2, hiddenWidths: [8] }).options.residualBox).toBe(DEFAULT_RESIDUAL_BOX);
  });
});
