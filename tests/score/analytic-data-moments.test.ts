import {
  biasedScore,
  cldGaussianMixtureScore,
  cldPointCloudScore,
  cldGaussianScore,
  gaussianMixtureScore,
  gaussianScore,
  pointCloudScore,
  scaledScore,
  scoreFromSpec,
} from '@sgmkit/score';
import type { DataMoments } from '@sgmkit/score';

function expectMoments(moments: DataMoments | undefined, mean: number[], std: number[]): void {
  expect(moments).toBeDefined();
  mean.forEach((m, i) => expect(moments!.mean[i]).toBeCloseTo(m, 12));
  std.forEach((s, i) => expect(moments!.std[i]).toBeCloseTo(s, 12));
}

describe('Score.dataMoments of the analytic scores', () => {
  test('Gaussian: mean and √diag Σ, for isotropic, diagonal and full covariances; kept by scoreFromSpec', () => {
    expectMoments(gaussianScore({ mean: [1, 2], covariance: 4 }).dataMoments, [1, 2], [2, 2]);
    expectMoments(gaussianScore({ mean: [1, 2], covariance: [4, 9] }).dataMoments, [1, 2], [2, 3]);
    const full = gaussianScore({
      mean: [1, -1, 0],
      covariance: [
        [2, 0.5, 0.1],
        [0.5, 3, -0.4],
        [0.1, -0.4, 1.5],
      ],
    });
    expectMoments(full.dataMoments, [1, -1, 0], [Math.sqrt(2), Math.sqrt(3), Math.sqrt(1.5)]);
    expectMoments(
      (scoreFromSpec(JSON.parse(JSON.stringify(full.spec))) as typeof full).dataMoments,
      [1, -1, 0],
      [Math.sqrt(2), Math.sqrt(3), Math.sqrt(1.5)],
    );
  });

  test('mixture: E X = Σ w μ_k, Var X_i = Σ w (Σ_k,ii + μ_k,i²) − (E X_i)²', () => {
    const weights = [0.2, 0.5, 0.3];
    const means = [
      [0, 1],
      [2, -1],
      [-3, 4],
    ];
    const covariances = [
      [
        [1, 0.2],
        [0.2, 2],
      ],
      [0.5, 0.25],
      3,
    ] as const;
    const diag = [
      [1, 2],
      [0.5, 0.25],
      [3, 3],
    ];
    const score = gaussianMixtureScore({ weights, means, covariances: covariances as never });
    const mean = [0, 1].map((i) => weights.reduce((s, w, k) => s + w * means[k]![i]!, 0));
    const std = [0, 1].map((i) =>
      Math.sqrt(weights.reduce((s, w, k) => s + w * (diag[k]![i]! + means[k]![i]! ** 2), 0) - mean[i]! ** 2),
    );
    expectMoments(score.dataMoments, mean, std);
    expectMoments((scoreFromSpec(score.spec) as typeof score).dataMoments, mean, std);
  });

  test('point cloud: empirical mean and population standard deviation; CLD point clouds and mixtures alike', () => {
    const points = [
      [0, 1],
      [2, 1],
      [4, 1],
      [6, 5],
    ];
    const score = pointCloudScore(points);
    expectMoments(score.dataMoments, [3, 2], [Math.sqrt(5), Math.sqrt(3)]);
    // The range of the points (the divergence box contains it), also after a spec round trip.
    expect(Array.from(score.dataMoments.min!)).toEqual([0, 1]);
    expect(Array.from(score.dataMoments.max!)).toEqual([6, 5]);
    expect(Array.from((scoreFromSpec(score.spec) as typeof score).dataMoments.max!)).toEqual([6, 5]);
    expect(gaussianScore({ mean: [1, 2], covariance: 4 }).dataMoments.min).toBeUndefined();
    expectMoments(cldPointCloudScore(points).dataMoments, [3, 2], [Math.sqrt(5), Math.sqrt(3)]);
    const mixture = cldGaussianMixtureScore({
      weights: [0.5, 0.5],
      means: [
        [-1, 0],
        [1, 0],
      ],
      covariances: [1, 1],
    });
    expectMoments(mixture.dataMoments, [0, 0], [Math.SQRT2, 1]);
  });

  test("CLD Gaussian: position moments; biased and scaled scores keep their root's", () => {
    expectMoments(
      cldGaussianScore({ mean: [1, 2], covariance: [4, 9], initialVelocityVariance: 0.5 }).dataMoments,
      [1, 2],
      [2, 3],
    );
    const base = gaussianScore({ mean: [1, 2], covariance: [4, 9] });
    expect(biasedScore(base, [1, 1]).dataMoments).toBe(base.dataMoments);
    expect(scaledScore(base, 0.2).dataMoments).toBe(base.dataMoments);
  });
});
