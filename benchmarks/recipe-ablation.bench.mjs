// Multi-seed ablation of the training recipe on the two 64-dimensional image sets (sklearn's 8×8 digits,
// the generated 8×8 strokes) or the sklearn tabular sets (--sets iris,wine,breast_cancer; installed with apt
// when missing): for each variant and each seed s, trainScoreNetwork(data, { seed: s, ...variant })
// (seed s also draws the held-out split), 4000 samples by the paper's DDPM exponential integrator (T = 10,
// earlyStoppingGrid(10, 1e-3, 200), seed s + 1), then:
// - diverged: the sampler's own count (result.diverged, the box `sgmkit sample` reports);
// - SW2 ratio (data units): sliced W2 (200 directions, seed 11) of all samples to the held-out rows over that of
//   the training rows to the held-out rows, as in real-data.bench.mjs;
// - report ratio: qualityReport(samples, train, heldOut).slicedW2Ratio, the figure `sgmkit sample --train
//   --reference` prints (standardised by the training rows, min(n, m_train) rows of each);
// - closer than held-out (qualityReport.closerThanHeldOut; 1/2 like fresh data) and the per-pixel std of the
//   samples over that of the data (mean over pixels with data std > 0.05).
// Every seed is reported, then mean ± sd over seeds (no seed is selected).
//
//   node benchmarks/recipe-ablation.bench.mjs [--sets digits,strokes] [--seeds 0,1,2] [--variants steps4000,steps8000]
//        [--samples 4000] [--json out.json]
//
// Variants: training options (steps4000, steps8000, steps16000, width512, depth3, batch512, lr2e3, lr3e3, lr5e3;
// the standardisation: std1, range4, range8, range16, std05, std03, std03-range1, std05-range2, std03-range2, std05-range1,
// norm-none; the residual horizon: h3, h2, h1, std05-h3, std05-h2, std05-h1, std05-range1-h2, std03-range1-h2,
// std03-range1-h1; with the residual box: std03-range1-h1-box4, std03-range1-h1-box2 (the default since session 6),
// std03-range1-h2-box4, std03-range1-box4, std05-h2-box4; session5-default: the default before it) and, on the
// default recipe, sampler
// options (default: the recipe's defaults; sampler-uniform1000: 1000 uniform steps, `sgmkit sample --network`'s
// defaults, also on the session-5 default as session5-uniform1000; sampler-ei1000: 1000 early-stopping steps; sampler-denoise: a final Tweedie denoising step;
// sampler-clip: the denoised prediction clipped to the training rows' range).
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { batch } from '@sgmkit/tensor';
import { clippedScore, trainScoreNetwork } from '@sgmkit/score';
import { earlyStoppingGrid, qualityReport, sampleDDPM, slicedWasserstein } from '@sgmkit/sampler';
import { ensureSklearnData, loadSet, needsSklearn } from './real-data-sets.mjs';

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const SETS = option('sets', 'digits,strokes').split(',');
const SEEDS = option('seeds', '0,1,2').split(',').map(Number);
const SAMPLES = Number(option('samples', 4000));
const DELTA = 1e-3;
const SAMPLER_STEPS = 200;

const VARIANTS = {
  steps4000: { train: { steps: 4000 } },
  steps8000: { train: { steps: 8000 } },
  width512: { train: { hiddenWidths: [512, 512] } },
  depth3: { train: { hiddenWidths: [256, 256, 256] } },
  steps16000: { train: { steps: 16000 } },
  batch512: { train: { batchSize: 512 } },
  lr2e3: { train: { learningRate: 2e-3 } },
  lr3e3: { train: { learningRate: 3e-3 } },
  lr5e3: { train: { learningRate: 5e-3 } },
  // The standardisation (session 4): 'std1' is the previous default (unit std, no range cap).
  std1: { train: { standardizedStd: 1, maxStandardizedRange: Infinity } },
  range4: { train: { standardizedStd: 1, maxStandardizedRange: 4 } },
  range8: { train: { standardizedStd: 1, maxStandardizedRange: 8 } },
  range16: { train: { standardizedStd: 1, maxStandardizedRange: 16 } },
  std05: { train: { standardizedStd: 0.5, maxStandardizedRange: Infinity } },
  std03: { train: { standardizedStd: 0.3, maxStandardizedRange: Infinity } },
  'norm-none': { train: { normalization: 'none' } },
  'std03-range1': { train: { standardizedStd: 0.3, maxStandardizedRange: 1 } },
  // Intermediate settings (session 5).
  'std05-range2': { train: { standardizedStd: 0.5, maxStandardizedRange: 2 } },
  'std03-range2': { train: { standardizedStd: 0.3, maxStandardizedRange: 2 } },
  'std05-range1': { train: { standardizedStd: 0.5, maxStandardizedRange: 1 } },
  // The residual horizon H (session 6): for t > H the score is the skip term alone; training draws t <= H.
  h3: { train: { residualHorizon: 3 } },
  h2: { train: { residualHorizon: 2 } },
  h1: { train: { residualHorizon: 1 } },
  'std05-h3': { train: { standardizedStd: 0.5, maxStandardizedRange: Infinity, residualHorizon: 3 } },
  'std05-h2': { train: { standardizedStd: 0.5, maxStandardizedRange: Infinity, residualHorizon: 2 } },
  'std05-h1': { train: { standardizedStd: 0.5, maxStandardizedRange: Infinity, residualHorizon: 1 } },
  'std05-range1-h2': { train: { standardizedStd: 0.5, maxStandardizedRange: 1, residualHorizon: 2 } },
  'std03-range1-h2': { train: { standardizedStd: 0.3, maxStandardizedRange: 1, residualHorizon: 2 } },
  'std03-range1-h1': { train: { standardizedStd: 0.3, maxStandardizedRange: 1, residualHorizon: 1 } },
  // The residual box k (session 6): the MLP reads x clipped to the data's range ± k noise standard deviations.
  'std03-range1-h1-box4': {
    train: { standardizedStd: 0.3, maxStandardizedRange: 1, residualHorizon: 1, residualBox: 4 },
  },
  'std03-range1-h2-box4': {
    train: { standardizedStd: 0.3, maxStandardizedRange: 1, residualHorizon: 2, residualBox: 4 },
  },
  'std03-range1-h1-box2': {
    train: { standardizedStd: 0.3, maxStandardizedRange: 1, residualHorizon: 1, residualBox: 2 },
  },
  // The default of sessions 2–5 (unit std, no cap, no residual horizon or box).
  'session5-default': {
    train: { standardizedStd: 1, maxStandardizedRange: Infinity, residualHorizon: Infinity, residualBox: Infinity },
  },
  'std03-range1-box4': { train: { standardizedStd: 0.3, maxStandardizedRange: 1, residualBox: 4 } },
  'std05-h2-box4': {
    train: { standardizedStd: 0.5, maxStandardizedRange: Infinity, residualHorizon: 2, residualBox: 4 },
  },
  default: { train: {} },
  // `sgmkit sample --network`'s own defaults: 1000 uniform steps (δ = 1e-3), not the early-stopping grid.
  'sampler-uniform1000': { train: {}, sampler: { uniform: true, steps: 1000 } },
  'session5-uniform1000': {
    train: { standardizedStd: 1, maxStandardizedRange: Infinity, residualHorizon: Infinity, residualBox: Infinity },
    sampler: { uniform: true, steps: 1000 },
  },
  'sampler-ei1000': { train: {}, sampler: { steps: 1000 } },
  'sampler-denoise': { train: {}, sampler: { denoise: true } },
  'sampler-clip': { train: {}, sampler: { clip: true } },
};
const chosen = option('variants', 'steps4000,steps8000').split(',');
for (const name of chosen)
  if (!VARIANTS[name]) throw new Error(`unknown variant ${name} (one of ${Object.keys(VARIANTS).join(', ')})`);

/** The network's own (standardised) view, optionally with its denoised prediction clipped to the training range. */
function samplingScore(network, clip) {
  if (!clip) return network;
  const { mean, scale } = network.normalization;
  const { lower, upper } = network.dataRange;
  return clippedScore(network, {
    lower: lower.map((v, j) => (v - mean[j]) / scale[j]),
    upper: upper.map((v, j) => (v - mean[j]) / scale[j]),
  });
}

/** Samples (data units, mapped back by the sampler) and the sampler's diverged count. */
async function draw(network, sampler, n, seed) {
  const steps = sampler.steps ?? SAMPLER_STEPS;
  const result = await sampleDDPM(samplingScore(network, sampler.clip), {
    T: 10,
    ...(sampler.uniform ? { steps, delta: DELTA } : { grid: earlyStoppingGrid(10, DELTA, steps) }),
    n,
    seed,
  });
  if (!sampler.denoise) return { samples: result.samples, diverged: result.diverged.count };
  // Tweedie at δ in the standardised space: E[y₀ | y_δ] = e^δ (y_δ + σ_δ² s(δ, y_δ)), then mapped back.
  const { mean, scale } = network.normalization;
  const d = network.dim;
  const y = batch(n, d);
  for (let i = 0; i < n * d; i++) y.data[i] = (result.samples.data[i] - mean[i % d]) / scale[i % d];
  const s = batch(n, d);
  network.evaluate(DELTA, y, s);
  const sigma2 = -Math.expm1(-2 * DELTA);
  const x = batch(n, d);
  for (let i = 0; i < n * d; i++)
    x.data[i] = mean[i % d] + scale[i % d] * Math.exp(DELTA) * (y.data[i] + sigma2 * s.data[i]);
  return { samples: x, diverged: result.diverged.count };
}

function columnStd(b) {
  const [n, d] = b.shape;
  const mean = new Float64Array(d),
    variance = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += b.data[b.offset + i * d + j] / n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) variance[j] += (b.data[b.offset + i * d + j] - mean[j]) ** 2 / n;
  return variance.map(Math.sqrt);
}

function stdRatio(samples, data) {
  const s = columnStd(samples),
    r = columnStd(data);
  let sum = 0,
    count = 0;
  r.forEach((v, j) => {
    if (v > 0.05) {
      sum += s[j] / v;
      count++;
    }
  });
  return sum / count;
}

const meanSd = (values) => {
  const m = values.reduce((a, v) => a + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / Math.max(1, values.length - 1));
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
};

console.log(
  `recipe ablation: seeds ${SEEDS.join(',')}, ${SAMPLES} samples, EI T = 10, ${SAMPLER_STEPS} early-stopping steps (unless the variant says), δ = ${DELTA}; load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
const rows = [];
const trained = new Map();
const haveSklearn = SETS.some(needsSklearn) && ensureSklearnData();
for (const set of SETS) {
  const loaded = loadSet(set, haveSklearn);
  if (loaded === undefined) continue; // skipped with a message by ensureSklearnData
  const { data } = loaded;
  for (const name of chosen) {
    const variant = VARIANTS[name];
    const perSeed = [];
    for (const seed of SEEDS) {
      const key = `${set} ${JSON.stringify(variant.train)} ${seed}`;
      const started = performance.now();
      const run = trained.get(key) ?? trainScoreNetwork(data, { ...variant.train, seed });
      trained.set(key, run);
      const trainSeconds = (performance.now() - started) / 1000;
      const { samples, diverged } = await draw(run.network, variant.sampler ?? {}, SAMPLES, seed + 1);
      const sw = (a, b) => slicedWasserstein(a, b, { projections: 200, seed: 11 }).distance;
      const report = qualityReport(samples, run.train, run.heldOut);
      const row = {
        set,
        variant: name,
        seed,
        steps: run.steps,
        hidden: run.options.hiddenWidths.join(','),
        diverged,
        ratio: sw(samples, run.heldOut) / sw(run.train, run.heldOut),
        reportRatio: report.slicedW2Ratio,
        closerThanHeldOut: report.closerThanHeldOut,
        stdRatio: stdRatio(samples, data),
        heldOutLoss: run.evaluations.at(-1)?.heldOutLoss,
        trainLoss: run.evaluations.at(-1)?.trainLoss,
        trainSeconds,
        load: loadavg()[0],
      };
      perSeed.push(row);
      rows.push(row);
      console.log(
        `${set} ${name} seed ${seed}: diverged ${diverged}/${SAMPLES}, SW2 ratio ${row.ratio.toFixed(3)}, report ratio ${row.reportRatio.toFixed(3)},` +
          ` closer than held-out ${row.closerThanHeldOut.toFixed(3)}, std ratio ${row.stdRatio.toFixed(3)}, held-out loss ${row.heldOutLoss.toFixed(2)} (train rows ${row.trainLoss.toFixed(2)}),` +
          ` trained in ${trainSeconds.toFixed(0)} s, load ${row.load.toFixed(1)}`,
      );
    }
    console.log(
      `${set} ${name}: over seeds ${SEEDS.join(',')}: diverged ${perSeed.map((r) => r.diverged).join(',')}; SW2 ratio ${meanSd(perSeed.map((r) => r.ratio))};` +
        ` report ratio ${meanSd(perSeed.map((r) => r.reportRatio))}; std ratio ${meanSd(perSeed.map((r) => r.stdRatio))}`,
    );
    const json = option('json');
    if (json) writeFileSync(json, JSON.stringify({ seeds: SEEDS, samples: SAMPLES, rows }, null, 2));
  }
}
