// The persistent worker pool: what a run with workers costs when its threads are already started,
// against starting them for the run (what every run paid before the pool) and against one thread.
//   npx -y pnpm@10 build && node benchmarks/worker-pool.bench.mjs
// 1. A tiny job (DDPM on a 2-d Gaussian, n = 1000, 20 steps): 1 thread, 2 workers started for the call
//    (the pool disposed before each call), 2 workers from the warm pool. Medians of repeated calls.
// 2. Learned-score DDPM sampling, d = 64, hidden 256,256, n = 2000, 20 steps, float64 and float32:
//    1 thread vs 2 pooled workers (warm), particle-steps/s.
// 3. DSM training, d = 64, hidden 256,256, batch 256: 1 thread vs 2 threads (pooled, warm), steps/s.
// The machine is shared: the load average is printed before and after, and every figure is a ratio
// measured in this run. SGMKIT_BENCH_QUICK=1 shortens every measurement (noisier).
import { loadavg } from 'node:os';
import { RandomStream, batch } from '@sgmkit/tensor';
import { createScoreNetwork, gaussianScore, trainDenoisingScoreMatching } from '@sgmkit/score';
import { sampleDDPM } from '@sgmkit/sampler';
import { defaultWorkerPool, disposeWorkerPool, trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';

const quick = process.env.SGMKIT_BENCH_QUICK === '1';
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuSeconds = (since) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

console.log(`load average at start: ${load()}`);

// ---------------------------------------------------------------- 1. tiny job
{
  const score = gaussianScore({
    mean: [1, -1],
    covariance: [
      [1, 0.3],
      [0.3, 2],
    ],
  });
  const options = { T: 5, steps: 20, n: 1000, seed: 4 };
  const repeats = quick ? 5 : 15;
  const time = async (extra, before) => {
    const ms = [];
    let samples;
    for (let r = 0; r < repeats; r++) {
      if (before) await before();
      const started = performance.now();
      samples = (await sampleDDPM(score, { ...options, ...extra })).samples.data;
      ms.push(performance.now() - started);
    }
    return { ms: median(ms), samples };
  };
  await time({}); // JIT warm-up of the calling thread
  const one = await time({});
  const fresh = await time({ workers: 2 }, () => disposeWorkerPool());
  const warm = await time({ workers: 2 });
  if (
    !same(Array.from(one.samples), Array.from(warm.samples)) ||
    !same(Array.from(one.samples), Array.from(fresh.samples))
  )
    throw new Error('tiny job: worker samples differ');
  console.log('\nTiny job: DDPM-EI, 2-d Gaussian, n = 1000, 20 steps (median wall time per call)');
  console.log('| run | ms per call |');
  console.log('| --- | --- |');
  console.log(`| 1 thread | ${one.ms.toFixed(2)} |`);
  console.log(`| 2 workers started for the call (as before the pool) | ${fresh.ms.toFixed(1)} |`);
  console.log(`| 2 workers from the warm pool | ${warm.ms.toFixed(2)} |`);
  console.log(`tiny job time ratio 2 workers started per call / 1 thread: ${(fresh.ms / one.ms).toFixed(1)}x`);
  console.log(`tiny job time ratio 2 pooled workers / 1 thread: ${(warm.ms / one.ms).toFixed(2)}x`);
  console.log(`tiny job speed-up ratio pooled / started per call: ${(fresh.ms / warm.ms).toFixed(1)}x`);
}

// ---------------------------------------------------------------- 2. learned-score sampling, d = 64
const d = 64;
const hidden = [256, 256];
console.log(`\nLearned score, d = ${d}, hidden ${hidden.join(',')}`);
console.log('| workload | 1 thread | 2 workers | 2 / 1 | CPU-s 1 thread | CPU-s 2 workers |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const dtype of ['float64', 'float32']) {
  const network = createScoreNetwork({ dim: d, hiddenWidths: hidden, seed: 2, dtype });
  const n = 2000;
  const steps = quick ? 10 : 20;
  const options = { T: 10, steps, n, seed: 1, dtype };
  const run = async (workers) => {
    const cpu = process.cpuUsage();
    const result = await sampleDDPM(network, { ...options, workers });
    return { rate: (n * steps) / (result.wallTimeMs / 1000), cpu: cpuSeconds(cpu), samples: result.samples.data };
  };
  await run(1); // warm-up: JIT on the calling thread
  await run(2); // warm-up: the pool's threads start and warm up
  const repeats = quick ? 1 : 3;
  const ones = [];
  const twos = [];
  for (let r = 0; r < repeats; r++) {
    ones.push(await run(1));
    twos.push(await run(2));
  }
  if (!same(Array.from(ones[0].samples), Array.from(twos[0].samples)))
    throw new Error('learned sampling: worker samples differ');
  const one = ones.sort((a, b) => b.rate - a.rate)[Math.floor(repeats / 2)];
  const two = twos.sort((a, b) => b.rate - a.rate)[Math.floor(repeats / 2)];
  console.log(
    `| sampling ${dtype}, n = ${n}, ${steps} steps | ${(one.rate / 1e3).toFixed(1)} k particle-steps/s | ${(two.rate / 1e3).toFixed(1)} k | ${(two.rate / one.rate).toFixed(2)}x | ${one.cpu.toFixed(2)} | ${two.cpu.toFixed(2)} |`,
  );
  console.log(`workers speed-up ratio 2 / 1, learned sampling d=${d} ${dtype}: ${(two.rate / one.rate).toFixed(2)}x`);
}

// ---------------------------------------------------------------- 3. training, d = 64
for (const dtype of ['float64', 'float32']) {
  const data = batch(10_000, d);
  new RandomStream(7).fillNormal(data.data);
  const steps = quick ? 6 : 40;
  const train = async (workers) => {
    let firstStepEnd;
    let firstCpu;
    const network = createScoreNetwork({ dim: d, hiddenWidths: hidden, seed: 2, dtype });
    const options = {
      steps,
      batchSize: 256,
      seed: 1,
      onStep: ({ step }) => {
        if (step === 1) [firstStepEnd, firstCpu] = [performance.now(), process.cpuUsage()];
      },
    };
    if (workers === 1) trainDenoisingScoreMatching(network, data, options);
    else await trainDenoisingScoreMatchingOnWorkers(network, data, { ...options, workers });
    // Steps 2…N: the first step (and, for workers, leasing the threads) is not spread over the rest.
    return {
      rate: (steps - 1) / ((performance.now() - firstStepEnd) / 1000),
      cpu: cpuSeconds(firstCpu),
      weights: network.parameters,
    };
  };
  await train(1);
  await train(2); // the pool's threads warm up
  const one = await train(1);
  const two = await train(2);
  if (!same(Array.from(one.weights), Array.from(two.weights))) throw new Error('training: 2-thread weights differ');
  console.log(
    `| DSM training ${dtype}, batch 256, ${steps} steps | ${one.rate.toFixed(1)} steps/s | ${two.rate.toFixed(1)} | ${(two.rate / one.rate).toFixed(2)}x | ${one.cpu.toFixed(2)} | ${two.cpu.toFixed(2)} |`,
  );
  console.log(`workers speed-up ratio 2 / 1, DSM training d=${d} ${dtype}: ${(two.rate / one.rate).toFixed(2)}x`);
}

console.log(
  `\npool threads at the end: ${defaultWorkerPool.size} (idle ${defaultWorkerPool.idleCount}); load average at end: ${load()}`,
);
