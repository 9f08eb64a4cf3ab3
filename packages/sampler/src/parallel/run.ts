/**
 * Runs a sampler over a range of rows, in row chunks, one grid step at a time
 * when the caller needs control points (abort checks, yielding to the event
 * loop). The same code runs on the main thread and in worker threads: a row's
 * noise depends only on its global index, so any split is bit-identical.
 * @packageDocumentation
 */
import { allocate, dtypeOf } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { CLDScore, Score } from '@sgmkit/score';
import type { CLDMethod, DDPMMethod } from '../schedules/stability.js';
import { DDPM_INTEGRATORS } from '../samplers/ddpm.js';
import type { DDPMCallback, LangevinCorrector } from '../samplers/ddpm.js';
import { CLD_INTEGRATORS } from '../samplers/cld.js';
import type { CLDCallback } from '../samplers/cld.js';
import { fillParticleNormals } from '../samplers/kernels.js';
import { INITIAL_POSITION_STREAM, INITIAL_VELOCITY_STREAM } from '../samplers/streams.js';

/** A validated DDPM run, serialisable to a worker. */
export interface DDPMJob {
  readonly kind: 'ddpm';
  readonly method: DDPMMethod;
  readonly grid: Float64Array;
  readonly seed: number;
  readonly corrector?: LangevinCorrector;
  readonly chunkSize: number;
  /** Draw the initial particles from `N(0, I)` (stream 0) instead of using the buffer's contents. */
  readonly drawInitial: boolean;
}

/** A validated CLD run, serialisable to a worker. */
export interface CLDJob {
  readonly kind: 'cld';
  readonly method: CLDMethod;
  readonly grid: Float64Array;
  readonly seed: number;
  readonly corrector?: LangevinCorrector;
  readonly chunkSize: number;
  readonly drawInitialPositions: boolean;
  readonly drawInitialVelocities: boolean;
}

/** Control points between steps: called after each step when present (may throw to stop, or await to yield). */
export type Checkpoint = () => void | Promise<void>;

function rowView(b: Batch, start: number, end: number): Batch {
  const d = b.shape[1]!;
  return { data: b.data, shape: [end - start, d], stride: [d, 1], offset: b.offset + start * d };
}

function scratchRows(like: Batch, rows: number, width: number): Batch {
  return { data: allocate(dtypeOf(like), rows * width), shape: [rows, width], stride: [width, 1], offset: 0 };
}

/**
 * Runs a DDPM job on `y` (rows `firstRow …` of the global batch), in place.
 * Returns the number of batched score evaluations a particle received.
 */
export async function runDDPMRange(score: Score, y: Batch, firstRow: number, job: DDPMJob, checkpoint?: Checkpoint, callback?: DDPMCallback): Promise<number> {
  const [n, d] = y.shape as [number, number];
  const integrator = DDPM_INTEGRATORS[job.method];
  const chunk = Math.max(1, Math.min(job.chunkSize, n));
  const scoreBuffer = scratchRows(y, chunk, d);
  const steps = job.grid.length - 1;
  let evaluations = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const rows = rowView(y, start, end);
    const s = end - start === chunk ? scoreBuffer : rowView(scoreBuffer, 0, end - start);
    const rowNoise = { seed: job.seed, firstRow: firstRow + start };
    if (job.drawInitial) fillParticleNormals(rows, job.seed, INITIAL_POSITION_STREAM, firstRow + start);
    const options = { callback, corrector: job.corrector, scoreBuffer: s };
    evaluations = 0;
    if (checkpoint === undefined) {
      evaluations = integrator(score, rows, job.grid, rowNoise, options);
    } else {
      for (let k = 0; k < steps; k++) {
        evaluations += integrator(score, rows, job.grid.subarray(k, k + 2), { ...rowNoise, firstStep: k }, options);
        await checkpoint();
      }
    }
  }
  return evaluations;
}

/**
 * Runs a CLD job on `x`, `v` (rows `firstRow …` of the global batch), in place.
 * Returns the number of batched score evaluations a particle received.
 */
export async function runCLDRange(score: CLDScore, x: Batch, v: Batch, firstRow: number, job: CLDJob, checkpoint?: Checkpoint, callback?: CLDCallback): Promise<number> {
  const [n, d] = x.shape as [number, number];
  const integrator = CLD_INTEGRATORS[job.method];
  const chunk = Math.max(1, Math.min(job.chunkSize, n));
  const scoreBuffer = scratchRows(x, chunk, d);
  const noiseBuffer = job.method === 'sscs' ? scratchRows(x, chunk, 2 * d) : undefined;
  const steps = job.grid.length - 1;
  let evaluations = 0;
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const m = end - start;
    const xs = rowView(x, start, end);
    const vs = rowView(v, start, end);
    const rowNoise = { seed: job.seed, firstRow: firstRow + start };
    if (job.drawInitialPositions) fillParticleNormals(xs, job.seed, INITIAL_POSITION_STREAM, firstRow + start);
    if (job.drawInitialVelocities) fillParticleNormals(vs, job.seed, INITIAL_VELOCITY_STREAM, firstRow + start);
    const options = {
      callback,
      corrector: job.corrector,
      scoreBuffer: m === chunk ? scoreBuffer : rowView(scoreBuffer, 0, m),
      noiseBuffer: noiseBuffer === undefined ? undefined : m === chunk ? noiseBuffer : rowView(noiseBuffer, 0, m),
    };
    evaluations = 0;
    if (checkpoint === undefined) {
      evaluations = integrator(score, xs, vs, job.grid, rowNoise, options);
    } else {
      for (let k = 0; k < steps; k++) {
        evaluations += integrator(score, xs, vs, job.grid.subarray(k, k + 2), { ...rowNoise, firstStep: k }, options);
        await checkpoint();
      }
    }
  }
  return evaluations;
}
