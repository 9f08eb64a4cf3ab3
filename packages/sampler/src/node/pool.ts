/**
 * A persistent pool of `worker_threads` workers, shared by the sampler's Node backend and by
 * data-parallel training. A worker starts once (module load, WebAssembly compile, JIT warm-up)
 * and then runs task after task; between tasks it is `unref`'d, so an idle pool never keeps the
 * process alive, and `dispose()` terminates every worker at once.
 *
 * The worker script is `pool-worker.js` next to this file. When that file is not there (this
 * module was bundled into an app, so `import.meta.url` names the bundle), the pool starts the
 * same script from its self-contained source inlined at build time (`pool-worker-source.js`).
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { SgmkitError } from '@sgmkit/tensor';
import { POOL_WORKER_SOURCE } from './pool-worker-source.js';
import type { PoolReply, PoolRequest } from './pool-protocol.js';

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

/** What the current user of a pooled worker hears: its replies, or that it died. */
export interface Lease {
  readonly reply: (message: PoolReply) => void;
  readonly failure: (reason: string) => void;
}

/** One worker of a pool. */
export class PooledWorker {
  private lease: Lease | undefined;
  /** False once the thread has exited (or is being terminated). */
  alive = true;

  constructor(
    private readonly thread: Worker,
    private readonly onExit: (worker: PooledWorker) => void,
  ) {
    thread.on('message', (message: PoolReply) => this.lease?.reply(message));
    // An error is followed by 'exit'; the lease hears the error's message, once.
    thread.on('error', (error) => this.fail(`crashed: ${error.message}`));
    thread.on('exit', (code) => {
      this.fail(`exited with code ${code}`);
      this.alive = false;
      onExit(this);
    });
  }

  /** Hands the worker to `lease` (it keeps the process alive until released). */
  take(lease: Lease): void {
    this.lease = lease;
    this.thread.ref();
  }

  /** Ends the lease; an idle worker does not keep the process alive. */
  untake(): void {
    this.lease = undefined;
    this.thread.unref();
  }

  post(message: PoolRequest, transfer?: readonly TransferListItem[]): void {
    this.thread.postMessage(message, transfer);
  }

  /** Stops the thread (its lease, if any, hears `reason`). */
  terminate(reason = 'was terminated'): Promise<number> {
    this.fail(reason);
    this.alive = false;
    return this.thread.terminate();
  }

  private fail(reason: string): void {
    const lease = this.lease;
    this.lease = undefined;
    lease?.failure(reason);
  }
}

/** Where a pool's workers come from: the script file next to this module, else the inlined source. */
function workerScript(): URL {
  try {
    const file = new URL('./pool-worker.js', import.meta.url);
    if (file.protocol === 'file:' && existsSync(fileURLToPath(file))) return file;
  } catch {
    // import.meta.url is not a file URL here (e.g. a CommonJS bundle): use the inlined source.
  }
  if (POOL_WORKER_SOURCE === '') {
    throw new SgmkitError(
      'the sgmkit worker script is missing: pool-worker.js is not next to the sampler and no inlined source was built (run the build)',
      'ERR_WORKER',
    );
  }
  return new URL(`data:text/javascript,${encodeURIComponent(POOL_WORKER_SOURCE)}`);
}

let script: URL | undefined;

/**
 * A persistent set of worker threads. `acquire` hands out an idle worker (starting one when none
 * is idle); `release` takes it back. Workers that exit leave the pool by themselves.
 */
export class WorkerPool {
  private readonly idle: PooledWorker[] = [];
  private readonly all = new Set<PooledWorker>();

  /** Workers currently started (idle or in use). */
  get size(): number {
    return this.all.size;
  }

  /** Workers currently idle. */
  get idleCount(): number {
    return this.idle.length;
  }

  /** An idle worker, or a newly started one, leased to `lease`. */
  acquire(lease: Lease): PooledWorker {
    const worker = this.idle.pop() ?? this.start();
    worker.take(lease);
    return worker;
  }

  /** Returns a worker whose task is over to the idle set. */
  release(worker: PooledWorker): void {
    worker.untake();
    if (worker.alive && this.all.has(worker)) this.idle.push(worker);
  }

  /** Terminates one worker (e.g. still running the task of a run that failed). */
  discard(worker: PooledWorker, reason?: string): void {
    this.forget(worker);
    void worker.terminate(reason);
  }

  /** Terminates every worker, idle or in use (their leases hear that the pool was disposed). */
  async dispose(): Promise<void> {
    const workers = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(workers.map((w) => w.terminate('was stopped: the worker pool was disposed')));
  }

  private start(): PooledWorker {
    script ??= workerScript();
    const thread = new Worker(script, { execArgv: workerExecArgv() });
    thread.unref();
    const worker = new PooledWorker(thread, (w) => this.forget(w));
    this.all.add(worker);
    return worker;
  }

  private forget(worker: PooledWorker): void {
    this.all.delete(worker);
    const i = this.idle.indexOf(worker);
    if (i >= 0) this.idle.splice(i, 1);
  }
}

/** The pool the installed Node backend and `trainDenoisingScoreMatchingOnWorkers` share by default. */
export const defaultWorkerPool = new WorkerPool();

/**
 * Terminates the worker threads of the default pool (they restart on the next run that asks
 * for workers). Not needed for a script to exit: idle workers do not keep the process alive.
 */
export function disposeWorkerPool(): Promise<void> {
  return defaultWorkerPool.dispose();
}
