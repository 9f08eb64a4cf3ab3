import { InvalidArgumentError, batch, fillParticleNormals, type Batch } from '@sgmkit/tensor';
import { gaussianScore, cldGaussianScore, type Score } from '@sgmkit/score';
import {
  ddpmAncestral,
  ddpmEulerMaruyama,
  ddpmExponentialIntegrator,
  ddpmHeun,
  ddpmStochasticHeun,
  cldExponentialIntegrator,
  exactDDPMLaw,
  brownianWeightsInto,
  uniformGrid,
  MAX_BROWNIAN_LEVELS,
  INITIAL_POSITION_STREAM,
  sampleDDPM,
} from '@sgmkit/sampler';
import { expectArgumentError } from '../helpers/errors';
import { K_SE } from '../helpers/statistics';

const d = 2;

function start(n: number, seed: number): Batch<Float64Array> {
  const y = batch(n, d);
  fillParticleNormals(y, seed, INITIAL_POSITION_STREAM, 0);
  return y;
}

/** A score whose probability-flow-free part makes each method's update exactly linear-Gaussian in the noise. */
function linearScore(c: number): Score {
  return {
    kind: 'ou',
    dim: d,
    evaluate: (_t, x, out) => {
      for (let i = 0; i < out.data.length; i++) out.data[i] = c * x.data[i]!;
    },
  };
}

function maxAbsDifference(a: Batch, b: Batch): number {
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
  return worst;
}

const integrators = {
  'exponential-integrator': ddpmExponentialIntegrator,
  'euler-maruyama': ddpmEulerMaruyama,
  'stochastic-heun': ddpmStochasticHeun,
} as const;

describe('refined Brownian paths: one path for every level', () => {
  test('weights: Σ w² = 1 (the step normal is exactly N(0, 1)); one fine step has weight 1', () => {
    for (const method of ['exponential-integrator', 'euler-maruyama', 'stochastic-heun'] as const) {
      for (const [h, m] of [
        [0.3, 8],
        [1e-3, 64],
        [0.05, 1],
      ] as const) {
        const w = brownianWeightsInto(method, h, m, new Float64Array(m));
        expect(Math.abs(w.reduce((a, v) => a + v * v, 0) - 1)).toBeLessThanOrEqual(1e-14);
        if (m === 1) expect(w[0]).toBe(1);
      }
    }
  });

  test('level 0 is the ordinary run, bit for bit', () => {
    const score = gaussianScore({
      mean: [1, -1],
      covariance: [
        [1, 0.3],
        [0.3, 0.5],
      ],
    });
    for (const [method, run] of Object.entries(integrators)) {
      const a = start(50, 1);
      const b = start(50, 1);
      run(score, a, uniformGrid(3, 20), { seed: 4 });
      run(score, b, uniformGrid(3, 20), { seed: 4, brownianLevels: 0 });
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      void method;
    }
  });

  // When the drift is linear and the scheme integrates it exactly (EI and stochastic Heun with s ≡ 0:
  // dY = Y ds + √2 dW; EM with s = −y/2: dY = √2 dW), a coarse step is exactly the composition of its fine
  // steps, so a coarse run at level L and the fine run at level 0 must agree to rounding if and only if they
  // share the path.
  test.each([
    ['exponential-integrator', 0],
    ['euler-maruyama', -0.5],
    ['stochastic-heun', 0],
  ] as const)(
    '%s: the coarse run at level L equals the 2^L-times finer run where the scheme is exact in the drift',
    (method, c) => {
      const run = integrators[method];
      const fine = start(40, 2);
      run(linearScore(c), fine, uniformGrid(1, 128), { seed: 9 });
      for (const levels of [1, 3, 5]) {
        const coarse = start(40, 2);
        run(linearScore(c), coarse, uniformGrid(1, 128 / 2 ** levels), { seed: 9, brownianLevels: levels });
        expect(maxAbsDifference(coarse, fine)).toBeLessThanOrEqual(1e-12);
        const other = start(40, 2);
        run(linearScore(c), other, uniformGrid(1, 128 / 2 ** levels), { seed: 10, brownianLevels: levels });
        expect(maxAbsDifference(other, fine)).toBeGreaterThan(0.1);
      }
    },
  );

  test('same bits whatever the row split (firstRow) and the segment split (firstStep)', () => {
    const score = gaussianScore({ mean: [0.5, 0], covariance: 0.7 });
    const whole = start(30, 3);
    ddpmExponentialIntegrator(score, whole, uniformGrid(2, 10), { seed: 5, brownianLevels: 2 });
    const all = start(30, 3);
    const tail: Batch<Float64Array> = { data: all.data.subarray(20 * d), shape: [10, d], stride: [d, 1], offset: 0 };
    ddpmExponentialIntegrator(score, tail, uniformGrid(2, 10), { seed: 5, firstRow: 20, brownianLevels: 2 });
    expect(Array.from(tail.data)).toEqual(Array.from(whole.data.subarray(20 * d)));
    const segmented = start(30, 3);
    const grid = uniformGrid(2, 10);
    ddpmExponentialIntegrator(score, segmented, grid.subarray(0, 5), { seed: 5, brownianLevels: 2 });
    ddpmExponentialIntegrator(score, segmented, grid.subarray(4), { seed: 5, firstStep: 4, brownianLevels: 2 });
    expect(Array.from(segmented.data)).toEqual(Array.from(whole.data));
  });

  test('a refined coarse run has the exact output law of the method (5 SE)', () => {
    const mean = [1, -1];
    const covariance = [
      [1, 0.3],
      [0.3, 0.5],
    ];
    const score = gaussianScore({ mean, covariance });
    const n = 20_000;
    const y = start(n, 6);
    const grid = uniformGrid(3, 12);
    ddpmExponentialIntegrator(score, y, grid, { seed: 8, brownianLevels: 3 });
    const law = exactDDPMLaw(
      {
        mean: Float64Array.from(mean),
        covariance: { data: Float64Array.from(covariance.flat()), shape: [2, 2], stride: [2, 1], offset: 0 },
      },
      { T: 3, grid, method: 'exponential-integrator' },
    );
    for (let j = 0; j < d; j++) {
      let sum = 0;
      let squares = 0;
      for (let r = 0; r < n; r++) sum += y.data[r * d + j]!;
      const m = sum / n;
      for (let r = 0; r < n; r++) squares += (y.data[r * d + j]! - m) ** 2;
      const variance = law.covariance.data[j * d + j]!;
      expect(Math.abs(m - law.mean[j]!)).toBeLessThanOrEqual(K_SE * Math.sqrt(variance / n));
      expect(Math.abs(squares / (n - 1) - variance)).toBeLessThanOrEqual(K_SE * variance * Math.sqrt(2 / (n - 1)));
    }
  });
});

describe('refined Brownian paths refuse what they cannot couple', () => {
  const score = gaussianScore({ mean: [0, 0], covariance: 1 });
  const grid = uniformGrid(2, 8);
  test.each([
    ['ancestral', () => ddpmAncestral(score, start(4, 1), grid, { seed: 1, brownianLevels: 1 })],
    ['heun (no noise)', () => ddpmHeun(score, start(4, 1), grid, { seed: 1, brownianLevels: 1 })],
    [
      'a corrector',
      () =>
        ddpmExponentialIntegrator(
          score,
          start(4, 1),
          grid,
          { seed: 1, brownianLevels: 1 },
          { corrector: { steps: 1, stepSize: 0.01 } },
        ),
    ],
    [
      'too many levels',
      () => ddpmExponentialIntegrator(score, start(4, 1), grid, { seed: 1, brownianLevels: MAX_BROWNIAN_LEVELS + 1 }),
    ],
    ['a fractional level', () => ddpmEulerMaruyama(score, start(4, 1), grid, { seed: 1, brownianLevels: 0.5 })],
    [
      'CLD',
      () => {
        const x = start(4, 1);
        const v = start(4, 2);
        return cldExponentialIntegrator(cldGaussianScore({ mean: [0, 0], covariance: 1 }), x, v, grid, {
          seed: 1,
          brownianLevels: 1,
        });
      },
    ],
  ])('%s', (_what, f) => expectArgumentError(f, InvalidArgumentError, 'noise.brownianLevels'));
});

/** Least-squares slope of log y against log x. */
function logSlope(x: number[], y: number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
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

// Theory: the reverse OU SDE has additive noise (√2 dW), for which Euler–Maruyama coincides with Milstein and
// has strong order 1 (Kloeden & Platen 1992, §10.3), not the 1/2 of multiplicative noise; the exponential
// integrator with the frozen score is also strong order 1 for additive noise (the frozen-score error over a step
// is ∫ M (y(u) − y_k) du, a mean-zero O(h^{3/2}) term per step, O(h) in total). The Gaussian score is smooth in
// (t, x) on [0, T] (q_t's covariance stays ≥ min(λ_min(Σ), 1)), so both apply with δ = 0. Stochastic Heun
// (the exponential integrator's exact linear part and noise, trapezoidal score quadrature) is strong order 1 too:
// its drift error is O(h²), but the quadrature of the in-step noise, ∫ M (W_u − (u/h) W_h) du, is a mean-zero
// O(h^{3/2}) term per step, O(h) in total. Its O(h²) part still shows on 16–128 steps (error ratios 2.41, 2.27,
// 2.23 per halving, fitted 1.20), so it is fitted on 128–1024 steps against 16384 (ratios 2.13, 2.06, 2.01).
describe('strong (pathwise) error on Gaussian data against the fine run on the same path', () => {
  const score = gaussianScore({
    mean: [1, -1],
    covariance: [
      [1, 0.3],
      [0.3, 0.5],
    ],
  });
  const T = 2;
  const n = 2000;
  // The finest grid is 32 (16 for stochastic Heun) times finer than the finest coarse grid: its own error is a few
  // percent of the smallest one measured.
  const grids = {
    'exponential-integrator': { coarse: [16, 32, 64, 128], finest: 4096 },
    'euler-maruyama': { coarse: [16, 32, 64, 128], finest: 4096 },
    'stochastic-heun': { coarse: [128, 256, 512, 1024], finest: 16384 },
  } as const;
  const batches = 10;

  test.each(['exponential-integrator', 'euler-maruyama', 'stochastic-heun'] as const)(
    '%s: fitted strong order 1 ± 0.1 (theory: 1 for additive noise)',
    (method) => {
      const { coarse, finest } = grids[method];
      const run = integrators[method];
      const reference = start(n, 11);
      run(score, reference, uniformGrid(T, finest), { seed: 12 });
      // Squared errors per batch of particles, for each coarse grid.
      const squared = coarse.map((steps) => {
        const y = start(n, 11);
        run(score, y, uniformGrid(T, steps), { seed: 12, brownianLevels: Math.log2(finest / steps) });
        const perBatch = new Array<number>(batches).fill(0);
        for (let r = 0; r < n; r++) {
          for (let j = 0; j < d; j++)
            perBatch[Math.floor((r * batches) / n)]! += (y.data[r * d + j]! - reference.data[r * d + j]!) ** 2;
        }
        return perBatch;
      });
      const h = coarse.map((steps) => T / steps);
      const rms = squared.map((b) => Math.sqrt(b.reduce((a, v) => a + v, 0) / n));
      const order = logSlope(h, rms);
      // The slope's sampling error, from the spread of the slopes of 10 disjoint particle batches.
      const batchOrders = Array.from({ length: batches }, (_, k) =>
        logSlope(
          h,
          squared.map((b) => Math.sqrt(b[k]! / (n / batches))),
        ),
      );
      const meanOrder = batchOrders.reduce((a, v) => a + v, 0) / batches;
      const se = Math.sqrt(batchOrders.reduce((a, v) => a + (v - meanOrder) ** 2, 0) / (batches - 1) / batches);
      expect(K_SE * se).toBeLessThan(0.1); // the tolerance is not noise-limited
      expect(Math.abs(order - 1)).toBeLessThanOrEqual(0.1);
      expect(order).toBeGreaterThan(0.5); // the Euler–Maruyama strong order 1/2 holds a fortiori
    },
  );
});

describe('brownianLevels through sampleDDPM', () => {
  const score = gaussianScore({
    mean: [1, -0.5],
    covariance: [
      [0.6, 0.2],
      [0.2, 0.9],
    ],
  });
  const grid = uniformGrid(3, 12);

  test.each(['exponential-integrator', 'euler-maruyama', 'stochastic-heun'] as const)(
    '%s: the same bits as the integrator with noise.brownianLevels, on 1 or 2 workers and in chunks',
    async (method) => {
      const n = 301;
      const direct = batch(n, d);
      fillParticleNormals(direct, 4, INITIAL_POSITION_STREAM, 0);
      integrators[method](score, direct, grid, { seed: 4, brownianLevels: 2 });
      for (const options of [{ workers: 1 }, { workers: 2 }, { chunkSize: 50 }]) {
        const run = await sampleDDPM(score, { T: 3, grid, n, seed: 4, method, brownianLevels: 2, ...options });
        expect(Array.from(run.samples.data)).toEqual(Array.from(direct.data));
      }
      // level 0 is the ordinary run
      const plain = await sampleDDPM(score, { T: 3, grid, n, seed: 4, method });
      const zero = await sampleDDPM(score, { T: 3, grid, n, seed: 4, method, brownianLevels: 0 });
      expect(Array.from(zero.samples.data)).toEqual(Array.from(plain.samples.data));
    },
  );

  test('refused up front, naming options.brownianLevels, where the integrators refuse it', async () => {
    const base = { T: 3, grid, n: 10, seed: 1 };
    for (const options of [
      { method: 'ancestral' as const, brownianLevels: 1 },
      { method: 'euler-maruyama' as const, brownianLevels: 1, corrector: { steps: 1, stepSize: 0.01 } },
      { method: 'euler-maruyama' as const, brownianLevels: -1 },
      { method: 'euler-maruyama' as const, brownianLevels: 0.5 },
    ]) {
      await expect(sampleDDPM(score, { ...base, ...options, workers: 2 })).rejects.toThrow(
        /sampleDDPM: argument 'options\.brownianLevels'/,
      );
    }
  });
});
