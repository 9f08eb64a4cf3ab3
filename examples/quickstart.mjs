// Embed sgmkit: sample a 2-D Gaussian with the paper's DDPM sampler on two threads,
// then check the samples against the sampler's exact output law (5 standard errors).
import { batchCovariance, batchMean, fromArray } from '@sgmkit/tensor';
import { gaussianScore } from '@sgmkit/score';
import { exactDDPMLaw, sampleDDPM, uniformGrid } from '@sgmkit/sampler';

const mean = [2, -1];
const covariance = [[1, 0.6], [0.6, 0.5]];
const T = 6, steps = 200, n = 100_000, method = 'exponential-integrator';

const { samples, wallTimeMs } = await sampleDDPM(gaussianScore({ mean, covariance }), { T, steps, n, method, seed: 1, workers: 2 });
const law = exactDDPMLaw({ mean: Float64Array.from(mean), covariance: fromArray(covariance) }, { T, grid: uniformGrid(T, steps), method });

const [m, S] = [batchMean(samples), batchCovariance(samples)];
for (let j = 0; j < 2; j++) {
  const variance = law.covariance.data[j * 3];
  const [meanSE, varianceSE] = [Math.sqrt(variance / n), variance * Math.sqrt(2 / (n - 1))];
  if (Math.abs(m[j] - law.mean[j]) > 5 * meanSE || Math.abs(S.data[j * 3] - variance) > 5 * varianceSE) throw new Error(`coordinate ${j} is off`);
  console.log(`x${j}: mean ${m[j].toFixed(4)} (exact ${law.mean[j].toFixed(4)}), variance ${S.data[j * 3].toFixed(4)} (exact ${variance.toFixed(4)})`);
}
console.log(`${n} samples in ${wallTimeMs.toFixed(0)} ms agree with the exact law within 5 standard errors`);
