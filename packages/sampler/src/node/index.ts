/**
 * `@sgmkit/sampler/node`: the Node-only parts of the sampler package, sample and
 * point-cloud files (`node:fs`) and the `worker_threads` backend, which
 * importing this entry installs (as importing `@sgmkit/sampler` in Node does).
 * @packageDocumentation
 */
import './install.js';
export {
  MAX_TEXT_FILE_BYTES,
  readPointCloud,
  readScoreNetworkFile,
  readTextFile,
  writeBinaryFile,
  writeSamples,
  writeTextFile,
} from './files.js';
export { nodeWorkerBackend, workerExecArgv } from './worker-threads.js';
// Data-parallel DSM training: each minibatch's gradient shared by worker_threads (bit-identical weights for any count).
export { trainDenoisingScoreMatchingOnWorkers, MAX_TRAINING_WORKERS, type WorkerTrainingOptions } from './training.js';
export { WorkerGradientEvaluator } from './training-pool.js';
// The persistent worker pool behind both (idle workers never keep the process alive).
export { WorkerPool, defaultWorkerPool, disposeWorkerPool } from './pool.js';
