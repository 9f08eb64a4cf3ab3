// Sampling: the 8-Gaussian ring with DDPM (four methods) and a Gaussian with CLD,
// reporting each run's wall time, score evaluations and where the samples landed.
import { batchMean } from '@sgmkit/tensor';
import { cldGaussianScore, ringMixture } from '@sgmkit/score';
import { DDPM_METHODS, sampleCLD, sampleDDPM } from '@sgmkit/sampler';

const ring = ringMixture({ components: 8, radius: 4, std: 0.5 });
for (const method of DDPM_METHODS) {
  const { samples, wallTimeMs, scoreEvaluations } = await sampleDDPM(ring, {
    T: 8,
    steps: 200,
    n: 4000,
    seed: 3,
    method,
  });
  // Fraction of samples within 1.5 of a ring mode (radius 4): near 1 when sampling works.
  let near = 0;
  for (let i = 0; i < 4000; i++)
    if (Math.abs(Math.hypot(samples.data[2 * i], samples.data[2 * i + 1]) - 4) < 1.5) near++;
  console.log(
    `ddpm ${method}: ${wallTimeMs.toFixed(0)} ms, ${scoreEvaluations} score evaluations, ${(near / 40).toFixed(1)}% near the ring`,
  );
  if (near < 0.9 * 4000) throw new Error(`${method}: samples missed the ring`);
}

const cld = cldGaussianScore({ mean: [1, -1], covariance: 0.5 });
const { samples } = await sampleCLD(cld, { T: 8, steps: 100, n: 20_000, seed: 4, method: 'exponential-integrator' });
console.log(
  'cld exponential-integrator sample mean:',
  Array.from(batchMean(samples), (v) => v.toFixed(3)),
);
