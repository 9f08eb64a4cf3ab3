// benchmarks/heun-forms.mjs (the study of Heun's forms behind docs/solvers.md, "Heun and the goal") computes output
// laws with its own 1-D recursion, written from the textbook forms (the data prediction D, the noise prediction ε,
// σ̄ and λ) with plain Math. Its EDM and exponential Heun, exponential integrator and DPM-Solver++(2M) must be the
// library's exactDDPMLaw to rounding, which checks both: the library's coefficients against an independent derivation,
// and the study's numbers against the library.
import { exactDDPMLaw, gaussianLaw, type DDPMMethod } from '@sgmkit/sampler';

interface Law {
  mean: number;
  variance: number;
  evaluations: number;
}
interface Study {
  gaussianData(m: number, v: number): unknown;
  runHeun(P: unknown, form: string, grid: Float64Array): Law;
  runEI(P: unknown, grid: Float64Array): Law;
  run2M(P: unknown, grid: Float64Array): Law;
  earlyStoppingGrid(T: number, delta: number, steps: number, switchTime?: number): Float64Array;
  standardGrids(T: number, delta: number, steps: number): Record<string, Float64Array>;
  EDM_FORM: string;
  EXPONENTIAL_FORM: string;
}

let study: Study;
beforeAll(async () => {
  // a computed URL: the script is plain JavaScript outside the typed tree
  study = (await import(new URL('../../benchmarks/heun-forms.mjs', import.meta.url).href)) as Study;
});

function expectSameLaw(ours: Law, m: number, v: number, T: number, grid: Float64Array, method: DDPMMethod): void {
  const law = exactDDPMLaw(gaussianLaw([m], [[v]]), { T, grid, method });
  const mean = law.mean[0]!;
  const variance = law.covariance.data[law.covariance.offset]!;
  expect(Math.abs(ours.mean - mean)).toBeLessThanOrEqual(1e-11 * (1 + Math.abs(mean)));
  expect(Math.abs(ours.variance - variance)).toBeLessThanOrEqual(1e-11 * variance);
}

describe('the Heun study script reproduces the library’s exact laws', () => {
  test.each([
    [1, 0.5],
    [0, 0.1],
    [3, 2],
  ])('data N(%d, %d): both Heun forms on every standard grid and ending at 0, EI and DPM-Solver++(2M)', (m, v) => {
    const T = 8;
    const P = study.gaussianData(m, v);
    const grids = Object.values(study.standardGrids(T, 1e-3, 25));
    grids.push(Float64Array.from([...study.earlyStoppingGrid(T, 1e-3, 24), 0]));
    for (const grid of grids) {
      expectSameLaw(study.runHeun(P, study.EDM_FORM, grid), m, v, T, grid, 'heun');
      expectSameLaw(study.runHeun(P, study.EXPONENTIAL_FORM, grid), m, v, T, grid, 'exponential-heun');
      expectSameLaw(study.run2M(P, grid), m, v, T, grid, 'dpmpp-2m');
    }
    const fine = study.earlyStoppingGrid(T, 1e-3, 1000);
    expectSameLaw(study.runEI(P, fine), m, v, T, fine, 'exponential-integrator');
  });
});
