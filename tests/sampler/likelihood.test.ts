import { InvalidArgumentError, NonFiniteValueError, fromArray, type Batch } from '@sgmkit/tensor';
import {
  clippedScore,
  createScoreNetwork,
  gaussianMixtureScore,
  gaussianScore,
  pointCloudScore,
  scaledScore,
  type Score,
} from '@sgmkit/score';
import {
  defaultDivergenceOf,
  exactPFODELikelihood,
  logLikelihood,
  uniformGrid,
  earlyStoppingGrid,
} from '@sgmkit/sampler';
import { expectArgumentError } from '../helpers/errors';
import { K_SE } from '../helpers/statistics';

// Data N(μ, Σ) in d = 3 with a full covariance (eigenvalues 0.2, 1, 3 in a rotated frame).
const mean3 = [1, -2, 0.5];
const cov3 = [
  [1.6, 0.7, -0.3],
  [0.7, 1.2, 0.4],
  [-0.3, 0.4, 0.9],
];
const target = gaussianScore({ mean: mean3, covariance: cov3 });
const points = fromArray([
  [0, 0, 0],
  [1, -2, 0.5],
  [2.5, -1, -0.7],
  [-1, -3, 2],
  [0.3, 0.2, -1.1],
]);

/** log N(x; m, C) for small d (Cholesky in plain JS: an oracle independent of the library). */
function gaussianLogDensity(x: number[], m: number[], c: number[][]): number {
  const d = m.length;
  const l: number[][] = c.map(() => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(s) : s / l[j]![j]!;
    }
  }
  const y: number[] = [];
  for (let i = 0; i < d; i++) {
    let s = x[i]! - m[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y.push(s / l[i]![i]!);
  }
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += Math.log(l[i]![i]!);
  return -0.5 * y.reduce((a, v) => a + v * v, 0) - logDet - 0.5 * d * Math.log(2 * Math.PI);
}

/** The OU marginal q_t of N(m, C): N(e^{−t} m, e^{−2t} C + (1 − e^{−2t}) I). */
function marginal(m: number[], c: number[][], t: number): { m: number[]; c: number[][] } {
  const a = Math.exp(-t);
  return {
    m: m.map((v) => a * v),
    c: c.map((row, i) => row.map((v, j) => a * a * v + (i === j ? -Math.expm1(-2 * t) : 0))),
  };
}

function rowsOf(b: Batch): number[][] {
  const [n, d] = b.shape as [number, number];
  return Array.from({ length: n }, (_, r) => Array.from(b.data.subarray(b.offset + r * d, b.offset + (r + 1) * d)));
}

function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
  return worst;
}

function slope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length;
  const my = ly.reduce((a, b) => a + b) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i]! - mx) * (ly[i]! - my);
    den += (lx[i]! - mx) ** 2;
  }
  return num / den;
}

describe('logLikelihood with the exact divergence on Gaussian data', () => {
  test('equals the closed form of the discretised (Runge–Kutta 4) model to 1e-6 relative (measured ~1e-15)', () => {
    for (const grid of [uniformGrid(10, 40), uniformGrid(10, 200, 1e-3), earlyStoppingGrid(10, 1e-3, 60)]) {
      const result = logLikelihood(target, points, { T: 10, grid });
      const exact = exactPFODELikelihood(target, points, { T: 10, grid });
      expect(result.divergence).toBe('exact');
      expect(maxRelative(result.logLikelihood, exact.logLikelihood)).toBeLessThanOrEqual(1e-6);
      expect(maxRelative(result.logLikelihood, exact.logLikelihood)).toBeLessThanOrEqual(1e-12);
    }
  });

  test('converges to the true data density log q_δ(x) as the step → 0: fitted order 4 ± 0.1, and 1e-6 relative', () => {
    // T = 20: q_T differs from N(0, I) by e^{-20} in the mean and e^{-40} in the covariance, far below the tolerances.
    const delta = 1e-3;
    const q = marginal(mean3, cov3, delta);
    const truth = rowsOf(points).map((x) => gaussianLogDensity(x, q.m, q.c));
    const steps = [50, 100, 200, 400];
    const results = steps.map((n) => logLikelihood(target, points, { T: 20, grid: earlyStoppingGrid(20, delta, n) }));
    const errors = results.map((r) => maxRelative(r.logLikelihood, truth));
    expect(Math.abs(slope(steps, errors) + 4)).toBeLessThanOrEqual(0.1);
    expect(errors[errors.length - 1]!).toBeLessThanOrEqual(1e-6);
    const last = results[results.length - 1]!;
    const bits = last.logLikelihood.map((l) => -l / (3 * Math.LN2));
    expect(maxRelative(last.bitsPerDim, bits)).toBeLessThanOrEqual(1e-14);
  });

  test('the trace quadrature tends to log|det Φ| of the discrete map', () => {
    const gaps = [50, 400].map((n) => {
      const exact = exactPFODELikelihood(target, points, { T: 20, grid: earlyStoppingGrid(20, 1e-3, n) });
      return Math.abs(exact.divergenceIntegral - exact.mapLogDeterminant) / Math.abs(exact.mapLogDeterminant);
    });
    expect(gaps[1]!).toBeLessThanOrEqual(1e-6);
    expect(gaps[1]!).toBeLessThan(gaps[0]! / 100);
  });
});

describe('Hutchinson estimator', () => {
  const n = 200;
  const many = fromArray(
    Array.from({ length: n }, (_, r) => [Math.sin(r), Math.cos(1.3 * r) - 1, 0.5 * Math.sin(0.7 * r + 1)]),
  );

  test('is unbiased for an affine score: within 5 SE of the exact divergence (fixed seeds)', () => {
    const exact = logLikelihood(target, many, { T: 10, steps: 30 });
    for (const seed of [1, 2, 3]) {
      const h = logLikelihood(target, many, { T: 10, steps: 30, divergence: 'hutchinson', probes: 4, seed });
      // Per point the probes are independent of the other points: SE of the difference of the means.
      let variance = 0;
      for (let r = 0; r < n; r++) variance += h.standardError![r]! ** 2;
      const se = Math.sqrt(variance) / n;
      expect(se).toBeGreaterThan(0);
      expect(Math.abs(h.mean.nats - exact.mean.nats)).toBeLessThanOrEqual(K_SE * se);
    }
  });

  test('is unbiased for a non-affine score (mixture, JVP by central differences): within 5 SE of the coordinate-wise divergence', () => {
    const mixture = gaussianMixtureScore({
      weights: [0.3, 0.7],
      means: [
        [2, 0, 0],
        [-1, 1, 0.5],
      ],
      covariances: [0.5, 0.8],
    });
    const sub = fromArray(rowsOf(many).slice(0, 60));
    const coordinatewise = logLikelihood(mixture, sub, {
      T: 8,
      steps: 20,
      delta: 1e-2,
      divergence: 'finite-difference',
    });
    const h = logLikelihood(mixture, sub, {
      T: 8,
      steps: 20,
      delta: 1e-2,
      divergence: 'hutchinson',
      probes: 4,
      seed: 9,
    });
    let variance = 0;
    for (let r = 0; r < 60; r++) variance += h.standardError![r]! ** 2;
    const se = Math.sqrt(variance) / 60;
    expect(Math.abs(h.mean.nats - coordinatewise.mean.nats)).toBeLessThanOrEqual(K_SE * se);
  });

  test('same seed gives the same bits whatever the chunk size and the row split', () => {
    const options = { T: 10, steps: 12, divergence: 'hutchinson' as const, probes: 3, seed: 5 };
    const whole = logLikelihood(target, many, options);
    const chunked = logLikelihood(target, many, { ...options, chunkSize: 7 });
    expect(Array.from(chunked.logLikelihood)).toEqual(Array.from(whole.logLikelihood));
    const tail = fromArray(rowsOf(many).slice(50));
    const split = logLikelihood(target, tail, { ...options, firstRow: 50 });
    expect(Array.from(split.logLikelihood)).toEqual(Array.from(whole.logLikelihood.subarray(50)));
    const other = logLikelihood(target, many, { ...options, seed: 6 });
    expect(other.logLikelihood[0]).not.toBe(whole.logLikelihood[0]);
  });
});

describe('non-affine scores and normalised scores', () => {
  test('mixture data: the coordinate-wise divergence converges to the true mixture density log q_δ(x)', () => {
    const weights = [0.3, 0.7];
    const means = [
      [2, 0, 0],
      [-1, 1, 0.5],
    ];
    const variances = [0.5, 0.8];
    const mixture = gaussianMixtureScore({ weights, means, covariances: variances });
    const delta = 1e-2;
    const truth = rowsOf(points).map((x) => {
      const terms = weights.map((w, k) => {
        const q = marginal(
          means[k]!,
          [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? variances[k]! : 0))),
          delta,
        );
        return Math.log(w) + gaussianLogDensity(x, q.m, q.c);
      });
      const top = Math.max(...terms);
      return top + Math.log(terms.reduce((a, t) => a + Math.exp(t - top), 0));
    });
    const result = logLikelihood(mixture, points, {
      T: 20,
      grid: earlyStoppingGrid(20, delta, 400),
      divergence: 'finite-difference',
    });
    expect(result.divergence).toBe('finite-difference');
    expect(maxRelative(result.logLikelihood, truth)).toBeLessThanOrEqual(1e-6);
    // the exact divergence (closed-form Jacobian trace of the mixture, the default) reaches it too, and differs
    // from central differences only by their ≈ 1e-10 error
    const exact = logLikelihood(mixture, points, { T: 20, grid: earlyStoppingGrid(20, delta, 400) });
    expect(exact.divergence).toBe('exact');
    expect(maxRelative(exact.logLikelihood, truth)).toBeLessThanOrEqual(1e-6);
    expect(maxRelative(exact.logLikelihood, Array.from(result.logLikelihood))).toBeLessThanOrEqual(1e-8);
  });

  test('exact divergence of non-affine scores (point cloud, network): equals central differences to their error, Hutchinson within 5 SE', () => {
    const cloud = pointCloudScore([
      [0, 1, 0],
      [1, 0, -1],
      [-1, 0.5, 0.5],
      [0.5, -1, 1],
    ]);
    const network = createScoreNetwork({ dim: 3, hiddenWidths: [16, 16], seed: 2 });
    for (let i = 0; i < network.parameters.length; i++) network.parameters[i] += 0.3 * Math.sin(7 * i); // curved SiLUs
    network.syncWeights();
    const sub = fromArray(
      Array.from({ length: 40 }, (_, r) => [1.5 * Math.sin(r), 1.2 * Math.cos(1.3 * r), Math.sin(0.7 * r) + 0.2]),
    );
    // Central differences are off by η²|∂³s|/6 per coordinate (η = 2^-17): ≈ 1e-12 relative for the network, but
    // the point cloud's score at t = 0.01 varies on the scale √v ≈ 0.14 (|∂³s| ~ |s|/v), so there they are off by
    // ≈ 3e-8 (measured): the agreement asked of each is that of central differences, not of the exact trace.
    for (const [score, agreement] of [
      [cloud, 1e-6],
      [network, 1e-10],
    ] as const) {
      const options = { T: 8, steps: 16, delta: 1e-2 };
      const exact = logLikelihood(score, sub, options);
      expect(exact.divergence).toBe('exact');
      expect(exact.scoreEvaluations).toBe(4 * 16);
      const fd = logLikelihood(score, sub, { ...options, divergence: 'finite-difference' });
      expect(maxRelative(exact.logLikelihood, Array.from(fd.logLikelihood))).toBeLessThanOrEqual(agreement);
      const h = logLikelihood(score, sub, { ...options, divergence: 'hutchinson', probes: 4, seed: 12 });
      let variance = 0;
      for (let r = 0; r < 40; r++) variance += h.standardError![r]! ** 2;
      const se = Math.sqrt(variance) / 40;
      expect(se).toBeGreaterThan(0);
      expect(Math.abs(h.mean.nats - exact.mean.nats)).toBeLessThanOrEqual(K_SE * se);
    }
  });

  test('exact divergence of wrappers (clipped network and mixture, scaled network): equals central differences', () => {
    const network = createScoreNetwork({ dim: 3, hiddenWidths: [16, 16], seed: 2 });
    for (let i = 0; i < network.parameters.length; i++) network.parameters[i] += 0.3 * Math.sin(7 * i);
    network.syncWeights();
    const mixture = gaussianMixtureScore({
      weights: [0.3, 0.7],
      means: [
        [1, 0, -1],
        [-1, 1, 0.5],
      ],
      covariances: [0.5, [0.3, 0.8, 0.4]],
    });
    const range = { lower: [-1, -0.8, -0.6], upper: [0.8, 1, 0.7] };
    const sub = fromArray(
      Array.from({ length: 40 }, (_, r) => [1.5 * Math.sin(r), 1.2 * Math.cos(1.3 * r), Math.sin(0.7 * r) + 0.2]),
    );
    const options = { T: 8, steps: 16, delta: 1e-2 };
    // Agreement asked: central differences' own error (η = 2^-17), measured 3.2e-11 / 6.6e-9 / 1.9e-12. A clamped
    // coordinate's score (e^{−t}c − x)/σ_t² reaches ≈ 50 at δ = 0.01, so rounding alone, 2^-52·|s|/η, is ≈ 1.5e-9 per
    // coordinate and stage there; the mixture's trajectories spend longer clamped. No stage lands within η of a kink.
    for (const [base, score, agreement] of [
      [network, clippedScore(network, range), 1e-9],
      [mixture, clippedScore(mixture, range), 1e-7],
      [network, scaledScore(network, 0.2), 1e-10],
    ] as const) {
      const exact = logLikelihood(score, sub, options);
      expect(exact.divergence).toBe('exact');
      const fd = logLikelihood(score, sub, { ...options, divergence: 'finite-difference' });
      expect(maxRelative(exact.logLikelihood, Array.from(fd.logLikelihood))).toBeLessThanOrEqual(agreement);
      // the wrapper changes the model: its likelihood is not the base's
      const unwrapped = logLikelihood(base, sub, options);
      expect(maxRelative(exact.logLikelihood, Array.from(unwrapped.logLikelihood))).toBeGreaterThan(1e-3);
    }
  });

  test('a score with a normalisation gives the data-space density (affine and whitening maps)', () => {
    // The model of y pushed to x = mean + A y: log p_x(x) = log p_y(A⁻¹(x − mean)) − log|det A|.
    const m = [0.2, -0.1];
    const c = [
      [1, 0.3],
      [0.3, 0.6],
    ];
    const inner = gaussianScore({ mean: m, covariance: c });
    const shift = Float64Array.of(3, -1);
    const x = fromArray([
      [3, -1],
      [4, 0.5],
      [1.5, -2],
    ]);
    const maps: number[][][] = [
      [
        [2, 0],
        [0, 0.5],
      ],
      [
        [1.5, 0.4],
        [-0.3, 0.8],
      ],
    ];
    for (const a of maps) {
      const normalization =
        a[0]![1] === 0
          ? { kind: 'affine' as const, mean: shift, scale: Float64Array.of(a[0]![0]!, a[1]![1]!) }
          : { kind: 'whitening' as const, mean: shift, matrix: Float64Array.from(a.flat()) };
      const score: Score = {
        kind: 'ou',
        dim: 2,
        evaluate: (t, y, out) => inner.evaluate(t, y, out),
        affineAt: (t) => inner.affineAt(t),
        normalization,
      };
      const viaMap = logLikelihood(score, x, { T: 10, steps: 50, delta: 1e-3 });
      const y = rowsOf(x).map((row) => {
        const b = [row[0]! - shift[0]!, row[1]! - shift[1]!];
        const det = a[0]![0]! * a[1]![1]! - a[0]![1]! * a[1]![0]!;
        return [(a[1]![1]! * b[0]! - a[0]![1]! * b[1]!) / det, (-a[1]![0]! * b[0]! + a[0]![0]! * b[1]!) / det];
      });
      const inY = logLikelihood(inner, fromArray(y), { T: 10, steps: 50, delta: 1e-3 });
      const logDet = Math.log(Math.abs(a[0]![0]! * a[1]![1]! - a[0]![1]! * a[1]![0]!));
      expect(
        maxRelative(
          viaMap.logLikelihood,
          inY.logLikelihood.map((l) => l - logDet),
        ),
      ).toBeLessThanOrEqual(1e-12);
    }
  });
});

describe('logLikelihood refuses bad input with typed errors', () => {
  const x = fromArray([[0, 0, 0]]);
  test.each([
    ['options.T', () => logLikelihood(target, x, { T: -1, steps: 10 })],
    ['options.steps', () => logLikelihood(target, x, { T: 10 })],
    ['options.steps', () => logLikelihood(target, x, { T: 10, steps: 1.5 })],
    ['options.delta', () => logLikelihood(target, x, { T: 10, steps: 10, delta: 10 })],
    ['options.steps', () => logLikelihood(target, x, { T: 10, steps: 10, grid: uniformGrid(10, 10) })],
    ['options.divergence', () => logLikelihood(target, x, { T: 10, steps: 10, divergence: 'autograd' as never })],
    ['options.seed', () => logLikelihood(target, x, { T: 10, steps: 10, divergence: 'hutchinson' })],
    [
      'options.probes',
      () => logLikelihood(target, x, { T: 10, steps: 10, divergence: 'hutchinson', seed: 1, probes: 0 }),
    ],
    ['options.probes', () => logLikelihood(target, x, { T: 10, steps: 10, probes: 3 })],
    ['options.chunkSize', () => logLikelihood(target, x, { T: 10, steps: 10, chunkSize: 0 })],
    ['options.firstRow', () => logLikelihood(target, x, { T: 10, steps: 10, firstRow: -1 })],
    ['x', () => logLikelihood(target, fromArray([[0, 0]]), { T: 10, steps: 10 })],
    ['x.data[1]', () => logLikelihood(target, fromArray([[0, NaN, 0]]), { T: 10, steps: 10 })],
    ['score.kind', () => logLikelihood({} as Score, x, { T: 10, steps: 10 })],
  ])('%s', (argument, f) => expectArgumentError(f, InvalidArgumentError, argument));

  test("'exact' needs a score with an affine form or a Jacobian trace", () => {
    const mixture = gaussianMixtureScore({ weights: [1], means: [[0, 0, 0]], covariances: [1] });
    const opaque: Score = { kind: 'ou', dim: 3, evaluate: (t, y, out) => mixture.evaluate(t, y, out) };
    const refuse = () => logLikelihood(opaque, x, { T: 10, steps: 10, divergence: 'exact' });
    expectArgumentError(refuse, InvalidArgumentError, 'options.divergence');
    expect(refuse).toThrow(/jacobianTraceInto/);
    // without a divergence option such a score falls back to central differences (d ≤ 16)
    expect(logLikelihood(opaque, x, { T: 10, steps: 10 }).divergence).toBe('finite-difference');
    // defaults: exact for affine scores at any d, for Jacobian traces up to d = 16 (a network's costs d passes)
    expect(defaultDivergenceOf(mixture)).toBe('exact');
    const wide = (d: number) => Array.from({ length: d }, () => 0);
    expect(defaultDivergenceOf(gaussianMixtureScore({ weights: [1], means: [wide(17)], covariances: [1] }))).toBe(
      'hutchinson',
    );
    expect(defaultDivergenceOf(gaussianScore({ mean: wide(17), covariance: 1 }))).toBe('exact');
  });

  test('a score returning NaN stops the run with NonFiniteValueError', () => {
    const bad: Score = { kind: 'ou', dim: 3, evaluate: (_t, _x, out) => out.data.fill(NaN) };
    expect(() => logLikelihood(bad, x, { T: 10, steps: 3, divergence: 'finite-difference' })).toThrow(
      NonFiniteValueError,
    );
  });

  test('exactPFODELikelihood refuses a non-affine score', () => {
    const mixture = gaussianMixtureScore({ weights: [1], means: [[0, 0, 0]], covariances: [1] });
    expectArgumentError(
      () => exactPFODELikelihood(mixture, x, { T: 10, grid: uniformGrid(10, 5) }),
      InvalidArgumentError,
      'score.affineAt',
    );
  });
});
