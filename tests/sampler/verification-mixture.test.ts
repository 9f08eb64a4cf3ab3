// DDPM (exponential integrator, exact mixture score) on 8-mode 2-D ring mixtures recovers the mode weights:
// each sample is assigned to the nearest mode (an angular wedge of 45°); the exact probability of each wedge under
// the target is computed by quadrature, and the counts must agree within 5 multinomial standard errors per mode.
import { ringMixture, ringMixtureParameters, gaussianMixtureScore } from '@sgmkit/score';
import type { Batch } from '@sgmkit/tensor';
import { sampleDDPM, earlyStoppingGrid } from '@sgmkit/sampler';
import { cellDeviations, ringCellCounts, ringCellProbabilities, wedgeProbability, type Ring } from './mode-weights';

const N = 100_000;
const K = 8;
const RING: Ring = { modes: K, radius: 4, std: 0.5 };

// The cell probabilities and counts of mode-weights.ts (shared with the CLD mixture tests).
const nearestModeProbabilities = (weights: number[]): number[] => ringCellProbabilities(RING, weights);
const nearestModeCounts = (samples: Batch): number[] => ringCellCounts(RING, samples);

describe('DDPM on 8-mode ring mixtures recovers the mode weights (5 multinomial SE per mode)', () => {
  test('wedge quadrature is a probability: the wedges of one component sum to 1', () => {
    const total = Array.from({ length: K }, (_, k) =>
      wedgeProbability(
        [RING.radius, 0],
        RING.std,
        (2 * Math.PI * k) / K - Math.PI / K,
        (2 * Math.PI * k) / K + Math.PI / K,
      ),
    ).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 1)).toBeLessThan(1e-6);
  });

  test('ringMixture() (equal weights), T = 10, 400 steps, 2 workers', async () => {
    const run = await sampleDDPM(ringMixture(), {
      T: 10,
      grid: earlyStoppingGrid(10, 1e-3, 400),
      n: N,
      seed: 2024,
      workers: 2,
    });
    expect(cellDeviations(nearestModeCounts(run.samples), nearestModeProbabilities(new Array(K).fill(1 / K)))).toEqual(
      [],
    );
  });

  test('unequal weights on the same ring', async () => {
    const weights = [0.3, 0.2, 0.15, 0.1, 0.1, 0.06, 0.05, 0.04];
    const score = gaussianMixtureScore({ ...ringMixtureParameters(), weights });
    const run = await sampleDDPM(score, { T: 10, grid: earlyStoppingGrid(10, 1e-3, 400), n: N, seed: 7, workers: 2 });
    const probabilities = nearestModeProbabilities(weights);
    expect(cellDeviations(nearestModeCounts(run.samples), probabilities)).toEqual([]);
    // power: the same counts are rejected against equal weights
    expect(
      cellDeviations(nearestModeCounts(run.samples), nearestModeProbabilities(new Array(K).fill(1 / K))).length,
    ).toBeGreaterThan(0);
  });
});
