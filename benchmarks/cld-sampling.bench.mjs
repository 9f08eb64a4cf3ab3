// Full CLD sampling of the 8-component 2-D ring mixture with its exact velocity score (issue 11):
// T = 10, 1000 uniform steps, n = 10^5 particles, exponential integrator, (x, v) started at N(0, I) ⊗ N(0, I).
// Compares, in the same process run:
//   - sgmkit on 1 thread and sharded over 2 worker threads (bit-identical output),
//   - the same algorithm in vectorised NumPy (benchmarks/python/cld_sampling.py: affine-logit mixture velocity score,
//     the CLD exponential-integrator step with sgmkit's step coefficients).
// One full run each after a short JIT warm-up (benchmark.js's repeated sampling is not used for a workload this long).
// SGMKIT_BENCH_QUICK=1 runs n = 10^4, 100 steps instead (both sides).
// Run: npx -y pnpm@10 build && node benchmarks/cld-sampling.bench.mjs
import { fileURLToPath } from 'node:url';
import { cldGaussianMixtureScore, ringMixtureParameters } from '@sgmkit/score';
import { sampleCLD } from '@sgmkit/sampler';
import { cldStepCoefficients } from '@sgmkit/tensor';
import { runNumpyScript } from './baselines.mjs';

const quick = process.env.SGMKIT_BENCH_QUICK === '1';
const n = Number(process.env.SGMKIT_BENCH_N ?? (quick ? 10_000 : 100_000));
const steps = Number(process.env.SGMKIT_BENCH_STEPS ?? (quick ? 100 : 1000));
const T = 10;
const seed = 1;
const workers = Number(process.env.SGMKIT_BENCH_WORKERS ?? 2);

function modeFractions(samples) {
  const counts = new Array(8).fill(0);
  for (let i = 0; i < samples.shape[0]; i++) {
    const angle = Math.atan2(samples.data[2 * i + 1], samples.data[2 * i]);
    counts[((Math.round(angle / (Math.PI / 4)) % 8) + 8) % 8] += 1;
  }
  return counts.map((c) => (c / samples.shape[0]).toFixed(4));
}

const score = cldGaussianMixtureScore(ringMixtureParameters({ components: 8, radius: 4, std: 0.5 }));
console.log(
  `CLD exponential integrator, 8-mode ring mixture (exact velocity score, kernel ${score.kernel}), T = ${T}, ${steps} steps, n = ${n}${quick ? ' (quick)' : ''}`,
);

await sampleCLD(score, { T, steps: 20, n: 2000, seed }); // JIT warm-up on a small batch (same code paths)

async function timed(options) {
  const cpu0 = process.cpuUsage();
  const result = await sampleCLD(score, options);
  const cpu = process.cpuUsage(cpu0);
  return { ...result, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
const cores = (r) =>
  `CPU ${r.cpuSeconds.toFixed(2)} s = ${(r.cpuSeconds / (r.wallTimeMs / 1000)).toFixed(2)} cores busy`;

const single = await timed({ T, steps, n, seed, workers: 1 });
console.log(
  `sgmkit, 1 thread: ${(single.wallTimeMs / 1000).toFixed(3)} s (${((single.wallTimeMs * 1e6) / (n * steps)).toFixed(1)} ns per particle-step; ${cores(single)}); mode fractions ${modeFractions(single.samples).join(' ')}`,
);

const sharded = await timed({ T, steps, n, seed, workers });
let identical = true;
for (let i = 0; i < 2 * n; i++) if (!Object.is(sharded.samples.data[i], single.samples.data[i])) identical = false;
console.log(
  `sgmkit, ${workers} worker threads: ${(sharded.wallTimeMs / 1000).toFixed(3)} s (${cores(sharded)}); bit-identical to 1 thread: ${identical}`,
);
console.log(
  `workers speed-up ratio (${workers} workers vs 1 thread): ${(single.wallTimeMs / sharded.wallTimeMs).toFixed(2)}x`,
);

// One BLAS thread, as in the DDPM sampling benchmark (the (n x 2)(2 x K) products only pay synchronisation for threads).
const blasThreads = process.env.SGMKIT_BENCH_NUMPY_THREADS ?? '1';
const c = cldStepCoefficients(T / steps, 'reverse');
const coefficients = [...c.transition, ...c.scoreIntegral, c.cholesky[0], c.cholesky[2], c.cholesky[3]];
const script = fileURLToPath(new URL('./python/cld_sampling.py', import.meta.url));
const result = runNumpyScript(script, [n, steps, T, seed, ...coefficients], {
  OPENBLAS_NUM_THREADS: blasThreads,
  OMP_NUM_THREADS: blasThreads,
  MKL_NUM_THREADS: blasThreads,
});
if (result) {
  const numpyMs = result.seconds * 1000;
  console.log(
    `NumPy ${result.numpy} (BLAS threads: ${blasThreads}): ${result.seconds.toFixed(3)} s (CPU ${result.cpuSeconds.toFixed(2)} s); mode fractions ${result.fractions.map((f) => f.toFixed(4)).join(' ')}`,
  );
  console.log(`speed ratio sgmkit 1 thread vs NumPy: ${(numpyMs / single.wallTimeMs).toFixed(2)}x`);
  console.log(`speed ratio sgmkit ${workers} workers vs NumPy: ${(numpyMs / sharded.wallTimeMs).toFixed(2)}x`);
  console.log(`CPU-time ratio NumPy / sgmkit 1 thread: ${(result.cpuSeconds / single.cpuSeconds).toFixed(2)}x`);
}
