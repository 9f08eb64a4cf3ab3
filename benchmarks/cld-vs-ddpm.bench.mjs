// Side by side on multimodal targets (issue 11): DDPM exponential integrator against CLD exponential integrator and
// CLD SSCS, all with their exact mixture scores, at equal score evaluations (one per step for each of the three),
// on ring8 and grid25. Quality, not speed: for each run, against exact draws from the target,
//   - MMD² (unbiased, Gaussian kernel with the median-heuristic bandwidth of the pooled sample) on 2000 vs 2000 points,
//   - sliced W2 (200 projections) on 20000 vs 20000 points,
//   - mode weights: the fraction of samples nearest each mode against the exact cell probability (equal weights and
//     equal isotropic components: every cell has probability 1/K exactly, by symmetry of the nearest-mode cells
//     under the mixture), reported as the total variation ½Σ|p̂ − p| and the largest |z| = |p̂ − p|/SE, SE = √(p(1 − p)/n).
// A row 'exact draws' gives each metric's noise floor (a second independent exact sample in place of the sampler's).
// SGMKIT_BENCH_QUICK=1: n = 10^4 and 25 or 100 evaluations only.
// Run: npx -y pnpm@10 build && node benchmarks/cld-vs-ddpm.bench.mjs
import {
  cldGaussianMixtureScore,
  gaussianMixtureScore,
  ringMixtureParameters,
  sampleGaussianMixture,
} from '@sgmkit/score';
import { mmd, sampleCLD, sampleDDPM, slicedWasserstein, uniformGrid } from '@sgmkit/sampler';

const quick = process.env.SGMKIT_BENCH_QUICK === '1';
const n = quick ? 10_000 : 50_000;
const EVALUATIONS = quick ? [25, 100] : [25, 50, 100, 200, 400];
const T = 10;
const MMD_POINTS = 2000;
const SW_POINTS = Math.min(20_000, n);
const workers = Number(process.env.SGMKIT_BENCH_WORKERS ?? 2);

function ring8() {
  const p = ringMixtureParameters({ components: 8, radius: 4, std: 0.5 });
  return { weights: Array.from(p.weights), means: p.means.map((m) => Array.from(m)), covariances: p.covariances };
}
function grid25() {
  const centres = [-4, -2, 0, 2, 4];
  const means = centres.flatMap((x) => centres.map((y) => [x, y]));
  return { weights: means.map(() => 1 / 25), means, covariances: means.map(() => 0.09) };
}

function nearestModeFractions(samples, means) {
  const counts = new Array(means.length).fill(0);
  const rows = samples.shape[0];
  for (let i = 0; i < rows; i++) {
    const x0 = samples.data[samples.offset + 2 * i];
    const x1 = samples.data[samples.offset + 2 * i + 1];
    let best = 0;
    let bestDistance = Infinity;
    means.forEach(([m0, m1], k) => {
      const distance = (x0 - m0) ** 2 + (x1 - m1) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [k, distance];
    });
    counts[best] += 1;
  }
  return counts.map((c) => c / rows);
}

function head(batch, rows) {
  return {
    data: batch.data.subarray(batch.offset, batch.offset + rows * 2),
    shape: [rows, 2],
    stride: [2, 1],
    offset: 0,
  };
}

function metrics(samples, reference, means) {
  const fractions = nearestModeFractions(samples, means);
  const p = 1 / means.length;
  const se = Math.sqrt((p * (1 - p)) / samples.shape[0]);
  return {
    mmd2: mmd(head(samples, MMD_POINTS), head(reference, MMD_POINTS)).squared,
    sw2: slicedWasserstein(head(samples, SW_POINTS), head(reference, SW_POINTS), { projections: 200, seed: 5 })
      .distance,
    modeTV: 0.5 * fractions.reduce((s, f) => s + Math.abs(f - p), 0),
    modeZ: Math.max(...fractions.map((f) => Math.abs(f - p) / se)),
  };
}

const fmt = (v, digits = 4) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(1));
const rows = [];
for (const [name, parameters] of [
  ['ring8', ring8()],
  ['grid25', grid25()],
]) {
  const reference = sampleGaussianMixture(parameters, n, { seed: 101 });
  const second = sampleGaussianMixture(parameters, n, { seed: 202 });
  rows.push({
    target: name,
    sampler: 'exact draws',
    evaluations: '-',
    ...metrics(second, reference, parameters.means),
  });
  const ddpm = gaussianMixtureScore(parameters);
  const cld = cldGaussianMixtureScore(parameters);
  for (const evaluations of EVALUATIONS) {
    const grid = uniformGrid(T, evaluations);
    const runs = [
      ['DDPM EI', () => sampleDDPM(ddpm, { T, grid, n, seed: 7, workers })],
      ['CLD EI', () => sampleCLD(cld, { T, grid, n, seed: 7, workers, method: 'exponential-integrator' })],
      ['CLD SSCS', () => sampleCLD(cld, { T, grid, n, seed: 7, workers, method: 'sscs' })],
    ];
    for (const [sampler, run] of runs) {
      const result = await run().catch((error) => ({ error }));
      if (result.error) {
        rows.push({ target: name, sampler, evaluations, failed: result.error.message.split('\n')[0] });
        continue;
      }
      rows.push({
        target: name,
        sampler,
        evaluations: result.scoreEvaluations,
        ...metrics(result.samples, reference, parameters.means),
      });
    }
  }
}

console.log(
  `DDPM vs CLD at equal score evaluations, T = ${T}, uniform grids, n = ${n}${quick ? ' (quick)' : ''}; metrics against ${n} exact draws`,
);
console.log('target  sampler      evals   MMD²        sliced W2  mode TV   max |z|');
for (const r of rows) {
  const prefix = `${r.target.padEnd(7)} ${r.sampler.padEnd(12)} ${String(r.evaluations).padStart(5)}`;
  if (r.failed) console.log(`${prefix}   failed: ${r.failed}`);
  else
    console.log(
      `${prefix}   ${fmt(r.mmd2, 6).padStart(10)}  ${fmt(r.sw2).padStart(9)}  ${fmt(r.modeTV).padStart(7)}  ${r.modeZ.toFixed(1).padStart(7)}`,
    );
}
