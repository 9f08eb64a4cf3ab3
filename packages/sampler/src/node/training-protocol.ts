/**
 * Shared memory and messages between the training thread and its gradient workers.
 *
 * Each step the training thread writes the parameters, the minibatch's input rows and noise
 * into shared buffers, bumps `GENERATION` and notifies; worker `w` computes its contiguous range
 * of micro-shards into their slots of `partials` and `losses`, then stores the generation it
 * finished in its own word `DONE + w` and notifies it. One word per worker (rather than a shared
 * counter reset every step) means a word can only say "done" for the generation it names. The
 * training thread waits for each word with a timed `Atomics.wait` and checks `STATUS` between
 * waits, so a worker that dies (its exit hook, or the pool terminating it, sets `DIED`) ends the
 * wait with an error instead of a hang. Nothing is copied by structured clone per step.
 * @packageDocumentation
 */
import type { GemmBackend } from '@sgmkit/tensor';
import type { NetworkArray, NetworkDType, ScoreNetworkArchitecture } from '@sgmkit/score';
import type { MessagePort } from 'node:worker_threads';

/** Indices into the `Int32Array` control block. */
export const GENERATION = 0;
export const STATUS = 1;
export const BATCH_SIZE = 2;
/** Word `DONE + w`: the last generation worker `w` finished. */
export const DONE = 3;

/** Words of a control block for `workers` workers. */
export function controlWords(workers: number): number {
  return DONE + workers;
}

/** Values of `control[STATUS]`. */
export const RUNNING = 0;
/** A worker's gradient code threw (its error is on its `errors` port). */
export const FAILED = 1;
/** The session is over: workers return to their pool. */
export const SHUTDOWN = 2;
/** A worker died (exited, was terminated) during the session. */
export const DIED = 3;

/** The shared buffers of a gradient session. */
export interface GradientBuffers {
  readonly control: SharedArrayBuffer;
  readonly parameters: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
  readonly noise: SharedArrayBuffer;
  readonly partials: SharedArrayBuffer;
  readonly losses: SharedArrayBuffer;
}

/** What a gradient worker receives to start a session. */
export interface GradientWorkerTask extends GradientBuffers {
  readonly architecture: ScoreNetworkArchitecture;
  /** dtype of the compute weights, inputs and gradients in the shared buffers (the noise is float64). */
  readonly dtype: NetworkDType;
  /** The training thread's GEMM backend, so every thread computes with the same kernels. */
  readonly gemmBackend: GemmBackend;
  /** This worker's index: it reports in word `DONE + worker`. */
  readonly worker: number;
  /** Micro-shards `[shardStart, shardEnd)` of every minibatch are this worker's. */
  readonly shardStart: number;
  readonly shardEnd: number;
  /** Where the worker posts a failure; the training thread reads it synchronously (`receiveMessageOnPort`). */
  readonly errors: MessagePort;
}

/** A serialised error from a gradient worker. */
export interface GradientWorkerFailure {
  readonly name: string;
  readonly message: string;
}

/** A view of a shared buffer in a network dtype: `length` elements from element `start` (default: all). */
export function networkView(dtype: NetworkDType, buffer: SharedArrayBuffer, start = 0, length?: number): NetworkArray {
  return dtype === 'float32'
    ? new Float32Array(buffer, start * Float32Array.BYTES_PER_ELEMENT, length)
    : new Float64Array(buffer, start * Float64Array.BYTES_PER_ELEMENT, length);
}
