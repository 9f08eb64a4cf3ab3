/**
 * Data-parallel DSM gradients on worker threads: a `GradientEvaluator` (see `@sgmkit/score`'s
 * `gradient.ts`) that splits every minibatch's micro-shards into contiguous ranges, one per
 * thread, the calling thread included, and sums them in micro-shard order. The gradient, and so
 * the trained weights, are bit-identical to the calling thread's evaluator for any thread count.
 *
 * The training loop is synchronous, so the calling thread waits for the workers with
 * `Atomics.wait` (allowed on Node's main thread) and reads a worker's error synchronously with
 * `receiveMessageOnPort`.
 * @packageDocumentation
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { InvalidArgumentError, SgmkitError, gemmBackend } from '@sgmkit/tensor';
import { MicroShardGradients, microShardCount, sumMicroShards, type GradientEvaluator, type NetworkArray, type AnyScoreNetwork } from '@sgmkit/score';
import { workerExecArgv } from './worker-threads.js';
import {
  BATCH_SIZE, CONTROL_WORDS, DONE, FAILED, GENERATION, SHUTDOWN, STATUS, networkView,
  type GradientWorkerFailure, type GradientWorkerReady, type GradientWorkerTask,
} from './training-protocol.js';

/** Where the compiled gradient worker entry lives (next to this file in `dist/parallel/`). */
const TRAINING_WORKER_URL = new URL('./training-worker.js', import.meta.url);


/** Micro-shards `[start, end)` of thread `j` of `threads`, for `count` micro-shards. */
export function shardRange(j: number, threads: number, count: number): [number, number] {
  return [Math.floor((j * count) / threads), Math.floor(((j + 1) * count) / threads)];
}

interface SharedBuffers {
  readonly control: SharedArrayBuffer;
  readonly parameters: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
  readonly noise: SharedArrayBuffer;
  readonly partials: SharedArrayBuffer;
  readonly losses: SharedArrayBuffer;
}

function sharedBuffers(network: AnyScoreNetwork, batchSize: number): SharedBuffers {
  const size = network.parameters.length;
  const bytes = network.dtype === 'float32' ? Float32Array.BYTES_PER_ELEMENT : Float64Array.BYTES_PER_ELEMENT;
  const float64 = Float64Array.BYTES_PER_ELEMENT;
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT),
    parameters: new SharedArrayBuffer(size * bytes),
    input: new SharedArrayBuffer(batchSize * network.layouts[0]!.inDim * bytes),
    noise: new SharedArrayBuffer(batchSize * network.dim * float64),
    partials: new SharedArrayBuffer(microShardCount(batchSize) * size * bytes),
    losses: new SharedArrayBuffer(microShardCount(batchSize) * float64),
  };
}

function copyInto(from: NetworkArray, to: NetworkArray): void {
  for (let i = 0; i < to.length; i++) to[i] = from[i]!;
}

/** Starts one gradient worker and resolves once it has built its network copy. */
function startWorker(task: GradientWorkerTask, index: number): Promise<Worker> {
  const worker = new Worker(TRAINING_WORKER_URL, { workerData: task, transferList: [task.errors], execArgv: workerExecArgv() });
  return new Promise((resolve, reject) => {
    const onExit = (code: number): void => reject(new SgmkitError(`gradient worker ${index} exited with code ${code} before it was ready`, 'ERR_WORKER'));
    worker.once('exit', onExit);
    worker.once('error', (error) => reject(new SgmkitError(`gradient worker ${index} crashed: ${error.message}`, 'ERR_WORKER')));
    worker.once('message', (ready: GradientWorkerReady) => {
      worker.off('exit', onExit);
      if (ready.ok) resolve(worker);
      else reject(new SgmkitError(`gradient worker ${index}: ${ready.name}: ${ready.message}`, 'ERR_WORKER'));
    });
  });
}

/**
 * A gradient evaluator over `threads` threads (the calling thread and `threads − 1` workers),
 * made for one network and batch size. Create with `start`, and `close` it when done.
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
  private closed = false;

  private constructor(
    private readonly network: AnyScoreNetwork,
    private readonly batchSize: number,
    buffers: SharedBuffers,
    private readonly workers: readonly Worker[],
    private readonly errorPorts: readonly MessagePort[],
    ownShardEnd: number,
  ) {
    const dtype = network.dtype;
    this.control = new Int32Array(buffers.control);
    this.parameters = networkView(dtype, buffers.parameters);
    this.input = networkView(dtype, buffers.input);
    this.noise = new Float64Array(buffers.noise);
    this.losses = new Float64Array(buffers.losses);
    const size = network.parameters.length;
    this.slots = Array.from({ length: microShardCount(batchSize) }, (_, s) => networkView(dtype, buffers.partials, s * size, size));
    this.ownShards = new MicroShardGradients(network.architecture, this.parameters);
    this.ownShardEnd = ownShardEnd;
  }

  /**
   * Starts the workers for `network` (architecture fixed; its current parameters are broadcast at
   * every step) and minibatches of `batchSize` rows. Uses at most one thread per micro-shard.
   */
  static async start(network: AnyScoreNetwork, batchSize: number, threads: number): Promise<WorkerGradientEvaluator> {
    const count = microShardCount(batchSize);
    const used = Math.min(threads, count);
    const buffers = sharedBuffers(network, batchSize);
    const channels = Array.from({ length: used - 1 }, () => new MessageChannel());
    const started = await Promise.allSettled(channels.map((channel, w) => {
      const [shardStart, shardEnd] = shardRange(w + 1, used, count);
      const task: GradientWorkerTask = {
        architecture: network.architecture, dtype: network.dtype, gemmBackend: gemmBackend(), shardStart, shardEnd, ...buffers, errors: channel.port2,
      };
      return startWorker(task, w + 1);
    }));
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.terminate()));
      for (const channel of channels) channel.port1.close();
      throw failed.reason;
    }
    // An error a worker raises later is read from its port; this listener only keeps it from being uncaught.
    for (const worker of workers) worker.on('error', () => {});
    return new WorkerGradientEvaluator(network, batchSize, buffers, workers, channels.map((c) => c.port1), shardRange(0, used, count)[1]);
  }

  /** Threads computing gradients, the calling thread included. */
  get threads(): number {
    return this.workers.length + 1;
  }

  lossAndGradient(input: NetworkArray, noise: Float64Array, batchSize: number, gradient: NetworkArray): number {
    const fn = 'WorkerGradientEvaluator.lossAndGradient';
    if (this.closed) throw new SgmkitError(`${fn}: the evaluator was closed`, 'ERR_CLOSED');
    if (batchSize !== this.batchSize) throw new InvalidArgumentError(fn, 'batchSize', batchSize, `${this.batchSize}, the batch size the evaluator was started for`);
    // The compute weights (the float32 copy of a float32 network), as the calling thread's evaluator uses.
    copyInto(this.network.model.parameters, this.parameters);
    copyInto(input, this.input);
    copyInto(noise, this.noise);
    const control = this.control;
    Atomics.store(control, DONE, 0);
    Atomics.store(control, BATCH_SIZE, batchSize);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    for (let s = 0; s < this.ownShardEnd; s++) this.losses[s] = this.ownShards.shard(this.input, this.noise, batchSize, s, this.slots[s]!);
    this.waitForWorkers();
    return sumMicroShards(this.slots, this.losses, this.slots.length, gradient);
  }

  private waitForWorkers(): void {
    const control = this.control;
    for (let done = Atomics.load(control, DONE); done < this.workers.length; done = Atomics.load(control, DONE)) {
      Atomics.wait(control, DONE, done);
    }
    if (Atomics.load(control, STATUS) === FAILED) {
      const failure = this.errorPorts.map((port) => receiveMessageOnPort(port)?.message as GradientWorkerFailure | undefined).find(Boolean);
      this.closed = true;
      throw new SgmkitError(`gradient worker: ${failure?.name ?? 'Error'}: ${failure?.message ?? 'failed'}`, 'ERR_WORKER');
    }
  }

  /** Stops the workers and resolves once they have exited. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.control, STATUS, SHUTDOWN);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const port of this.errorPorts) port.close();
  }
}
