// Exact analysis: the output law of the DDPM exponential integrator on Gaussian
// data, its KL/W2 to the target, and the h² scaling of KL as the step shrinks.
import { exactDDPMLaw, gaussianKL, gaussianW2, uniformGrid } from '@sgmkit/sampler';

const d = 4;
const covariance = new Float64Array(d * d);
for (let i = 0; i < d; i++) covariance[i * d + i] = 0.5 + i; // eigenvalues 0.5, 1.5, 2.5, 3.5
const target = { mean: new Float64Array(d).fill(1), covariance: { data: covariance, shape: [d, d], stride: [d, 1], offset: 0 } };

const T = 8;
let previous;
for (const steps of [32, 64, 128]) {
  const output = exactDDPMLaw(target, { T, grid: uniformGrid(T, steps), method: 'exponential-integrator' });
  const kl = gaussianKL(target, output);
  console.log(`steps ${steps}: KL ${kl.toExponential(3)}, W2 ${gaussianW2(output, target).toExponential(3)}${previous ? `, KL ratio ${(previous / kl).toFixed(2)}` : ''}`);
  // Halving h divides KL by about 4 (KL ~ h²).
  if (previous && Math.abs(previous / kl - 4) > 0.3) throw new Error('KL did not scale as h²');
  previous = kl;
}
