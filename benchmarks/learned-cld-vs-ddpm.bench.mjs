// Learned DDPM against learned CLD (issue 11) on ring8 and grid25: both networks are trained by the same recipe
// (`trainScoreNetwork` / `trainCLDScoreNetwork`: standardisation, skip term, widths, steps, batch, schedule, clipping,
// EMA) on the same exact draws, then sampled at equal score evaluations (one per step for DDPM EI, CLD EI and CLD SSCS).
// Quality against exact draws from the target, as in cld-vs-ddpm.bench.mjs:
//   - MMD² (unbiased, Gaussian kernel, median-heuristic bandwidth) on 2000 vs 2000 points,
//   - sliced W2 (200 projections) on all n vs n points,
//   - mode weights: fraction of samples nearest each mode against 1/K (exact by symmetry for these equal-weight
//     presets), as the total variation ½Σ|p̂ − p| and the largest |z| = |p̂ − p|/SE, SE = √(p(1 − p)/n).
// Rows 'exact draws' give each metric's noise floor; rows 'exact score' sample the exact mixture scores at the largest
// budget (what the samplers reach with a perfect network); rows 'CLD EI, no skip' measure the CLD skip term.
// Options (environment): SGMKIT_BENCH_QUICK=1 (1000 training steps, n = 4000, 25 and 100 evaluations),
// SGMKIT_BENCH_STEPS (training steps, default 4000), SGMKIT_BENCH_WORKERS (sampling threads, default 2).
// Run: npx -y pnpm@10 build && node benchmarks/learned-cld-vs-ddpm.bench.mjs
import {
  cldGaussianMixtureScore,
  gaussianMixtureScore,
  ringMixtureParameters,
  sampleGaussianMixture,
  trainCLDScoreNetwork,
  trainScoreNetwork,
} from '@sgmkit/score';
import { mmd, sampleCLD, sampleDDPM, slicedWasserstein, uniformGrid } from '@sgmkit/sampler';
import { loadavg } from 'node:os';

const quick = process.env.SGMKIT_BENCH_QUICK === '1';
const n = quick ? 4000 : 10_000;
const EVALUATIONS = quick ? [25, 100] : [25, 50, 100, 200];
const TRAINING_STEPS = Number(process.env.SGMKIT_BENCH_STEPS ?? (quick ? 1000 : 4000));
const DATA_ROWS = 20_000;
const T = 10;
const DELTA = 1e-3;
const MMD_POINTS = 2000;
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
    sw2: slicedWasserstein(head(samples, n), head(reference, n), { projections: 200, seed: 5 }).distance,
    modeTV: 0.5 * fractions.reduce((s, f) => s + Math.abs(f - p), 0),
    modeZ: Math.max(...fractions.map((f) => Math.abs(f - p) / se)),
  };
}

const recipe = { steps: TRAINING_STEPS, seed: 1, heldOutFraction: 0 };
const rows = [];
const load = [loadavg()[0]];
for (const [name, parameters] of [
  ['ring8', ring8()],
  ['grid25', grid25()],
]) {
  const data = sampleGaussianMixture(parameters, DATA_ROWS, { seed: 31 });
  const reference = sampleGaussianMixture(parameters, n, { seed: 101 });
  rows.push({
    target: name,
    sampler: 'exact draws',
    evaluations: '-',
    ...metrics(sampleGaussianMixture(parameters, n, { seed: 202 }), reference, parameters.means),
  });
  const started = performance.now();
  const ddpm = trainScoreNetwork(data, recipe);
  const cld = trainCLDScoreNetwork(data, recipe);
  const cldNoSkip = trainCLDScoreNetwork(data, { ...recipe, parameterisation: 'noise-prediction' });
  console.error(
    `${name}: trained 3 networks (${TRAINING_STEPS} steps, hidden ${ddpm.options.hiddenWidths.join(',')}) in ${((performance.now() - started) / 1000).toFixed(0)} s; ` +
      `held-out losses DDPM ${ddpm.evaluations.at(-1)?.heldOutLoss.toFixed(4) ?? '-'}, CLD ${cld.evaluations.at(-1)?.heldOutLoss.toFixed(4) ?? '-'}`,
  );
  const runs = (evaluations) => {
    const grid = uniformGrid(T, evaluations, DELTA);
    const common = { T, grid, n, seed: 7, workers };
    const list = [
      ['DDPM EI', () => sampleDDPM(ddpm.network, common)],
      ['CLD EI', () => sampleCLD(cld.network, { ...common, method: 'exponential-integrator' })],
      ['CLD SSCS', () => sampleCLD(cld.network, { ...common, method: 'sscs' })],
    ];
    if (evaluations === EVALUATIONS.at(-1)) {
      list.push([
        'CLD EI, no skip',
        () => sampleCLD(cldNoSkip.network, { ...common, method: 'exponential-integrator' }),
      ]);
      list.push(['exact score DDPM EI', () => sampleDDPM(gaussianMixtureScore(parameters), common)]);
      list.push([
        'exact score CLD EI',
        () => sampleCLD(cldGaussianMixtureScore(parameters), { ...common, method: 'exponential-integrator' }),
      ]);
    }
    return list;
  };
  for (const evaluations of EVALUATIONS) {
    for (const [sampler, run] of runs(evaluations)) {
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
    load.push(loadavg()[0]);
  }
}

const fmt = (v, digits = 4) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(1));
console.log(
  `Learned DDPM vs learned CLD at equal score evaluations: same recipe (${TRAINING_STEPS} steps, ${DATA_ROWS} exact draws), ` +
    `T = ${T}, δ = ${DELTA}, uniform grids, n = ${n}${quick ? ' (quick)' : ''}; metrics against ${n} exact draws; load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`,
);
console.log('target  sampler               evals   MMD²        sliced W2  mode TV   max |z|');
for (const r of rows) {
  const prefix = `${r.target.padEnd(7)} ${r.sampler.padEnd(21)} ${String(r.evaluations).padStart(5)}`;
  if (r.failed) console.log(`${prefix}   failed: ${r.failed}`);
  else
    console.log(
      `${prefix}   ${fmt(r.mmd2, 6).padStart(10)}  ${fmt(r.sw2).padStart(9)}  ${fmt(r.modeTV).padStart(7)}  ${r.modeZ.toFixed(1).padStart(7)}`,
    );
}
