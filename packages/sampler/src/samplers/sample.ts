/**
 * The user-facing samplers `sampleDDPM` and `sampleCLD`: validate every
 * argument up front, draw or copy the initial particles, then run the
 * integrator on the calling thread or sharded across a backend's workers.
 * @packageDocumentation
 */
import {
  AbortedError,
  InvalidArgumentError,
  allocating,
  batch,
  bytesPerElement,
  dtypeOf,
  expectAllFinite,
  expectBatch,
  expectInteger,
  expectNonNegative,
  expectPositive,
  expectSeed,
} from '@sgmkit/tensor';
import type { Batch, DType, FloatArray } from '@sgmkit/tensor';
import type { CLDScore, Score, ScoreSpec } from '@sgmkit/score';
import { expectGrid, uniformGrid, MAX_STEPS } from '../schedules/grids.js';
import { MAX_BROWNIAN_LEVELS, expectBrownianRefinement } from './brownian.js';
import { expectStableGrid } from '../schedules/stability.js';
import {
  expectCLDMethod,
  expectDDPMMethod,
  isDeterministicDDPMMethod,
  type CLDMethod,
  type DDPMMethod,
} from './methods.js';
import { expectScore } from '@sgmkit/score';
import { expectCorrector } from './common.js';
import type { LangevinCorrector } from './common.js';
import type { DDPMCallback } from './ddpm.js';
import type { CLDCallback } from './cld.js';
import { runCLDRange, runDDPMRange } from '../parallel/run.js';
import type { CLDJob, DDPMJob, JobOutput, RangeResult, RunControl } from '../parallel/run.js';
import { runSharded } from '../parallel/pool.js';
import { workerSpecOf } from '../parallel/transfer.js';
import { divergenceReport, resolveRegion } from './divergence.js';
import type { DivergenceRegion, DivergenceReport, ResolvedRegion } from './divergence.js';
import { expectNormalization } from './normalization.js';
import { expectWorkerBackend, getWorkerBackend } from '../parallel/backend.js';
import type { WorkerBackend } from '../parallel/backend.js';

/** Largest global row index a run may address (the integrators' `noise.firstRow` bound): rows are unsigned 32-bit. */
export const MAX_GLOBAL_ROW = 0xffffffff;

/** Most worker threads a run may ask for. */
export const MAX_WORKERS = 64;

/** Smallest batch for which `workers: 'auto'` starts worker threads. */
export const AUTO_WORKERS_MIN_PARTICLES = 20_000;

function expectWorkers(fn: string, workers: unknown): number {
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new InvalidArgumentError(fn, 'options.workers', workers, `an integer in [1, ${MAX_WORKERS}] or 'auto'`);
  }
  return workers;
}

function isSpec(spec: unknown): spec is ScoreSpec {
  return (
    spec !== undefined && spec !== null && typeof spec === 'object' && typeof (spec as ScoreSpec).type === 'string'
  );
}

/** Options shared by both samplers. */
export interface CommonSampleOptions {
  /** Horizon `T > 0`: the forward time the reverse process starts from. */
  readonly T: number;
  /** Forward times `T = t_0 > … > t_N = δ ≥ 0` (see `uniformGrid`, `earlyStoppingGrid`, `customGrid`). Exclusive with `steps`. */
  readonly grid?: ArrayLike<number>;
  /** Number of uniform steps from `T` to `delta` (used when `grid` is absent). */
  readonly steps?: number;
  /** Early-stopping time `δ ∈ [0, T)` of the uniform grid (default 0). */
  readonly delta?: number;
  /** Number of particles (may be omitted when initial points are given). */
  readonly n?: number;
  /**
   * Global index of the first particle (default 0; `firstRow + n − 1 ≤ 2^32 − 1`): the run computes particles `firstRow … firstRow + n − 1` of the
   * run with this seed, bit for bit, since a particle's noise depends only on its global index. One machine's share
   * of a run sharded across machines (see `shardRows`); `callback` infos report global rows too.
   */
  readonly firstRow?: number;
  /** Particle dimension; must equal `score.dim` when given. */
  readonly dim?: number;
  /** Unsigned 32-bit seed: the same seed gives bit-identical samples for any `workers` and `chunkSize`. */
  readonly seed: number;
  /** Element type of the particles (default `'float64'`, or the dtype of the initial points). */
  readonly dtype?: DType;
  /** Cancels the run; the promise then rejects with `AbortedError`. */
  readonly signal?: AbortSignal;
  /**
   * Progress: called with the fraction in [0, 1] of the run's steps done (every chunk's steps on every
   * thread). On the calling thread after every step; with workers about every 100 ms, read from counters
   * the workers update in shared memory, and once at the end. Works for any `workers`, unlike `callback`.
   */
  readonly onProgress?: (fraction: number) => void;
  /**
   * Worker threads to shard the particles over (default 1: the calling thread). Needs `score.spec` when > 1.
   * `'auto'`: `backend.parallelism()` threads (the number of cores) when the score has a spec, there is no
   * callback and `n ≥ AUTO_WORKERS_MIN_PARTICLES` (below that, starting threads costs more than it saves), else 1.
   * Without an available backend (see `backend`) the run uses the calling thread; `result.workers` says which.
   *
   * `score.spec` is read at most once per call, and never for a `ScoreNetwork` (sent to workers as its raw weights; its `spec` getter serialises them on
   * every read), and not at all when `workers` is 1 or omitted, or when `'auto'` settles on the calling thread
   * from the callback, `n` or a single available core alone.
   */
  readonly workers?: number | 'auto';
  /** Particles advanced together through the whole grid (default: all of a thread's rows). */
  readonly chunkSize?: number;
  /**
   * The box outside which a particle counts as diverged (reported in `result.diverged`; the run never fails for it):
   * `{ k }` data standard deviations (default `k = 10`, from `score.dataMoments`, else from the start law `N(0, I)`),
   * or explicit `{ lower, upper }` in the space the sampler runs in. See `divergence.ts` for the exact box.
   */
  readonly region?: DivergenceRegion;
  /**
   * Where worker threads come from when `workers` asks for more than one (default: the backend installed by
   * `setWorkerBackend`; importing `@sgmkit/sampler` in Node installs `worker_threads`). A backend that is not
   * `available()` (a web page that is not cross-origin isolated) leaves the run on the calling thread.
   */
  readonly backend?: WorkerBackend;
}

/** Options of {@link sampleDDPM}. */
export interface SampleDDPMOptions extends CommonSampleOptions {
  /** Integrator (default `'exponential-integrator'`, the paper's sampler). */
  readonly method?: DDPMMethod;
  /** Initial points `n × d` (copied, not modified); default `N(0, I)` drawn from stream 0. */
  readonly init?: Batch;
  /** Langevin corrector after each predictor step. */
  readonly corrector?: LangevinCorrector;
  /** Called after every step (main thread only: needs `workers = 1`). With chunking, once per chunk and step. */
  readonly callback?: DDPMCallback;
  /**
   * Refined Brownian path level L (default 0, the ordinary noise): each step's noise is built from the addressed
   * normals of its 2^L fine steps, so this run and the run on the grid refined 2^L times share one Brownian path
   * (strong-error studies; see `brownian.ts`). Exponential integrator and Euler–Maruyama, without a corrector.
   */
  readonly brownianLevels?: number;
}

/** Options of {@link sampleCLD}. */
export interface SampleCLDOptions extends CommonSampleOptions {
  /** Integrator (default `'exponential-integrator'`). */
  readonly method?: CLDMethod;
  /** Initial positions and/or velocities, each `n × d` (copied); default `N(0, I)` each (streams 0 and 1). */
  readonly init?: { readonly positions?: Batch; readonly velocities?: Batch };
  /** Langevin corrector on the velocity after each step. */
  readonly corrector?: LangevinCorrector;
  /** Also return the final velocities (default false). */
  readonly returnVelocities?: boolean;
  /** Called after every step (main thread only: needs `workers = 1`). With chunking, once per chunk and step. */
  readonly callback?: CLDCallback;
}

/** What a sampler resolves with. */
export interface SampleResult {
  /** The samples, `n × d` (over a SharedArrayBuffer when `workers > 1`). */
  readonly samples: Batch;
  /** The final CLD velocities, when `returnVelocities` was set. */
  readonly velocities?: Batch;
  /** Batched score evaluations each particle received (steps, plus corrector steps). */
  readonly scoreEvaluations: number;
  /** Threads the run used: 1 for the calling thread, else the backend's workers (at most `n`). */
  readonly workers: number;
  /** Wall time of the run in milliseconds, worker start-up included. */
  readonly wallTimeMs: number;
  /** The grid of forward times that was used. */
  readonly grid: Float64Array;
  /**
   * How many particles ended outside the divergence box or non-finite, checked in the space the sampler ran in
   * (before the map back to data space of a score with a `normalization`). Non-finite samples are returned as they
   * are and counted here, never thrown away silently: check `diverged.count` (the CLI exits non-zero on it).
   */
  readonly diverged: DivergenceReport;
}

interface Resolved {
  readonly grid: Float64Array;
  readonly output: JobOutput;
  readonly region: ResolvedRegion;
  readonly seed: number;
  readonly n: number;
  readonly firstRow: number;
  readonly dtype: DType;
  readonly workers: number;
  /** The backend that runs the workers, when `workers > 1`. */
  readonly backend?: WorkerBackend;
  /** `score.spec` as read once, when `workers > 1` (undefined otherwise). */
  readonly spec?: ScoreSpec;
  readonly chunkSize: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number) => void;
}

function expectOneOf<T extends string>(fn: string, argument: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T))
    throw new InvalidArgumentError(fn, argument, value, `one of ${allowed.map((m) => `'${m}'`).join(', ')}`);
  return value as T;
}

function expectInit(fn: string, argument: string, init: unknown, d: number): [number, DType] {
  const [n] = expectBatch(fn, argument, init, d);
  const b = init as Batch;
  if (n < 1) throw new InvalidArgumentError(fn, argument, init, 'a batch with at least one row');
  expectAllFinite(fn, `${argument}.data`, b.data.subarray(b.offset, b.offset + n * d));
  return [n, dtypeOf(b)];
}

/** What `resolveCommon` needs besides the options: the validated score, method and initial points. */
interface RunShape {
  readonly score: Score | CLDScore;
  readonly sampler: 'ddpm' | 'cld';
  readonly method: DDPMMethod | CLDMethod;
  /** Rows and dtype of the caller's initial points, when given. */
  readonly initRows?: number;
  readonly initDType?: DType;
  readonly hasCallback: boolean;
}

/** Validates the options every sampler shares (grid, seed, n, dtype, workers, chunking, signal, region) for a run of `shape`. */
function resolveCommon(fn: string, options: CommonSampleOptions, shape: RunShape): Resolved {
  const { score, sampler, method, initRows, initDType, hasCallback } = shape;
  const T = expectPositive(fn, 'options.T', options.T);
  let grid: Float64Array;
  if (options.grid !== undefined) {
    if (options.steps !== undefined)
      throw new InvalidArgumentError(fn, 'options.steps', options.steps, 'undefined when options.grid is given');
    if (options.delta !== undefined)
      throw new InvalidArgumentError(
        fn,
        'options.delta',
        options.delta,
        'undefined when options.grid is given (the grid ends at δ)',
      );
    grid = expectGrid(fn, 'options.grid', options.grid, T);
  } else {
    if (options.steps === undefined)
      throw new InvalidArgumentError(fn, 'options.steps', options.steps, 'an integer >= 1 (or pass options.grid)');
    const steps = expectInteger(fn, 'options.steps', options.steps, 1, MAX_STEPS);
    const delta = expectNonNegative(fn, 'options.delta', options.delta ?? 0);
    if (!(delta < T)) throw new InvalidArgumentError(fn, 'options.delta', delta, `a number in [0, T = ${T})`);
    grid = uniformGrid(T, steps, delta);
  }
  expectStableGrid(fn, 'options.grid', grid, sampler, method);
  const seed = expectSeed(fn, 'options.seed', options.seed);
  let n: number;
  if (initRows !== undefined) {
    if (options.n !== undefined && options.n !== initRows)
      throw new InvalidArgumentError(
        fn,
        'options.n',
        options.n,
        `the number of rows of the initial points (${initRows})`,
      );
    n = initRows;
  } else {
    n = expectInteger(fn, 'options.n', options.n, 1, 0xffffffff);
  }
  const firstRow =
    options.firstRow === undefined
      ? 0
      : expectInteger(fn, 'options.firstRow', options.firstRow, 0, MAX_GLOBAL_ROW - (n - 1));
  const dtype =
    options.dtype === undefined
      ? (initDType ?? 'float64')
      : expectOneOf<DType>(fn, 'options.dtype', options.dtype, ['float64', 'float32']);
  if (initDType !== undefined && dtype !== initDType)
    throw new InvalidArgumentError(
      fn,
      'options.dtype',
      options.dtype,
      `the dtype of the initial points ('${initDType}')`,
    );
  // score.spec is read at most once, and only once threads are otherwise decided on: a learned network's getter serialises its weights.
  const backend =
    options.backend === undefined ? getWorkerBackend() : expectWorkerBackend(fn, 'options.backend', options.backend);
  let workers: number;
  let spec: unknown;
  if (options.workers === 'auto') {
    const usable = backend !== undefined && backend.available();
    const threads =
      hasCallback || n < AUTO_WORKERS_MIN_PARTICLES || !usable ? 1 : Math.min(backend.parallelism(), MAX_WORKERS);
    if (threads > 1) spec = workerSpecOf(score);
    workers = threads > 1 && isSpec(spec) ? threads : 1;
  } else {
    workers = options.workers === undefined ? 1 : expectWorkers(fn, options.workers);
    if (workers > 1) spec = workerSpecOf(score);
  }
  const chunkSize = options.chunkSize === undefined ? n : expectInteger(fn, 'options.chunkSize', options.chunkSize, 1);
  const signal = options.signal;
  const onProgress = options.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new InvalidArgumentError(fn, 'options.onProgress', onProgress, 'a function (fraction) => void');
  if (
    signal !== undefined &&
    (signal === null ||
      typeof signal !== 'object' ||
      typeof signal.aborted !== 'boolean' ||
      typeof signal.addEventListener !== 'function')
  ) {
    throw new InvalidArgumentError(fn, 'options.signal', signal, 'an AbortSignal');
  }
  if (workers > 1) {
    if (!isSpec(spec)) {
      throw new InvalidArgumentError(
        fn,
        'score.spec',
        spec,
        `a ScoreSpec (JSON description rebuilt by scoreFromSpec in each worker) when options.workers = ${workers} > 1; this score has none, so use workers = 1`,
      );
    }
    if (hasCallback)
      throw new InvalidArgumentError(
        fn,
        'options.callback',
        'function',
        `undefined when options.workers = ${workers} > 1 (callbacks run on the calling thread only)`,
      );
  }
  // A DDPM step that injects noise leaves its spread e^{2h} − 1 even on coordinates that are constant in the data.
  const last = grid.length - 1;
  const lastNoisyStep =
    sampler === 'ddpm' && !isDeterministicDDPMMethod(method as DDPMMethod) ? grid[last - 1]! - grid[last]! : 0;
  const region = resolveRegion(fn, options.region, score.dataMoments, score.dim, grid[last]!, lastNoisyStep);
  const normalization = expectNormalization(fn, 'score.normalization', score.normalization, score.dim);
  const output: JobOutput =
    normalization === undefined
      ? { lower: region.lower, upper: region.upper }
      : { lower: region.lower, upper: region.upper, normalization };
  if (signal?.aborted) throw new AbortedError(`${fn}: the signal was aborted before the run started`);
  // Validated as asked for; without a backend that can share memory now, the calling thread runs it (same samples).
  if (workers > 1 && (backend === undefined || !backend.available())) workers = 1;
  workers = Math.min(workers, n);
  return {
    grid,
    output,
    region,
    seed,
    n,
    firstRow,
    dtype,
    workers,
    backend: workers > 1 ? backend : undefined,
    spec: workers > 1 ? (spec as ScoreSpec) : undefined,
    chunkSize,
    signal,
    onProgress,
  };
}

/**
 * Fresh `n × d` batch, over a SharedArrayBuffer when workers will write it. An `n` too large for the engine's
 * memory is an AllocationError naming `options.n` (before any work), not a bare RangeError.
 */
function allocateBatch(fn: string, n: number, d: number, dtype: DType, shared: boolean): Batch {
  return allocating(fn, 'options.n', n, n * d * bytesPerElement(dtype), () => {
    if (!shared) return batch(n, d, dtype);
    const buffer = new SharedArrayBuffer(bytesPerElement(dtype) * n * d);
    const data: FloatArray = dtype === 'float32' ? new Float32Array(buffer) : new Float64Array(buffer);
    return { data, shape: [n, d], stride: [d, 1], offset: 0 };
  });
}

function copyInto(target: Batch, source: Batch): void {
  const length = target.shape[0]! * target.shape[1]!;
  target.data.set(source.data.subarray(source.offset, source.offset + length));
}

interface Timers {
  readonly setImmediate?: (callback: () => void) => unknown;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly MessageChannel?: new () => {
    port1: { onmessage: (() => void) | null; close(): void };
    port2: { postMessage(message: unknown): void; close(): void };
  };
}

/** Lets the event loop run (e.g. an abort handler): `setImmediate` in Node, a MessageChannel round trip in browsers (no 4 ms timer clamp). */
function yieldToEventLoop(): Promise<void> {
  const timers = globalThis as unknown as Timers;
  return new Promise<void>((resolve) => {
    if (timers.setImmediate !== undefined) {
      timers.setImmediate(resolve);
    } else if (timers.MessageChannel !== undefined) {
      const channel = new timers.MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    } else {
      timers.setTimeout(resolve, 0);
    }
  });
}

/**
 * Control for the calling thread: after every step report progress and check the signal; yield to the
 * event loop between segments when there is a signal to hear.
 */
function mainThreadControl(fn: string, r: Resolved): RunControl {
  const { signal, onProgress } = r;
  if (signal === undefined && onProgress === undefined) return {};
  const chunk = Math.max(1, Math.min(r.chunkSize, r.n));
  const total = Math.ceil(r.n / chunk) * (r.grid.length - 1);
  let done = 0;
  return {
    interrupt: () => {
      if (onProgress !== undefined) onProgress(++done / total);
      if (signal?.aborted) throw new AbortedError(`${fn}: the operation was aborted`);
    },
    ...(signal === undefined ? {} : { pause: yieldToEventLoop }),
  };
}

/** `options.brownianLevels`, checked up front (the integrators would refuse it mid-run, and on workers). */
function resolveBrownianLevels(
  fn: string,
  levels: unknown,
  method: DDPMMethod,
  corrector: LangevinCorrector | undefined,
  grid: Float64Array,
): number {
  if (levels === undefined) return 0;
  const checked = expectInteger(fn, 'options.brownianLevels', levels, 0, MAX_BROWNIAN_LEVELS);
  if (checked === 0) return 0;
  try {
    expectBrownianRefinement(fn, checked, 'ddpm', method, corrector?.steps ?? 0, grid.length - 2, MAX_STEPS);
  } catch (error) {
    // the integrators name it noise.brownianLevels; here the caller wrote options.brownianLevels
    if (error instanceof InvalidArgumentError)
      throw new InvalidArgumentError(fn, 'options.brownianLevels', levels, error.expected);
    throw error;
  }
  return checked;
}

/**
 * Samples from a score-based model with DDPM: the reverse OU process from
 * forward time `T` down to `δ`, started at `N(0, I)` (or at `init`).
 *
 * Noise scheme: initial points from stream 0, step `k`'s noise from stream
 * `64(k + 1)`, corrector step `j` after step `k` from stream `64(k + 1) + 2 + j`
 * (see `streams.ts`); normals are addressed by global row, so the samples do not
 * depend on `workers` or `chunkSize`.
 *
 * @throws InvalidArgumentError for any invalid argument (before any work)
 * Divergence: `result.diverged` counts the particles that ended outside the box of `options.region` (default
 * 10 data standard deviations from `score.dataMoments`) or non-finite; see `divergence.ts`.
 *
 * Normalised scores: when `score.normalization` is set, the sampler (and `init`, the callback and `region`) works in
 * the standardised space and each chunk's final samples are mapped to data space, `x = mean + scale ⊙ y` (or
 * `mean + matrix · y`), after the divergence check.
 *
 * @throws NonFiniteValueError (rejection) when the score returns a non-finite value; names the step and the time
 * @throws AbortedError (rejection) when `signal` aborts the run
 * @example
 * ```ts
 * import { ringMixture } from '@sgmkit/score';
 * import { sampleDDPM, earlyStoppingGrid } from '@sgmkit/sampler';
 * // the 8-mode ring, 200 early-stopped steps, 10^4 particles sharded over 2 worker threads
 * const { samples, scoreEvaluations, wallTimeMs } = await sampleDDPM(ringMixture(), {
 *   T: 10, grid: earlyStoppingGrid(10, 1e-3, 200), n: 10_000, seed: 1, workers: 2,
 * });
 * ```
 */
export async function sampleDDPM(score: Score, options: SampleDDPMOptions): Promise<SampleResult> {
  const fn = 'sampleDDPM';
  const started = performance.now();
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object');
  expectScore(fn, 'score', score, { kind: 'ou', dim: options.dim, otherKindUse: 'sampleCLD' });
  const d = score.dim;
  const method = expectDDPMMethod(fn, 'options.method', options.method ?? 'exponential-integrator');
  const [initRows, initDType] =
    options.init === undefined ? [undefined, undefined] : expectInit(fn, 'options.init', options.init, d);
  const corrector = expectCorrector(fn, 'options.corrector', options.corrector);
  if (options.callback !== undefined && typeof options.callback !== 'function')
    throw new InvalidArgumentError(fn, 'options.callback', options.callback, 'a function');
  const r = resolveCommon(fn, options, {
    score,
    sampler: 'ddpm',
    method,
    initRows,
    initDType,
    hasCallback: options.callback !== undefined,
  });
  const brownianLevels = resolveBrownianLevels(fn, options.brownianLevels, method, corrector, r.grid);
  const y = allocateBatch(fn, r.n, d, r.dtype, r.workers > 1);
  if (options.init !== undefined) copyInto(y, options.init);
  const job: DDPMJob = {
    kind: 'ddpm',
    method,
    grid: r.grid,
    seed: r.seed,
    firstRow: r.firstRow,
    corrector,
    chunkSize: r.chunkSize,
    drawInitial: options.init === undefined,
    brownianLevels,
    ...r.output,
  };
  let run: RangeResult;
  if (r.workers > 1) {
    run = await runSharded({
      job,
      spec: r.spec!,
      dtype: r.dtype,
      n: r.n,
      dim: d,
      positions: y.data.buffer as SharedArrayBuffer,
      workers: r.workers,
      signal: r.signal,
      backend: r.backend!,
      onProgress: r.onProgress,
    });
  } else {
    run = await runDDPMRange(score, y, r.firstRow, job, mainThreadControl(fn, r), options.callback);
  }
  return {
    samples: y,
    scoreEvaluations: run.evaluations,
    workers: r.workers,
    wallTimeMs: performance.now() - started,
    grid: r.grid,
    diverged: divergenceReport(run, r.n, r.region),
  };
}

/**
 * Samples with the critically damped Langevin diffusion: the reverse CLD
 * process on `(x, v)` from forward time `T` down to `δ`, started at the
 * stationary law `N(0, I) ⊗ N(0, I)` (or at `init`). The forward process's
 * initial velocity law (`N(0, I)` as in the paper, or `N(0, γI)` as in Dockhorn
 * et al.) is a property of the data law and hence of the score (e.g.
 * `cldGaussianScore({ …, initialVelocityVariance: γ })`); the returned
 * velocities approximate it.
 *
 * Noise scheme: initial positions stream 0, initial velocities stream 1, step
 * `k` stream `64(k + 1)` (SSCS's second half-step `64(k + 1) + 1`), corrector
 * step `j` after step `k` `64(k + 1) + 2 + j`.
 *
 * @example
 * ```ts
 * import { cldGaussianScore } from '@sgmkit/score';
 * import { sampleCLD } from '@sgmkit/sampler';
 * const score = cldGaussianScore({ mean: [1], covariance: [[0.5]], initialVelocityVariance: 1 });
 * const { samples, velocities } = await sampleCLD(score, { T: 5, steps: 50, method: 'sscs', n: 10_000, seed: 3, returnVelocities: true });
 * ```
 */
export async function sampleCLD(score: CLDScore, options: SampleCLDOptions): Promise<SampleResult> {
  const fn = 'sampleCLD';
  const started = performance.now();
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object');
  expectScore(fn, 'score', score, { kind: 'cld', dim: options.dim, otherKindUse: 'sampleDDPM' });
  const d = score.dim;
  const method = expectCLDMethod(fn, 'options.method', options.method ?? 'exponential-integrator');
  const init = options.init;
  if (init !== undefined && (init === null || typeof init !== 'object'))
    throw new InvalidArgumentError(fn, 'options.init', init, 'an object { positions?, velocities? }');
  let initRows: number | undefined;
  let initDType: DType | undefined;
  for (const key of ['positions', 'velocities'] as const) {
    const b = init?.[key];
    if (b === undefined) continue;
    const [rowsHere, dtypeHere] = expectInit(fn, `options.init.${key}`, b, d);
    if (initRows !== undefined && rowsHere !== initRows)
      throw new InvalidArgumentError(
        fn,
        `options.init.${key}`,
        b,
        `a batch with ${initRows} rows like options.init.positions`,
      );
    if (initDType !== undefined && dtypeHere !== initDType)
      throw new InvalidArgumentError(
        fn,
        `options.init.${key}`,
        b,
        `a batch of dtype ${initDType} like options.init.positions`,
      );
    initRows = rowsHere;
    initDType = dtypeHere;
  }
  const corrector = expectCorrector(fn, 'options.corrector', options.corrector);
  if (options.returnVelocities !== undefined && typeof options.returnVelocities !== 'boolean')
    throw new InvalidArgumentError(fn, 'options.returnVelocities', options.returnVelocities, 'a boolean');
  if (options.callback !== undefined && typeof options.callback !== 'function')
    throw new InvalidArgumentError(fn, 'options.callback', options.callback, 'a function');
  const r = resolveCommon(fn, options, {
    score,
    sampler: 'cld',
    method,
    initRows,
    initDType,
    hasCallback: options.callback !== undefined,
  });
  const shared = r.workers > 1;
  const x = allocateBatch(fn, r.n, d, r.dtype, shared);
  const v = allocateBatch(fn, r.n, d, r.dtype, shared);
  if (init?.positions !== undefined) copyInto(x, init.positions);
  if (init?.velocities !== undefined) copyInto(v, init.velocities);
  const job: CLDJob = {
    kind: 'cld',
    method,
    grid: r.grid,
    seed: r.seed,
    firstRow: r.firstRow,
    corrector,
    chunkSize: r.chunkSize,
    drawInitialPositions: init?.positions === undefined,
    drawInitialVelocities: init?.velocities === undefined,
    ...r.output,
  };
  let run: RangeResult;
  if (shared) {
    run = await runSharded({
      job,
      spec: r.spec!,
      dtype: r.dtype,
      n: r.n,
      dim: d,
      positions: x.data.buffer as SharedArrayBuffer,
      velocities: v.data.buffer as SharedArrayBuffer,
      workers: r.workers,
      signal: r.signal,
      backend: r.backend!,
      onProgress: r.onProgress,
    });
  } else {
    run = await runCLDRange(score, x, v, r.firstRow, job, mainThreadControl(fn, r), options.callback);
  }
  const result: SampleResult = {
    samples: x,
    scoreEvaluations: run.evaluations,
    workers: r.workers,
    wallTimeMs: performance.now() - started,
    grid: r.grid,
    diverged: divergenceReport(run, r.n, r.region),
  };
  return options.returnVelocities === true ? { ...result, velocities: v } : result;
}
