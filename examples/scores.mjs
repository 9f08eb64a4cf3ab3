// Analytic scores: evaluate ∇ln q_t in batch for a Gaussian and a mixture, and
// check the Gaussian one against its closed form −Σ_t⁻¹(x − e^{−t}μ).
import { batch, fromArray, toArray } from '@sgmkit/tensor';
import { gaussianScore, ringMixture } from '@sgmkit/score';

const t = 0.5;
const x = fromArray([
  [0, 0],
  [1, 2],
  [-3, 0.5],
]);
const out = batch(3, 2);

// N(μ, σ²I): q_t = N(e^{−t}μ, (e^{−2t}σ² + 1 − e^{−2t}) I).
const mean = [1, -1];
const variance = 0.25;
gaussianScore({ mean, covariance: variance }).evaluate(t, x, out);
const varianceT = Math.exp(-2 * t) * variance + 1 - Math.exp(-2 * t);
toArray(x).forEach((row, i) => {
  for (let j = 0; j < 2; j++) {
    const expected = -(row[j] - Math.exp(-t) * mean[j]) / varianceT;
    if (Math.abs(out.data[i * 2 + j] - expected) > 1e-12) throw new Error(`score mismatch at (${i}, ${j})`);
  }
});
console.log('Gaussian score at t = 0.5:', toArray(out));

// 8 Gaussians on a ring: a log-sum-exp evaluation, finite even far from every mode.
const ring = ringMixture({ components: 8, radius: 4, std: 0.5 });
ring.evaluate(0.01, fromArray([[1e3, -1e3]]), batch(1, 2));
ring.evaluate(t, x, out);
console.log('ring mixture score at t = 0.5:', toArray(out));
