// One validator per option: the exact laws accept exactly the correctors, methods and scores the samplers accept,
// and gaussianLaw builds validated laws from plain arrays.
import { InvalidArgumentError, NotPositiveDefiniteError, ShapeMismatchError } from '@sgmkit/tensor';
import { cldGaussianScore, gaussianScore } from '@sgmkit/score';
import {
  exactCLDLaw,
  exactDDPMLaw,
  gaussianLaw,
  sampleCLD,
  sampleDDPM,
  uniformGrid,
  type LangevinCorrector,
} from '@sgmkit/sampler';
import { expectArgumentError, unvalidatedLaw } from './analysis-helpers';

const data = gaussianLaw(
  [0.5, -1],
  [
    [1, 0.2],
    [0.2, 0.5],
  ],
);
const ouScore = gaussianScore({
  mean: [0.5, -1],
  covariance: [
    [1, 0.2],
    [0.2, 0.5],
  ],
});
const cldScore = cldGaussianScore({
  mean: [0.5, -1],
  covariance: [
    [1, 0.2],
    [0.2, 0.5],
  ],
});
const T = 2,
  steps = 4;

/** The argument a call's typed error names, or `'accepted'`. */
async function verdict(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    return error.argument;
  }
}

// The table (steps 0, ε = 3, steps 100) and the edges of the rule: steps an integer in [0, 62], 0 < ε < 2.
const CORRECTORS: [string, unknown][] = [
  ['{ steps: 0 }', { steps: 0, stepSize: 0.1 }],
  ['{ stepSize: 3 }', { steps: 1, stepSize: 3 }],
  ['{ steps: 100 }', { steps: 100, stepSize: 0.1 }],
  ['{ steps: 62 }', { steps: 62, stepSize: 0.1 }],
  ['{ steps: 63 }', { steps: 63, stepSize: 0.1 }],
  ['{ steps: 1.5 }', { steps: 1.5, stepSize: 0.1 }],
  ['{ stepSize: 2 }', { steps: 1, stepSize: 2 }],
  ['{ stepSize: 1.99 }', { steps: 1, stepSize: 1.99 }],
  ['{ stepSize: 0 }', { steps: 1, stepSize: 0 }],
  ['null', null],
];

describe('the exact laws accept exactly the correctors the samplers accept', () => {
  test.each(CORRECTORS)('DDPM, corrector %s', async (_name, corrector) => {
    const c = corrector as LangevinCorrector;
    const sampler = await verdict(() => sampleDDPM(ouScore, { T, steps, n: 4, seed: 1, corrector: c }));
    const law = await verdict(() =>
      exactDDPMLaw(data, { T, grid: uniformGrid(T, steps), method: 'exponential-integrator', corrector: c }),
    );
    expect(law).toBe(sampler);
  });

  test.each(CORRECTORS)('CLD, corrector %s', async (_name, corrector) => {
    const c = corrector as LangevinCorrector;
    const sampler = await verdict(() => sampleCLD(cldScore, { T, steps, n: 4, seed: 1, corrector: c }));
    const law = await verdict(() =>
      exactCLDLaw(data, { T, grid: uniformGrid(T, steps), method: 'exponential-integrator', corrector: c }),
    );
    expect(law).toBe(sampler);
  });

  test('the rule itself: steps 0 and 62 are accepted, ε = 3 and 100 steps are not', async () => {
    expect(
      await verdict(() =>
        exactDDPMLaw(data, {
          T,
          grid: uniformGrid(T, steps),
          method: 'ancestral',
          corrector: { steps: 0, stepSize: 0.1 },
        }),
      ),
    ).toBe('accepted');
    expect(
      await verdict(() =>
        exactDDPMLaw(data, {
          T,
          grid: uniformGrid(T, steps),
          method: 'ancestral',
          corrector: { steps: 62, stepSize: 0.1 },
        }),
      ),
    ).toBe('accepted');
    expect(
      await verdict(() =>
        exactDDPMLaw(data, {
          T,
          grid: uniformGrid(T, steps),
          method: 'ancestral',
          corrector: { steps: 1, stepSize: 3 },
        }),
      ),
    ).toBe('options.corrector.stepSize');
    expect(
      await verdict(() =>
        exactDDPMLaw(data, {
          T,
          grid: uniformGrid(T, steps),
          method: 'ancestral',
          corrector: { steps: 100, stepSize: 0.1 },
        }),
      ),
    ).toBe('options.corrector.steps');
  });

  test('a zero-step corrector gives the law without a corrector', () => {
    const grid = uniformGrid(T, steps);
    const none = exactDDPMLaw(data, { T, grid, method: 'euler-maruyama' });
    const zero = exactDDPMLaw(data, { T, grid, method: 'euler-maruyama', corrector: { steps: 0, stepSize: 0.5 } });
    expect(zero).toEqual(none);
  });
});

describe('one method check and one score check for samplers and exact laws', () => {
  test('methods', async () => {
    expect(await verdict(() => sampleDDPM(ouScore, { T, steps, n: 4, seed: 1, method: 'sscs' as never }))).toBe(
      'options.method',
    );
    expect(await verdict(() => exactDDPMLaw(data, { T, grid: uniformGrid(T, steps), method: 'sscs' as never }))).toBe(
      'options.method',
    );
    expect(await verdict(() => sampleCLD(cldScore, { T, steps, n: 4, seed: 1, method: 'ancestral' as never }))).toBe(
      'options.method',
    );
    expect(
      await verdict(() => exactCLDLaw(data, { T, grid: uniformGrid(T, steps), method: 'ancestral' as never })),
    ).toBe('options.method');
  });

  test('a score of the other kind names its kind and says what to use instead', async () => {
    await expect(sampleDDPM(cldScore as never, { T, steps, n: 4, seed: 1 })).rejects.toThrow(
      "argument 'score.kind' must be 'ou' (a CLD score: use sampleCLD)",
    );
    expect(() =>
      exactDDPMLaw(data, { T, grid: uniformGrid(T, steps), method: 'ancestral', score: cldScore as never }),
    ).toThrow("argument 'options.score.kind' must be 'ou' (a CLD score: use exactCLDLaw)");
    expect(() =>
      exactCLDLaw(data, { T, grid: uniformGrid(T, steps), method: 'sscs', score: ouScore as never }),
    ).toThrow("argument 'options.score.kind' must be 'cld' (an OU score: use exactDDPMLaw)");
  });

  test('a score of the wrong dimension is a ShapeMismatchError in both', async () => {
    const wide = gaussianScore({
      mean: [0, 0, 0],
      covariance: [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    });
    await expect(sampleDDPM(wide, { T, steps, n: 4, seed: 1, dim: 2 })).rejects.toThrow(ShapeMismatchError);
    expectArgumentError(
      () => exactDDPMLaw(data, { T, grid: uniformGrid(T, steps), method: 'ancestral', score: wide }),
      ShapeMismatchError,
      'options.score.dim',
    );
  });
});

describe('gaussianLaw', () => {
  test('copies plain arrays (or a tensor) into a law the analysis takes', () => {
    const mean = [1, 2];
    const covariance = [
      [2, 0.5],
      [0.5, 1],
    ];
    const law = gaussianLaw(mean, covariance);
    expect(law).toEqual(unvalidatedLaw(mean, covariance));
    covariance[0]![0] = 9;
    expect(law.covariance.data[0]).toBe(2);
    const transposedView = { data: Float64Array.of(2, 0.5, 0.5, 1), shape: [2, 2], stride: [1, 2], offset: 0 };
    expect(gaussianLaw(Float64Array.of(1, 2), transposedView)).toEqual(law);
  });

  test('typed errors name the argument', () => {
    expectArgumentError(() => gaussianLaw([], []), ShapeMismatchError, 'mean');
    expectArgumentError(() => gaussianLaw(3 as never, [[1]]), InvalidArgumentError, 'mean');
    expectArgumentError(
      () =>
        gaussianLaw(
          [0, NaN],
          [
            [1, 0],
            [0, 1],
          ],
        ),
      InvalidArgumentError,
      'mean[1]',
    );
    expectArgumentError(() => gaussianLaw([0, 0], [[1, 0]]), ShapeMismatchError, 'covariance');
    expectArgumentError(() => gaussianLaw([0, 0], [[1, 0], [0]]), ShapeMismatchError, 'covariance[1]');
    expectArgumentError(
      () =>
        gaussianLaw(
          [0, 0],
          [
            [1, 0],
            [0, Infinity],
          ],
        ),
      InvalidArgumentError,
      'covariance[1][1]',
    );
    expectArgumentError(
      () =>
        gaussianLaw(
          [0, 0],
          [
            [1, 2],
            [2, 1],
          ],
        ),
      NotPositiveDefiniteError,
      'covariance',
    );
    expectArgumentError(
      () =>
        gaussianLaw(
          [0, 0],
          [
            [1, 0.1],
            [0, 1],
          ],
        ),
      NotPositiveDefiniteError,
      'covariance',
    );
    expectArgumentError(
      () => gaussianLaw([0], { data: Float64Array.of(1, 0, 0, 1), shape: [2, 2], stride: [2, 1], offset: 0 }),
      ShapeMismatchError,
      'covariance',
    );
  });
});
