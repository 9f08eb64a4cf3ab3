/**
 * Shared pieces of the samplers: the noise origin, the corrector and grid checks and the
 * once-per-step finiteness check of the score output.
 * @packageDocumentation
 */
import {
  InvalidArgumentError,
  NonFiniteValueError,
  batch,
  dtypeOf,
  expectBatch,
  expectInteger,
  expectPositive,
  expectSeed,
} from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import { MAX_STEPS, expectGrid } from '../schedules/grids.js';
import { LANGEVIN_STABILITY_LIMIT, expectStableGrid } from '../schedules/stability.js';
import type { CLDMethod, DDPMMethod } from './methods.js';
import { MAX_CORRECTOR_STEPS } from './streams.js';
import { MAX_BROWNIAN_LEVELS, brownianScratch, expectBrownianRefinement, type BrownianScratch } from './brownian.js';

/** A Langevin corrector: `steps` steps of size `stepSize` after each predictor step. */
export interface LangevinCorrector {
  /** Corrector steps per predictor step, in `[0, 62]`. */
  readonly steps: number;
  /** Step size `ε` in `(0, 2)` (the stationary-point stability limit is 2). */
  readonly stepSize: number;
}

/** Validates an optional corrector. */
export function expectCorrector(fn: string, argument: string, corrector: unknown): LangevinCorrector | undefined {
  if (corrector === undefined) return undefined;
  if (corrector === null || typeof corrector !== 'object')
    throw new InvalidArgumentError(fn, argument, corrector, 'an object { steps, stepSize }');
  const c = corrector as LangevinCorrector;
  expectInteger(fn, `${argument}.steps`, c.steps, 0, MAX_CORRECTOR_STEPS);
  expectPositive(fn, `${argument}.stepSize`, c.stepSize);
  if (!(c.stepSize < LANGEVIN_STABILITY_LIMIT)) {
    throw new InvalidArgumentError(
      fn,
      `${argument}.stepSize`,
      c.stepSize,
      `a step size ε < ${LANGEVIN_STABILITY_LIMIT} (Langevin stability limit on N(0, I) data)`,
    );
  }
  return c;
}

/** Validates an integrator's grid argument (a grid starting at its own `grid[0]`) and its step sizes. */
export function expectIntegratorGrid(
  fn: string,
  grid: unknown,
  sampler: 'ddpm' | 'cld',
  method: DDPMMethod | CLDMethod,
): Float64Array {
  if (grid === null || typeof grid !== 'object' || typeof (grid as ArrayLike<number>).length !== 'number') {
    throw new InvalidArgumentError(fn, 'grid', grid, 'a Float64Array of forward times');
  }
  const T = expectPositive(fn, 'grid[0]', (grid as ArrayLike<number>)[0]);
  const g = expectGrid(fn, 'grid', grid, T);
  expectStableGrid(fn, 'grid', g, sampler, method);
  return g;
}

/** Validates an integrator's options object (callback and corrector); returns the corrector. */
export function expectIntegratorOptions(fn: string, options: unknown): LangevinCorrector | undefined {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object');
  const { callback, corrector } = options as { callback?: unknown; corrector?: unknown };
  if (callback !== undefined && typeof callback !== 'function')
    throw new InvalidArgumentError(fn, 'options.callback', callback, 'a function');
  return expectCorrector(fn, 'options.corrector', corrector);
}

/** A caller's scratch batch (`n × width`, dtype of `like`), validated, or a fresh one. */
export function scratchBatch(
  fn: string,
  argument: string,
  buffer: Batch | undefined,
  like: Batch,
  n: number,
  width: number,
): Batch {
  if (buffer === undefined) return batch(n, width, dtypeOf(like));
  expectBatch(fn, argument, buffer, width, n);
  if (dtypeOf(buffer) !== dtypeOf(like))
    throw new InvalidArgumentError(fn, argument, buffer, `a batch of dtype ${dtypeOf(like)}`);
  const likeLength = like.shape[0]! * like.shape[1]!;
  if (
    buffer.data === like.data &&
    buffer.offset < like.offset + likeLength &&
    like.offset < buffer.offset + n * width
  ) {
    throw new InvalidArgumentError(fn, argument, buffer, 'a scratch batch that does not overlap the particles');
  }
  return buffer;
}

/**
 * Where a run's noise starts. Each draw's address (`NoiseAddress` of `@sgmkit/tensor`:
 * seed, stream, global row) follows from it: the stream from the global step index
 * (see `streams.ts`), the row from `firstRow`, the global index of the batch's row 0.
 * `firstStep` is the global index of the grid's step 0, so a run can be split into
 * row chunks and step segments with bit-identical results.
 */
export interface NoiseOrigin {
  /** Unsigned 32-bit seed. */
  readonly seed: number;
  /** Global index of row 0 of the batch (default 0). */
  readonly firstRow?: number;
  /** Global index of step 0 of the grid (default 0). */
  readonly firstStep?: number;
  /**
   * Refined Brownian path (`brownian.ts`; exponential integrator and Euler–Maruyama):
   * each step's noise is built from the normals of its `2^brownianLevels` fine steps, so
   * this run and the run on the grid refined `2^brownianLevels` times at level 0 share one
   * path. Default 0: the ordinary noise.
   */
  readonly brownianLevels?: number;
}

/** Validated noise origin. */
export interface ResolvedNoise {
  readonly seed: number;
  readonly firstRow: number;
  readonly firstStep: number;
  readonly brownianLevels: number;
}

/** Validates a {@link NoiseOrigin} against the number of steps of the grid. */
export function expectNoise(fn: string, noise: unknown, steps: number): ResolvedNoise {
  if (noise === null || typeof noise !== 'object')
    throw new InvalidArgumentError(fn, 'noise', noise, 'an object { seed, firstRow?, firstStep? }');
  const address = noise as NoiseOrigin;
  const seed = expectSeed(fn, 'noise.seed', address.seed);
  const firstRow = expectInteger(fn, 'noise.firstRow', address.firstRow ?? 0, 0, 0xffffffff);
  const firstStep = expectInteger(fn, 'noise.firstStep', address.firstStep ?? 0, 0, MAX_STEPS - steps);
  const brownianLevels = expectInteger(fn, 'noise.brownianLevels', address.brownianLevels ?? 0, 0, MAX_BROWNIAN_LEVELS);
  return { seed, firstRow, firstStep, brownianLevels };
}

/** An integrator's validated arguments. */
export interface PreparedRun {
  readonly grid: Float64Array;
  readonly noise: ResolvedNoise;
  /** The score buffer, `n × d` like the particles. */
  readonly s: Batch;
  readonly correctorSteps: number;
  readonly epsilon: number;
  /** Batched score evaluations of the whole grid: one per step plus one per corrector step. */
  readonly evaluations: number;
  /** Scratch of a refined Brownian path (`noise.brownianLevels > 0`), else undefined. */
  readonly brownian?: BrownianScratch;
}

/**
 * The validation every integrator runs after checking its score and particle
 * batches (`particles` is the `n × d` batch the score buffer is shaped like):
 * grid, noise origin, options, score buffer.
 */
export function prepareRun(
  fn: string,
  sampler: 'ddpm' | 'cld',
  method: DDPMMethod | CLDMethod,
  particles: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: { readonly corrector?: LangevinCorrector; readonly scoreBuffer?: Batch },
): PreparedRun {
  const [n, d] = particles.shape as [number, number];
  const g = expectIntegratorGrid(fn, grid, sampler, method);
  const resolved = expectNoise(fn, noise, g.length - 1);
  const corrector = expectIntegratorOptions(fn, options);
  const correctorSteps = corrector?.steps ?? 0;
  const { brownianLevels, firstStep } = resolved;
  const brownian =
    brownianLevels === 0
      ? undefined
      : brownianScratch(
          n,
          d,
          expectBrownianRefinement(
            fn,
            brownianLevels,
            sampler,
            method,
            correctorSteps,
            firstStep + g.length - 2,
            MAX_STEPS,
          ),
        );
  return {
    ...(brownian === undefined ? {} : { brownian }),
    grid: g,
    noise: resolved,
    s: scratchBatch(fn, 'options.scoreBuffer', options.scoreBuffer, particles, n, d),
    correctorSteps,
    epsilon: corrector?.stepSize ?? 0,
    evaluations: (g.length - 1) * (1 + correctorSteps),
  };
}

/**
 * Index of the first non-finite entry of a contiguous batch, or −1. The
 * branch-free pass `acc += v·0` is NaN iff some `v` is ±∞ or NaN, so the common
 * case is one multiply-add per entry; the slow scan only runs on failure.
 */
export function firstNonFinite(b: Batch): number {
  const data = b.data;
  const start = b.offset;
  const end = start + b.shape[0]! * b.shape[1]!;
  let acc = 0;
  for (let p = start; p < end; p++) acc += data[p]! * 0;
  if (acc === 0) return -1;
  for (let p = start; p < end; p++) if (!Number.isFinite(data[p]!)) return p - start;
  return -1;
}

/**
 * Throws a {@link NonFiniteValueError} naming the step, the forward time and the
 * particle when the score output `s` holds a non-finite value.
 */
export function checkScoreOutput(
  fn: string,
  s: Batch,
  step: number,
  time: number,
  firstRow: number,
  what = 'the score',
): void {
  const bad = firstNonFinite(s);
  if (bad < 0) return;
  const d = s.shape[1]!;
  const row = firstRow + Math.floor(bad / d);
  const value = s.data[s.offset + bad]!;
  throw new NonFiniteValueError(
    `${fn}: ${what} returned a non-finite value (${value}) at step ${step}, forward time t = ${time}, particle ${row}, coordinate ${bad % d}; the run was stopped`,
    `step ${step}, t = ${time}`,
  );
}

/** Mutable step record handed to callbacks (one per integrator call, updated in place each step). */
interface StepRecord {
  step: number;
  time: number;
  nextTime: number;
}

/**
 * A per-call step reporter: a no-op without a callback, else it updates one
 * record in place (no allocation per step) and hands it to the callback.
 * `fields` are the record's constant fields (the batches, `firstRow`).
 */
export function stepReporter<I>(
  callback: ((info: I) => void) | undefined,
  fields: object,
): (step: number, time: number, nextTime: number) => void {
  if (callback === undefined) return () => {};
  const record: StepRecord = { step: 0, time: 0, nextTime: 0, ...fields };
  return (step, time, nextTime) => {
    record.step = step;
    record.time = time;
    record.nextTime = nextTime;
    callback(record as unknown as I);
  };
}
