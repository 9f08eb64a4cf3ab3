// Higher-order solvers: Heun (probability-flow ODE in two forms, and reverse SDE), DPM-Solver++(2M) and DEIS against the
// paper's exponential integrator, on Gaussian data, where exactDDPMLaw gives each solver's output law exactly.
// Prints KL(target ‖ output) with the number of score evaluations, then samples with two of them
// (a multistep run split into two segments that share one history gives the same bits as one call).
import { batch, fillParticleNormals } from '@sgmkit/tensor';
import { gaussianScore } from '@sgmkit/score';
import {
  ddpmDPMSolver2M,
  ddpmHeun,
  ddpmSolverHistory,
  earlyStoppingGrid,
  exactDDPMLaw,
  gaussianKL,
  gaussianLaw,
  sampleDDPM,
} from '@sgmkit/sampler';

const mean = [1, -1];
const covariance = [
  [0.5, 0.2],
  [0.2, 0.3],
];
const data = gaussianLaw(mean, covariance);
const score = gaussianScore({ mean, covariance });
const T = 8;
const delta = 1e-3;
const ei = exactDDPMLaw(data, { T, grid: earlyStoppingGrid(T, delta, 1000), method: 'exponential-integrator' });
console.log(`exponential integrator, 1000 evaluations: KL = ${gaussianKL(data, ei).toExponential(2)}`);
for (const [method, steps] of [
  ['heun', 13],
  ['exponential-heun', 13],
  ['dpmpp-2m', 25],
  ['deis-3', 25],
  ['stochastic-heun', 50],
]) {
  const grid = earlyStoppingGrid(T, delta, steps);
  const out = exactDDPMLaw(data, { T, grid, method });
  const evaluations = method.includes('heun') ? 2 * steps : steps;
  console.log(`${method}, ${evaluations} evaluations: KL = ${gaussianKL(data, out).toExponential(2)}`);
}
// Heun's two forms with 50 evaluations, on the early-stopping grid and on the grid geometric in t (switchTime = T)
for (const method of ['heun', 'exponential-heun']) {
  for (const [name, grid] of [
    ['early-stopping', earlyStoppingGrid(T, delta, 25)],
    ['geometric in t', earlyStoppingGrid(T, delta, 25, { switchTime: T })],
  ]) {
    const out = exactDDPMLaw(data, { T, grid, method });
    console.log(`${method}, 50 evaluations, ${name}: KL = ${gaussianKL(data, out).toExponential(2)}`);
  }
}

// sampleDDPM takes any method name; the result reports the score evaluations it used.
const run = await sampleDDPM(score, {
  T,
  grid: earlyStoppingGrid(T, delta, 25),
  method: 'dpmpp-2m',
  n: 10_000,
  seed: 1,
  workers: 2,
});
console.log(`sampleDDPM dpmpp-2m: ${run.scoreEvaluations} evaluations on ${run.workers} workers`);

// The integrators directly: Heun, and DPM-Solver++(2M) in two segments carrying its history.
const grid = earlyStoppingGrid(T, delta, 20);
const y = fillParticleNormals(batch(1000, 2), 7, 0, 0);
const z = fillParticleNormals(batch(1000, 2), 7, 0, 0);
console.log(
  `ddpmHeun: ${ddpmHeun(score, fillParticleNormals(batch(1000, 2), 7, 0, 0), grid, { seed: 7 })} evaluations`,
);
const exponential = ddpmHeun(
  score,
  fillParticleNormals(batch(1000, 2), 7, 0, 0),
  grid,
  { seed: 7 },
  { form: 'exponential' },
);
console.log(`ddpmHeun, form 'exponential' (method 'exponential-heun'): ${exponential} evaluations`);
ddpmDPMSolver2M(score, y, grid, { seed: 7 });
const history = ddpmSolverHistory('dpmpp-2m', z);
ddpmDPMSolver2M(score, z, grid.subarray(0, 11), { seed: 7 }, { history });
ddpmDPMSolver2M(score, z, grid.subarray(10), { seed: 7, firstStep: 10 }, { history });
if (!y.data.every((v, i) => Object.is(v, z.data[i]))) throw new Error('segmented run differs from one call');
console.log('two segments with one history: the same bits as one call');
