/**
 * `@sgmkit/sampler/node`: the Node-only parts of the sampler package, sample and
 * point-cloud files (`node:fs`) and the `worker_threads` backend, which
 * importing this entry installs (as importing `@sgmkit/sampler` in Node does).
 * @packageDocumentation
 */
import './install.js';
export { readPointCloud, readTextFile, writeSamples, writeTextFile } from './files.js';
export { nodeWorkerBackend, workerExecArgv } from './worker-threads.js';
