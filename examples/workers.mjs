// Worker backends: in Node, `import '@sgmkit/sampler'` installs the worker_threads backend, so
// `workers: 2` uses two threads; `@sgmkit/sampler/node` exports it to pass explicitly. In a browser,
// install `webWorkerBackend({ url })` (see examples/web/). The samples are bit-identical either way.
import { ringMixture } from '@sgmkit/score';
import { getWorkerBackend, sampleDDPM } from '@sgmkit/sampler';
import { nodeWorkerBackend } from '@sgmkit/sampler/node';

const ring = ringMixture();
const options = { T: 5, steps: 100, n: 20_000, seed: 7 };
const one = await sampleDDPM(ring, options);
const two = await sampleDDPM(ring, { ...options, workers: 2 });
const explicit = await sampleDDPM(ring, { ...options, workers: 3, backend: nodeWorkerBackend() });
console.log(`installed backend: ${getWorkerBackend()?.name}`);
for (const run of [one, two, explicit]) console.log(`${run.workers} thread(s): ${run.wallTimeMs.toFixed(0)} ms`);
const same = (a, b) => a.samples.data.every((v, i) => Object.is(v, b.samples.data[i]));
if (!same(one, two) || !same(one, explicit)) throw new Error('worker samples differ from one thread');
console.log('samples bit-identical across 1, 2 and 3 threads');
