// CLD (exact mixture velocity scores) recovers the mode weights of multimodal targets: every sample is assigned to
// its nearest mode, the exact probability of each cell under the target is computed independently (mode-weights.ts),
// and every cell count must lie within 5 multinomial standard errors (SE from the exact cell probability).
// The test is sharp: n = 10⁵ gives SE ≈ 1e-3 per cell, and the same check rejects the coarser grids (50 steps)
// where the discretisation error shows, and rejects the counts against the wrong weights.
import { cldGaussianMixtureScore, ringMixtureParameters } from '@sgmkit/score';
import { sampleCLD, uniformGrid, CLD_METHODS } from '@sgmkit/sampler';
import {
  cellDeviations,
  lineCellCounts,
  lineCellProbabilities,
  ringCellCounts,
  ringCellProbabilities,
  type Ring,
} from './mode-weights';

const N = 100_000;
const T = 10;
const RING: Ring = { modes: 8, radius: 4, std: 0.5 };
const RING_WEIGHTS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.06, 0.05, 0.04];

describe('CLD on an 8-mode ring with unequal weights (5 multinomial SE per cell)', () => {
  const score = cldGaussianMixtureScore({ ...ringMixtureParameters(), weights: RING_WEIGHTS });
  const probabilities = ringCellProbabilities(RING, RING_WEIGHTS);

  test.each(CLD_METHODS)('%s, 200 steps', async (method) => {
    const run = await sampleCLD(score, { T, grid: uniformGrid(T, 200), method, n: N, seed: 11, workers: 2 });
    const counts = ringCellCounts(RING, run.samples);
    expect(cellDeviations(counts, probabilities)).toEqual([]);
    // power: the same counts are rejected against equal weights
    expect(cellDeviations(counts, ringCellProbabilities(RING, new Array(8).fill(1 / 8))).length).toBeGreaterThan(0);
  });

  test('sharpness: at 50 steps the exponential integrator mode-weight bias is detected', async () => {
    const run = await sampleCLD(score, {
      T,
      grid: uniformGrid(T, 50),
      method: 'exponential-integrator',
      n: N,
      seed: 11,
      workers: 2,
    });
    expect(cellDeviations(ringCellCounts(RING, run.samples), probabilities).length).toBeGreaterThan(0);
  });
});

describe('CLD on the 1-D bimodal target 0.3·N(−2, 0.25) + 0.7·N(2, 0.5)', () => {
  const score = cldGaussianMixtureScore({ weights: [0.3, 0.7], means: [[-2], [2]], covariances: [0.25, 0.5] });
  const cuts = [0]; // the two modes' cells
  const probabilities = lineCellProbabilities(cuts, [0.3, 0.7], [-2, 2], [0.5, Math.SQRT1_2]);

  // One method here (the ring covers all three): d = 1 takes the diagonal kernel, and the corrector is on.
  test('exponential integrator, 200 steps, with a velocity corrector', async () => {
    const run = await sampleCLD(score, {
      T,
      grid: uniformGrid(T, 200),
      method: 'exponential-integrator',
      n: N,
      seed: 12,
      workers: 2,
      corrector: { steps: 1, stepSize: 0.05 },
    });
    expect(cellDeviations(lineCellCounts(cuts, run.samples), probabilities)).toEqual([]);
  });
});
