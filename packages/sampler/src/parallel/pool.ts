/**
 * Shards particles across `worker_threads` over `SharedArrayBuffer`s: worker
 * `w` of `W` gets rows `[⌊wn/W⌋, ⌊(w+1)n/W⌋)`. Workers are started per run
 * (tens of milliseconds, negligible next to a run worth parallelising).
 * @packageDocumentation
 */
import { Worker } from 'node:worker_threads';
import { AbortedError, NonFiniteValueError, SgmkitError, gemmBackend } from '@sgmkit/tensor';
import type { DType } from '@sgmkit/tensor';
import type { ScoreSpec } from '@sgmkit/score';
import type { CLDJob, DDPMJob } from './run.js';
import type { WorkerFailure, WorkerResult, WorkerTask } from './protocol.js';

/** Where the compiled worker entry lives (next to this file in `dist/parallel/`). */
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
    const threads: Worker[] = [];
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
        for (const t of threads) void t.terminate();
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
      const thread = new Worker(WORKER_URL, { workerData: task, execArgv: workerExecArgv() });
      threads.push(thread);
      thread.once('message', (result: WorkerResult) => {
        if (!result.ok) {
          finish(rebuildError(w, result));
          return;
        }
        evaluations = result.evaluations;
        if (--pending === 0) finish(undefined);
      });
      thread.once('error', (error) => finish(new SgmkitError(`sampler worker ${w} crashed: ${error.message}`, 'ERR_WORKER')));
      thread.once('exit', (code) => {
        if (code !== 0) finish(new SgmkitError(`sampler worker ${w} exited with code ${code}`, 'ERR_WORKER'));
      });
    }
  });
}
