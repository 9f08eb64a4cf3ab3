// Point-cloud score throughput: the exact OU score of the empirical measure of m points (the score
// behind `sgmkit sample --points`), O(m·d) per particle. sgmkit's two paths side by side in one run:
// 'direct' (one particle–point distance at a time, the reference) and 'gemm' (both passes over the
// points as blocked WebAssembly-SIMD GEMMs, the default from d = 4), and the same computation in
// vectorised NumPy on one BLAS thread (skipped with a message when python3/numpy is absent).
//
//   npx -y pnpm@10 build && node benchmarks/point-cloud-score.bench.mjs
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { pointCloudScore } from '@sgmkit/score';
import { batch, RandomStream } from '@sgmkit/tensor';
import { runNumpyScript } from './baselines.mjs';

const T = 0.1;
const CASES = [
  { m: 2000, d: 64, n: 1000 },
  { m: 2000, d: 8, n: 2000 },
  { m: 2000, d: 2, n: 4000 },
];
const ONE_THREAD = { OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function bytes(a) {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function runNumpy({ m, d, n }, points, x, out) {
  const dir = mkdtempSync(join(tmpdir(), 'sgmkit-point-cloud-'));
  try {
    writeFileSync(join(dir, 'points.bin'), bytes(points));
    writeFileSync(join(dir, 'x.bin'), bytes(x.data));
    writeFileSync(join(dir, 'js.bin'), bytes(out.data));
    const script = join(dirname(fileURLToPath(import.meta.url)), 'python', 'point_cloud_score.py');
    const minSeconds = process.env.SGMKIT_BENCH_QUICK === '1' ? '0.3' : '1.5';
    const files = ['points.bin', 'x.bin', 'js.bin'].map((f) => join(dir, f));
    return runNumpyScript(script, [...files, m, d, n, T, minSeconds], ONE_THREAD);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const shape of CASES) {
  const { m, d, n } = shape;
  const rng = new RandomStream(1);
  const points = new Float64Array(m * d);
  rng.fillNormal(points);
  const rows = Array.from({ length: m }, (_, j) => Array.from(points.subarray(j * d, j * d + d)));
  const x = batch(n, d);
  rng.fillNormal(x.data);
  const scores = { direct: pointCloudScore(rows, { path: 'direct' }), gemm: pointCloudScore(rows, { path: 'gemm' }) };
  const outs = { direct: batch(n, d), gemm: batch(n, d) };
  const suite = new Benchmark.Suite(`point cloud m = ${m}, d = ${d}`);
  for (const path of ['direct', 'gemm']) {
    suite.add(`sgmkit pointCloudScore (${path}), m = ${m}, d = ${d}, n = ${n}`, () =>
      scores[path].evaluate(T, x, outs[path]),
    );
  }
  suite.on('cycle', (event) => console.log(String(event.target)));
  suite.run();
  const [direct, gemm] = [suite[0].stats.mean, suite[1].stats.mean];
  console.log(
    `m = ${m}, d = ${d}: ${(1e3 * gemm).toFixed(1)} ms per evaluation of ${n} particles (gemm), ${(1e3 * direct).toFixed(1)} ms (direct); 'auto' takes ${pointCloudScore(rows.slice(0, 1)).path}`,
  );
  console.log(`throughput ratio sgmkit gemm / direct, m = ${m}, d = ${d}: ${(direct / gemm).toFixed(2)}x`);
  const numpy = runNumpy(shape, points, x, outs.gemm);
  if (numpy) {
    console.log(
      `numpy ${numpy.numpy}: ${(1e3 * numpy.mean_seconds).toFixed(1)} ms per evaluation over ${numpy.calls} calls; max difference from sgmkit ${numpy.max_difference_from_js_relative_to_max.toExponential(1)} of the largest score`,
    );
    const best = Math.min(direct, gemm);
    console.log(
      `throughput ratio sgmkit (faster path) / NumPy, m = ${m}, d = ${d}: ${(numpy.mean_seconds / best).toFixed(2)}x`,
    );
  }
}
