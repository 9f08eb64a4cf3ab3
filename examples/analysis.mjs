// Exact analysis: the output law of the DDPM exponential integrator on Gaussian
// data, its KL/W2 to the target, and the h² scaling of KL as the step shrinks.
import { exactDDPMLaw, gaussianKL, gaussianLaw, gaussianW2, uniformGrid } from '@sgmkit/sampler';

const d = 4;
// N(1, diag(0.5, 1.5, 2.5, 3.5)); gaussianLaw validates it (symmetric positive definite, finite).
const covariance = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 0.5 + i : 0)));
const target = gaussianLaw(new Array(d).fill(1), covariance);

const T = 8;
let previous;
for (const steps of [32, 64, 128]) {
  const output = exactDDPMLaw(target, { T, grid: uniformGrid(T, steps), method: 'exponential-integrator' });
  const kl = gaussianKL(target, output);
  console.log(
    `steps ${steps}: KL ${kl.toExponential(3)}, W2 ${gaussianW2(output, target).toExponential(3)}${previous ? `, KL ratio ${(previous / kl).toFixed(2)}` : ''}`,
  );
  // Halving h divides KL by about 4 (KL ~ h²).
  if (previous && Math.abs(previous / kl - 4) > 0.3) throw new Error('KL did not scale as h²');
  previous = kl;
}
