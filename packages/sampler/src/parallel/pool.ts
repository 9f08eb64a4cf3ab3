/**
 * Shards particles across a backend's workers over `SharedArrayBuffer`s: worker
 * `w` of `W` gets rows `[⌊wn/W⌋, ⌊(w+1)n/W⌋)`. Workers are started per run
 * (tens of milliseconds, negligible next to a run worth parallelising).
 * Platform-neutral: the backend (`backend.ts`) starts the threads.
 * @packageDocumentation
 */
import { AbortedError, NonFiniteValueError, SgmkitError, gemmBackend } from '@sgmkit/tensor';
import type { DType } from '@sgmkit/tensor';
import type { ScoreSpec } from '@sgmkit/score';
import type { CLDJob, DDPMJob } from './run.js';
import type { WorkerFailure, WorkerResult, WorkerTask } from './protocol.js';
import type { WorkerBackend, WorkerHandle } from './backend.js';

function rebuildError(worker: number, failure: WorkerFailure): Error {
  if (failure.name === 'NonFiniteValueError') return new NonFiniteValueError(failure.message, failure.where ?? '');
  if (failure.name === 'AbortedError') return new AbortedError(failure.message);
  return new SgmkitError(`sampler worker ${worker}: ${failure.name}: ${failure.message}`, failure.code ?? 'ERR_WORKER');
}

/** Parameters of one sharded run. */
export interface ShardedRun {
  readonly job: DDPMJob | CLDJob;
  readonly spec: ScoreSpec;
  readonly dtype: DType;
  readonly n: number;
  readonly dim: number;
  readonly positions: SharedArrayBuffer;
  readonly velocities?: SharedArrayBuffer;
  readonly workers: number;
  readonly signal?: AbortSignal;
  /** Starts the threads. */
  readonly backend: WorkerBackend;
}

/**
 * Runs the job on `workers` threads and resolves with the number of batched
 * score evaluations per particle; rejects with the first worker's error (the
 * other workers are terminated) or with `AbortedError` when `signal` fires.
 */
export function runSharded(run: ShardedRun): Promise<number> {
  const abortFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(abortFlag);
  const W = Math.min(run.workers, run.n);
  return new Promise<number>((resolve, reject) => {
    const threads: WorkerHandle[] = [];
    let pending = W;
    let settled = false;
    let evaluations = 0;
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      run.signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) {
        for (const t of threads) t.terminate();
        reject(error);
      } else {
        resolve(evaluations);
      }
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    for (let w = 0; w < W; w++) {
      const task: WorkerTask = {
        job: run.job, spec: run.spec, dtype: run.dtype, n: run.n, dim: run.dim,
        rowStart: Math.floor((w * run.n) / W), rowEnd: Math.floor(((w + 1) * run.n) / W),
        positions: run.positions, velocities: run.velocities, abortFlag, gemmBackend: gemmBackend(),
      };
      let thread: WorkerHandle;
      try {
        thread = run.backend.start(task, {
          result: (result: WorkerResult) => {
            if (!result.ok) {
              finish(rebuildError(w, result));
              return;
            }
            evaluations = result.evaluations;
            if (--pending === 0) finish(undefined);
          },
          failure: (reason) => finish(new SgmkitError(`sampler worker ${w} ${reason}`, 'ERR_WORKER')),
        });
      } catch (error) {
        finish(new SgmkitError(`sampler worker ${w} could not start: ${(error as Error).message}`, 'ERR_WORKER'));
        return;
      }
      threads.push(thread);
    }
  });
}
