/**
 * Data-parallel DSM gradients on worker threads: a `GradientEvaluator` (see `@sgmkit/score`'s
 * `gradient.ts`) that splits every minibatch's micro-shards into contiguous ranges, one per
 * thread, the calling thread included, and sums them by the micro-shard contract (sum groups in
 * order, micro-shards in order within each). A thread sums the micro-shards of each group that
 * starts in its range in place, so with 2 threads and the default batch each hands over one
 * vector. The gradient, and so the trained weights, are bit-identical to the calling thread's
 * evaluator for any thread count.
 *
 * The workers come from a persistent {@link WorkerPool} (the default pool unless one is given):
 * a training run leases them for a gradient session and gives them back when it closes.
 *
 * The training loop is synchronous, so the calling thread waits for the workers with a timed
 * `Atomics.wait` (allowed on Node's main thread), checks between waits whether a worker died,
 * and reads a worker's error synchronously with `receiveMessageOnPort`.
 * @packageDocumentation
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { InvalidArgumentError, SgmkitError, gemmBackend } from '@sgmkit/tensor';
import {
  MicroShardGradients,
  SUM_GROUP_SHARDS,
  foldedIntoGroupPiece,
  microShardCount,
  type GradientEvaluator,
  type NetworkArray,
  type AnyScoreNetwork,
} from '@sgmkit/score';
import { defaultWorkerPool, type PooledWorker, type WorkerPool } from './pool.js';
import type { PoolReply } from './pool-protocol.js';
import {
  BATCH_SIZE,
  DIED,
  DONE,
  GENERATION,
  RUNNING,
  SHUTDOWN,
  STATUS,
  controlWords,
  networkView,
  type GradientBuffers,
  type GradientWorkerFailure,
  type GradientWorkerTask,
} from './training-protocol.js';

/** How long one `Atomics.wait` for a worker lasts before the calling thread checks that none died. */
const LIVENESS_CHECK_MS = 50;

/** Micro-shards `[start, end)` of thread `j` of `threads`, for `count` micro-shards. */
export function shardRange(j: number, threads: number, count: number): [number, number] {
  return [Math.floor((j * count) / threads), Math.floor(((j + 1) * count) / threads)];
}

/** The thread whose `shardRange` holds micro-shard `shard`. */
function ownerOf(shard: number, threads: number, count: number): number {
  let j = 0;
  while (shardRange(j, threads, count)[1] <= shard) j++;
  return j;
}

function sharedBuffers(network: AnyScoreNetwork, batchSize: number, workers: number): GradientBuffers {
  const size = network.parameters.length;
  const bytes = network.dtype === 'float32' ? Float32Array.BYTES_PER_ELEMENT : Float64Array.BYTES_PER_ELEMENT;
  const float64 = Float64Array.BYTES_PER_ELEMENT;
  return {
    control: new SharedArrayBuffer(controlWords(workers) * Int32Array.BYTES_PER_ELEMENT),
    parameters: new SharedArrayBuffer(size * bytes),
    input: new SharedArrayBuffer(batchSize * network.layouts[0]!.inDim * bytes),
    noise: new SharedArrayBuffer(batchSize * network.dim * float64),
    partials: new SharedArrayBuffer(microShardCount(batchSize) * size * bytes),
    losses: new SharedArrayBuffer(microShardCount(batchSize) * float64),
  };
}

/** `to ← from[0 … to.length)`: one memcpy (`TypedArray.set`) when the lengths match, as they do every step. */
function copyInto(from: NetworkArray, to: NetworkArray): void {
  if (from.length === to.length) {
    to.set(from);
    return;
  }
  for (let i = 0; i < to.length; i++) to[i] = from[i]!;
}

/** One leased worker of a session: resolves `ready` once set up; `released` once back in its pool. */
interface SessionWorker {
  readonly worker: PooledWorker;
  readonly ready: Promise<void>;
  readonly released: Promise<void>;
  readonly errors: MessagePort;
}

/** Leases a worker from `pool` and starts its gradient session `task` (minus the port, made here). */
function startSession(pool: WorkerPool, task: Omit<GradientWorkerTask, 'errors'>, control: Int32Array): SessionWorker {
  const channel = new MessageChannel();
  let onReady!: () => void;
  let onFailed!: (error: Error) => void;
  let onReleased!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFailed = reject;
  });
  const released = new Promise<void>((resolve) => {
    onReleased = resolve;
  });
  const fail = (message: string): void => {
    // Whoever waits on the session (a blocked training step, or start-up) must hear it now.
    Atomics.store(control, STATUS, DIED);
    for (let i = 0; i < control.length; i++) Atomics.notify(control, i);
    onFailed(new SgmkitError(`gradient worker ${task.worker}: ${message}`, 'ERR_WORKER'));
    onReleased();
  };
  const worker = pool.acquire({
    reply: (message: PoolReply) => {
      if (message.kind === 'gradient-ready') onReady();
      else if (message.kind === 'gradient-failed')
        onFailed(
          new SgmkitError(
            `gradient worker ${task.worker}: ${message.failure.name}: ${message.failure.message}`,
            'ERR_WORKER',
          ),
        );
      else if (message.kind === 'gradient-released') {
        pool.release(worker);
        onReleased();
      }
    },
    failure: (reason) => fail(reason),
  });
  ready.catch(() => {}); // observed by start(); this keeps a failure after start-up from being unhandled
  worker.post({ kind: 'gradient', task: { ...task, errors: channel.port2 } }, [channel.port2]);
  return { worker, ready, released, errors: channel.port1 };
}

/**
 * A gradient evaluator over `threads` threads (the calling thread and `threads − 1` pooled
 * workers), made for one network and batch size. Create with `start`, and `close` it when done
 * (the workers go back to their pool).
 */
export class WorkerGradientEvaluator implements GradientEvaluator {
  private readonly control: Int32Array;
  private readonly parameters: NetworkArray;
  private readonly input: NetworkArray;
  private readonly noise: Float64Array;
  private readonly losses: Float64Array;
  private readonly slots: NetworkArray[];
  private readonly ownShards: MicroShardGradients;
  private readonly ownShardEnd: number;
  /** Per micro-shard: whether its vector comes on its own (its group started in another thread's range). */
  private readonly separate: boolean[];
  private closed = false;

  private constructor(
    private readonly network: AnyScoreNetwork,
    private readonly batchSize: number,
    buffers: GradientBuffers,
    private readonly sessions: readonly SessionWorker[],
    ownShardEnd: number,
  ) {
    const dtype = network.dtype;
    this.control = new Int32Array(buffers.control);
    this.parameters = networkView(dtype, buffers.parameters);
    this.input = networkView(dtype, buffers.input);
    this.noise = new Float64Array(buffers.noise);
    this.losses = new Float64Array(buffers.losses);
    const size = network.parameters.length;
    this.slots = Array.from({ length: microShardCount(batchSize) }, (_, s) =>
      networkView(dtype, buffers.partials, s * size, size),
    );
    this.ownShards = new MicroShardGradients(network.architecture, this.parameters);
    this.ownShardEnd = ownShardEnd;
    const count = microShardCount(batchSize);
    const threads = sessions.length + 1;
    this.separate = Array.from({ length: count }, (_, s) => {
      const owner = ownerOf(s, threads, count);
      return !foldedIntoGroupPiece(s, shardRange(owner, threads, count)[0]);
    });
  }

  /**
   * Leases the workers for `network` (architecture fixed; its current parameters are broadcast at
   * every step) and minibatches of `batchSize` rows from `pool` (default: the shared pool). Uses
   * at most one thread per micro-shard.
   */
  static async start(
    network: AnyScoreNetwork,
    batchSize: number,
    threads: number,
    pool: WorkerPool = defaultWorkerPool,
  ): Promise<WorkerGradientEvaluator> {
    const count = microShardCount(batchSize);
    const used = Math.min(threads, count);
    const buffers = sharedBuffers(network, batchSize, used - 1);
    const control = new Int32Array(buffers.control);
    const sessions = Array.from({ length: used - 1 }, (_, w) => {
      const [shardStart, shardEnd] = shardRange(w + 1, used, count);
      return startSession(
        pool,
        {
          architecture: network.architecture,
          dtype: network.dtype,
          gemmBackend: gemmBackend(),
          worker: w,
          shardStart,
          shardEnd,
          ...buffers,
        },
        control,
      );
    });
    const started = await Promise.allSettled(sessions.map((s) => s.ready));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await endSessions(control, sessions);
      throw failed.reason;
    }
    return new WorkerGradientEvaluator(network, batchSize, buffers, sessions, shardRange(0, used, count)[1]);
  }

  /** Threads computing gradients, the calling thread included. */
  get threads(): number {
    return this.sessions.length + 1;
  }

  lossAndGradient(input: NetworkArray, noise: Float64Array, batchSize: number, gradient: NetworkArray): number {
    const fn = 'WorkerGradientEvaluator.lossAndGradient';
    if (this.closed) throw new SgmkitError(`${fn}: the evaluator was closed`, 'ERR_CLOSED');
    if (batchSize !== this.batchSize)
      throw new InvalidArgumentError(
        fn,
        'batchSize',
        batchSize,
        `${this.batchSize}, the batch size the evaluator was started for`,
      );
    this.throwIfFailed();
    // The compute weights (the float32 copy of a float32 network), as the calling thread's evaluator uses.
    copyInto(this.network.model.parameters, this.parameters);
    copyInto(input, this.input);
    copyInto(noise, this.noise);
    const control = this.control;
    Atomics.store(control, BATCH_SIZE, batchSize);
    const generation = Atomics.add(control, GENERATION, 1) + 1;
    Atomics.notify(control, GENERATION);
    // The calling thread's complete sum groups in place into the gradient, then the rest by the contract: each later
    // group's piece (summed in place by the thread that owns the group's start) plus, in order, the micro-shards of
    // the group that came on their own, then added to the gradient.
    const own = this.ownShardEnd;
    const tailGroup = own - (own % SUM_GROUP_SHARDS);
    const open0 = own % SUM_GROUP_SHARDS === 0 ? undefined : tailGroup === 0 ? gradient : this.slots[tailGroup]!;
    let loss = this.ownShards.leadingRangeInto(this.input, this.noise, batchSize, own, gradient, this.losses, open0);
    this.waitForWorkers(generation);
    let open = open0;
    for (let s = own; s < this.slots.length; s++) {
      if (s % SUM_GROUP_SHARDS === 0) {
        if (open && open !== gradient) addInto(gradient, open);
        open = this.slots[s]!;
      } else if (this.separate[s]) addInto(open!, this.slots[s]!);
      loss += this.losses[s]!;
    }
    if (open && open !== gradient) addInto(gradient, open);
    return loss;
  }

  /** Blocks until every worker has stored `generation` in its done word, or one failed or died. */
  private waitForWorkers(generation: number): void {
    const control = this.control;
    for (let w = 0; w < this.sessions.length; w++) {
      for (let done = Atomics.load(control, DONE + w); done !== generation; done = Atomics.load(control, DONE + w)) {
        if (Atomics.load(control, STATUS) === DIED) this.throwIfFailed();
        Atomics.wait(control, DONE + w, done, LIVENESS_CHECK_MS);
      }
    }
    this.throwIfFailed();
  }

  /** Throws (and closes the evaluator for further steps) if a worker failed or died. */
  private throwIfFailed(): void {
    const status = Atomics.load(this.control, STATUS);
    if (status === RUNNING) return;
    this.closed = true;
    if (status === DIED)
      throw new SgmkitError(
        'gradient worker died during training (it exited or was terminated); no worker is left running',
        'ERR_WORKER',
      );
    const failure = this.sessions
      .map((s) => receiveMessageOnPort(s.errors)?.message as GradientWorkerFailure | undefined)
      .find(Boolean);
    throw new SgmkitError(
      `gradient worker: ${failure?.name ?? 'Error'}: ${failure?.message ?? 'failed'}`,
      'ERR_WORKER',
    );
  }

  /**
   * Ends the session and resolves once its workers are back in their pool (a worker that died
   * has left it). Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    await endSessions(this.control, this.sessions);
  }
}

/** Ends a gradient session: every worker leaves its loop and goes back to its pool (unless it died). */
async function endSessions(control: Int32Array, sessions: readonly SessionWorker[]): Promise<void> {
  // A failure or a death stays recorded; otherwise the workers see SHUTDOWN. Either way they leave their loop.
  Atomics.compareExchange(control, STATUS, RUNNING, SHUTDOWN);
  Atomics.add(control, GENERATION, 1);
  Atomics.notify(control, GENERATION);
  await Promise.all(sessions.map((s) => s.released));
  for (const s of sessions) s.errors.close();
}

/** `sum[i] += term[i]`, element by element. */
function addInto(sum: NetworkArray, term: NetworkArray): void {
  for (let i = 0; i < sum.length; i++) sum[i] += term[i]!;
}
