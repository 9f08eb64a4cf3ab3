/**
 * The Node worker backend: one `worker_threads` Worker per shard, running
 * `worker.js` next to this file on the shared buffers.
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerBackend } from '../parallel/backend.js';

/** Where the compiled worker entry lives (next to this file in `dist/node/`). */
export const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * The parent's `execArgv` minus what a worker cannot take: the inline program of
 * `node -e/-p` and `--input-type` (workers run the entry file).
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print' || arg === '--input-type') {
      i++; // and its value
      continue;
    }
    if (arg.startsWith('--input-type=') || arg.startsWith('--eval=') || arg.startsWith('--print=')) continue;
    kept.push(arg);
  }
  return kept;
}

/**
 * The `worker_threads` backend. Importing `@sgmkit/sampler` in Node (or
 * `@sgmkit/sampler/node` anywhere) installs it; pass it as `options.backend`
 * to use it explicitly.
 *
 * @example
 * ```ts
 * import { ringMixture } from '@sgmkit/score';
 * import { sampleDDPM } from '@sgmkit/sampler';
 * import { nodeWorkerBackend } from '@sgmkit/sampler/node';
 * const { workers } = await sampleDDPM(ringMixture(), { T: 5, steps: 50, n: 1000, seed: 1, workers: 2, backend: nodeWorkerBackend() });
 * // workers === 2
 * ```
 */
export function nodeWorkerBackend(): WorkerBackend {
  return {
    name: 'worker_threads',
    available: () => true,
    parallelism: () => availableParallelism(),
    start: (task, events) => {
      const thread = new Worker(WORKER_URL, { workerData: task, execArgv: workerExecArgv() });
      thread.once('message', events.result);
      thread.once('error', (error) => events.failure(`crashed: ${error.message}`));
      thread.once('exit', (code) => {
        if (code !== 0) events.failure(`exited with code ${code}`);
      });
      return { terminate: () => void thread.terminate() };
    },
  };
}
