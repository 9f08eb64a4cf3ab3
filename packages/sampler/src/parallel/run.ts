/**
 * Runs a sampler over a range of rows, in row chunks, one grid step at a time
 * when the caller needs control points (abort checks, yielding to the event
 * loop). The same code runs on the main thread and in worker threads: a row's
 * noise depends only on its global index, so any split is bit-identical.
 * @packageDocumentation
 */
import { batch, dtypeOf, rows } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { CLDScore, Score } from '@sgmkit/score';
import type { CLDMethod, DDPMMethod } from '../samplers/methods.js';
import { DDPM_INTEGRATORS, ddpmSolverHistory, historyLength } from '../samplers/ddpm-solvers.js';
import type { DDPMSolverMethod } from '../samplers/methods.js';
import type { DDPMCallback } from '../samplers/ddpm.js';
import type { LangevinCorrector } from '../samplers/common.js';
import { CLD_INTEGRATORS } from '../samplers/cld.js';
import type { CLDCallback } from '../samplers/cld.js';
import { fillParticleNormals } from '@sgmkit/tensor';
import { INITIAL_POSITION_STREAM, INITIAL_VELOCITY_STREAM } from '../samplers/streams.js';
import type { DataNormalization } from '@sgmkit/score';
import { countOutside } from '../samplers/divergence.js';
import type { DivergenceCounts } from '../samplers/divergence.js';
import { toDataSpace } from '../samplers/normalization.js';

/** What every job carries besides its integrator: the divergence box and the map back to data space. */
export interface JobOutput {
  /** Divergence box (sampling space), checked once per chunk at the end of its run. */
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Map from the sampling space to data space, applied to each chunk after the check. */
  readonly normalization?: DataNormalization;
}

/** What a range run returns. */
export interface RangeResult extends DivergenceCounts {
  /** Batched score evaluations a particle received. */
  evaluations: number;
}

/** A validated DDPM run, serialisable to a worker. */
export interface DDPMJob extends JobOutput {
  readonly kind: 'ddpm';
  readonly method: DDPMMethod;
  readonly grid: Float64Array;
  readonly seed: number;
  /** Global index of the run's row 0 (`options.firstRow`); a worker's rows start at `firstRow + rowStart`. */
  readonly firstRow: number;
  readonly corrector?: LangevinCorrector;
  readonly chunkSize: number;
  /** Draw the initial particles from `N(0, I)` (stream 0) instead of using the buffer's contents. */
  readonly drawInitial: boolean;
  /** Refined Brownian path level (`NoiseOrigin.brownianLevels`; 0: the ordinary noise). */
  readonly brownianLevels: number;
}

/** A validated CLD run, serialisable to a worker. */
export interface CLDJob extends JobOutput {
  readonly kind: 'cld';
  readonly method: CLDMethod;
  readonly grid: Float64Array;
  readonly seed: number;
  /** Global index of the run's row 0 (`options.firstRow`); a worker's rows start at `firstRow + rowStart`. */
  readonly firstRow: number;
  readonly corrector?: LangevinCorrector;
  readonly chunkSize: number;
  readonly drawInitialPositions: boolean;
  readonly drawInitialVelocities: boolean;
}

/**
 * How a run is driven between steps. `interrupt` runs synchronously after every
 * step (it throws to stop, e.g. on an abort flag); `pause` is awaited between
 * segments of steps so the event loop can run (segments grow until each takes
 * about 10 ms, so pausing costs nothing measurable).
 */
export interface RunControl {
  readonly interrupt?: () => void;
  readonly pause?: () => Promise<void>;
}

const SEGMENT_TARGET_MS = 10;

/** The user callback followed by the interrupt check, composed once per run. */
function compose<I>(
  callback: ((info: I) => void) | undefined,
  interrupt: (() => void) | undefined,
): ((info: I) => void) | undefined {
  if (interrupt === undefined) return callback;
  if (callback === undefined) return () => interrupt();
  return (info) => {
    callback(info);
    interrupt();
  };
}

/**
 * Runs `segment(firstStep, lastStep)` over the grid's steps: in one piece
 * without `pause`, else in segments that grow until each takes ~10 ms, pausing
 * between them. Returns the summed score evaluations.
 */
async function runSegments(
  steps: number,
  pause: (() => Promise<void>) | undefined,
  segment: (from: number, to: number) => number,
): Promise<number> {
  if (pause === undefined) return segment(0, steps);
  let evaluations = 0;
  let length = 1;
  for (let from = 0; from < steps;) {
    const to = Math.min(steps, from + length);
    const started = performance.now();
    evaluations += segment(from, to);
    if (performance.now() - started < SEGMENT_TARGET_MS / 2) length *= 2;
    from = to;
    if (from < steps) await pause();
  }
  return evaluations;
}

/**
 * The end of a chunk's run: count the particles outside the box (non-finite
 * ones included) in the sampling space, then map the chunk to data space.
 */
function finishChunk(positions: Batch, job: JobOutput, result: RangeResult, scratch: Float64Array): void {
  countOutside(positions, job.lower, job.upper, result);
  if (job.normalization !== undefined) toDataSpace(positions, job.normalization, scratch);
}

/**
 * Runs a DDPM job on `y` (rows `firstRow …` of the global batch), in place,
 * leaving `y` in data space. Returns the evaluations and the divergence counts.
 */
export async function runDDPMRange(
  score: Score,
  y: Batch,
  firstRow: number,
  job: DDPMJob,
  control: RunControl = {},
  callback?: DDPMCallback,
): Promise<RangeResult> {
  const [n, d] = y.shape as [number, number];
  const integrator = DDPM_INTEGRATORS[job.method];
  const chunk = Math.max(1, Math.min(job.chunkSize, n));
  const scoreBuffer = batch(chunk, d, dtypeOf(y));
  const steps = job.grid.length - 1;
  const options = { callback: compose(callback, control.interrupt), corrector: job.corrector };
  const result: RangeResult = { evaluations: 0, outside: 0, nonFinite: 0 };
  const scratch = new Float64Array(d);
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const ys = rows(y, start, end);
    if (job.drawInitial) fillParticleNormals(ys, job.seed, INITIAL_POSITION_STREAM, firstRow + start);
    // A multistep solver's history belongs to the chunk's particles and is carried across its step segments.
    const history = historyLength(job.method) > 0 ? ddpmSolverHistory(job.method as DDPMSolverMethod, ys) : undefined;
    const chunkOptions = { ...options, scoreBuffer: rows(scoreBuffer, 0, end - start), history };
    result.evaluations = await runSegments(steps, control.pause, (from, to) =>
      integrator(
        score,
        ys,
        job.grid.subarray(from, to + 1),
        { seed: job.seed, firstRow: firstRow + start, firstStep: from, brownianLevels: job.brownianLevels },
        chunkOptions,
      ),
    );
    finishChunk(ys, job, result, scratch);
  }
  return result;
}

/**
 * Runs a CLD job on `x`, `v` (rows `firstRow …` of the global batch), in place,
 * leaving `x` in data space (the velocities stay in the sampling space).
 * Returns the evaluations and the divergence counts of the positions.
 */
export async function runCLDRange(
  score: CLDScore,
  x: Batch,
  v: Batch,
  firstRow: number,
  job: CLDJob,
  control: RunControl = {},
  callback?: CLDCallback,
): Promise<RangeResult> {
  const [n, d] = x.shape as [number, number];
  const integrator = CLD_INTEGRATORS[job.method];
  const chunk = Math.max(1, Math.min(job.chunkSize, n));
  const scoreBuffer = batch(chunk, d, dtypeOf(x));
  const noiseBuffer = job.method === 'sscs' ? batch(chunk, 2 * d, dtypeOf(x)) : undefined;
  const steps = job.grid.length - 1;
  const composed = compose(callback, control.interrupt);
  const result: RangeResult = { evaluations: 0, outside: 0, nonFinite: 0 };
  const scratch = new Float64Array(d);
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk);
    const m = end - start;
    const xs = rows(x, start, end);
    const vs = rows(v, start, end);
    if (job.drawInitialPositions) fillParticleNormals(xs, job.seed, INITIAL_POSITION_STREAM, firstRow + start);
    if (job.drawInitialVelocities) fillParticleNormals(vs, job.seed, INITIAL_VELOCITY_STREAM, firstRow + start);
    const options = {
      callback: composed,
      corrector: job.corrector,
      scoreBuffer: rows(scoreBuffer, 0, m),
      noiseBuffer: noiseBuffer === undefined ? undefined : rows(noiseBuffer, 0, m),
    };
    result.evaluations = await runSegments(steps, control.pause, (from, to) =>
      integrator(
        score,
        xs,
        vs,
        job.grid.subarray(from, to + 1),
        { seed: job.seed, firstRow: firstRow + start, firstStep: from },
        options,
      ),
    );
    finishChunk(xs, job, result, scratch);
  }
  return result;
}
