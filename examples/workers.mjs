// Worker backends: in Node, `import '@sgmkit/sampler'` installs the worker_threads backend, so
// `workers: 2` uses two threads; `@sgmkit/sampler/node` exports it to pass explicitly. In a browser,
// install `webWorkerBackend({ url })` (see examples/web/). The samples are bit-identical either way.
//
// The Node backend keeps its threads in a persistent pool: the first run starts them, later runs
// (sampling or training) reuse them warm. Idle threads never keep the process alive, so a script
// ends by itself; `disposeWorkerPool()` stops them at once. `onProgress` reports progress on any
// number of threads (the workers count their steps in shared memory). A custom score type runs on
// workers when its module is registered with `registerScoreType(…, { module: import.meta.url })`.
import { ringMixture } from '@sgmkit/score';
import { getWorkerBackend, sampleDDPM } from '@sgmkit/sampler';
import { defaultWorkerPool, disposeWorkerPool, nodeWorkerBackend } from '@sgmkit/sampler/node';
import { shrinkScore } from './custom-score/shrink-score.mjs';

const ring = ringMixture();
const options = { T: 5, steps: 100, n: 20_000, seed: 7 };
const one = await sampleDDPM(ring, options);
const two = await sampleDDPM(ring, { ...options, workers: 2 });
let reported = 0;
const again = await sampleDDPM(ring, {
  ...options,
  workers: 2,
  onProgress: (fraction) => {
    reported = fraction;
  },
});
const explicit = await sampleDDPM(ring, { ...options, workers: 3, backend: nodeWorkerBackend() });
console.log(`installed backend: ${getWorkerBackend()?.name}; pool: ${defaultWorkerPool.size} threads`);
for (const [name, run] of [
  ['', one],
  ['', two],
  [' (pool reused)', again],
  ['', explicit],
]) {
  console.log(`${run.workers} thread(s)${name}: ${run.wallTimeMs.toFixed(0)} ms`);
}
console.log(`progress reported by the last 2-thread run: ${(100 * reported).toFixed(0)}%`);
const same = (a, b) => a.samples.data.every((v, i) => Object.is(v, b.samples.data[i]));
if (!same(one, two) || !same(one, again) || !same(one, explicit))
  throw new Error('worker samples differ from one thread');
console.log('samples bit-identical across 1, 2 and 3 threads, before and after reuse');

// A custom score type on 2 workers: the same samples as on the calling thread.
const custom = shrinkScore(3, 0.25);
const customOne = await sampleDDPM(custom, { ...options, n: 2000 });
const customTwo = await sampleDDPM(custom, { ...options, n: 2000, workers: 2 });
if (!same(customOne, customTwo)) throw new Error('custom score: worker samples differ');
console.log(`custom score type 'example-shrink' on ${customTwo.workers} workers: bit-identical to one thread`);
await disposeWorkerPool();
console.log(`after disposeWorkerPool(): ${defaultWorkerPool.size} threads`);
