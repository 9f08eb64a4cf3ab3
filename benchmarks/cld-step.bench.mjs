// CLD exponential-integrator step on (x, v), single thread, n = 10^6 particles, d = 2, float64,
// noise drawn inside the step: sgmkit's fused kernel `cldExponentialIntegratorStep` (benchmark.js),
// reverse form with a precomputed velocity-score batch and forward form with s = null, against, in the
// same run,
//   (a) the library's unfused reference path: the same update composed from ndarray-ops calls on the
//       same noise (fillParticleNormals into a scratch batch, then the 2×2 linear map, score term and
//       Cholesky noise), buffers preallocated; checked bit for bit against the fused kernel first;
//   (b) vectorised NumPy with in-place operations (benchmarks/python/cld_step.py), given sgmkit's
//       coefficients, so both take the same step; skipped with a message when python3/numpy is absent.
//
//   npx -y pnpm@10 build && node benchmarks/cld-step.bench.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import ops from 'ndarray-ops';
import {
  batch,
  cldExponentialIntegratorStep,
  cldStepCoefficients,
  fillParticleNormals,
  toNdarray,
} from '@sgmkit/tensor';
import { runNumpyScript } from './baselines.mjs';

const N = 1_000_000;
const D = 2;
const H = 1e-3;
const SEED = 1;
const QUICK = process.env.SGMKIT_BENCH_QUICK === '1';
const here = dirname(fileURLToPath(import.meta.url));

/** The step's coefficients in one flat record (the kernel computes the same ones from h). */
function coefficients(direction) {
  const c = cldStepCoefficients(H, direction);
  const [e11, e12, e21, e22] = c.transition;
  const [w1, w2] = c.scoreIntegral;
  const [l11, , l21, l22] = c.cholesky;
  return { e11, e12, e21, e22, w1, w2, l11, l21, l22 };
}

/** Starting positions, velocities and velocity score (the score of N(0, I) velocities), as in cld_step.py. */
function initialState(withScore) {
  const x = batch(N, D);
  const v = batch(N, D);
  for (let k = 0; k < N * D; k++) {
    x.data[k] = 0.001 * (k % 1000);
    v.data[k] = 0.0005 * (k % 997) - 0.25;
  }
  const s = withScore ? batch(N, D) : null;
  if (s) for (let k = 0; k < N * D; k++) s.data[k] = -v.data[k];
  return { x, v, s };
}

/** Scratch of the unfused path, shared by both forms: the 2d normals per row and two temporaries. */
const z = batch(N, 2 * D);
const zView = toNdarray(z);
const scratch = {
  // Pair (x_j, v_j) of a row uses normals 2j and 2j + 1 of that row, as in the fused kernel.
  z1: zView.step(1, 2),
  z2: zView.lo(0, 1).step(1, 2),
  tmp: toNdarray(batch(N, D)),
  tmp2: toNdarray(batch(N, D)),
};

/** State of the unfused path: two position buffers that alternate, so a step copies nothing. */
function unfusedState(withScore) {
  const { x, v, s } = initialState(withScore);
  return { x: toNdarray(x), xNext: toNdarray(batch(N, D)), v: toNdarray(v), s: s && toNdarray(s) };
}

/**
 * One step composed from ndarray-ops calls, in the fused kernel's order of operations:
 * x' = ((E11 x + E12 v) + W1 s) + L11 z1, v' = ((E21 x + E22 v) + W2 s) + (L21 z1 + L22 z2).
 */
function unfusedStep(u, c, stream) {
  fillParticleNormals(z, SEED, stream, 0);
  const { x, xNext, v, s } = u;
  const { z1, z2, tmp, tmp2 } = scratch;
  ops.muls(xNext, x, c.e11);
  ops.muls(tmp, v, c.e12);
  ops.addeq(xNext, tmp);
  if (s) {
    ops.muls(tmp, s, c.w1);
    ops.addeq(xNext, tmp);
  }
  ops.muls(tmp, z1, c.l11);
  ops.addeq(xNext, tmp);
  ops.mulseq(v, c.e22);
  ops.muls(tmp, x, c.e21);
  ops.addeq(v, tmp);
  if (s) {
    ops.muls(tmp, s, c.w2);
    ops.addeq(v, tmp);
  }
  ops.muls(tmp, z1, c.l21);
  ops.muls(tmp2, z2, c.l22);
  ops.addeq(tmp, tmp2);
  ops.addeq(v, tmp);
  u.x = xNext;
  u.xNext = x;
}

/** Largest |fused − unfused| over x and v after one step of each from the same state and noise. */
function largestDifference(fused, unfused) {
  let worst = 0;
  for (const [a, b] of [
    [fused.x.data, unfused.x.data],
    [fused.v.data, unfused.v.data],
  ]) {
    for (let k = 0; k < N * D; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
  }
  return worst;
}

const forms = [
  { name: 'reverse', direction: 'reverse', withScore: true, label: 'sgmkit', numpyForm: 'score' },
  {
    name: 'forward, s = null',
    direction: 'forward',
    withScore: false,
    label: 'sgmkit forward (s = null)',
    numpyForm: 'no-score',
  },
];
const suite = new Benchmark.Suite('CLD step');
for (const form of forms) {
  form.c = coefficients(form.direction);
  form.fused = initialState(form.withScore);
  form.unfused = unfusedState(form.withScore);
  // The same first step on both paths from the same state: they must agree (the order of operations is the same).
  const { x, v, s } = form.fused;
  cldExponentialIntegratorStep(x, v, s, H, form.direction, SEED, 0, 0);
  unfusedStep(form.unfused, form.c, 0);
  form.difference = largestDifference(form.fused, form.unfused);
  let stream = 1;
  suite.add(
    `sgmkit cldExponentialIntegratorStep ${form.name}, n = ${N}, d = ${D}, float64`,
    () => {
      cldExponentialIntegratorStep(x, v, s, H, form.direction, SEED, stream++, 0);
    },
    { maxTime: QUICK ? 1 : 5 },
  );
  let unfusedStream = 1;
  suite.add(
    `ndarray-ops composition ${form.name}, n = ${N}, d = ${D}, float64`,
    () => {
      unfusedStep(form.unfused, form.c, unfusedStream++);
    },
    { maxTime: QUICK ? 1 : 5 },
  );
}
suite.on('cycle', (event) => console.log(String(event.target)));
suite.run();

// NumPy is asked once per form; when the first call finds no NumPy (it says so), the second is not made.
let numpyFound = true;
const timing = (bench) => ({
  meanMs: 1e3 * bench.stats.mean,
  fastestMs: 1e3 * Math.min(...bench.stats.sample),
  rme: bench.stats.rme,
});
for (const [i, form] of forms.entries()) {
  const fused = timing(suite[2 * i]);
  const unfused = timing(suite[2 * i + 1]);
  const c = form.c;
  const numpy = numpyFound
    ? runNumpyScript(join(here, 'python', 'cld_step.py'), [
        N,
        D,
        QUICK ? 5 : 30,
        form.numpyForm,
        c.e11,
        c.e12,
        c.e21,
        c.e22,
        c.w1,
        c.w2,
        c.l11,
        c.l21,
        c.l22,
      ])
    : undefined;
  numpyFound = numpy !== undefined;
  console.log(
    `\nsgmkit, ${form.name}: ${fused.meanMs.toFixed(2)} ms per step (±${fused.rme.toFixed(1)}%, fastest ${fused.fastestMs.toFixed(2)} ms), ${(N / fused.meanMs / 1e3).toFixed(0)} M particles/s`,
  );
  console.log(
    `ndarray-ops composition, ${form.name}: ${unfused.meanMs.toFixed(2)} ms per step (±${unfused.rme.toFixed(1)}%, fastest ${unfused.fastestMs.toFixed(2)} ms); ` +
      (form.difference === 0
        ? 'bit-identical to the fused step'
        : `largest difference from the fused step ${form.difference.toExponential(2)}`),
  );
  const suffix = form.withScore ? '' : ' forward';
  console.log(
    `throughput ratio ${form.label} / ndarray-ops${suffix}, means: ${(unfused.meanMs / fused.meanMs).toFixed(2)}x`,
  );
  console.log(
    `throughput ratio ${form.label} / ndarray-ops${suffix}, fastest steps: ${(unfused.fastestMs / fused.fastestMs).toFixed(2)}x`,
  );
  if (numpy) {
    console.log(
      `NumPy ${numpy.numpy}, ${form.name}: median ${numpy.medianMs.toFixed(2)} ms, fastest ${numpy.bestMs.toFixed(2)} ms per step over ${numpy.reps} steps`,
    );
    console.log(
      `throughput ratio ${form.label} / NumPy${suffix}, means vs median: ${(numpy.medianMs / fused.meanMs).toFixed(2)}x`,
    );
    console.log(
      `throughput ratio ${form.label} / NumPy${suffix}, fastest steps: ${(numpy.bestMs / fused.fastestMs).toFixed(2)}x`,
    );
  }
}
