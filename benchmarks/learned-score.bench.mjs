// Learned scores beside PyTorch CPU (issue 9): DSM training steps/s and learned-score DDPM sampling
// particle-steps/s, for (d = 2, hidden 128,128, sampling n = 2·10⁴) and (d = 64, hidden 256,256, n = 2000),
// in float64 and float32, in one run. The PyTorch peer (benchmarks/python/learned_score.py) computes the same
// thing: same MLP ([x, sin/cos(ω ln t)] → SiLU layers → predicted noise), same loss (1/B)Σ|ε_θ − z|², Adam
// (1e-3, 0.9, 0.999, 1e-8), batch 256, log-uniform t on [1e-3, 10], and the exponential-integrator step with the
// time features folded into the first bias, on one thread (torch.set_num_threads(1)).
//
// sgmkit runs on the calling thread and on 2 threads (sampling: sampleDDPM's `workers: 2`, particles sharded over 2
// worker threads, bit-identical output; training: trainDenoisingScoreMatchingOnWorkers's `workers: 2`, each minibatch's
// micro-shards shared by the calling thread and 1 worker, bit-identical weights, checked here). Float32 rows need a
// float32 network (`createScoreNetwork({ dtype: 'float32' })`); a build without one prints "n/a" for them and
// says so, and they light up once it exists.
//
// Rates are wall-clock; the machine is shared, so each line also gives the process CPU time (all threads) and the
// PyTorch peer runs in the same process run. SGMKIT_BENCH_QUICK=1 shortens every measurement (noisier).
// The peer needs python3 with torch (Debian: apt-get install -y python3-torch); SGMKIT_BENCH_PYTHON picks the
// interpreter (default: the first of /usr/bin/python3 and python3 that imports torch). Without one it is skipped.
// Run: npx -y pnpm@10 build && node benchmarks/learned-score.bench.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RandomStream, batch } from '@sgmkit/tensor';
import * as score from '@sgmkit/score';
import * as sampler from '@sgmkit/sampler';

const quick = process.env.SGMKIT_BENCH_QUICK === '1';
const seed = 1;
const T = 10;
const BATCH = 256;
const DATA_ROWS = 10_000;
const SIZES = [
  { d: 2, hidden: [128, 128], n: 20_000, trainSteps: quick ? 20 : 600, sampleSteps: quick ? 10 : 20 },
  { d: 64, hidden: [256, 256], n: 2000, trainSteps: quick ? 6 : 200, sampleSteps: quick ? 10 : 20 },
];
const DTYPES = ['float64', 'float32'];
const workers = Number(process.env.SGMKIT_BENCH_WORKERS ?? 2);

// ---------------------------------------------------------------- sgmkit

/** A network of the given dtype, or undefined when this build has no network of that dtype. */
function createNetwork(d, hidden, dtype) {
  const options = { dim: d, hiddenWidths: hidden, seed: 2, ...(dtype === 'float64' ? {} : { dtype }) };
  let network;
  try {
    network = score.createScoreNetwork(options);
  } catch (error) {
    if (error?.name === 'InvalidArgumentError' && dtype !== 'float64') return undefined;
    throw error;
  }
  const actual = network.dtype ?? (network.parameters instanceof Float32Array ? 'float32' : 'float64');
  return actual === dtype ? network : undefined;
}

/** Training on `k` workers, when this build's training takes a `workers` option (see `trainingOnWorkers`). */
/**
 * Steps/s of steps 2…N (from the end of step 1 to the end of step N), so that starting worker threads, a
 * once-per-run cost reported on its own as `startSeconds` (start of the call to the end of step 1), is not
 * spread over however many steps the benchmark happens to run.
 */
async function train(network, data, steps, k) {
  let firstStepEnd;
  let firstStepCpu;
  const onStep = ({ step }) => {
    if (step === 1) [firstStepEnd, firstStepCpu] = [performance.now(), process.cpuUsage()];
  };
  const options = { steps, batchSize: BATCH, seed, onStep, ...(k > 1 ? { workers: k } : {}) };
  const started = performance.now();
  const result = await trainingEntry(k)(network, data, options);
  const seconds = (performance.now() - firstStepEnd) / 1000;
  const cpu = process.cpuUsage(firstStepCpu);
  return {
    rate: (steps - 1) / seconds,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startSeconds: (firstStepEnd - started) / 1000,
    loss: result.losses[steps - 1],
    weights: network.parameters,
  };
}

/**
 * The training function for `k` threads: the score package's on the calling thread; for k > 1 the sampler's
 * worker-thread training when this build exports it (undefined otherwise).
 */
let samplerNode;
try {
  samplerNode = await import('@sgmkit/sampler/node');
} catch {
  samplerNode = undefined;
}
const workerTraining =
  samplerNode?.trainDenoisingScoreMatchingOnWorkers ?? sampler.trainDenoisingScoreMatchingOnWorkers;
function trainingEntry(k) {
  return k > 1 ? workerTraining : score.trainDenoisingScoreMatching;
}

async function sample(network, n, d, steps, dtype, k) {
  const cpu0 = process.cpuUsage();
  const result = await sampler.sampleDDPM(network, { T, steps, n, seed, dtype, workers: k });
  const cpu = process.cpuUsage(cpu0);
  let finite = true;
  for (let i = 0; i < n * d; i++) if (!Number.isFinite(result.samples.data[i])) finite = false;
  return {
    rate: (n * steps) / (result.wallTimeMs / 1000),
    seconds: result.wallTimeMs / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    finite,
  };
}

function gaussianData(d) {
  const data = batch(DATA_ROWS, d);
  new RandomStream(7).fillNormal(data.data);
  return data;
}

/** Every sgmkit measurement of one size and dtype: { train: {1: …, 2: …}, sample: {1: …, 2: …} } (absent = n/a). */
async function measureSgmkit(size, dtype) {
  const { d, hidden, n, trainSteps, sampleSteps } = size;
  if (!createNetwork(d, hidden, dtype)) return undefined;
  const data = gaussianData(d);
  const out = { train: {}, sample: {} };
  // JIT warm-up of both paths on the calling thread.
  await train(createNetwork(d, hidden, dtype), data, 3, 1);
  await sample(createNetwork(d, hidden, dtype), 1000, d, 10, dtype, 1);
  for (const k of [1, workers]) {
    if (trainingEntry(k)) out.train[k] = await train(createNetwork(d, hidden, dtype), data, trainSteps, k);
    out.sample[k] = await sample(createNetwork(d, hidden, dtype), n, d, sampleSteps, dtype, k);
  }
  return out;
}

// ---------------------------------------------------------------- PyTorch

function pythonWithTorch() {
  const candidates = process.env.SGMKIT_BENCH_PYTHON
    ? [process.env.SGMKIT_BENCH_PYTHON]
    : ['/usr/bin/python3', 'python3'];
  return candidates.find((python) => {
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    return !probe.error && probe.status === 0;
  });
}

const python = pythonWithTorch();
if (!python)
  console.log(
    'PyTorch baseline skipped: no python3 with torch found (apt-get install -y python3-torch, or set SGMKIT_BENCH_PYTHON)',
  );
const script = fileURLToPath(new URL('./python/learned_score.py', import.meta.url));

function measureTorch(size, dtype) {
  if (!python) return undefined;
  const { d, hidden, n, trainSteps, sampleSteps } = size;
  const threads = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const run = spawnSync(python, [script, d, hidden.join(','), dtype, trainSteps, n, sampleSteps, seed].map(String), {
    encoding: 'utf8',
    env: { ...process.env, ...threads },
  });
  if (run.error || run.status !== 0) {
    console.log(
      `PyTorch baseline failed (d = ${d}, ${dtype}): ${(run.stderr || run.error?.message || `exit ${run.status}`).trim()}`,
    );
    return undefined;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

// ---------------------------------------------------------------- report

const rate = (r, unit) =>
  r === undefined ? 'n/a' : unit === 'steps' ? `${r.rate.toFixed(1)} steps/s` : `${(r.rate / 1000).toFixed(1)} k/s`;
const cores = (r) => (r === undefined ? '' : ` (${(r.cpuSeconds / r.seconds).toFixed(2)} cores busy)`);
const ratio = (a, b) => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`);

console.log(
  `Learned score, sgmkit vs PyTorch CPU (1 thread); training batch ${BATCH}, sampling T = ${T}${quick ? ' (quick)' : ''}`,
);
const rows = [];
for (const size of SIZES) {
  for (const dtype of DTYPES) {
    const label = `d = ${size.d}, ${size.hidden.join(',')}, ${dtype}`;
    const js = await measureSgmkit(size, dtype);
    if (!js) console.log(`${label}: sgmkit n/a (this build has no ${dtype} score network)`);
    const torch = measureTorch(size, dtype);
    if (torch) {
      console.log(
        `${label}: PyTorch ${torch.torch} (${torch.threads} thread): training ${torch.trainStepsPerSecond.toFixed(1)} steps/s (CPU ${torch.trainCpuSeconds.toFixed(2)} s of ${torch.trainSeconds.toFixed(2)} s, final loss ${torch.finalLoss.toFixed(3)}), sampling ${(torch.particleStepsPerSecond / 1000).toFixed(1)} k particle-steps/s (CPU ${torch.sampleCpuSeconds.toFixed(2)} s of ${torch.sampleSeconds.toFixed(2)} s)`,
      );
    }
    for (const k of [1, workers]) {
      const t = js?.train[k];
      const s = js?.sample[k];
      if (js && !t)
        console.log(`${label}: sgmkit training on ${k} workers n/a (this build's training has no workers option)`);
      const same = k > 1 && t && js.train[1] && t.weights.every((w, i) => Object.is(w, js.train[1].weights[i]));
      if (t)
        console.log(
          `${label}: sgmkit ${k === 1 ? '1 thread' : `${k} threads`}: training ${t.rate.toFixed(1)} steps/s${cores(t)} after ${(t.startSeconds * 1000).toFixed(0)} ms to the end of step 1, final loss ${t.loss.toFixed(3)}${k > 1 ? `; weights bit-identical to 1 thread: ${same}` : ''}`,
        );
      if (s)
        console.log(
          `${label}: sgmkit ${k === 1 ? '1 thread' : `${k} workers`}: sampling ${(s.rate / 1000).toFixed(1)} k particle-steps/s${cores(s)}${s.finite ? '' : ' NON-FINITE SAMPLES'}`,
        );
    }
    const torchTrain = torch && {
      rate: torch.trainStepsPerSecond,
      seconds: torch.trainSeconds,
      cpuSeconds: torch.trainCpuSeconds,
    };
    const torchSample = torch && {
      rate: torch.particleStepsPerSecond,
      seconds: torch.sampleSeconds,
      cpuSeconds: torch.sampleCpuSeconds,
    };
    rows.push([`DSM training, ${label}, batch ${BATCH}`, js?.train[1], js?.train[workers], torchTrain, 'steps']);
    rows.push([
      `DDPM-EI sampling, ${label}, n = ${size.n}`,
      js?.sample[1],
      js?.sample[workers],
      torchSample,
      'particle-steps',
    ]);
  }
}

console.log('');
// Work per CPU-second (rate × wall / CPU time) is what a computation costs whatever share of the cores the
// machine's load left it: the column to read on a busy machine (for 1 thread; workers add their threads' CPU).
const perCpu = (r) => (r === undefined ? undefined : (r.rate * r.seconds) / r.cpuSeconds);
console.log(
  `| workload | sgmkit 1 thread | sgmkit ${workers} workers | PyTorch CPU, 1 thread | ratio 1 thread | ratio ${workers} workers | ${workers} workers / 1 thread | ratio per CPU-second, 1 thread |`,
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, one, many, torch, unit] of rows) {
  console.log(
    `| ${name} | ${rate(one, unit)} | ${rate(many, unit)} | ${rate(torch, unit)} | ${ratio(one?.rate, torch?.rate)} | ${ratio(many?.rate, torch?.rate)} | ${ratio(many?.rate, one?.rate)} | ${ratio(perCpu(one), perCpu(torch))} |`,
  );
}
console.log('');
// One line per measured ratio, in the form `sgmkit bench` collects.
for (const [name, one, many, torch] of rows) {
  if (one && torch)
    console.log(`throughput ratio sgmkit 1 thread / PyTorch, ${name}: ${(one.rate / torch.rate).toFixed(2)}x`);
  if (one && torch)
    console.log(
      `CPU-time ratio sgmkit 1 thread / PyTorch (work per CPU-second), ${name}: ${(perCpu(one) / perCpu(torch)).toFixed(2)}x`,
    );
  if (many && torch)
    console.log(
      `throughput ratio sgmkit ${workers} workers / PyTorch, ${name}: ${(many.rate / torch.rate).toFixed(2)}x`,
    );
  if (many && one) console.log(`workers speed-up ratio ${workers} / 1, ${name}: ${(many.rate / one.rate).toFixed(2)}x`);
}
