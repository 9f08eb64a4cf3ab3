// The sampler's Web Worker script, bundled on its own (sgmkit-worker.js): webWorkerBackend starts it.
import '@sgmkit/sampler/web-worker';
