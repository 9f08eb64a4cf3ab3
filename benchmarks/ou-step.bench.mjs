// OU exponential-integrator step y ← e^h y + 2(e^h − 1) s + √(e^{2h} − 1) z, single thread,
// n = 10^6 particles, d = 2, float64, noise included, score batch precomputed: sgmkit's fused
// kernel (benchmark.js) against an optimised C implementation of the same step (xorshift128+ and
// the same 1024-layer ziggurat, two normals per 64-bit output as the JS kernel, cc -O3
// -march=native, compiled into a temp dir at run time; also, for reference, the C step with
// xoroshiro128+ and with one normal per output) and against vectorised NumPy with in-place
// operations, all in the same run. Each baseline is skipped with a message when its compiler or
// interpreter is absent.
//
//   npx -y pnpm@10 build && node benchmarks/ou-step.bench.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { batch, ouExponentialIntegratorStep } from '@sgmkit/tensor';
import { runJson, runNumpyScript, withCompiledC } from './baselines.mjs';

const N = 1_000_000;
const D = 2;
const H = 1e-3;
const QUICK = process.env.SGMKIT_BENCH_QUICK === '1';
const here = dirname(fileURLToPath(import.meta.url));

/** The C variants; the first, the same step as sgmkit's, is the headline baseline. */
const NATIVE_VARIANTS = [
  { name: 'ou_step_xorshift_2', flags: [], label: 'C (xorshift128+, 2 normals/transition, as sgmkit)' },
  { name: 'ou_step_xoroshiro_2', flags: ['-DXOROSHIRO'], label: 'C (xoroshiro128+, 2 normals/transition)' },
  { name: 'ou_step_xorshift_1', flags: ['-DNORMALS_PER_TRANSITION=1'], label: 'C (xorshift128+, 1 normal/transition)' },
];

/**
 * Compiles the C variants and runs each twice (`runs` steps each, before and after the JS timing, so a
 * burst of load on a shared machine does not flatter the JS ratio); returns the better run of each, or [].
 */
function runNative(timeJs) {
  const builds = NATIVE_VARIANTS.map((v) => ({
    name: v.name,
    source: join(here, 'native', 'ou_step.c'),
    flags: v.flags,
  }));
  const runs = withCompiledC(builds, (binaries) => {
    try {
      const runOnce = (binary) => runJson(binary, [N, D, QUICK ? 10 : 60]);
      const before = binaries.map(runOnce);
      timeJs();
      const after = binaries.map(runOnce);
      return before.map((b, i) => ({
        ...b,
        label: NATIVE_VARIANTS[i].label,
        bestMs: Math.min(b.bestMs, after[i].bestMs),
        medianMs: Math.min(b.medianMs, after[i].medianMs),
        reps: b.reps + after[i].reps,
      }));
    } catch (error) {
      console.log(`C baseline failed: ${error.message}`);
      return [];
    }
  });
  return runs ?? [];
}

function runNumpy() {
  return runNumpyScript(join(here, 'python', 'ou_step.py'), [N, D, QUICK ? 5 : 30]);
}

const y = batch(N, D);
const s = batch(N, D);
for (let k = 0; k < N * D; k++) {
  y.data[k] = 0.001 * (k % 1000);
  s.data[k] = -y.data[k];
}
let step = 0;

const suite = new Benchmark.Suite('OU step');
suite.add(
  `sgmkit ouExponentialIntegratorStep, n = ${N}, d = ${D}, float64`,
  () => ouExponentialIntegratorStep(y, s, H, 1, step++, 0),
  {
    maxTime: QUICK ? 1 : 5,
  },
);
suite.on('cycle', (event) => console.log(String(event.target)));
let timed = false;
const timeJs = () => {
  suite.run();
  timed = true;
};
const native = runNative(timeJs);
if (!timed) timeJs();
const numpy = runNumpy();

const js = suite[0];
const jsMeanMs = 1e3 * js.stats.mean;
const jsFastestMs = 1e3 * Math.min(...js.stats.sample);
console.log(
  `sgmkit: ${jsMeanMs.toFixed(2)} ms per step (±${js.stats.rme.toFixed(1)}%, fastest ${jsFastestMs.toFixed(2)} ms), ${(N / jsMeanMs / 1e3).toFixed(0)} M particles/s`,
);
for (const c of native) {
  console.log(
    `${c.label} (${c.layers} layers, cc -O3 -march=native): median ${c.medianMs.toFixed(2)} ms, fastest ${c.bestMs.toFixed(2)} ms per step (better of two runs of ${c.reps / 2} steps)`,
  );
  console.log(`  throughput ratio sgmkit / ${c.label}, means vs median: ${(c.medianMs / jsMeanMs).toFixed(2)}x`);
  console.log(`  throughput ratio sgmkit / ${c.label}, fastest steps: ${(c.bestMs / jsFastestMs).toFixed(2)}x`);
}
if (numpy) {
  console.log(
    `NumPy ${numpy.numpy}: median ${numpy.medianMs.toFixed(2)} ms, fastest ${numpy.bestMs.toFixed(2)} ms per step over ${numpy.reps} steps`,
  );
  console.log(`throughput ratio sgmkit / NumPy, means vs median: ${(numpy.medianMs / jsMeanMs).toFixed(2)}x`);
  console.log(`throughput ratio sgmkit / NumPy, fastest steps: ${(numpy.bestMs / jsFastestMs).toFixed(2)}x`);
}
