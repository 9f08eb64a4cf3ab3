/**
 * Shared memory and messages between the training thread and its gradient workers.
 *
 * Each step the training thread writes the parameters, the minibatch's input rows and noise
 * into shared buffers, bumps `GENERATION` and notifies; worker `w` computes its contiguous range
 * of micro-shards into their slots of `partials` and `losses`, then increments `DONE` and
 * notifies. Nothing is copied by structured clone per step.
 * @packageDocumentation
 */
import type { GemmBackend } from '@sgmkit/tensor';
import type { NetworkArray, NetworkDType, ScoreNetworkArchitecture } from '@sgmkit/score';
import type { MessagePort } from 'node:worker_threads';

/** Indices into the `Int32Array` control block. */
export const GENERATION = 0;
export const DONE = 1;
export const STATUS = 2;
export const BATCH_SIZE = 3;
export const CONTROL_WORDS = 4;

/** Values of `control[STATUS]`. */
export const RUNNING = 0;
export const FAILED = 1;
export const SHUTDOWN = 2;

/** What a gradient worker receives as `workerData`. */
export interface GradientWorkerTask {
  readonly architecture: ScoreNetworkArchitecture;
  /** dtype of the compute weights, inputs and gradients in the shared buffers (the noise is float64). */
  readonly dtype: NetworkDType;
  /** The training thread's GEMM backend, so every thread computes with the same kernels. */
  readonly gemmBackend: GemmBackend;
  /** Micro-shards `[shardStart, shardEnd)` of every minibatch are this worker's. */
  readonly shardStart: number;
  readonly shardEnd: number;
  readonly control: SharedArrayBuffer;
  readonly parameters: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
  readonly noise: SharedArrayBuffer;
  readonly partials: SharedArrayBuffer;
  readonly losses: SharedArrayBuffer;
  /** Where the worker posts a failure; the training thread reads it synchronously (`receiveMessageOnPort`). */
  readonly errors: MessagePort;
}

/** Posted once on `parentPort` when the worker is ready, or with the error that stopped it starting. */
export type GradientWorkerReady = { readonly ok: true } | GradientWorkerFailure;

/** A serialised error from a gradient worker. */
export interface GradientWorkerFailure {
  readonly ok: false;
  readonly name: string;
  readonly message: string;
}

/** A view of a shared buffer in a network dtype: `length` elements from element `start` (default: all). */
export function networkView(dtype: NetworkDType, buffer: SharedArrayBuffer, start = 0, length?: number): NetworkArray {
  return dtype === 'float32'
    ? new Float32Array(buffer, start * Float32Array.BYTES_PER_ELEMENT, length)
    : new Float64Array(buffer, start * Float64Array.BYTES_PER_ELEMENT, length);
}
