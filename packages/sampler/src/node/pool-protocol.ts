/**
 * Messages between the calling thread and the workers of a {@link WorkerPool}: each request is
 * a sampling task (answered once) or a gradient session (ready, then released when it ends).
 * @packageDocumentation
 */
import type { WorkerResult, WorkerTask } from '../parallel/protocol.js';
import type { GradientWorkerFailure, GradientWorkerTask } from './training-protocol.js';

/** What the calling thread posts to a pooled worker. */
export type PoolRequest =
  | { readonly kind: 'sample'; readonly task: WorkerTask }
  | { readonly kind: 'gradient'; readonly task: GradientWorkerTask };

/** What a pooled worker posts back. */
export type PoolReply =
  /** The result of a sampling task. */
  | { readonly kind: 'sampled'; readonly result: WorkerResult }
  /** A gradient session is set up and serving steps (or failed to set up). */
  | { readonly kind: 'gradient-ready' }
  | { readonly kind: 'gradient-failed'; readonly failure: GradientWorkerFailure }
  /** A gradient session ended (shut down by the calling thread); the worker takes requests again. */
  | { readonly kind: 'gradient-released' };
