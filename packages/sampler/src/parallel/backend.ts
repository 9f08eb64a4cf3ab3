/**
 * Worker backends: how `sampleDDPM`/`sampleCLD` start threads that share the
 * particle buffers. The samplers are platform-neutral; a backend brings the
 * platform's threads (Node `worker_threads` from `@sgmkit/sampler/node`, Web
 * Workers from {@link webWorkerBackend}). Whatever the backend, a row's noise
 * depends only on its global index, so the samples are bit-identical to one thread.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';
import type { WorkerResult, WorkerTask } from './protocol.js';

/** What a started worker reports, once: its result, or why it died. */
export interface WorkerEvents {
  /** The worker posted its result (success or a serialised error). */
  readonly result: (result: WorkerResult) => void;
  /** The worker died without a result (crash, non-zero exit, unloadable script); `reason` completes "sampler worker w …". */
  readonly failure: (reason: string) => void;
}

/** A started worker. */
export interface WorkerHandle {
  /** Stops the worker (after another worker failed). */
  terminate(): void;
}

/** A platform's worker threads, as used by the samplers. */
export interface WorkerBackend {
  /** Short name, e.g. `'worker_threads'` or `'web-workers'`. */
  readonly name: string;
  /**
   * Whether workers sharing memory with the calling thread can start now (a web
   * page needs `crossOriginIsolated` for SharedArrayBuffer). When false, runs
   * asking for workers use the calling thread.
   */
  available(): boolean;
  /** Threads `workers: 'auto'` uses (e.g. the number of cores). */
  parallelism(): number;
  /**
   * Starts one worker that runs {@link runWorkerTask} on `task` (whose buffers
   * are SharedArrayBuffers) and reports through `events`.
   */
  start(task: WorkerTask, events: WorkerEvents): WorkerHandle;
  /**
   * Terminates the threads the backend keeps between runs (a persistent pool), if any; later runs
   * start new ones. Optional: a backend that starts threads per run has nothing to dispose.
   */
  dispose?(): Promise<void>;
}

let installed: WorkerBackend | undefined;

/**
 * Installs the backend the samplers use when `options.backend` is not given
 * (`undefined` removes it). In Node, importing `@sgmkit/sampler` installs the
 * `worker_threads` backend; in a browser, install {@link webWorkerBackend}.
 *
 * @example
 * ```ts
 * import { setWorkerBackend, webWorkerBackend } from '@sgmkit/sampler';
 * setWorkerBackend(webWorkerBackend({ url: '/sgmkit-worker.js' }));
 * ```
 */
export function setWorkerBackend(backend: WorkerBackend | undefined): void {
  if (backend !== undefined) expectWorkerBackend('setWorkerBackend', 'backend', backend);
  installed = backend;
}

/** The installed backend, if any (see {@link setWorkerBackend}). */
export function getWorkerBackend(): WorkerBackend | undefined {
  return installed;
}

/** Validates a backend argument. */
export function expectWorkerBackend(fn: string, argument: string, backend: unknown): WorkerBackend {
  const b = backend as WorkerBackend;
  if (
    b === null ||
    typeof b !== 'object' ||
    typeof b.available !== 'function' ||
    typeof b.parallelism !== 'function' ||
    typeof b.start !== 'function'
  ) {
    throw new InvalidArgumentError(
      fn,
      argument,
      backend,
      'a WorkerBackend { name, available(), parallelism(), start(task, events) }',
    );
  }
  return b;
}
