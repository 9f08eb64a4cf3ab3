import {
  createScoreNetwork,
  trainDenoisingScoreMatching,
  type ScoreNetwork,
  type TrainingProgress,
} from '@sgmkit/score';
import {
  RandomStream,
  batch,
  cholesky,
  spdInverse,
  fromArray,
  AbortedError,
  NonFiniteValueError,
  InvalidArgumentError,
  type Batch,
  type Tensor,
} from '@sgmkit/tensor';

// Target N(μ, Σ) with correlated, unequal variances.
const MU = [1, -0.5];
const SIGMA = [
  [1.5, 0.9],
  [0.9, 0.8],
];

function gaussianSamples(
  n: number,
  mean: readonly number[],
  covariance: readonly number[][],
  rng: RandomStream,
): Batch<Float64Array> {
  const l = cholesky(fromArray(covariance as number[][])).data;
  const out = batch(n, 2) as Batch<Float64Array>;
  for (let i = 0; i < n; i++) {
    const z0 = rng.normal(),
      z1 = rng.normal();
    out.data[2 * i] = mean[0]! + l[0]! * z0;
    out.data[2 * i + 1] = mean[1]! + l[2]! * z0 + l[3]! * z1;
  }
  return out;
}

/**
 * Relative L2 score error E_{q_t}|s_θ − ∇ln q_t|² / E_{q_t}|∇ln q_t|², averaged over a grid of t, with its
 * Monte Carlo standard error. Closed form: q_t = N(e^{−t}μ, e^{−2t}Σ + (1 − e^{−2t})I), ∇ln q_t(x) = −Σ_t⁻¹(x − m_t),
 * and E|∇ln q_t|² = tr Σ_t⁻¹.
 */
function relativeScoreError(
  score: ScoreNetwork,
  times: readonly number[],
  samplesPerTime: number,
  seed: number,
): { mean: number; standardError: number } {
  const rng = new RandomStream(seed, 1);
  let total = 0,
    variance = 0;
  for (const t of times) {
    const decay = Math.exp(-t),
      noiseVariance = -Math.expm1(-2 * t);
    const covariance = SIGMA.map((row, i) => row.map((v, j) => decay * decay * v + (i === j ? noiseVariance : 0)));
    const mean = MU.map((m) => decay * m);
    const precision = spdInverse(fromArray(covariance)).data;
    const x = gaussianSamples(samplesPerTime, mean, covariance, rng);
    const out = batch(samplesPerTime, 2);
    score.evaluate(t, x, out);
    const normaliser = precision[0]! + precision[3]!;
    let sum = 0,
      sumSquares = 0;
    for (let i = 0; i < samplesPerTime; i++) {
      const d0 = x.data[2 * i]! - mean[0]!,
        d1 = x.data[2 * i + 1]! - mean[1]!;
      const e =
        (out.data[2 * i]! + precision[0]! * d0 + precision[1]! * d1) ** 2 +
        (out.data[2 * i + 1]! + precision[2]! * d0 + precision[3]! * d1) ** 2;
      sum += e / normaliser;
      sumSquares += (e / normaliser) ** 2;
    }
    const m = sum / samplesPerTime;
    total += m;
    variance += (sumSquares / samplesPerTime - m * m) / samplesPerTime;
  }
  return { mean: total / times.length, standardError: Math.sqrt(variance) / times.length };
}

describe('denoising score matching learns a 2-D Gaussian score', () => {
  // Stated in advance: within 1000 Adam steps (batch 256) the EMA network's relative L2 score error, averaged
  // over t ∈ {0.01, 0.03, 0.1, 0.3, 1, 3}, is below 5%, with the Monte Carlo estimate's upper 5-SE bound below it.
  const THRESHOLD = 0.05;
  const GRID = [0.01, 0.03, 0.1, 0.3, 1, 3];

  test('relative L2 error < 5% after 1000 steps; the untrained network is far above it', () => {
    const data = gaussianSamples(4096, MU, SIGMA, new RandomStream(1));
    const network = createScoreNetwork({ dim: 2, hiddenWidths: [32, 32], seed: 3 });
    const before = relativeScoreError(network, GRID, 2000, 9);
    expect(before.mean - 5 * before.standardError).toBeGreaterThan(THRESHOLD);
    const result = trainDenoisingScoreMatching(network, data, {
      steps: 1000,
      batchSize: 256,
      learningRate: 3e-3,
      emaDecay: 0.99,
      seed: 5,
      tMin: 1e-3,
      tMax: 10,
    });
    const after = relativeScoreError(result.ema!, GRID, 2000, 9);
    expect(after.mean + 5 * after.standardError).toBeLessThan(THRESHOLD);
    // The loss curve comes down: mean of the last 100 steps below the first 100.
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(result.losses.subarray(900))).toBeLessThan(mean(result.losses.subarray(0, 100)));
  });
});

describe('training mechanics', () => {
  const data = gaussianSamples(64, MU, SIGMA, new RandomStream(2));
  const small = (seed = 1) => createScoreNetwork({ dim: 2, hiddenWidths: [8], timeFrequencyCount: 2, seed });

  test('same seed gives bit-identical weights and losses; another seed differs', () => {
    const a = small(),
      b = small(),
      c = small();
    const ra = trainDenoisingScoreMatching(a, data, { steps: 20, batchSize: 16, seed: 7 });
    const rb = trainDenoisingScoreMatching(b, data, { steps: 20, batchSize: 16, seed: 7 });
    trainDenoisingScoreMatching(c, data, { steps: 20, batchSize: 16, seed: 8 });
    expect(Array.from(b.parameters)).toEqual(Array.from(a.parameters));
    expect(Array.from(rb.losses)).toEqual(Array.from(ra.losses));
    expect(Array.from(c.parameters)).not.toEqual(Array.from(a.parameters));
  });

  test('onStep receives every step and the loss recorded in the result', () => {
    const seen: TrainingProgress[] = [];
    const result = trainDenoisingScoreMatching(small(), data, { steps: 7, batchSize: 4, onStep: (p) => seen.push(p) });
    expect(seen.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seen.map((p) => p.loss)).toEqual(Array.from(result.losses));
    expect(result.steps).toBe(7);
    expect(result.ema).toBeUndefined();
  });

  test('first Adam step moves each parameter by lr·g/(|g| + ε), i.e. at most lr and ≈ lr where g ≠ 0', () => {
    const net = small();
    const before = Float64Array.from(net.parameters);
    trainDenoisingScoreMatching(net, data, { steps: 1, batchSize: 32, learningRate: 0.01 });
    const moves = Array.from(net.parameters, (p, i) => Math.abs(p - before[i]!));
    for (const m of moves) expect(m).toBeLessThanOrEqual(0.01 * (1 + 1e-12));
    const sorted = moves.slice().sort((x, y) => x - y);
    expect(sorted[sorted.length >> 1]).toBeCloseTo(0.01, 6);
  });

  test('EMA follows average ← β·average + (1 − β)·θ with β = min(decay, (1 + k)/(10 + k)) at step k', () => {
    const net = small();
    const initial = Float64Array.from(net.parameters);
    const result = trainDenoisingScoreMatching(net, data, { steps: 1, batchSize: 8, emaDecay: 0.25 });
    const beta = 2 / 11; // step 1: the warm-up bound (1 + 1)/(10 + 1) is below 0.25
    result.ema!.parameters.forEach((v, i) => expect(v).toBe(beta * initial[i]! + (1 - beta) * net.parameters[i]!));
    const net2 = small();
    const initial2 = Float64Array.from(net2.parameters);
    const low = trainDenoisingScoreMatching(net2, data, { steps: 1, batchSize: 8, emaDecay: 0.1 });
    low.ema!.parameters.forEach((v, i) => expect(v).toBe(0.1 * initial2[i]! + 0.9 * net2.parameters[i]!));
    const zeroDecay = trainDenoisingScoreMatching(net, data, { steps: 3, batchSize: 8, emaDecay: 0 });
    expect(Array.from(zeroDecay.ema!.parameters)).toEqual(Array.from(net.parameters));
  });

  test('uniform time distribution trains differently from log-uniform with the same seed', () => {
    const a = small(),
      b = small();
    trainDenoisingScoreMatching(a, data, { steps: 3, batchSize: 8, timeDistribution: 'uniform' });
    trainDenoisingScoreMatching(b, data, { steps: 3, batchSize: 8, timeDistribution: 'log-uniform' });
    expect(Array.from(a.parameters)).not.toEqual(Array.from(b.parameters));
  });

  test('abort signal stops training with AbortedError', () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => trainDenoisingScoreMatching(small(), data, { steps: 5, signal: controller.signal })).toThrow(
      AbortedError,
    );
  });

  test('a non-finite loss stops training with NonFiniteValueError', () => {
    const net = small();
    net.parameters[0] = Number.NaN;
    expect(() => trainDenoisingScoreMatching(net, data, { steps: 5, batchSize: 4 })).toThrow(NonFiniteValueError);
  });

  test('bad input: typed errors naming the argument', () => {
    const net = small();
    const f =
      (options: object, d: Batch = data) =>
      () =>
        trainDenoisingScoreMatching(net, d, options);
    expect(f({}, batch(10, 3))).toThrow(
      /trainDenoisingScoreMatching: argument 'data' must be a batch with d = 2 columns/,
    );
    const nan = batch(3, 2);
    nan.data[3] = Number.NaN;
    expect(f({}, nan)).toThrow(/argument 'data\[1\]\[1\]' must be a finite number; got NaN/);
    expect(f({}, batch(0, 2))).toThrow(/argument 'data' must be a batch with at least 1 row/);
    expect(f({ steps: 0 })).toThrow(/options.steps/);
    expect(f({ batchSize: 2.5 })).toThrow(/options.batchSize/);
    expect(f({ tMin: 0 })).toThrow(/options.tMin/);
    expect(f({ tMin: 2, tMax: 1 })).toThrow(/argument 'options.tMax' must be a number > options.tMin \(2\); got 1/);
    expect(f({ timeDistribution: 'normal' })).toThrow(/options.timeDistribution/);
    expect(f({ learningRate: -1 })).toThrow(/options.learningRate/);
    expect(f({ beta1: 1 })).toThrow(/argument 'options.beta1' must be a number in \[0, 1\)/);
    expect(f({ beta2: Number.NaN })).toThrow(/options.beta2/);
    expect(f({ epsilon: 0 })).toThrow(/options.epsilon/);
    expect(f({ emaDecay: 1 })).toThrow(/options.emaDecay/);
    expect(f({ seed: 2 ** 32 })).toThrow(/options.seed/);
    expect(f({ onStep: 3 })).toThrow(/options.onStep/);
    expect(() => trainDenoisingScoreMatching({} as ScoreNetwork, data)).toThrow(InvalidArgumentError);
    expect(() =>
      trainDenoisingScoreMatching(net, {
        data: new Float64Array(4),
        shape: [2, 2],
        stride: [1, 2],
        offset: 0,
      } as Tensor),
    ).toThrow(/argument 'data'/);
  });
});

describe('float32 training agrees in law with float64', () => {
  // Same data, architecture and options as above; seeds 1..S for both dtypes. Stated in advance: the float32 EMA
  // networks' mean relative L2 score error equals the float64 one's within 5 standard errors of the difference,
  // the SE computed from the seed-to-seed spread of both (plus each estimate's Monte Carlo SE); and each float32
  // network meets the same 5% threshold as the float64 test above.
  const GRID = [0.01, 0.03, 0.1, 0.3, 1, 3];
  const SEEDS = [1, 2, 3, 4];

  test('relative L2 score errors over seeds: float32 mean within 5 SE of float64 mean, each below 5%', () => {
    const data = gaussianSamples(4096, MU, SIGMA, new RandomStream(1));
    const errors = { float64: [] as number[], float32: [] as number[] };
    const monteCarloVariance = { float64: 0, float32: 0 };
    for (const dtype of ['float64', 'float32'] as const) {
      for (const seed of SEEDS) {
        const network = createScoreNetwork({ dim: 2, hiddenWidths: [32, 32], seed: 10 + seed, dtype });
        const result = trainDenoisingScoreMatching(network, data, {
          steps: 1000,
          batchSize: 256,
          learningRate: 3e-3,
          emaDecay: 0.99,
          seed: 20 + seed,
        });
        expect(result.ema!.dtype).toBe(dtype);
        const e = relativeScoreError(result.ema!, GRID, 2000, 9);
        errors[dtype].push(e.mean);
        monteCarloVariance[dtype] += e.standardError ** 2;
        expect(e.mean + 5 * e.standardError).toBeLessThan(0.05);
      }
    }
    const s = SEEDS.length;
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const variance = (a: number[]) => a.reduce((x, y) => x + (y - mean(a)) ** 2, 0) / (a.length - 1);
    const se = Math.sqrt(
      (variance(errors.float64) + variance(errors.float32)) / s +
        (monteCarloVariance.float64 + monteCarloVariance.float32) / s ** 2,
    );
    expect(Math.abs(mean(errors.float32) - mean(errors.float64))).toBeLessThanOrEqual(5 * se);
    // The two dtypes really trained differently (float32 weights are not the float64 ones).
    expect(errors.float32).not.toEqual(errors.float64);
  });
});
