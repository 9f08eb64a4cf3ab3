// Score.jacobianTraceInto (the exact divergence of logLikelihood): closed form for Gaussian mixtures and point
// clouds, forward-mode tangents for networks, each against central differences of the score itself.
import { InvalidArgumentError, type Batch } from '@sgmkit/tensor';
import { createScoreNetwork, gaussianMixtureScore, pointCloudScore, ringMixture, type Score } from '@sgmkit/score';
import { expectArgumentError } from '../helpers/errors';
import { MIXED_KINDS_3D } from '../helpers/mixtures';
import { centralDifferenceTrace, points } from '../helpers/differences';

function expectTraceMatchesDifferences(score: Score, times: readonly number[], x: Batch<Float64Array>): void {
  const n = x.shape[0]!;
  for (const t of times) {
    const exact = new Float64Array(n);
    score.jacobianTraceInto!(t, x, exact);
    const reference = centralDifferenceTrace(score, t, x);
    for (let r = 0; r < n; r++) {
      expect(Number.isFinite(exact[r]!)).toBe(true);
      expect(Math.abs(exact[r]! - reference[r]!)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(reference[r]!)));
    }
  }
}

describe('jacobianTraceInto equals the central-difference trace of the score', () => {
  test('Gaussian mixtures: full, diagonal and isotropic kernels, d = 2 and 3', () => {
    const mixtures: Score[] = [
      gaussianMixtureScore(MIXED_KINDS_3D),
      gaussianMixtureScore({
        weights: [0.4, 0.6],
        means: [
          [1, 0, -1],
          [-1, 2, 0],
        ],
        covariances: [
          [0.4, 0.9, 0.2],
          [1, 0.1, 0.3],
        ],
      }),
      ringMixture(),
      gaussianMixtureScore({
        weights: [0.5, 0.5],
        means: [
          [1, 1],
          [-1, 0],
        ],
        covariances: [0.2, 0.6],
      }),
      gaussianMixtureScore(
        {
          weights: [0.5, 0.5],
          means: [
            [1, 1],
            [-1, 0],
          ],
          covariances: [
            [
              [1, 0.4],
              [0.4, 0.5],
            ],
            0.3,
          ],
        },
        { kernel: 'full' },
      ),
    ];
    for (const score of mixtures) expectTraceMatchesDifferences(score, [0, 0.05, 0.5, 3], points(40, score.dim, 1, 2));
  });

  test('point clouds: the direct (d = 2) and GEMM (d = 5) paths', () => {
    for (const d of [2, 5]) {
      const data = points(30, d, 2, 1);
      const rows = Array.from({ length: 30 }, (_, j) => Array.from(data.data.subarray(j * d, j * d + d)));
      expectTraceMatchesDifferences(pointCloudScore(rows), [0.05, 0.3, 2], points(25, d, 3, 1.5));
    }
  });

  test('networks: noise prediction with and without the skip term, one to three hidden layers', () => {
    for (const [hiddenWidths, parameterisation] of [
      [[16], 'noise-prediction'],
      [[24, 16], 'noise-prediction'],
      [[12, 12, 8], 'noise-prediction-skip'],
    ] as const) {
      const network = createScoreNetwork({ dim: 3, hiddenWidths, parameterisation, seed: 4 });
      // non-zero biases and larger weights, so every layer is well inside SiLU's curved range
      const perturbation = points(1, network.parameters.length, 5, 0.5).data;
      for (let i = 0; i < network.parameters.length; i++) network.parameters[i] += perturbation[i]!;
      network.syncWeights();
      expectTraceMatchesDifferences(network, [0.01, 0.3, 2], points(30, 3, 6, 1.5));
    }
  });
});

describe('jacobianTraceInto refuses bad arguments', () => {
  const mixture = ringMixture();
  const cloud = pointCloudScore([
    [0, 1],
    [1, 0],
  ]);
  const network = createScoreNetwork({ dim: 2, hiddenWidths: [4] });
  const x = points(3, 2, 1, 1);
  test.each([
    ['mixture out', () => mixture.jacobianTraceInto(1, x, new Float64Array(2)), 'out'],
    ['mixture t', () => mixture.jacobianTraceInto(-1, x, new Float64Array(3)), 't'],
    ['mixture x', () => mixture.jacobianTraceInto(1, points(3, 3, 1, 1), new Float64Array(3)), 'x'],
    ['point cloud t', () => cloud.jacobianTraceInto(0, x, new Float64Array(3)), 't'],
    ['point cloud out', () => cloud.jacobianTraceInto(1, x, [0, 0, 0] as never), 'out'],
    ['network t', () => network.jacobianTraceInto(0, x, new Float64Array(3)), 't'],
    ['network out', () => network.jacobianTraceInto(1, x, new Float64Array(1)), 'out'],
  ])('%s', (_what, f, argument) => expectArgumentError(f, InvalidArgumentError, argument));
});
