// The divergence of a score network's probability-flow drift, three ways, in the same run:
//   exact        ScoreNetwork.jacobianTraceInto (forward mode on the GEMM kernels, tangent-kernels.ts);
//   FD           central differences along each coordinate, as logLikelihood's 'finite-difference' (2d evaluations);
//   Hutchinson   4 Rademacher probes with central-difference JVPs, as logLikelihood's 'hutchinson' (8 evaluations);
// next to one forward pass of the same batch (`evaluate`), for a d = 2 (128, 128) and a d = 64 (256, 256) network,
// float64 and float32. Then whole logLikelihood runs (RK4, a few steps) with each divergence.
// Run: npx -y pnpm@10 build && node benchmarks/jacobian-trace.bench.mjs   (SGMKIT_BENCH_QUICK=1: short sampling)
import { execSync } from 'node:child_process';
import { createScoreNetwork } from '@sgmkit/score';
import { batch, fillParticleNormals } from '@sgmkit/tensor';
import { FINITE_DIFFERENCE_STEP, logLikelihood } from '@sgmkit/sampler';

const QUICK = process.env.SGMKIT_BENCH_QUICK === '1';
const MIN_SECONDS = QUICK ? 0.3 : 2;
const PROBES = 4;
const T_EVAL = 0.3;

const CASES = [
  { d: 2, hiddenWidths: [128, 128], rows: 1000 },
  { d: 64, hiddenWidths: [256, 256], rows: 64 },
];

/** Mean seconds per call over at least MIN_SECONDS (and 3 calls), after one warm-up call. */
function time(f) {
  f();
  let calls = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (calls < 3 || elapsed < MIN_SECONDS) {
    f();
    calls++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return elapsed / calls;
}

function points(n, d, seed) {
  const x = batch(n, d);
  fillParticleNormals(x, seed, 0, 0);
  return x;
}

/** `tr J` per row by central differences along each coordinate (logLikelihood's 'finite-difference'). */
function finiteDifferenceTrace(score, t, x, scratch, out) {
  const [n, d] = x.shape;
  const { plus, minus, scorePlus, scoreMinus } = scratch;
  out.fill(0, 0, n);
  for (let i = 0; i < d; i++) {
    plus.data.set(x.data);
    minus.data.set(x.data);
    for (let r = 0; r < n; r++) {
      plus.data[r * d + i] += FINITE_DIFFERENCE_STEP;
      minus.data[r * d + i] -= FINITE_DIFFERENCE_STEP;
    }
    score.evaluate(t, plus, scorePlus);
    score.evaluate(t, minus, scoreMinus);
    for (let r = 0; r < n; r++)
      out[r] += (scorePlus.data[r * d + i] - scoreMinus.data[r * d + i]) / (2 * FINITE_DIFFERENCE_STEP);
  }
}

/** `vᵀ J v` summed over `probes` sign vectors per row by central-difference JVPs (logLikelihood's 'hutchinson'). */
function hutchinsonTrace(score, t, x, signs, probes, scratch, out) {
  const [n, d] = x.shape;
  const { plus, minus, scorePlus, scoreMinus } = scratch;
  out.fill(0, 0, n);
  for (let k = 0; k < probes; k++) {
    for (let j = 0; j < n * d; j++) {
      const v = signs[k * n * d + j] * FINITE_DIFFERENCE_STEP;
      plus.data[j] = x.data[j] + v;
      minus.data[j] = x.data[j] - v;
    }
    score.evaluate(t, plus, scorePlus);
    score.evaluate(t, minus, scoreMinus);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let i = 0; i < d; i++)
        sum += signs[k * n * d + r * d + i] * (scorePlus.data[r * d + i] - scoreMinus.data[r * d + i]);
      out[r] += sum / (2 * FINITE_DIFFERENCE_STEP * probes);
    }
  }
}

const fmt = (s) => (s < 1 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(2)} s`);
const ratio = (a, b) => (a / b).toFixed(2);

console.log(`load before: ${execSync('uptime').toString().trim()}`);
console.log('');
const ratioLines = [];
console.log('Divergence of one batch (per call; "× fwd" = time / one forward pass of the batch):');
console.log(
  '| network | dtype | rows | forward | exact | FD (2d evals) | Hutchinson 4 (8 evals) | exact × fwd | FD × fwd | exact / FD | exact / Hutchinson |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { d, hiddenWidths, rows } of CASES) {
  for (const dtype of ['float64', 'float32']) {
    const network = createScoreNetwork({ dim: d, hiddenWidths, seed: 1, dtype });
    const x = points(rows, d, 2);
    const out = batch(rows, d);
    const trace = new Float64Array(rows);
    const scratch = {
      plus: batch(rows, d),
      minus: batch(rows, d),
      scorePlus: batch(rows, d),
      scoreMinus: batch(rows, d),
    };
    const signs = Float64Array.from(points(PROBES * rows, d, 3).data, (v) => (v < 0 ? -1 : 1));
    const forward = time(() => network.evaluate(T_EVAL, x, out));
    const exact = time(() => network.jacobianTraceInto(T_EVAL, x, trace));
    const fd = time(() => finiteDifferenceTrace(network, T_EVAL, x, scratch, trace));
    const hutchinson = time(() => hutchinsonTrace(network, T_EVAL, x, signs, PROBES, scratch, trace));
    console.log(
      `| ${d}→${hiddenWidths.join('→')}→${d} | ${dtype} | ${rows} | ${fmt(forward)} | ${fmt(exact)} | ${fmt(fd)} | ${fmt(hutchinson)} | ${ratio(exact, forward)} | ${ratio(fd, forward)} | ${ratio(exact, fd)} | ${ratio(exact, hutchinson)} |`,
    );
    ratioLines.push(`time ratio exact / finite differences, d = ${d} ${dtype}: ${ratio(exact, fd)}x`);
  }
}

console.log('');
console.log('Whole logLikelihood runs (float64 networks, RK4 on a uniform grid from δ = 1e-3 to T = 5):');
console.log(
  '| network | rows | steps | exact | finite-difference | hutchinson (4) | exact / FD | exact / Hutchinson |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { d, hiddenWidths, rows, steps } of [
  { d: 2, hiddenWidths: [128, 128], rows: 200, steps: 20 },
  { d: 64, hiddenWidths: [256, 256], rows: 16, steps: 4 },
]) {
  const network = createScoreNetwork({ dim: d, hiddenWidths, seed: 1 });
  const x = points(rows, d, 4);
  const base = { T: 5, steps, delta: 1e-3 };
  const run = (divergence) =>
    time(() =>
      logLikelihood(
        network,
        x,
        divergence === 'hutchinson' ? { ...base, divergence, probes: PROBES, seed: 1 } : { ...base, divergence },
      ),
    );
  const exact = run('exact');
  const fd = run('finite-difference');
  const hutchinson = run('hutchinson');
  console.log(
    `| ${d}→${hiddenWidths.join('→')}→${d} | ${rows} | ${steps} | ${fmt(exact)} | ${fmt(fd)} | ${fmt(hutchinson)} | ${ratio(exact, fd)} | ${ratio(exact, hutchinson)} |`,
  );
}
console.log('');
for (const line of ratioLines) console.log(line);
console.log(`load after: ${execSync('uptime').toString().trim()}`);
