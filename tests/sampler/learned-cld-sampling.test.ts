// A learned CLD velocity score (hybrid score matching, the recipe) sampled with every CLD method: mode weights of a
// bimodal mixture within 5 multinomial SE of the exact cell probabilities; bit-identical output and training on any
// number of workers; mismatched kinds refused.
import {
  createCLDScoreNetwork,
  createScoreNetwork,
  ringMixtureParameters,
  sampleGaussianMixture,
  trainCLDScoreNetwork,
  trainDenoisingScoreMatching,
  type CLDScore,
  type Score,
} from '@sgmkit/score';
import { sampleCLD, sampleDDPM, uniformGrid, CLD_METHODS } from '@sgmkit/sampler';
import { trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';
import { InvalidArgumentError, type Batch } from '@sgmkit/tensor';
import { cellDeviations, lineCellCounts, lineCellProbabilities } from './mode-weights';

const T = 10;
const DELTA = 1e-3;

// The 1-D bimodal target 0.3·N(−2, 0.25) + 0.7·N(2, 0.5). (On the 8-mode ring with unequal weights a network trained
// at test budgets misses the weights by more than 5 SE with either sampler, DDPM included: docs/learned-scores.md.)
const MIXTURE = { weights: [0.3, 0.7], means: [[-2], [2]], covariances: [0.25, 0.5] };
const CUTS = [0];

describe('a learned CLD score on a bimodal mixture (0.3, 0.7)', () => {
  const data = sampleGaussianMixture(MIXTURE, 10_000, { seed: 3 });
  // The recipe (standardisation, skip, warm-up + cosine, clipping, EMA) at a small budget: 64-wide layers, 2000 steps.
  const { network } = trainCLDScoreNetwork(data, { hiddenWidths: [64, 64], steps: 2000, seed: 1, heldOutFraction: 0 });
  const probabilities = lineCellProbabilities(CUTS, [0.3, 0.7], [-2, 2], [0.5, Math.SQRT1_2]);
  // n = 4000: SE ≈ 0.007 per cell; at this budget (200 steps, a 2000-step network) 5 SE holds, and equal weights are 28 SE off.
  const N = 4000;

  test.each(CLD_METHODS)(
    '%s, 200 steps: both cells within 5 multinomial SE; equal weights rejected',
    async (method) => {
      const run = await sampleCLD(network, { T, grid: uniformGrid(T, 200, DELTA), method, n: N, seed: 11 });
      expect(run.diverged.count).toBe(0);
      const counts = lineCellCounts(CUTS, run.samples);
      expect(cellDeviations(counts, probabilities)).toEqual([]);
      expect(cellDeviations(counts, [0.5, 0.5]).length).toBeGreaterThan(0);
    },
  );

  test('outputs are bit-identical on 1, 2 and 3 workers (SSCS with a velocity corrector, and the exponential integrator)', async () => {
    for (const [method, corrector] of [
      ['sscs', { steps: 1, stepSize: 0.05 }],
      ['exponential-integrator', undefined],
    ] as const) {
      const runs = await Promise.all(
        [1, 2, 3].map((workers) =>
          sampleCLD(network, {
            T,
            grid: uniformGrid(T, 40, DELTA),
            method,
            n: 700,
            seed: 5,
            workers,
            returnVelocities: true,
            ...(corrector ? { corrector } : {}),
          }),
        ),
      );
      for (const run of runs.slice(1)) {
        expect(run.workers).toBeGreaterThan(1);
        expect(Buffer.from(run.samples.data.buffer).equals(Buffer.from(runs[0]!.samples.data.buffer))).toBe(true);
        expect(Buffer.from(run.velocities!.data.buffer).equals(Buffer.from(runs[0]!.velocities!.data.buffer))).toBe(
          true,
        );
      }
    }
  });
});

describe('learned CLD networks: training on workers and kind checks', () => {
  const data: Batch = sampleGaussianMixture(ringMixtureParameters(), 500, { seed: 4 });

  test('hybrid score matching on 2 and 3 threads gives the in-process weights bit for bit', async () => {
    const options = { steps: 12, batchSize: 100, seed: 6, emaDecay: 0.9 };
    const reference = createCLDScoreNetwork({
      dim: 2,
      hiddenWidths: [16, 16],
      seed: 2,
      parameterisation: 'noise-prediction-skip',
    });
    const expected = trainDenoisingScoreMatching(reference, data, options);
    for (const workers of [2, 3]) {
      const network = createCLDScoreNetwork({
        dim: 2,
        hiddenWidths: [16, 16],
        seed: 2,
        parameterisation: 'noise-prediction-skip',
      });
      const result = await trainDenoisingScoreMatchingOnWorkers(network, data, { ...options, workers });
      expect(Array.from(network.parameters)).toEqual(Array.from(reference.parameters));
      expect(Array.from(result.ema!.parameters)).toEqual(Array.from(expected.ema!.parameters));
      expect(Array.from(result.losses)).toEqual(Array.from(expected.losses));
    }
  });

  test('a CLD network given to sampleDDPM, or a DDPM network to sampleCLD, is a typed error', async () => {
    const cld = createCLDScoreNetwork({ dim: 2, hiddenWidths: [4] });
    const ddpm = createScoreNetwork({ dim: 2, hiddenWidths: [4] });
    await expect(sampleDDPM(cld as unknown as Score, { T, steps: 4, n: 3, seed: 1, delta: DELTA })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(sampleDDPM(cld as unknown as Score, { T, steps: 4, n: 3, seed: 1, delta: DELTA })).rejects.toThrow(
      /score.kind' must be 'ou' \(a CLD score: use sampleCLD\)/,
    );
    await expect(sampleCLD(ddpm as unknown as CLDScore, { T, steps: 4, n: 3, seed: 1, delta: DELTA })).rejects.toThrow(
      /score.kind' must be 'cld' \(an OU score: use sampleDDPM\)/,
    );
  });
});
