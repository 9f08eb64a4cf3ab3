// MLP score network forward pass (2 → 128 → 128 → 2, SiLU) on a batch of 10^4, and the raw GEMM kernel
// on 256×256×256, in GFLOP/s next to a plain C GEMM (benchmarks/native/gemm_peak.c) compiled now with
// `cc -O3 -march=native`; the C baseline is skipped with a message when no compiler is present.
// Run: npx -y pnpm@10 build && node benchmarks/mlp-forward.bench.mjs   (SGMKIT_BENCH_QUICK=1: short sampling)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { createScoreNetwork } from '@sgmkit/score';
import { gemm, batch, RandomStream } from '@sgmkit/tensor';
import { runJson, withCompiledC } from './baselines.mjs';

const N = 10_000;
const HIDDEN = 128;
const D = 2;
// Multiply-adds actually performed per row: x-layer (time features are folded into the bias once per call),
// hidden layer and output layer. Activations, biases and the per-call fold are not counted.
const MLP_FLOPS = 2 * N * (D * HIDDEN + HIDDEN * HIDDEN + HIDDEN * D);
const GEMM_SIZE = 256;
const GEMM_FLOPS = 2 * GEMM_SIZE ** 3;
const QUICK = process.env.SGMKIT_BENCH_QUICK === '1';
const BENCH_OPTIONS = QUICK ? { maxTime: 0.5, minSamples: 5 } : { maxTime: 5 };

function randomMatrix(rows, cols, rng, dtype = 'float64') {
  const m = batch(rows, cols, dtype);
  rng.fillNormal(m.data);
  return m;
}

function runSuite() {
  const rng = new RandomStream(1);
  const network = createScoreNetwork({ dim: D, hiddenWidths: [HIDDEN, HIDDEN], seed: 2 });
  const x64 = randomMatrix(N, D, rng);
  const out64 = batch(N, D);
  const x32 = randomMatrix(N, D, rng, 'float32');
  const out32 = batch(N, D, 'float32');
  const a = randomMatrix(GEMM_SIZE, GEMM_SIZE, rng);
  const b = randomMatrix(GEMM_SIZE, GEMM_SIZE, rng);
  const c = batch(GEMM_SIZE, GEMM_SIZE);
  const results = {};
  return new Promise((resolve) => {
    new Benchmark.Suite()
      .add('mlp-forward-f64', () => network.evaluate(0.5, x64, out64), BENCH_OPTIONS)
      .add('mlp-forward-f32', () => network.evaluate(0.5, x32, out32), BENCH_OPTIONS)
      .add('gemm-256', () => gemm(false, false, 1, a, b, 0, c), BENCH_OPTIONS)
      .on('cycle', (event) => {
        const target = event.target;
        console.log(String(target));
        // Best sample too: the C baseline reports its best of 5, and on a shared machine best-vs-best is the fair ratio.
        results[target.name] = { hz: target.hz, bestHz: 1 / Math.min(...target.stats.sample), rme: target.stats.rme };
      })
      .on('complete', () => resolve(results))
      .run({ async: false });
  });
}

/** Compiles and runs the C GEMM for each shape; returns undefined (with a message) when there is no compiler. */
function nativeGemm(shapes) {
  const source = join(dirname(fileURLToPath(import.meta.url)), 'native', 'gemm_peak.c');
  return withCompiledC([{ name: 'gemm_peak', source }], ([binary]) => shapes.map((shape) => runJson(binary, shape)));
}

const fmt = (v) => v.toFixed(2);
const js = await runSuite();
console.log('');
const native = nativeGemm([
  [GEMM_SIZE, GEMM_SIZE, GEMM_SIZE],
  [N, HIDDEN, HIDDEN],
]);
const rows = [
  ['MLP forward 2→128→128→2, n=1e4, float64', js['mlp-forward-f64'], MLP_FLOPS],
  ['MLP forward 2→128→128→2, n=1e4, float32 batch', js['mlp-forward-f32'], MLP_FLOPS],
  [`gemm ${GEMM_SIZE}×${GEMM_SIZE}×${GEMM_SIZE}, float64`, js['gemm-256'], GEMM_FLOPS],
];
console.log('| what | mean time per call | GFLOP/s (mean) | GFLOP/s (best sample) |');
console.log('| --- | --- | --- | --- |');
for (const [name, r, flops] of rows) {
  console.log(
    `| ${name} | ${fmt(1000 / r.hz)} ms ±${r.rme.toFixed(1)}% | ${fmt((flops * r.hz) / 1e9)} | ${fmt((flops * r.bestHz) / 1e9)} |`,
  );
}
if (native) {
  const [square, layer] = native;
  console.log(
    `| C GEMM ${GEMM_SIZE}×${GEMM_SIZE}×${GEMM_SIZE} (i-k-j, cc -O3 -march=native) | ${fmt(square.seconds * 1000)} ms (best of 5) | | ${fmt(square.gflops)} |`,
  );
  console.log(
    `| C GEMM ${N}×${HIDDEN}×${HIDDEN} (the MLP's hidden layer) | ${fmt(layer.seconds * 1000)} ms (best of 5) | | ${fmt(layer.gflops)} |`,
  );
  const peak = Math.max(square.gflops, layer.gflops);
  console.log('');
  console.log(
    `GFLOP/s ratio MLP forward (float64, best) / C GEMM peak: ${fmt((MLP_FLOPS * js['mlp-forward-f64'].bestHz) / 1e9 / peak)}x`,
  );
  console.log(
    `GFLOP/s ratio sgmkit gemm ${GEMM_SIZE}³ (best) / C GEMM ${GEMM_SIZE}³: ${fmt((GEMM_FLOPS * js['gemm-256'].bestHz) / 1e9 / square.gflops)}x`,
  );
}
