/**
 * Shards particles across a backend's workers over `SharedArrayBuffer`s: worker
 * `w` of `W` gets rows `[⌊wn/W⌋, ⌊(w+1)n/W⌋)`. Whether threads start per run or
 * come from a persistent pool is the backend's business.
 * Platform-neutral: the backend (`backend.ts`) starts the threads.
 * @packageDocumentation
 */
import { AbortedError, NonFiniteValueError, SgmkitError, gemmBackend } from '@sgmkit/tensor';
import type { DType } from '@sgmkit/tensor';
import { scoreTypeModules, type ScoreSpec } from '@sgmkit/score';
import type { CLDJob, DDPMJob, RangeResult } from './run.js';
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
  /** Called about every {@link PROGRESS_INTERVAL_MS} ms, and at the end, with the fraction of the run's steps done. */
  readonly onProgress?: (fraction: number) => void;
}

/** The `type` of a spec and of the specs nested in it (plain objects only: arrays hold numbers, e.g. weights). */
function specTypes(spec: unknown, into: Set<string> = new Set()): Set<string> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return into;
  const type = (spec as { type?: unknown }).type;
  if (typeof type === 'string') into.add(type);
  for (const value of Object.values(spec)) specTypes(value, into);
  return into;
}

/** The registered modules of the custom score types `spec` uses: what the workers import first. */
function modulesFor(spec: ScoreSpec): string[] {
  const registered = scoreTypeModules();
  return [...specTypes(spec)].flatMap((type) => (registered[type] === undefined ? [] : [registered[type]!]));
}

/** How often the calling thread reads the workers' progress words. */
export const PROGRESS_INTERVAL_MS = 100;

/** Grid steps worker rows `[start, end)` run: one per chunk and step. */
function stepsOfRange(run: ShardedRun, start: number, end: number): number {
  const chunk = Math.max(1, Math.min(run.job.chunkSize, end - start));
  return Math.ceil((end - start) / chunk) * (run.job.grid.length - 1);
}

/** Reads the progress words (one per worker) every interval while the run lasts; returns the stopper. */
function watchProgress(run: ShardedRun, progress: Int32Array, total: number): () => void {
  const onProgress = run.onProgress;
  if (onProgress === undefined) return () => {};
  const report = (): void => {
    let done = 0;
    for (let w = 0; w < progress.length; w++) done += Atomics.load(progress, w);
    onProgress(total === 0 ? 1 : Math.min(1, done / total));
  };
  const timer = setInterval(report, PROGRESS_INTERVAL_MS) as unknown as { unref?: () => void };
  timer.unref?.();
  return () => {
    clearInterval(timer as unknown as Parameters<typeof clearInterval>[0]);
    report();
  };
}

/**
 * Runs the job on `workers` threads and resolves with the number of batched
 * score evaluations per particle and the summed divergence counts; rejects with the first worker's error (the
 * other workers are terminated) or with `AbortedError` when `signal` fires.
 */
export function runSharded(run: ShardedRun): Promise<RangeResult> {
  const abortFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(abortFlag);
  const W = Math.min(run.workers, run.n);
  const progressBuffer = new SharedArrayBuffer(4 * W);
  const ranges = Array.from({ length: W }, (_, w): [number, number] => [
    Math.floor((w * run.n) / W),
    Math.floor(((w + 1) * run.n) / W),
  ]);
  const stopWatching = watchProgress(
    run,
    new Int32Array(progressBuffer),
    ranges.reduce((sum, [a, b]) => sum + stepsOfRange(run, a, b), 0),
  );
  const modules = modulesFor(run.spec);
  return new Promise<RangeResult>((resolve, reject) => {
    const threads: WorkerHandle[] = [];
    let pending = W;
    let settled = false;
    const total: RangeResult = { evaluations: 0, outside: 0, nonFinite: 0 };
    const onAbort = (): void => {
      Atomics.store(flag, 0, 1);
    };
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      run.signal?.removeEventListener('abort', onAbort);
      if (error !== undefined) {
        // The flag first, so a worker between steps stops by itself; then the backend stops the rest.
        Atomics.store(flag, 0, 1);
        for (const t of threads) t.terminate();
        stopWatching();
        reject(error);
      } else {
        stopWatching();
        resolve(total);
      }
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    for (let w = 0; w < W; w++) {
      const task: WorkerTask = {
        job: run.job,
        spec: run.spec,
        dtype: run.dtype,
        n: run.n,
        dim: run.dim,
        rowStart: ranges[w]![0],
        rowEnd: ranges[w]![1],
        positions: run.positions,
        velocities: run.velocities,
        abortFlag,
        gemmBackend: gemmBackend(),
        progress: progressBuffer,
        progressSlot: w,
        modules,
      };
      let thread: WorkerHandle;
      try {
        thread = run.backend.start(task, {
          result: (result: WorkerResult) => {
            if (!result.ok) {
              finish(rebuildError(w, result));
              return;
            }
            total.evaluations = result.evaluations;
            total.outside += result.outside;
            total.nonFinite += result.nonFinite;
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
