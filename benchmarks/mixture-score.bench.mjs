// Mixture score throughput: an 8-component 2-D Gaussian mixture with full covariances
// (the ring of 8 Gaussians, each stretched along its tangent) evaluated on n = 10^5
// particles, sgmkit (benchmark.js) vs the same computation in vectorised NumPy run in
// the same process run. NumPy is skipped with a message when python3/numpy is absent.
// Also timed (no baseline): ringMixture(), the same ring with isotropic components (std 0.5, the DDPM
// benchmark's target), which takes the specialised isotropic shared-variance kernel.
//
//   npx -y pnpm@10 build && node benchmarks/mixture-score.bench.mjs
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { gaussianMixtureScore, ringMixture } from '@sgmkit/score';
import { batch } from '@sgmkit/tensor';
import { runNumpyScript } from './baselines.mjs';

const N = 100_000;
const COMPONENTS = 8;
const T = 0.3;

/** Ring of 8 Gaussians with full covariances: variances 0.5² across, 0.8² along the ring. */
function ringWithFullCovariances() {
  const means = [];
  const covariances = [];
  for (let k = 0; k < COMPONENTS; k++) {
    const angle = (2 * Math.PI * k) / COMPONENTS;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    means.push([4 * c, 4 * s]);
    const [radial, tangential] = [0.25, 0.64];
    covariances.push([
      [radial * c * c + tangential * s * s, (radial - tangential) * c * s],
      [(radial - tangential) * c * s, radial * s * s + tangential * c * c],
    ]);
  }
  return { weights: new Array(COMPONENTS).fill(1 / COMPONENTS), means, covariances };
}

/** Deterministic particles spread over and beyond the ring (xorshift + Box–Muller), scale 3. */
function particles(n) {
  const x = batch(n, 2);
  let state = 0x9e3779b9;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  for (let i = 0; i < 2 * n; i += 2) {
    const r = 3 * Math.sqrt(-2 * Math.log(uniform()));
    const a = 2 * Math.PI * uniform();
    x.data[i] = r * Math.cos(a);
    x.data[i + 1] = r * Math.sin(a);
  }
  return x;
}

function runNumpy(params, x, out) {
  const dir = mkdtempSync(join(tmpdir(), 'sgmkit-mixture-'));
  try {
    writeFileSync(join(dir, 'params.json'), JSON.stringify({ ...params, t: T }));
    writeFileSync(join(dir, 'x.bin'), Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    writeFileSync(join(dir, 'js.bin'), Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
    const script = join(dirname(fileURLToPath(import.meta.url)), 'python', 'mixture_score.py');
    // `sgmkit bench --quick` sets SGMKIT_BENCH_QUICK: time NumPy for 0.3 s instead of 1.5 s, as benchmark.js is shortened too.
    const minSeconds = process.env.SGMKIT_BENCH_QUICK === '1' ? '0.3' : '1.5';
    return runNumpyScript(script, [join(dir, 'params.json'), join(dir, 'x.bin'), join(dir, 'js.bin'), minSeconds]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const params = ringWithFullCovariances();
const score = gaussianMixtureScore(params);
const x = particles(N);
const out = batch(N, 2);
score.evaluate(T, x, out);

const suite = new Benchmark.Suite('mixture score');
const ring = ringMixture({ components: COMPONENTS });
const ringOut = batch(N, 2); // its own output: `out` is compared with NumPy below
suite.add(`sgmkit gaussianMixtureScore, K = ${COMPONENTS}, d = 2, n = ${N}`, () => score.evaluate(T, x, out));
suite.add(`sgmkit ringMixture (kernel: ${ring.kernel}), K = ${COMPONENTS}, d = 2, n = ${N}`, () =>
  ring.evaluate(T, x, ringOut),
);
suite.on('cycle', (event) => console.log(String(event.target)));
suite.run();
const js = suite[0];
const jsSeconds = js.stats.mean;
console.log(
  `sgmkit: ${(1e3 * jsSeconds).toFixed(2)} ms per evaluation (±${js.stats.rme.toFixed(1)}%, fastest sample ${(1e3 * Math.min(...js.stats.sample)).toFixed(2)} ms), ${(N / jsSeconds / 1e6).toFixed(1)} M particles/s`,
);
const iso = suite[1];
console.log(
  `sgmkit ringMixture (isotropic): ${(1e3 * iso.stats.mean).toFixed(2)} ms per evaluation (fastest sample ${(1e3 * Math.min(...iso.stats.sample)).toFixed(2)} ms), ${(N / iso.stats.mean / 1e6).toFixed(1)} M particles/s`,
);

const numpy = runNumpy(params, x, out);
if (numpy) {
  for (const [name, v] of Object.entries(numpy.variants)) {
    console.log(
      `numpy ${numpy.numpy} (${name}): ${(1e3 * v.mean_seconds).toFixed(2)} ms per evaluation over ${v.calls} calls; max relative difference from sgmkit ${v.max_relative_difference_from_js.toExponential(1)}`,
    );
  }
  const best = numpy.variants[numpy.fastest];
  const jsFastest = Math.min(...js.stats.sample);
  console.log(
    `throughput ratio sgmkit / NumPy (${numpy.fastest}), means: ${(best.mean_seconds / jsSeconds).toFixed(2)}x`,
  );
  console.log(
    `throughput ratio sgmkit / NumPy (${numpy.fastest}), fastest calls: ${(best.min_seconds / jsFastest).toFixed(2)}x`,
  );
}
