/**
 * Messages between the main thread and sampler worker threads.
 * @packageDocumentation
 */
import type { DType, GemmBackend } from '@sgmkit/tensor';
import type { ScoreSpec } from '@sgmkit/score';
import type { CLDJob, DDPMJob } from './run.js';

/** What a worker receives as `workerData`. */
export interface WorkerTask {
  readonly job: DDPMJob | CLDJob;
  readonly spec: ScoreSpec;
  readonly dtype: DType;
  readonly n: number;
  readonly dim: number;
  /** Global row range `[rowStart, rowEnd)` of this worker. */
  readonly rowStart: number;
  readonly rowEnd: number;
  /** Positions (DDPM `y`, CLD `x`), `n × d` over a SharedArrayBuffer. */
  readonly positions: SharedArrayBuffer;
  /** CLD velocities, `n × d` over a SharedArrayBuffer. */
  readonly velocities?: SharedArrayBuffer;
  /** `Int32Array(1)`: set to 1 by the main thread to abort. */
  readonly abortFlag: SharedArrayBuffer;
  /** The main thread's GEMM backend, so a learned score computes with the same kernels in every thread. */
  readonly gemmBackend: GemmBackend;
  /**
   * `Int32Array` of one word per worker: worker `progressSlot` adds 1 after every grid step of each of
   * its chunks (the calling thread reads it to report progress). Absent: no progress is reported.
   */
  readonly progress?: SharedArrayBuffer;
  readonly progressSlot?: number;
  /**
   * Module URLs the worker imports before rebuilding the score: the modules that register the custom
   * score types (`registerScoreType(type, factory, { module })`) the spec may use.
   */
  readonly modules?: readonly string[];
}

/** A serialised error from a worker. */
export interface WorkerFailure {
  readonly ok: false;
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly where?: string;
}

/** What a worker posts back once. */
export type WorkerResult =
  | { readonly ok: true; readonly evaluations: number; readonly outside: number; readonly nonFinite: number }
  | WorkerFailure;
