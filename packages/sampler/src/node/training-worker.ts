/**
 * Gradient worker entry point: holds a copy of the network over the shared parameter buffer and,
 * every time the training thread bumps the generation, computes its micro-shards' gradients into
 * their shared slots. Blocks in `Atomics.wait` between steps (no polling, no event loop turns).
 * @packageDocumentation
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setGemmBackend } from '@sgmkit/tensor';
import { MicroShardGradients, type NetworkArray } from '@sgmkit/score';
import {
  BATCH_SIZE, DONE, FAILED, GENERATION, SHUTDOWN, STATUS, networkView,
  type GradientWorkerFailure, type GradientWorkerReady, type GradientWorkerTask,
} from './training-protocol.js';

function failure(error: unknown): GradientWorkerFailure {
  const e = error as { name?: string; message?: string };
  return { ok: false, name: e?.name ?? 'Error', message: e?.message ?? String(error) };
}

/** Views made once: the slot of every micro-shard this worker computes. */
function setUp(task: GradientWorkerTask) {
  setGemmBackend(task.gemmBackend);
  const shards = new MicroShardGradients(task.architecture, networkView(task.dtype, task.parameters));
  const slots: NetworkArray[] = [];
  for (let s = task.shardStart; s < task.shardEnd; s++) slots.push(networkView(task.dtype, task.partials, s * shards.size, shards.size));
  return {
    shards, slots,
    control: new Int32Array(task.control),
    input: networkView(task.dtype, task.input),
    noise: new Float64Array(task.noise),
    losses: new Float64Array(task.losses),
  };
}

function serve(task: GradientWorkerTask, state: ReturnType<typeof setUp>): void {
  const { shards, slots, control, input, noise, losses } = state;
  let generation = 0;
  for (;;) {
    Atomics.wait(control, GENERATION, generation);
    generation = Atomics.load(control, GENERATION);
    if (Atomics.load(control, STATUS) === SHUTDOWN) return;
    try {
      const batchSize = Atomics.load(control, BATCH_SIZE);
      for (let s = task.shardStart; s < task.shardEnd; s++) {
        losses[s] = shards.shard(input, noise, batchSize, s, slots[s - task.shardStart]!);
      }
    } catch (error) {
      task.errors.postMessage(failure(error));
      Atomics.store(control, STATUS, FAILED);
    }
    Atomics.add(control, DONE, 1);
    Atomics.notify(control, DONE);
  }
}

const task = workerData as GradientWorkerTask;
let state: ReturnType<typeof setUp> | undefined;
try {
  state = setUp(task);
} catch (error) {
  parentPort!.postMessage(failure(error) satisfies GradientWorkerReady);
}
if (state) {
  parentPort!.postMessage({ ok: true } satisfies GradientWorkerReady);
  serve(task, state);
}
