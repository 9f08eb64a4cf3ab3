/**
 * A gradient session in a pooled worker: holds a copy of the network over the shared parameter
 * buffer and, every time the training thread bumps the generation, computes its micro-shards'
 * gradients into their shared slots. Blocks in `Atomics.wait` between steps (no polling, no
 * event loop turns) until the training thread shuts the session down.
 * @packageDocumentation
 */
import { setGemmBackend } from '@sgmkit/tensor';
import { MicroShardGradients, type NetworkArray } from '@sgmkit/score';
import {
  BATCH_SIZE,
  DIED,
  DONE,
  FAILED,
  GENERATION,
  RUNNING,
  STATUS,
  networkView,
  type GradientWorkerFailure,
  type GradientWorkerTask,
} from './training-protocol.js';

export function failureOf(error: unknown): GradientWorkerFailure {
  const e = error as { name?: string; message?: string };
  return { name: e?.name ?? 'Error', message: e?.message ?? String(error) };
}

/** Views made once per session: the slot of every micro-shard this worker computes. */
function setUp(task: GradientWorkerTask) {
  setGemmBackend(task.gemmBackend);
  const shards = new MicroShardGradients(task.architecture, networkView(task.dtype, task.parameters));
  const slots: NetworkArray[] = [];
  for (let s = task.shardStart; s < task.shardEnd; s++)
    slots.push(networkView(task.dtype, task.partials, s * shards.size, shards.size));
  return {
    shards,
    slots,
    control: new Int32Array(task.control),
    input: networkView(task.dtype, task.input),
    noise: new Float64Array(task.noise),
    losses: new Float64Array(task.losses),
  };
}

type Session = ReturnType<typeof setUp>;

/** The control block of the session this thread is serving, for the exit hook. */
let active: Int32Array | undefined;

/** If this thread exits mid-session (process.exit, an uncaught error), the training thread must not wait for it. */
export function markSessionDied(): void {
  if (active === undefined) return;
  Atomics.store(active, STATUS, DIED);
  for (let i = 0; i < active.length; i++) Atomics.notify(active, i);
}

function serve(task: GradientWorkerTask, session: Session): void {
  const { shards, slots, control, input, noise, losses } = session;
  const done = DONE + task.worker;
  for (let generation = 0; ;) {
    Atomics.wait(control, GENERATION, generation);
    generation = Atomics.load(control, GENERATION);
    const status = Atomics.load(control, STATUS);
    if (status !== RUNNING) return; // SHUTDOWN, or a failure or death ended the session
    try {
      const batchSize = Atomics.load(control, BATCH_SIZE);
      // the whole range at once: one GEMM per product over its rows, then each piece's gradient into its first slot
      shards.rangeInto(input, noise, batchSize, task.shardStart, task.shardEnd - task.shardStart, slots, losses);
    } catch (error) {
      task.errors.postMessage(failureOf(error));
      Atomics.store(control, STATUS, FAILED);
    }
    Atomics.store(control, done, generation);
    Atomics.notify(control, done);
  }
}

/**
 * Runs one gradient session: `ready()` once set up (or `failed` with the error that stopped it),
 * then serves steps until the training thread shuts the session down.
 */
export function runGradientSession(
  task: GradientWorkerTask,
  ready: () => void,
  failed: (failure: GradientWorkerFailure) => void,
): void {
  let session: Session;
  try {
    session = setUp(task);
  } catch (error) {
    failed(failureOf(error));
    task.errors.close();
    return;
  }
  active = session.control;
  ready();
  try {
    serve(task, session);
  } finally {
    active = undefined;
    task.errors.close();
  }
}
