/**
 * The Node worker backend: the shards of a run go to the workers of a persistent pool
 * (`pool.ts`), which run them on the shared buffers.
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';
import type { WorkerBackend } from '../parallel/backend.js';
import { defaultWorkerPool, type WorkerPool } from './pool.js';

export { workerExecArgv } from './pool.js';

/**
 * The `worker_threads` backend over a persistent {@link WorkerPool} (default: the pool shared
 * with data-parallel training): workers start once and are reused by later runs, idle workers
 * do not keep the process alive, and `dispose()` terminates them. Importing `@sgmkit/sampler` in
 * Node (or `@sgmkit/sampler/node` anywhere) installs it; pass it as `options.backend` to use it
 * explicitly.
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
export function nodeWorkerBackend(pool: WorkerPool = defaultWorkerPool): WorkerBackend {
  return {
    name: 'worker_threads',
    available: () => true,
    parallelism: () => availableParallelism(),
    start: (task, events) => {
      let over = false;
      const worker = pool.acquire({
        reply: (message) => {
          if (message.kind !== 'sampled') return;
          over = true;
          pool.release(worker);
          events.result(message.result);
        },
        failure: (reason) => {
          over = true;
          events.failure(reason);
        },
      });
      worker.post({ kind: 'sample', task });
      // Called when another worker of the run failed: if this one is still on its task it is stopped, not reused.
      return {
        terminate: () => {
          if (!over) pool.discard(worker);
        },
      };
    },
    dispose: () => pool.dispose(),
  };
}
