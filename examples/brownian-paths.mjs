// Refined Brownian paths: runs at steps h, h/2, h/4, … that share one Brownian path, so the
// pathwise (strong) error of a sampler can be measured against a fine run on the same path.
import { batch, fillParticleNormals } from '@sgmkit/tensor';
import { gaussianScore } from '@sgmkit/score';
import {
  ddpmEulerMaruyama,
  ddpmExponentialIntegrator,
  ddpmStochasticHeun,
  uniformGrid,
  INITIAL_POSITION_STREAM,
} from '@sgmkit/sampler';

const score = gaussianScore({
  mean: [1, -1],
  covariance: [
    [1, 0.3],
    [0.3, 0.5],
  ],
});
const T = 2,
  n = 1000,
  finest = 2048,
  seed = 5;

function start() {
  const y = batch(n, 2);
  fillParticleNormals(y, 1, INITIAL_POSITION_STREAM, 0); // the same initial points for every run
  return y;
}

for (const [name, run] of [
  ['exponential integrator', ddpmExponentialIntegrator],
  ['Euler–Maruyama', ddpmEulerMaruyama],
  ['stochastic Heun', ddpmStochasticHeun],
]) {
  const reference = start();
  run(score, reference, uniformGrid(T, finest), { seed }); // level 0: the ordinary run on the fine grid
  let previous;
  const cells = [];
  for (const steps of [16, 32, 64, 128]) {
    const y = start();
    // Each coarse step's noise is built from the normals of its finest / steps fine steps: the same path.
    run(score, y, uniformGrid(T, steps), { seed, brownianLevels: Math.log2(finest / steps) });
    let squared = 0;
    for (let i = 0; i < y.data.length; i++) squared += (y.data[i] - reference.data[i]) ** 2;
    const rms = Math.sqrt(squared / n);
    cells.push(`${steps} steps: ${rms.toExponential(2)}${previous ? ` (÷${(previous / rms).toFixed(2)})` : ''}`);
    previous = rms;
  }
  console.log(`${name}, RMS pathwise error against ${finest} steps on the same path: ${cells.join(', ')}`);
  // Additive noise: all three are strong order 1, so halving h about halves the error.
  if (!(previous < 0.05)) throw new Error(`${name}: the coarse runs are not on the reference path`);
}
