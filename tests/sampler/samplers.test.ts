import {
  AbortedError,
  InvalidArgumentError,
  NonFiniteValueError,
  batch,
  fromArray,
  fillParticleNormals,
} from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import {
  sampleDDPM,
  sampleCLD,
  ddpmExponentialIntegrator,
  cldSSCS,
  uniformGrid,
  customGrid,
  DDPM_METHODS,
  CLD_METHODS,
  SINGLE_STEP_DDPM_METHODS,
  predictorStream,
  correctorStream,
  INITIAL_POSITION_STREAM,
} from '@sgmkit/sampler';
import type { Score } from '@sgmkit/score';
import { diagonalGaussianScore, stationaryCLDScore, columnMoments, values } from './samplers-helpers';

const score2 = diagonalGaussianScore([1, -2], [0.5, 2]);

describe('reproducibility: same seed, any batch size or chunking, bit-identical', () => {
  test.each(DDPM_METHODS.map((m) => [m]))('DDPM %s', async (method) => {
    const base = { T: 3, steps: 12, seed: 11, method, corrector: { steps: 2, stepSize: 0.05 } } as const;
    const full = await sampleDDPM(score2, { ...base, n: 301 });
    const chunked = await sampleDDPM(score2, { ...base, n: 301, chunkSize: 17 });
    const half = await sampleDDPM(score2, { ...base, n: 150 });
    expect(values(chunked.samples)).toEqual(values(full.samples));
    expect(values(half.samples)).toEqual(values(full.samples).slice(0, 300));
    const again = await sampleDDPM(score2, { ...base, n: 301 });
    expect(values(again.samples)).toEqual(values(full.samples));
    const other = await sampleDDPM(score2, { ...base, n: 301, seed: 12 });
    expect(values(other.samples)).not.toEqual(values(full.samples));
  });

  test('particles that overflow while every score output stays finite are counted as diverged and non-finite', async () => {
    const huge: Score = {
      kind: 'ou',
      dim: 1,
      evaluate(_t, x, out) {
        out.data.fill(1.7e308, out.offset, out.offset + x.shape[0]!);
      },
    };
    const { diverged, samples } = await sampleDDPM(huge, { T: 1, steps: 2, n: 3, seed: 1 });
    expect(values(samples).every((v) => !Number.isFinite(v))).toBe(true);
    expect(diverged).toMatchObject({ count: 3, nonFinite: 3, fraction: 1 });
    const hugeCLD = {
      kind: 'cld' as const,
      dim: 1,
      evaluate(_t: number, x: Batch, _v: Batch, out: Batch) {
        out.data.fill(1.7e308, out.offset, out.offset + x.shape[0]!);
      },
    };
    const cld = await sampleCLD(hugeCLD, { T: 1, steps: 2, n: 3, seed: 1, method: 'euler-maruyama' });
    expect(cld.diverged).toMatchObject({ count: 3, nonFinite: 3, fraction: 1 });
  });

  test.each(CLD_METHODS.map((m) => [m]))('CLD %s', async (method) => {
    const score = stationaryCLDScore(3);
    const base = { T: 2, steps: 8, seed: 5, method, returnVelocities: true } as const;
    const full = await sampleCLD(score, { ...base, n: 101 });
    const chunked = await sampleCLD(score, { ...base, n: 101, chunkSize: 10 });
    const head = await sampleCLD(score, { ...base, n: 40 });
    expect(values(chunked.samples)).toEqual(values(full.samples));
    expect(values(chunked.velocities!)).toEqual(values(full.velocities!));
    expect(values(head.samples)).toEqual(values(full.samples).slice(0, 120));
    expect(values(head.velocities!)).toEqual(values(full.velocities!).slice(0, 120));
  });

  test('an abort signal (step-by-step path with yields) does not change the samples', async () => {
    const base = { T: 3, steps: 12, seed: 3, n: 64 };
    const plain = await sampleDDPM(score2, base);
    const withSignal = await sampleDDPM(score2, { ...base, signal: new AbortController().signal });
    expect(values(withSignal.samples)).toEqual(values(plain.samples));
  });
});

describe('integrator functions', () => {
  test('running a grid in two segments with firstStep equals one run', () => {
    const grid = uniformGrid(2, 10);
    const a = batch(50, 2);
    fillParticleNormals(a, 9, INITIAL_POSITION_STREAM, 0);
    const b = fromArray(Array.from(a.data), [50, 2]);
    ddpmExponentialIntegrator(score2, a, grid, { seed: 9 });
    ddpmExponentialIntegrator(score2, b, grid.subarray(0, 5), { seed: 9 });
    ddpmExponentialIntegrator(score2, b, grid.subarray(4), { seed: 9, firstStep: 4 });
    expect(values(b)).toEqual(values(a));
  });

  test('sampleDDPM = fillParticleNormals on stream 0 + the integrator', async () => {
    const grid = uniformGrid(2, 10);
    const y = batch(30, 2);
    fillParticleNormals(y, 4, INITIAL_POSITION_STREAM, 0);
    ddpmExponentialIntegrator(score2, y, grid, { seed: 4 });
    const r = await sampleDDPM(score2, { T: 2, steps: 10, n: 30, seed: 4 });
    expect(values(r.samples)).toEqual(values(y));
  });

  test('stream ids: predictor 64(k+1), corrector 64(k+1)+2+j', () => {
    expect(predictorStream(0)).toBe(64);
    expect(predictorStream(9)).toBe(640);
    expect(correctorStream(9, 0)).toBe(642);
    expect(correctorStream(9, 61)).toBe(703);
  });

  test('callback sees every step in order with its times, and scoreEvaluations counts predictor + corrector calls', async () => {
    const seen: [number, number, number][] = [];
    const r = await sampleDDPM(score2, {
      T: 1,
      steps: 4,
      n: 5,
      seed: 1,
      corrector: { steps: 3, stepSize: 0.01 },
      callback: ({ step, time, nextTime, y }) => {
        seen.push([step, time, nextTime]);
        expect(y.shape).toEqual([5, 2]);
      },
    });
    expect(seen).toEqual([
      [0, 1, 0.75],
      [1, 0.75, 0.5],
      [2, 0.5, 0.25],
      [3, 0.25, 0],
    ]);
    // the corrector runs after every step, the last one (at t = 0) included
    expect(r.scoreEvaluations).toBe(4 + 3 * 4);
    expect(Array.from(r.grid)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(r.wallTimeMs).toBeGreaterThanOrEqual(0);
    const c = await sampleCLD(stationaryCLDScore(1), { T: 1, steps: 4, n: 5, seed: 1, method: 'sscs' });
    expect(c.scoreEvaluations).toBe(4);
    expect(c.velocities).toBeUndefined();
  });

  test('init points are copied, not modified; the probability flow from them is deterministic', async () => {
    const init = fromArray([
      [0.1, 0.2],
      [-1, 3],
      [2, 2],
    ]);
    const before = values(init);
    const a = await sampleDDPM(score2, { T: 2, steps: 20, seed: 1, init, method: 'probability-flow' });
    const b = await sampleDDPM(score2, { T: 2, steps: 20, seed: 999, init, method: 'probability-flow' });
    expect(values(init)).toEqual(before);
    expect(values(a.samples)).toEqual(values(b.samples));
    expect(a.samples.shape).toEqual([3, 2]);
  });

  test('CLD with given initial positions and velocities', async () => {
    const positions = fromArray([[1], [2]]);
    const velocities = fromArray([[0], [-1]]);
    const r = await sampleCLD(stationaryCLDScore(1), {
      T: 1,
      steps: 3,
      seed: 2,
      init: { positions, velocities },
      returnVelocities: true,
    });
    expect(r.samples.shape).toEqual([2, 1]);
    expect(r.velocities!.shape).toEqual([2, 1]);
    expect(values(positions)).toEqual([1, 2]);
  });
});

describe('float32', () => {
  test('float32 particles give the same law (means within 5 SE of the float64 run)', async () => {
    const n = 20000;
    const r32 = await sampleDDPM(score2, { T: 4, steps: 40, n, seed: 8, dtype: 'float32' });
    expect(r32.samples.data).toBeInstanceOf(Float32Array);
    const r64 = await sampleDDPM(score2, { T: 4, steps: 40, n, seed: 8 });
    const m32 = columnMoments(r32.samples);
    const m64 = columnMoments(r64.samples);
    // same noise: the runs are coupled, so the difference is rounding only
    for (let j = 0; j < 2; j++)
      expect(Math.abs(m32.mean[j]! - m64.mean[j]!)).toBeLessThan(5 * Math.sqrt(m64.variance[j]! / n));
    let maxDiff = 0;
    for (let i = 0; i < 2 * n; i++) maxDiff = Math.max(maxDiff, Math.abs(r32.samples.data[i]! - r64.samples.data[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    const c = await sampleCLD(stationaryCLDScore(2), {
      T: 1,
      steps: 4,
      n: 10,
      seed: 1,
      dtype: 'float32',
      method: 'euler-maruyama',
    });
    expect(c.samples.data).toBeInstanceOf(Float32Array);
  });
});

describe('non-finite scores stop the run', () => {
  const nanBelow = (tStop: number): Score => ({
    kind: 'ou',
    dim: 2,
    evaluate(t, x, out) {
      score2.evaluate(t, x, out);
      if (t <= tStop) out.data[out.offset + 3] = NaN;
    },
  });

  test.each(SINGLE_STEP_DDPM_METHODS.map((m) => [m]))(
    'DDPM %s: NonFiniteValueError names the step and the time',
    async (method) => {
      const run = sampleDDPM(nanBelow(0.5), { T: 1, steps: 4, n: 4, seed: 1, method });
      await expect(run).rejects.toThrow(NonFiniteValueError);
      await expect(run).rejects.toThrow(/step 2, forward time t = 0.5\b.*particle 1, coordinate 1/);
    },
  );

  test('an infinite value in a corrector evaluation is caught too', async () => {
    const bad: Score = {
      kind: 'ou',
      dim: 2,
      evaluate(t, x, out) {
        score2.evaluate(t, x, out);
        if (t === 0.5) out.data[0] = Infinity;
      },
    };
    await expect(
      sampleDDPM(bad, { T: 1, steps: 4, n: 4, seed: 1, corrector: { steps: 1, stepSize: 0.1 } }),
    ).rejects.toThrow(/corrector step 0\).*step 1, forward time t = 0.5/);
  });

  test.each(CLD_METHODS.map((m) => [m]))('CLD %s', async (method) => {
    const s = stationaryCLDScore(1);
    const bad = {
      ...s,
      evaluate(t: number, x: Batch, v: Batch, out: Batch) {
        s.evaluate(t, x, v, out);
        if (t < 0.7) out.data[0] = -Infinity;
      },
    };
    await expect(sampleCLD(bad, { T: 1, steps: 5, n: 3, seed: 1, method })).rejects.toThrow(
      /velocity score returned a non-finite value \(-Infinity\) at step 2, forward time t = 0.6/,
    );
  });
});

describe('abort', () => {
  test('an already aborted signal rejects with AbortedError', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sampleDDPM(score2, { T: 1, steps: 4, n: 4, seed: 1, signal: controller.signal })).rejects.toThrow(
      AbortedError,
    );
    await expect(
      sampleCLD(stationaryCLDScore(1), { T: 1, steps: 4, n: 4, seed: 1, signal: controller.signal }),
    ).rejects.toThrow(AbortedError);
  });

  test('aborting from the callback stops after that step', async () => {
    const controller = new AbortController();
    let last = -1;
    const run = sampleDDPM(score2, {
      T: 1,
      steps: 10,
      n: 4,
      seed: 1,
      signal: controller.signal,
      callback: ({ step }) => {
        last = step;
        if (step === 3) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(AbortedError);
    expect(last).toBe(3);
  });

  test('aborting from a timer stops a long run (the sampler yields to the event loop)', async () => {
    const controller = new AbortController();
    let steps = 0;
    const slow: Score = {
      kind: 'ou',
      dim: 1,
      evaluate(_t, x, out) {
        const until = performance.now() + 2;
        while (performance.now() < until);
        out.data.fill(0, out.offset, out.offset + x.shape[0]!);
      },
    };
    setTimeout(() => controller.abort(), 50);
    const run = sampleCLD(stationaryCLDScore(1), { T: 1, steps: 2, n: 1, seed: 1 }); // unrelated run completes
    await run;
    await expect(
      sampleDDPM(slow, {
        T: 10,
        steps: 5000,
        n: 1,
        seed: 1,
        signal: controller.signal,
        callback: () => {
          steps++;
        },
      }),
    ).rejects.toThrow(AbortedError);
    expect(steps).toBeLessThan(5000);
  });
});

describe('bad input gets a typed error naming the argument', () => {
  const ok = { T: 1, steps: 4, n: 4, seed: 1 };
  const cases: [string, () => Promise<unknown>, string][] = [
    ['T = 0', () => sampleDDPM(score2, { ...ok, T: 0 }), 'options.T'],
    ['T = NaN', () => sampleDDPM(score2, { ...ok, T: NaN }), 'options.T'],
    ['T = Infinity', () => sampleDDPM(score2, { ...ok, T: Infinity }), 'options.T'],
    ['steps = 0', () => sampleDDPM(score2, { ...ok, steps: 0 }), 'options.steps'],
    ['steps = 2.5', () => sampleDDPM(score2, { ...ok, steps: 2.5 }), 'options.steps'],
    ['no steps and no grid', () => sampleDDPM(score2, { T: 1, n: 4, seed: 1 }), 'options.steps'],
    ['steps and grid', () => sampleDDPM(score2, { ...ok, grid: uniformGrid(1, 4) }), 'options.steps'],
    [
      'delta with grid',
      () => sampleDDPM(score2, { T: 1, n: 4, seed: 1, grid: uniformGrid(1, 4), delta: 0.1 }),
      'options.delta',
    ],
    ['delta = T', () => sampleDDPM(score2, { ...ok, delta: 1 }), 'options.delta'],
    ['delta < 0', () => sampleDDPM(score2, { ...ok, delta: -0.1 }), 'options.delta'],
    ['grid not starting at T', () => sampleDDPM(score2, { T: 2, n: 4, seed: 1, grid: [1, 0.5, 0] }), 'options.grid[0]'],
    ['grid not decreasing', () => sampleDDPM(score2, { T: 1, n: 4, seed: 1, grid: [1, 0.5, 0.5] }), 'options.grid[2]'],
    ['grid with NaN', () => sampleDDPM(score2, { T: 1, n: 4, seed: 1, grid: [1, NaN, 0] }), 'options.grid[1]'],
    ['grid of one time', () => sampleDDPM(score2, { T: 1, n: 4, seed: 1, grid: [1] }), 'options.grid'],
    ['unstable step (h = 2 >= ln 3)', () => sampleDDPM(score2, { ...ok, T: 10, steps: 5 }), 'options.grid'],
    ['unstable CLD step (h = 1)', () => sampleCLD(stationaryCLDScore(1), { ...ok, T: 4, steps: 4 }), 'options.grid'],
    ['seed = -1', () => sampleDDPM(score2, { ...ok, seed: -1 }), 'options.seed'],
    ['seed = 2^32', () => sampleDDPM(score2, { ...ok, seed: 2 ** 32 }), 'options.seed'],
    ['seed = 1.5', () => sampleDDPM(score2, { ...ok, seed: 1.5 }), 'options.seed'],
    ['seed missing', () => sampleDDPM(score2, { T: 1, steps: 4, n: 4 } as never), 'options.seed'],
    ['n = 0', () => sampleDDPM(score2, { ...ok, n: 0 }), 'options.n'],
    ['n = 1.5', () => sampleDDPM(score2, { ...ok, n: 1.5 }), 'options.n'],
    ['dim mismatch', () => sampleDDPM(score2, { ...ok, dim: 3 }), 'score.dim'],
    ['score null', () => sampleDDPM(null as never, ok), 'score'],
    ['score without evaluate', () => sampleDDPM({ kind: 'ou', dim: 2 } as never, ok), 'score.evaluate'],
    ['score of kind cld', () => sampleDDPM(stationaryCLDScore(2) as never, ok), 'score.kind'],
    ['score without kind', () => sampleDDPM({ dim: 2, evaluate() {} } as never, ok), 'score.kind'],
    ['score with dim 0', () => sampleDDPM({ kind: 'ou', dim: 0, evaluate() {} } as never, ok), 'score.dim'],
    ['ou score to CLD', () => sampleCLD(score2 as never, ok), 'score.kind'],
    ['method unknown', () => sampleDDPM(score2, { ...ok, method: 'rk4' as never }), 'options.method'],
    [
      'CLD method unknown',
      () => sampleCLD(stationaryCLDScore(1), { ...ok, method: 'ancestral' as never }),
      'options.method',
    ],
    ['dtype unknown', () => sampleDDPM(score2, { ...ok, dtype: 'int8' as never }), 'options.dtype'],
    ['init wrong width', () => sampleDDPM(score2, { T: 1, steps: 4, seed: 1, init: batch(3, 3) }), 'options.init'],
    [
      'init with NaN',
      () => sampleDDPM(score2, { T: 1, steps: 4, seed: 1, init: fromArray([[0, NaN]]) }),
      'options.init.data[1]',
    ],
    ['init rows != n', () => sampleDDPM(score2, { ...ok, init: batch(3, 2) }), 'options.n'],
    [
      'init dtype != dtype',
      () => sampleDDPM(score2, { T: 1, steps: 4, seed: 1, init: batch(3, 2), dtype: 'float32' }),
      'options.dtype',
    ],
    [
      'CLD velocities rows differ',
      () =>
        sampleCLD(stationaryCLDScore(1), {
          T: 1,
          steps: 4,
          seed: 1,
          init: { positions: batch(3, 1), velocities: batch(2, 1) },
        }),
      'options.init.velocities',
    ],
    [
      'corrector stepSize 2',
      () => sampleDDPM(score2, { ...ok, corrector: { steps: 1, stepSize: 2 } }),
      'options.corrector.stepSize',
    ],
    [
      'corrector steps 63',
      () => sampleDDPM(score2, { ...ok, corrector: { steps: 63, stepSize: 0.1 } }),
      'options.corrector.steps',
    ],
    ['workers = 0', () => sampleDDPM(score2, { ...ok, workers: 0 }), 'options.workers'],
    ['workers = "all"', () => sampleDDPM(score2, { ...ok, workers: 'all' as never }), 'options.workers'],
    ['workers > 1 without spec', () => sampleDDPM(score2, { ...ok, workers: 2 }), 'score.spec'],
    ['CLD workers > 1 without spec', () => sampleCLD(stationaryCLDScore(1), { ...ok, workers: 2 }), 'score.spec'],
    ['chunkSize = 0', () => sampleDDPM(score2, { ...ok, chunkSize: 0 }), 'options.chunkSize'],
    ['callback not a function', () => sampleDDPM(score2, { ...ok, callback: 3 as never }), 'options.callback'],
    ['signal not a signal', () => sampleDDPM(score2, { ...ok, signal: {} as never }), 'options.signal'],
    ['options missing', () => sampleDDPM(score2, undefined as never), 'options'],
    [
      'returnVelocities not boolean',
      () => sampleCLD(stationaryCLDScore(1), { ...ok, returnVelocities: 1 as never }),
      'options.returnVelocities',
    ],
  ];
  test.each(cases)('%s', async (_name, call, argument) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect((error as Error).message).toMatch(/^sample(DDPM|CLD): argument '/);
  });

  test('a score of the wrong kind is reported with the received kind once', async () => {
    const messageOf = (run: Promise<unknown>) =>
      run.then(
        () => '',
        (e: unknown) => (e as Error).message,
      );
    const cldToDDPM = await messageOf(sampleDDPM(stationaryCLDScore(2) as never, ok));
    expect(cldToDDPM).toBe(`sampleDDPM: argument 'score.kind' must be 'ou' (a CLD score: use sampleCLD); got "cld"`);
    const ouToCLD = await messageOf(sampleCLD(score2 as never, ok));
    expect(ouToCLD).toBe(`sampleCLD: argument 'score.kind' must be 'cld' (an OU score: use sampleDDPM); got "ou"`);
    const noKind = await messageOf(sampleDDPM({ dim: 2, evaluate() {} } as never, ok));
    expect(noKind).toBe(`sampleDDPM: argument 'score.kind' must be 'ou'; got undefined`);
    for (const message of [cldToDDPM, ouToCLD, noKind]) expect(message.match(/\bgot\b/g)).toHaveLength(1);
  });

  test('the integrator functions validate too', () => {
    const y = batch(3, 2);
    expect(() => ddpmExponentialIntegrator(score2, batch(3, 3), uniformGrid(1, 2), { seed: 1 })).toThrow(
      /argument 'y'/,
    );
    expect(() => ddpmExponentialIntegrator(score2, y, customGrid([3, 1], 3), { seed: 1 })).toThrow(/stability limit/);
    expect(() => ddpmExponentialIntegrator(score2, y, uniformGrid(1, 2), { seed: -3 })).toThrow(/noise.seed/);
    expect(() => ddpmExponentialIntegrator(score2, y, uniformGrid(1, 2), { seed: 1, firstRow: -1 })).toThrow(
      /noise.firstRow/,
    );
    expect(() =>
      ddpmExponentialIntegrator(score2, y, uniformGrid(1, 2), { seed: 1 }, { scoreBuffer: batch(3, 2, 'float32') }),
    ).toThrow(/options.scoreBuffer/);
    expect(() => ddpmExponentialIntegrator(score2, y, uniformGrid(1, 2), { seed: 1 }, { scoreBuffer: y })).toThrow(
      /does not overlap the particles/,
    );
  });

  test('cldSSCS refuses a step whose half-step coefficients are not finite, before moving any particle', () => {
    // h/2 = 5e-301: the half step's position variance ≈ 4τ³/3 underflows to 0, so its Cholesky factor is 0/0.
    const x = fromArray([[0.5], [-1]]),
      v = fromArray([[2], [0.25]]);
    const grid = Float64Array.of(1e-300, 0);
    expect(() => cldSSCS(stationaryCLDScore(1), x, v, grid, { seed: 1 })).toThrow(InvalidArgumentError);
    expect(() => cldSSCS(stationaryCLDScore(1), x, v, grid, { seed: 1 })).toThrow(
      /^cldSSCS: argument 'grid' must be a grid whose steps all give finite SSCS half-step coefficients; step 0 from t = 1e-300 to t = 0 has h = 1e-300/,
    );
    expect(values(x)).toEqual([0.5, -1]);
    expect(values(v)).toEqual([2, 0.25]);
  });
});
