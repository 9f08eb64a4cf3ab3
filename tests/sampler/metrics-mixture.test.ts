// Sample-based metrics where the output law has no closed form: DDPM (exponential integrator, exact score) on the
// 8-mode ring mixture, compared with exact draws from the mixture. Unbiased MMD² has mean 0 when the laws agree,
// so over independent replicates its mean must be within 5 computed SE of 0; against a mixture with other weights
// it must be more than 5 SE above 0 (power). The sliced W2 of DDPM-vs-mixture must match mixture-vs-mixture.
import { RandomStream } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import { gaussianMixtureScore, ringMixtureParameters } from '@sgmkit/score';
import { mmd, sampleDDPM, slicedWasserstein, uniformGrid } from '@sgmkit/sampler';

const N = 800;
const REPLICATES = 12;
const ring = ringMixtureParameters();
const unequal = [0.3, 0.2, 0.15, 0.1, 0.1, 0.06, 0.05, 0.04];

/** n exact draws from the ring mixture with the given weights (component by inversion, then mean + 0.5·z). */
function mixtureSample(weights: number[], n: number, seed: number): Batch {
  const random = new RandomStream(seed, 77);
  const data = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let u = random.uniform();
    let k = 0;
    while (k < weights.length - 1 && u >= weights[k]!) u -= weights[k++]!;
    const mean = ring.means[k]!;
    data[2 * i] = mean[0]! + 0.5 * random.normal();
    data[2 * i + 1] = mean[1]! + 0.5 * random.normal();
  }
  return { data, shape: [n, 2], stride: [2, 1], offset: 0 };
}

const meanAndStandardError = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return [mean, Math.sqrt(variance / values.length)] as const;
};

describe('metrics on DDPM samples of the 8-mode ring mixture', () => {
  test('MMD² (Gaussian kernel, σ = 1) is 0 within 5 SE against the target and > 5 SE against other weights; sliced W2 agrees', async () => {
    const score = gaussianMixtureScore(ring);
    const [againstTarget, againstWrong, swModel, swBaseline]: number[][] = [[], [], [], []];
    for (let r = 0; r < REPLICATES; r++) {
      const run = await sampleDDPM(score, { T: 10, grid: uniformGrid(10, 500), n: N, seed: 100 + r });
      const target = mixtureSample(ring.weights as number[], N, 2 * r);
      const another = mixtureSample(ring.weights as number[], N, 2 * r + 1);
      againstTarget.push(mmd(run.samples, target, { bandwidth: 1 }).squared);
      againstWrong.push(mmd(run.samples, mixtureSample(unequal, N, 1000 + r), { bandwidth: 1 }).squared);
      swModel.push(slicedWasserstein(run.samples, target, { projections: 20, seed: r }).squared);
      swBaseline.push(slicedWasserstein(another, target, { projections: 20, seed: r }).squared);
    }
    const [mean, se] = meanAndStandardError(againstTarget);
    expect(Math.abs(mean)).toBeLessThan(5 * se);
    const [wrongMean, wrongSE] = meanAndStandardError(againstWrong);
    expect(wrongMean).toBeGreaterThan(5 * wrongSE);
    // Paired differences: same target sample and directions, so E[difference] = 0 when the laws agree.
    const [difference, differenceSE] = meanAndStandardError(swModel.map((v, i) => v - swBaseline[i]!));
    expect(Math.abs(difference)).toBeLessThan(5 * differenceSE);
  });
});
