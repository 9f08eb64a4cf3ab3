// Learned scores on real data: the default recipe (trainScoreNetwork) against the old defaults, on the
// tabular sets Debian's python3-sklearn ships (iris d = 4, wine d = 13, breast cancer d = 30), its 8×8
// digits (d = 64, the data) and the generated 8×8 stroke images. For each: diverged samples out
// of --samples, sliced W2 (and MMD²) of the samples to the held-out rows next to training rows to held-out
// rows (the noise floor). Installs python3-sklearn with apt when it is missing and it can; otherwise the
// sklearn sets are skipped with a message (digits ship in examples/data; the stroke images need nothing).
//
//   node benchmarks/real-data.bench.mjs [--sets iris,wine,breast_cancer,digits,strokes] [--steps <recipe default>]
//        [--samples 10000] [--sampler-steps 200] [--k 10] [--before] [--ablations] [--json out.json]
//
// --before also trains with the old defaults (no standardisation, no skip, no EMA, constant lr, no clip,
// 2000 steps, widths 128,128); --ablations retrains with each recipe item turned off in turn.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { batch } from '@sgmkit/tensor';
import { createScoreNetwork, trainDenoisingScoreMatching, trainScoreNetwork } from '@sgmkit/score';
import { ensureSklearnData, loadSet, needsSklearn } from './real-data-sets.mjs';
import { earlyStoppingGrid, mmd, qualityReport, sampleDDPM, slicedWasserstein } from '@sgmkit/sampler';

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const flag = (name) => process.argv.includes(`--${name}`);

const SETS = option('sets', 'iris,wine,breast_cancer,digits,strokes').split(',');
// Training steps of the recipe runs: the recipe's default unless --steps is given.
const STEPS = option('steps') === undefined ? undefined : Number(option('steps'));
const SAMPLES = Number(option('samples', 10_000));
const SAMPLER_STEPS = Number(option('sampler-steps', 200));
const K = Number(option('k', 10));
const DELTA = 1e-3;

/** Per-coordinate mean, std (0 for a constant coordinate), min and max of the rows. */
function columnStats(x) {
  const [n, d] = x.shape;
  const mean = new Float64Array(d),
    std = new Float64Array(d),
    min = new Float64Array(d).fill(Infinity),
    max = new Float64Array(d).fill(-Infinity);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = x.data[x.offset + i * d + j];
      mean[j] += v / n;
      min[j] = Math.min(min[j], v);
      max[j] = Math.max(max[j], v);
    }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) std[j] += (x.data[x.offset + i * d + j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]);
  return { mean, std, min, max };
}

/**
 * Per coordinate, the standard deviation in data units of the noise the sampler's output carries at δ
 * (it samples q_δ): σ_δ times the normalization's scale of that coordinate (its row norm for whitening).
 */
function deltaNoise(network, delta) {
  const d = network.dim;
  const sigma = Math.sqrt(-Math.expm1(-2 * delta));
  const n = network.normalization;
  return Float64Array.from({ length: d }, (_, j) => {
    if (!n) return sigma;
    if (n.kind === 'affine') return sigma * n.scale[j];
    let sum = 0;
    for (let k = 0; k < d; k++) sum += n.matrix[j * d + k] ** 2;
    return sigma * Math.sqrt(sum);
  });
}

/**
 * Rows with a coordinate outside the box, or non-finite. The box widens the data's std by the noise the
 * sampler's output carries at δ, as the samplers' own divergence box does (k·√(std² + noise²)):
 * `range` is [min − k·w, max + k·w] of the data (every data row is inside), `moments` is mean ± k·w.
 */
function divergedRows(x, stats, k, noise) {
  const [n, d] = x.shape;
  const w = Float64Array.from({ length: d }, (_, j) => Math.hypot(stats.std[j], noise ? noise[j] : 0));
  let range = 0,
    moments = 0,
    maxAbs = 0;
  for (let i = 0; i < n; i++) {
    let outRange = false,
      outMoments = false;
    for (let j = 0; j < d; j++) {
      const v = x.data[x.offset + i * d + j];
      if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
      if (!(v >= stats.min[j] - k * w[j] && v <= stats.max[j] + k * w[j])) outRange = true;
      if (!(Math.abs(v - stats.mean[j]) <= k * w[j])) outMoments = true;
    }
    if (outRange) range += 1;
    if (outMoments) moments += 1;
  }
  return { range, moments, maxAbs };
}

function firstRows(x, m) {
  const d = x.shape[1];
  const n = Math.min(m, x.shape[0]);
  return { data: x.data.subarray(x.offset, x.offset + n * d), shape: [n, d], stride: [d, 1], offset: 0 };
}

/** The rows z-scored with the data's column statistics (so every column weighs the same in sliced W2). */
function zScored(x, stats) {
  const [n, d] = x.shape;
  const out = batch(n, d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++)
      out.data[i * d + j] = (x.data[x.offset + i * d + j] - stats.mean[j]) / (stats.std[j] || 1);
  return out;
}

function quality(samples, train, heldOut, stats) {
  const sw = (a, b) => slicedWasserstein(a, b, { projections: 200, seed: 11 }).distance;
  const finite = samples.data.every(Number.isFinite);
  const samplesToHeldOut = finite ? sw(samples, heldOut) : NaN;
  const trainToHeldOut = sw(train, heldOut);
  const zHeldOut = zScored(heldOut, stats);
  const zSamplesToHeldOut = finite ? sw(zScored(samples, stats), zHeldOut) : NaN;
  const zTrainToHeldOut = sw(zScored(train, stats), zHeldOut);
  const mmdOf = (a) => mmd(firstRows(a, 2000), heldOut).squared;
  return {
    samplesToHeldOut,
    trainToHeldOut,
    ratio: samplesToHeldOut / trainToHeldOut,
    zSamplesToHeldOut,
    zTrainToHeldOut,
    zRatio: zSamplesToHeldOut / zTrainToHeldOut,
    mmdSamples: finite ? mmdOf(samples) : NaN,
    mmdTrain: mmdOf(train),
  };
}

/** Samples the network with the paper's sampler (in its standardised space; the sampler maps the samples back and counts diverged ones with its own box). */
async function sampleNetwork(network, n) {
  const { samples, diverged } = await sampleDDPM(network, {
    T: 10,
    grid: earlyStoppingGrid(10, DELTA, SAMPLER_STEPS),
    n,
    seed: 1,
  });
  return { samples, samplerDiverged: diverged.count };
}

async function evaluate(name, label, network, train, heldOut, stats, trainSeconds, extra = {}) {
  const started = performance.now();
  const { samples, samplerDiverged } = await sampleNetwork(network, SAMPLES);
  const sampleSeconds = (performance.now() - started) / 1000;
  const div = divergedRows(samples, stats, K, deltaNoise(network, DELTA));
  const q = quality(samples, train, heldOut, stats);
  // The CLI's quality report (sgmkit sample --train --reference): standardised by the training rows, equal row counts.
  const report = samples.data.every(Number.isFinite) ? qualityReport(samples, train, heldOut) : undefined;
  const row = {
    set: name,
    run: label,
    ...extra,
    diverged: div.range,
    samplerDiverged,
    outsideMeanKStd: div.moments,
    maxAbs: div.maxAbs,
    ...q,
    reportRatio: report?.slicedW2Ratio ?? NaN,
    closerThanHeldOut: report?.closerThanHeldOut ?? NaN,
    trainSeconds,
    sampleSeconds,
  };
  console.log(
    `${name.padEnd(13)} ${label.padEnd(22)} diverged ${String(div.range).padStart(5)}/${SAMPLES} (sampler's box: ${samplerDiverged})` +
      ` (mean±${K}std: ${String(div.moments).padStart(5)})  max|x| ${div.maxAbs.toPrecision(3).padStart(8)}` +
      `  SW2 samples→held-out ${q.samplesToHeldOut.toPrecision(3)}, train→held-out ${q.trainToHeldOut.toPrecision(3)}, ratio ${q.ratio.toFixed(2)}` +
      ` (z-scored: ${q.zSamplesToHeldOut.toPrecision(3)}, ${q.zTrainToHeldOut.toPrecision(3)}, ratio ${q.zRatio.toFixed(2)})` +
      `  quality report ratio ${row.reportRatio.toFixed(2)}, closer than held-out ${row.closerThanHeldOut.toFixed(3)}` +
      `  MMD² ${q.mmdSamples.toExponential(2)} (train ${q.mmdTrain.toExponential(2)})  train ${trainSeconds.toFixed(0)} s, sample ${sampleSeconds.toFixed(0)} s`,
  );
  return row;
}

const ABLATIONS = {
  'no standardisation': { normalization: 'none' },
  'no skip': { parameterisation: 'noise-prediction' },
  'no EMA': { emaDecay: 0 },
  'constant lr, no warm-up': { learningRateDecay: 'constant', warmupSteps: 0 },
  'no clipping': { gradientClipNorm: Infinity },
};
if (flag('whitening')) ABLATIONS.whitening = { normalization: 'whitening' };

async function benchmarkSet(name, data) {
  const rows = [];
  const d = data.shape[1];
  const recipe = (overrides = {}) => {
    const started = performance.now();
    const result = trainScoreNetwork(data, { ...(STEPS === undefined ? {} : { steps: STEPS }), seed: 0, ...overrides });
    return { result, seconds: (performance.now() - started) / 1000 };
  };
  const { result, seconds } = recipe();
  const stats = columnStats(data);
  const dataOutside = divergedRows(data, stats, K).moments;
  console.log(
    `${name}: ${data.shape[0]} rows, d = ${d} (${result.train.shape[0]} train, ${result.heldOut.shape[0]} held out); data rows outside mean±${K}std: ${dataOutside}; hidden ${result.options.hiddenWidths.join(',')}; held-out loss ${result.evaluations.at(-1).heldOutLoss.toFixed(3)}`,
  );
  rows.push(
    await evaluate(name, 'recipe', result.network, result.train, result.heldOut, stats, seconds, {
      dataOutsideMeanKStd: dataOutside,
      heldOutLoss: result.evaluations.at(-1).heldOutLoss,
    }),
  );
  if (flag('ablations')) {
    for (const [label, overrides] of Object.entries(ABLATIONS)) {
      const run = recipe(overrides);
      rows.push(
        await evaluate(name, label, run.result.network, run.result.train, run.result.heldOut, stats, run.seconds, {
          heldOutLoss: run.result.evaluations.at(-1).heldOutLoss,
        }),
      );
    }
  }
  if (flag('before')) {
    // The old defaults: createScoreNetwork's [128, 128], 2000 steps on the raw training rows, last weights.
    const started = performance.now();
    const network = createScoreNetwork({ dim: d, hiddenWidths: [128, 128], seed: 0 });
    trainDenoisingScoreMatching(network, result.train, { steps: 2000, seed: 0 });
    rows.push(
      await evaluate(
        name,
        'old defaults',
        network,
        result.train,
        result.heldOut,
        stats,
        (performance.now() - started) / 1000,
      ),
    );
  }
  return rows;
}

const haveSklearn = SETS.some(needsSklearn) ? ensureSklearnData() : false;
console.log(
  `real-data benchmark: ${STEPS ?? 'the default'} training steps (recipe), ${SAMPLES} samples, DDPM exponential integrator T = 10, ${SAMPLER_STEPS} early-stopping steps, δ = 1e-3;` +
    ` diverged = a coordinate outside [min − ${K}·w, max + ${K}·w] of the data, w = √(std² + (σ_δ·scale)²), or non-finite; load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
);
const all = [];
for (const name of SETS) {
  const set = loadSet(name, haveSklearn);
  if (!set) continue;
  all.push(...(await benchmarkSet(name, set.data)));
  // Written after every set, so a long run that is stopped keeps what it measured.
  const jsonPath = option('json');
  if (jsonPath)
    writeFileSync(
      jsonPath,
      JSON.stringify(
        { steps: STEPS, samples: SAMPLES, samplerSteps: SAMPLER_STEPS, k: K, delta: DELTA, rows: all },
        null,
        2,
      ),
    );
}
