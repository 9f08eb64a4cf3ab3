// CLD (exact mixture velocity score) on a 5 × 5 grid of Gaussians with unequal weights: the counts of the
// nearest-mode cells (rectangles, exact probabilities from normal CDFs, mode-weights.ts) within 5 multinomial SE.
import { cldGaussianMixtureScore } from '@sgmkit/score';
import { sampleCLD, uniformGrid } from '@sgmkit/sampler';
import { cellDeviations, gridCellCounts, gridCellProbabilities, type Grid } from './mode-weights';

const N = 100_000;
const T = 10;
const GRID: Grid = { centres: [-4, -2, 0, 2, 4], std: 0.3 };
const means = GRID.centres.flatMap((x) => GRID.centres.map((y) => [x, y]));
const raw = means.map((_, k) => (k % 3 === 0 ? 2 : 1));
const weights = raw.map((w) => w / raw.reduce((a, b) => a + b, 0));
const score = cldGaussianMixtureScore({ weights, means, covariances: means.map(() => GRID.std ** 2) });
const probabilities = gridCellProbabilities(GRID, weights);

describe('CLD on a 25-mode grid with unequal weights (5 multinomial SE per cell)', () => {
  test('cell probabilities of one component sum to 1', () => {
    const single = gridCellProbabilities(
      GRID,
      means.map((_, k) => (k === 7 ? 1 : 0)),
    );
    expect(Math.abs(single.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
  });

  test.each([
    ['exponential-integrator', 200],
    ['euler-maruyama', 200],
    // SSCS evaluates the score at the step's left end (Dockhorn et al.); on these narrow modes (σ = 0.3) its
    // mode-weight bias is still ≈ 4 SE at 400 steps (measured), so it gets a finer grid.
    ['sscs', 800],
  ] as const)('%s, %i steps', async (method, steps) => {
    const run = await sampleCLD(score, { T, grid: uniformGrid(T, steps), method, n: N, seed: 13, workers: 2 });
    expect(cellDeviations(gridCellCounts(GRID, run.samples), probabilities)).toEqual([]);
  });
});
