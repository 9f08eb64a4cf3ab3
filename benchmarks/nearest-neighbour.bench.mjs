// Nearest-neighbour distances of the quality report (memorisation check): 10^4 samples against 3000
// training rows in d = 64, the blocked-GEMM kernel against the plain double loop it replaces, in the same run.
// Run: npx -y pnpm@10 build && node benchmarks/nearest-neighbour.bench.mjs   (SGMKIT_BENCH_QUICK=1: short sampling)
import Benchmark from 'benchmark';
import { batch, fillParticleNormals } from '@sgmkit/tensor';
import { nearestNeighbourDistances } from '@sgmkit/sampler';

const QUICK = process.env.SGMKIT_BENCH_QUICK === '1';
const N = QUICK ? 2000 : 10_000;
const M = 3000;
const D = 64;
const BENCH_OPTIONS = QUICK ? { maxTime: 0.5, minSamples: 2 } : { maxTime: 10, minSamples: 3 };

const queries = batch(N, D);
const training = batch(M, D);
fillParticleNormals(queries, 1, 0, 0);
fillParticleNormals(training, 2, 0, 0);

/** The plain O(n·m·d) double loop: the baseline. */
function naive(q, r) {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let best = Infinity;
    for (let j = 0; j < M; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) {
        const diff = q.data[i * D + k] - r.data[j * D + k];
        s += diff * diff;
      }
      if (s < best) best = s;
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

// Same answers first (to rounding), so the ratio compares equal work.
const fast = nearestNeighbourDistances(queries, training);
const slow = naive(queries, training);
let worst = 0;
for (let i = 0; i < N; i++) worst = Math.max(worst, Math.abs(fast[i] - slow[i]));
if (worst > 1e-9) throw new Error(`nearestNeighbourDistances disagrees with the double loop by ${worst}`);

const suite = new Benchmark.Suite();
const hz = {};
suite
  .add(
    `nearestNeighbourDistances ${N}x${M} d=${D} (blocked GEMM)`,
    () => nearestNeighbourDistances(queries, training),
    BENCH_OPTIONS,
  )
  .add(`double loop ${N}x${M} d=${D}`, () => naive(queries, training), BENCH_OPTIONS)
  .on('cycle', (event) => {
    console.log(String(event.target));
    hz[event.target.name.startsWith('near') ? 'fast' : 'slow'] = event.target.hz;
  })
  .on('complete', () =>
    console.log(`nearest-neighbour ratio (blocked GEMM / double loop): ${(hz.fast / hz.slow).toFixed(2)}x`),
  )
  .run();
