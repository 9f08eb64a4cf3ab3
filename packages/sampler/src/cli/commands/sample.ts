/**
 * `sgmkit sample`: draw samples from a target with DDPM or CLD, write them to
 * CSV/JSON, and draw them next to the target's density.
 * @packageDocumentation
 */
import { clippedScore, type Score, type CLDScore } from '@sgmkit/score';
import type { Batch } from '@sgmkit/tensor';
import {
  BROWNIAN_METHODS,
  CLD_METHODS,
  DDPM_METHODS,
  MAX_BROWNIAN_LEVELS,
  MAX_STEPS,
  DEFAULT_DIVERGENCE_K,
  AUTO_WORKERS_MIN_PARTICLES,
  earlyStoppingGrid,
  exactCLDLaw,
  exactDDPMLaw,
  gaussianKL,
  gaussianW2,
  sampleCLD,
  sampleDDPM,
  stabilityLimit,
  uniformGrid,
  type DDPMMethod,
  type GaussianLaw,
  type SampleResult,
} from '../../index.js';
import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Command, CommandContext, CommandOutput } from '../command.js';
import { OptionValueError, UsageError } from '../errors.js';
import { samplesFigure } from '../figures.js';
import { formatNumber, formatTable } from '../format.js';
import { AUTO_SAMPLING_MIN_COSTLY_PARTICLES, parseWorkers, samplingThreads, workersOptionSpec } from '../workers.js';
import { compareMoments, type CoordinateMoments } from '../moments.js';
import { createProgress, formatDuration, formatRate } from '../progress.js';
import { resolveTarget, TARGET_OPTIONS, type Moments, type Target } from '../targets.js';
import { sampleFileFormat } from '../../io/write.js';
import { readPointCloud, writeSamples, writeTextFile } from '../../node/files.js';
import { qualitySection } from '../quality.js';
import { IMAGE_OPTIONS, imageGridOptions, writeImageGrid } from '../images.js';
import { parseShardOption, shardFileText, shardPath, shardRecord, type ShardRecord } from '../shard.js';

/** Short names accepted by `--method`. */
export const METHOD_ALIASES: Readonly<Record<string, string>> = {
  ei: 'exponential-integrator',
  em: 'euler-maruyama',
  pf: 'probability-flow',
  ode: 'probability-flow',
};

const ALL_METHODS = [...new Set([...DDPM_METHODS, ...CLD_METHODS, ...Object.keys(METHOD_ALIASES)])];

const spec: CommandSpec = {
  name: 'sample',
  summary: 'draw samples with DDPM or CLD; write them to CSV/JSON and draw them next to the target density',
  description:
    "With no options: 10^4 samples of 8 Gaussians on a ring by the DDPM exponential integrator (the paper's sampler),\n" +
    'written to out/samples.csv with a picture in out/samples.svg.\n' +
    `DDPM methods: ${DDPM_METHODS.join(', ')}. CLD methods: ${CLD_METHODS.join(', ')} (exact CLD scores for every analytic target and --points).\n` +
    'Short names: ei, em, pf.\n' +
    'Cost: n × steps score evaluations (× (1 + corrector steps)). One evaluation costs O(d²) for a Gaussian (O(d) when\n' +
    'isotropic or diagonal), O(K·d) for a K-component mixture (ring8: K = 8, grid25: 25), O(m·d) for --points with m\n' +
    "points (as much as an m-component mixture; it runs as two GEMMs), and the network's multiply-adds for\n" +
    '--network. Example: --points with 2,000 rows in d = 64, -n 1e4 and 1000 steps is ~5·10^12 flops, tens of minutes.',
  options: [
    ...TARGET_OPTIONS,
    {
      name: 'network',
      kind: 'string',
      valueName: '<file.json>',
      description: 'learned target: a network saved by `sgmkit train`',
    },
    {
      name: 'sampler',
      kind: 'choice',
      choices: ['ddpm', 'cld'],
      description: 'diffusion to reverse',
      defaultText: 'ddpm',
    },
    {
      name: 'method',
      kind: 'choice',
      choices: ALL_METHODS,
      valueName: '<method>',
      description: 'integrator',
      defaultText: 'exponential-integrator',
    },
    {
      name: 'T',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<T>',
      description: 'horizon T of the forward process',
      defaultText: '10',
    },
    { name: 'steps', kind: 'integer', min: 1, valueName: '<N>', description: 'number of steps', defaultText: '1000' },
    {
      name: 'delta',
      kind: 'number',
      min: 0,
      valueName: '<δ>',
      description: 'early-stopping time δ (the grid ends at δ)',
      defaultText: '0, or 1e-3 for --points/--network',
    },
    {
      name: 'schedule',
      kind: 'choice',
      choices: ['uniform', 'early-stopping', 'geometric'],
      description:
        'step schedule: uniform; early-stopping (uniform to t = 1, exponentially shrinking steps below, to δ); geometric (steps shrinking geometrically in t from T to δ)',
      defaultText: 'uniform; early-stopping for --points/--network with the DDPM sampler',
    },
    {
      name: 'gamma',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<γ>',
      description: 'CLD initial velocity variance',
      defaultText: "1; a CLD network's own γ",
    },
    {
      name: 'corrector-steps',
      kind: 'integer',
      min: 0,
      max: 62,
      valueName: '<m>',
      description: 'Langevin corrector steps after every predictor step (on the velocity for CLD)',
      defaultText: '0',
    },
    {
      name: 'corrector-size',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      max: 2,
      valueName: '<ε>',
      description: 'Langevin corrector step size ε < 2',
      defaultText: '0.01',
    },
    {
      name: 'brownian-levels',
      kind: 'integer',
      min: 0,
      max: MAX_BROWNIAN_LEVELS,
      valueName: '<L>',
      description: `refined Brownian path: each step's noise is made of the normals of its 2^L fine steps, so this run and the run with 2^L times the steps (and level 0) share one path (${BROWNIAN_METHODS.join(', ')}; no corrector)`,
      defaultText: '0',
    },
    {
      name: 'n',
      kind: 'integer',
      min: 1,
      short: 'n',
      valueName: '<count>',
      description: 'number of samples',
      defaultText: '10000',
    },
    {
      name: 'seed',
      kind: 'integer',
      min: 0,
      max: 0xffffffff,
      valueName: '<seed>',
      description: 'random seed (same seed, same samples for any --workers)',
      defaultText: '0',
    },
    workersOptionSpec('sampling the particles'),
    {
      name: 'shard',
      kind: 'string',
      valueName: '<i/k|auto/k|auto>',
      description:
        'compute only shard i of k: rows ⌊i·n/k⌋ … ⌊(i+1)·n/k⌋ − 1 of the run, bit for bit those of a single process; ' +
        'auto takes i from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array); ' +
        '{shard} in --out/--plot becomes i; join the files with sgmkit merge',
    },
    {
      name: 'dtype',
      kind: 'choice',
      choices: ['float64', 'float32'],
      description: 'particle precision',
      defaultText: 'float64',
    },
    {
      name: 'out',
      kind: 'string',
      valueName: '<file.csv|json>',
      description: 'where to write the samples',
      defaultText: 'out/samples.csv',
    },
    {
      name: 'plot',
      kind: 'string',
      valueName: '<file.svg>',
      description: 'where to write the picture',
      defaultText: 'out/samples.svg',
    },
    { name: 'no-plot', kind: 'boolean', description: 'do not draw a picture' },
    ...IMAGE_OPTIONS,
    {
      name: 'max-diverged',
      kind: 'integer',
      min: 0,
      valueName: '<count>',
      description: 'exit with status 1 when more samples than this diverged (left the box below, or non-finite)',
      defaultText: '0',
    },
    {
      name: 'reference',
      kind: 'string',
      valueName: '<file.csv|json>',
      description: 'held-out data: report sliced W2 and MMD of the samples against it (quality report)',
    },
    {
      name: 'train',
      kind: 'string',
      valueName: '<file.csv|json>',
      description:
        'the training rows (default with --points: the points): adds the noise floor and the memorisation check',
    },
    {
      name: 'clip',
      kind: 'string',
      valueName: '<lo,hi|train>',
      description:
        "clip the denoised prediction to [lo, hi] in every coordinate (data units), or to each coordinate's range in the training rows: --train, else the range stored in the --network file (DDPM only)",
    },
    {
      name: 'divergence-k',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<k>',
      description:
        'the divergence box: every coordinate within k data standard deviations of the data mean (sampling space)',
      defaultText: String(DEFAULT_DIVERGENCE_K),
    },
  ],
  examples: [
    'sgmkit sample',
    'sgmkit sample --target gaussian --mean 1,-1 --cov "1,0.5;0.5,2" --steps 200 -n 1e5 --workers 2',
    'sgmkit sample --target bimodal --method euler-maruyama --T 8 --steps 100',
    'sgmkit sample --sampler cld --target gaussian --dim 2 --steps 100 --out out/cld.json',
    'sgmkit sample --sampler cld --method sscs --target grid25 --steps 200 --corrector-steps 1',
    'sgmkit sample --points examples/data/moons.csv --delta 1e-2 --schedule early-stopping --steps 200',
    'sgmkit sample --method exponential-heun --schedule geometric --delta 1e-3 --steps 25',
    'sgmkit sample --network net.json --train train.csv --reference heldout.csv --clip train',
    'sgmkit sample --target gaussian --dim 2 --steps 32 --brownian-levels 3 --seed 1   # same path as --steps 256',
  ],
};

/** Everything that defines a sampling run, resolved from the options. */
export interface SampleRun {
  readonly target: Target;
  readonly sampler: 'ddpm' | 'cld';
  readonly method: string;
  readonly T: number;
  readonly steps: number;
  readonly delta: number;
  readonly schedule: 'uniform' | 'early-stopping' | 'geometric';
  readonly gamma: number;
  /** Langevin corrector after every predictor step; absent when `--corrector-steps` is 0 or not given. */
  readonly corrector?: { readonly steps: number; readonly stepSize: number };
  /** Refined Brownian path level (`sampleDDPM`'s `brownianLevels`; 0: the ordinary noise). */
  readonly brownianLevels: number;
  /** Particles in the whole run (a shard computes `shard.rows` of them). */
  readonly n: number;
  readonly seed: number;
  readonly workers: number;
  /** The rows this process computes when the run is sharded (`--shard`). */
  readonly shard?: ShardRecord;
  readonly dtype: 'float64' | 'float32';
  /** Standard deviations of the divergence box. */
  readonly divergenceK: number;
  /** Most diverged samples tolerated before the command fails. */
  readonly maxDiverged: number;
  /** Held-out rows for the quality report. */
  readonly reference?: { readonly path: string; readonly rows: Batch };
  /** Training rows for the noise floor and the memorisation check. */
  readonly train?: { readonly path: string; readonly rows: Batch };
  /** Range of the denoised prediction, per coordinate, in data units. */
  readonly clip?: { readonly lower: Float64Array; readonly upper: Float64Array };
}

function resolveMethod(sampler: 'ddpm' | 'cld', text: string): string {
  const method = METHOD_ALIASES[text] ?? text;
  const allowed: readonly string[] = sampler === 'ddpm' ? DDPM_METHODS : CLD_METHODS;
  if (!allowed.includes(method))
    throw new OptionValueError('method', text, `one of ${allowed.join(', ')} for --sampler ${sampler}`);
  return method;
}

/** `--corrector-steps` and `--corrector-size`; the size alone is a usage error (it would do nothing). */
function resolveCorrector(args: ParsedArgs): SampleRun['corrector'] {
  const steps = args.number('corrector-steps', 0);
  if (steps === 0) {
    if (args.has('corrector-size')) throw new UsageError('--corrector-size needs --corrector-steps >= 1');
    return undefined;
  }
  const stepSize = args.number('corrector-size', 0.01);
  if (!(stepSize < 2))
    throw new OptionValueError('corrector-size', String(stepSize), 'a step size ε < 2 (Langevin stability limit)');
  return { steps, stepSize };
}

/**
 * `--brownian-levels L`, checked against the run (sampleDDPM would refuse the same runs, naming its own argument):
 * DDPM only, a method whose noise the refinement supports, no corrector, and `steps·2^L` fine steps addressable.
 */
function resolveBrownianLevels(
  args: ParsedArgs,
  sampler: 'ddpm' | 'cld',
  method: string,
  corrector: SampleRun['corrector'],
  steps: number,
): number {
  const levels = args.number('brownian-levels', 0);
  if (levels === 0) return 0;
  if (sampler !== 'ddpm') throw new UsageError('--brownian-levels is for --sampler ddpm (refined Brownian paths)');
  if (!(BROWNIAN_METHODS as readonly string[]).includes(method)) {
    throw new OptionValueError(
      'brownian-levels',
      String(levels),
      `0 for --method ${method} (refined Brownian paths support ${BROWNIAN_METHODS.join(', ')})`,
    );
  }
  if (corrector !== undefined)
    throw new UsageError('--brownian-levels needs --corrector-steps 0 (the corrector noise is not part of the path)');
  if (steps * 2 ** levels - 1 > MAX_STEPS) {
    throw new OptionValueError(
      'brownian-levels',
      String(levels),
      `a level with --steps × 2^level ≤ ${MAX_STEPS + 1} (every fine step needs a stream; --steps is ${steps})`,
    );
  }
  return levels;
}

/** Reads and cross-checks the options of a run. */
export function resolveSampleRun(args: ParsedArgs): SampleRun {
  const target = resolveTarget(args);
  const sampler = args.string('sampler', 'ddpm') as 'ddpm' | 'cld';
  if (sampler === 'cld' && !target.cldScore) {
    throw new UsageError(
      `--sampler cld needs a CLD velocity score; the ${target.name} target has only an OU (DDPM) score (this is a DDPM network: train a CLD one with \`sgmkit train --sampler cld\`)`,
    );
  }
  if (sampler === 'ddpm' && target.networkKind === 'cld') {
    throw new UsageError(
      `--network ${args.string('network')} is a CLD network (trained with \`sgmkit train --sampler cld\`): sample it with --sampler cld`,
    );
  }
  const T = args.number('T', 10);
  const delta = args.number('delta', target.needsEarlyStopping ? 1e-3 : 0);
  if (!(delta < T)) throw new OptionValueError('delta', String(delta), `less than --T (${T})`);
  if (target.needsEarlyStopping && delta === 0)
    throw new OptionValueError('delta', '0', `> 0 for a ${target.name} target (its score is singular at t = 0)`);
  const schedule = args.string('schedule', defaultSchedule(sampler, target)) as
    'uniform' | 'early-stopping' | 'geometric';
  if (schedule !== 'uniform' && delta === 0) throw new UsageError(`--schedule ${schedule} needs --delta > 0`);
  const referencePath = args.string('reference');
  const trainPath = args.string('train');
  const reference =
    referencePath === undefined ? undefined : { path: referencePath, rows: readPointCloud(referencePath) };
  const train =
    trainPath !== undefined
      ? { path: trainPath, rows: readPointCloud(trainPath) }
      : target.points !== undefined
        ? { path: args.string('points')!, rows: target.points }
        : undefined;
  if (trainPath !== undefined && reference === undefined)
    throw new UsageError('--train is used by the quality report: give --reference <held-out rows> too');
  for (const [option, file] of [
    ['reference', reference],
    ['train', train],
  ] as const) {
    if (file !== undefined && file.rows.shape[1] !== target.dim)
      throw new UsageError(
        `--${option} ${file.path} has ${file.rows.shape[1]} columns; the target has d = ${target.dim}`,
      );
  }
  const clip = resolveClip(args.string('clip'), train, target);
  if (clip !== undefined && sampler === 'cld')
    throw new UsageError('--clip clips the DDPM denoised prediction; it does not apply to --sampler cld');
  const corrector = resolveCorrector(args);
  const method = resolveMethod(sampler, args.string('method', 'exponential-integrator'));
  const steps = args.number('steps', 1000);
  const run = {
    reference,
    train: reference === undefined ? undefined : train,
    clip,
    target,
    sampler,
    corrector,
    method,
    brownianLevels: resolveBrownianLevels(args, sampler, method, corrector, steps),
    T,
    delta,
    schedule,
    steps,
    gamma: args.number('gamma', target.fixedGamma ?? 1),
    n: args.number('n', 10_000),
    seed: args.number('seed', 0),
    dtype: args.string('dtype', 'float64') as 'float64' | 'float32',
    divergenceK: args.number('divergence-k', DEFAULT_DIVERGENCE_K),
    maxDiverged: args.number('max-diverged', 0),
  };
  if (!args.has('schedule')) expectDefaultGridStable(run);
  const workers = parseWorkers(args);
  const shardText = args.string('shard');
  const shard =
    shardText === undefined
      ? undefined
      : shardRecord(parseShardOption(shardText, process.env), run.n, runSettings(run));
  const costly = target.networkKind !== undefined || target.points !== undefined;
  const minParticles = costly ? AUTO_SAMPLING_MIN_COSTLY_PARTICLES : AUTO_WORKERS_MIN_PARTICLES;
  return { ...run, ...(shard ? { shard } : {}), workers: samplingThreads(workers, shard?.rows ?? run.n, minParticles) };
}

/** What must agree between the shards of one run (what `sgmkit merge` compares). */
function runSettings(run: Omit<SampleRun, 'workers'>): Record<string, unknown> {
  return {
    target: run.target.name,
    description: run.target.description,
    dim: run.target.dim,
    sampler: run.sampler,
    method: run.method,
    T: run.T,
    steps: run.steps,
    delta: run.delta,
    schedule: run.schedule,
    gamma: run.gamma,
    corrector: run.corrector ?? null,
    ...(run.brownianLevels > 0 ? { brownianLevels: run.brownianLevels } : {}),
    seed: run.seed,
    dtype: run.dtype,
    clip: run.clip === undefined ? null : { lower: Array.from(run.clip.lower), upper: Array.from(run.clip.upper) },
    divergenceK: run.divergenceK,
  };
}

/** Particles this process samples: the shard's rows, or the whole run. */
function rowsOf(run: SampleRun): number {
  return run.shard?.rows ?? run.n;
}

/**
 * `--clip lo,hi` (every coordinate) or `--clip train` (each coordinate's range in the training rows: those of
 * `--train`/`--points`, else the range a network file stores), in data units.
 */
function resolveClip(
  text: string | undefined,
  train: { path: string; rows: Batch } | undefined,
  target: Target,
): { lower: Float64Array; upper: Float64Array } | undefined {
  if (text === undefined) return undefined;
  const d = target.dim;
  if (text === 'train') {
    if (train === undefined && target.dataRange !== undefined)
      return { lower: Float64Array.from(target.dataRange.lower), upper: Float64Array.from(target.dataRange.upper) };
    if (train === undefined) {
      throw new UsageError(
        `--clip train takes the range of the training rows: give --train <file> (or --points)${target.name === 'network' ? '; this network file stores no data range (files from sgmkit train do)' : ''}`,
      );
    }
    const lower = new Float64Array(d).fill(Infinity);
    const upper = new Float64Array(d).fill(-Infinity);
    const [m] = train.rows.shape as [number, number];
    if (train.rows.shape[1] !== d)
      throw new UsageError(`--train ${train.path} has ${train.rows.shape[1]} columns; the target has d = ${d}`);
    for (let r = 0; r < m; r++) {
      for (let i = 0; i < d; i++) {
        const v = train.rows.data[r * d + i]!;
        if (v < lower[i]!) lower[i] = v;
        if (v > upper[i]!) upper[i] = v;
      }
    }
    return { lower, upper };
  }
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0]! <= parts[1]!))
    throw new OptionValueError('clip', text, "'lo,hi' with finite lo <= hi, or 'train'");
  return { lower: new Float64Array(d).fill(parts[0]!), upper: new Float64Array(d).fill(parts[1]!) };
}

/**
 * The clipped score of a run: the range goes to the score's sampling space through its affine normalisation
 * (a whitening normalisation mixes coordinates, so a per-coordinate range has no box image there: refused).
 */
function clippedRunScore(score: Score, clip: { lower: Float64Array; upper: Float64Array }): Score {
  const normalization = score.normalization;
  if (normalization === undefined) return clippedScore(score, clip);
  if (normalization.kind !== 'affine')
    throw new UsageError('--clip needs a per-coordinate (affine) normalisation; this network whitens its data');
  const lower = new Float64Array(score.dim);
  const upper = new Float64Array(score.dim);
  for (let i = 0; i < score.dim; i++) {
    const a = (clip.lower[i]! - normalization.mean[i]!) / normalization.scale[i]!;
    const b = (clip.upper[i]! - normalization.mean[i]!) / normalization.scale[i]!;
    lower[i] = Math.min(a, b);
    upper[i] = Math.max(a, b);
  }
  return clippedScore(score, { lower, upper });
}

/**
 * The grid a run gets without --schedule. A data target (a point cloud, a network) sampled by DDPM ends at δ > 0,
 * and a uniform grid's last step adds noise of std √(e^{2h} − 1) there (0.14 for 1000 steps from T = 10, against
 * σ_δ = 0.045 at δ = 1e-3) to coordinates that are nearly constant in the data; a network's data, standardised to
 * std 0.3, notices (docs/learned-scores.md). So those runs default to the early-stopping grid, whose steps shrink
 * towards δ. CLD keeps the uniform grid: its networks keep unit std, and its stability limits are tighter.
 */
function defaultSchedule(sampler: 'ddpm' | 'cld', target: Target): 'uniform' | 'early-stopping' {
  return sampler === 'ddpm' && target.needsEarlyStopping ? 'early-stopping' : 'uniform';
}

/**
 * A data target's default grid (early stopping) puts all the steps above t = 1 into a uniform part, so with few
 * --steps its steps there can pass the method's stability limit, where a uniform grid of as many steps would not.
 * The sampler would refuse such a grid; this says which two options fix it.
 */
function expectDefaultGridStable(
  run: Pick<SampleRun, 'sampler' | 'method' | 'schedule' | 'steps' | 'T' | 'delta'>,
): void {
  if (run.sampler !== 'ddpm' || run.schedule !== 'early-stopping') return;
  const grid = runGrid(run);
  let largest = 0;
  for (let k = 0; k + 1 < grid.length; k++) largest = Math.max(largest, grid[k]! - grid[k + 1]!);
  const limit = stabilityLimit('ddpm', run.method as DDPMMethod);
  if (largest >= limit)
    throw new UsageError(
      `--steps ${run.steps} is too few for the early-stopping grid that --points/--network use by default: its largest step is h = ${formatNumber(largest)}, at or above the ${run.method} stability limit ${formatNumber(limit)}; give more --steps or --schedule uniform`,
    );
}

/** The run's grid of forward times. */
export function runGrid(run: Pick<SampleRun, 'schedule' | 'steps' | 'T' | 'delta'>): Float64Array {
  switch (run.schedule) {
    case 'early-stopping':
      return earlyStoppingGrid(run.T, run.delta, run.steps);
    case 'geometric':
      return earlyStoppingGrid(run.T, run.delta, run.steps, { switchTime: run.T });
    default:
      return uniformGrid(run.T, run.steps, run.delta);
  }
}

/** Samples according to `run`, reporting progress in steps (from the workers' shared counters with --workers > 1). */
export async function executeSampleRun(run: SampleRun, context: CommandContext): Promise<SampleResult> {
  const progress = createProgress({
    label: 'sample',
    total: run.steps,
    enabled: !context.quiet,
    stream: context.stderr,
  });
  const onProgress = (fraction: number): void => progress.update(Math.floor(fraction * run.steps));
  const common = {
    T: run.T,
    grid: runGrid(run),
    n: rowsOf(run),
    firstRow: run.shard?.firstRow ?? 0,
    seed: run.seed,
    workers: run.workers,
    dtype: run.dtype,
    signal: context.signal,
    onProgress,
    corrector: run.corrector,
    region: { k: run.divergenceK },
  };
  const result =
    run.sampler === 'ddpm'
      ? await sampleDDPM(
          run.clip === undefined
            ? (run.target.ouScore() as Score)
            : clippedRunScore(run.target.ouScore() as Score, run.clip),
          { ...common, method: run.method as (typeof DDPM_METHODS)[number], brownianLevels: run.brownianLevels },
        )
      : await sampleCLD(run.target.cldScore!(run.gamma) as CLDScore, {
          ...common,
          method: run.method as (typeof CLD_METHODS)[number],
        });
  progress.update(run.steps);
  progress.finish();
  return result;
}

function describeRun(run: SampleRun): string {
  const corrector = run.corrector
    ? ` + ${run.corrector.steps} Langevin corrector step${run.corrector.steps > 1 ? 's' : ''} (ε = ${run.corrector.stepSize})`
    : '';
  const shard =
    run.shard === undefined
      ? ''
      : ` (shard ${run.shard.index}/${run.shard.count}: rows ${run.shard.firstRow} … ${run.shard.firstRow + run.shard.rows - 1})`;
  const brownian = run.brownianLevels > 0 ? ` on a Brownian path refined 2^${run.brownianLevels} times` : '';
  return `${run.sampler} ${run.method}${corrector}${brownian}, T = ${run.T}, ${run.steps} ${run.schedule} steps, δ = ${run.delta}, n = ${run.n}${shard}, seed ${run.seed}, ${run.workers} worker${run.workers > 1 ? 's' : ''}${run.clip ? ', denoised prediction clipped' : ''}`;
}

function momentsTable(rows: readonly CoordinateMoments[], reference: string): string {
  return formatTable(
    ['coord', `${reference} mean`, 'sample mean', 'z', `${reference} var`, 'sample var', 'z'],
    rows.map((r) => [
      `x${r.coordinate}`,
      r.targetMean,
      r.sampleMean,
      r.meanZ,
      r.targetVariance,
      r.sampleVariance,
      r.varianceZ,
    ]),
  );
}

/**
 * For Gaussian data the sampler's output law is Gaussian and known exactly: the
 * samples should match it within statistical error, whatever the step size.
 */
export function exactOutputLaw(run: SampleRun): GaussianLaw | undefined {
  const data = run.target.law;
  if (!data) return undefined;
  const options = { T: run.T, grid: runGrid(run), corrector: run.corrector };
  if (run.sampler === 'ddpm')
    return exactDDPMLaw(data, { ...options, method: run.method as (typeof DDPM_METHODS)[number] });
  return exactCLDLaw(data, {
    ...options,
    method: run.method as (typeof CLD_METHODS)[number],
    initialVelocityVariance: run.gamma,
  }).position;
}

function lawMoments(law: GaussianLaw): Moments {
  return { mean: law.mean, covariance: law.covariance.data };
}

function momentLines(run: SampleRun, samples: SampleResult['samples']): { lines: string[]; json: unknown } {
  const data = run.target.law;
  const exact = exactOutputLaw(run);
  if (data && exact) {
    const moments = compareMoments(samples, lawMoments(exact));
    const kl = gaussianKL(data, exact);
    const w2 = gaussianW2(exact, data);
    return {
      lines: [
        `exact:   the sampler's output law is Gaussian; against the target: KL(target ‖ output) ${formatNumber(kl)}, W2 ${formatNumber(w2)}`,
        '',
        "Moments of the samples against the sampler's exact output law (z = difference / standard error; |z| < 5 is noise):",
        momentsTable(moments, 'exact').trimEnd(),
      ],
      json: { reference: 'exact-output-law', moments, exactOutputLaw: { kl, w2 } },
    };
  }
  if (!run.target.moments) return { lines: [], json: { reference: null, moments: null } };
  const moments = compareMoments(samples, run.target.moments);
  return {
    lines: [
      '',
      'Moments of the samples against the target (z = difference / standard error of the sample;',
      "|z| < 5 is statistical noise, larger is the sampler's bias at this step size and horizon):",
      momentsTable(moments, 'target').trimEnd(),
    ],
    json: { reference: 'target', moments },
  };
}

/** Where the divergence box came from, in words. */
function describeRegion(result: SampleResult): string {
  const { region } = result.diverged;
  if (region.source === 'caller') return 'the given box';
  const space = region.source === 'data-moments' ? 'data' : 'start law N(0, I) (the score has no data moments)';
  return `mean ± ${region.k} std of the ${space}, in the space the sampler runs in`;
}

/** One line on the divergence count, and the failure message when it passes `--max-diverged`. */
export function divergenceLines(
  run: SampleRun,
  result: SampleResult,
  out: string,
): { lines: string[]; failed: boolean } {
  const { count, nonFinite, fraction } = result.diverged;
  const percent = `${formatNumber(100 * fraction)}%`;
  const line = `diverged: ${count} of ${rowsOf(run)} samples (${percent}) left ${describeRegion(result)}${nonFinite > 0 ? `; ${nonFinite} non-finite` : ''}`;
  if (count <= run.maxDiverged) return { lines: [line], failed: false };
  return {
    lines: [
      line,
      `error:   ${count} diverged samples exceed --max-diverged ${run.maxDiverged}. ${out} was still written, diverged rows included, for inspection.`,
      '         Try more --steps, --schedule early-stopping with a larger --delta, a better-trained network, or --clip;',
      '         pass --max-diverged to accept some, or --divergence-k to widen the box.',
    ],
    failed: true,
  };
}

function report(run: SampleRun, result: SampleResult, files: { out: string; plot?: string }): CommandOutput {
  const rate = (rowsOf(run) * run.steps) / (result.wallTimeMs / 1000);
  const moments = momentLines(run, result.samples);
  const divergence = divergenceLines(run, result, files.out);
  const quality = run.reference === undefined ? undefined : qualitySection(result.samples, run.reference, run.train);
  const lines = [
    `target:  ${run.target.name}: ${run.target.description}`,
    `sampler: ${describeRun(run)}`,
    `time:    ${formatDuration(result.wallTimeMs)} (${formatRate(rate)} particle-steps/s), ${result.scoreEvaluations} score evaluations per particle`,
    divergence.lines[0]!,
    ...moments.lines,
    ...(quality?.lines ?? []),
    '',
    `wrote ${files.out}${files.plot ? ` and ${files.plot}` : ''}`,
    ...divergence.lines.slice(1),
  ];
  const json = {
    target: run.target.name,
    description: run.target.description,
    dim: run.target.dim,
    sampler: run.sampler,
    method: run.method,
    T: run.T,
    steps: run.steps,
    delta: run.delta,
    schedule: run.schedule,
    corrector: run.corrector ?? null,
    brownianLevels: run.brownianLevels,
    n: run.n,
    seed: run.seed,
    workers: run.workers,
    dtype: run.dtype,
    shard:
      run.shard === undefined
        ? null
        : { index: run.shard.index, count: run.shard.count, firstRow: run.shard.firstRow, rows: run.shard.rows },
    wallTimeMs: result.wallTimeMs,
    scoreEvaluations: result.scoreEvaluations,
    out: files.out,
    plot: files.plot ?? null,
    ...(moments.json as object),
    quality: quality?.json ?? null,
    clip: run.clip === undefined ? null : { lower: Array.from(run.clip.lower), upper: Array.from(run.clip.upper) },
    diverged: {
      count: result.diverged.count,
      nonFinite: result.diverged.nonFinite,
      fraction: result.diverged.fraction,
      maxDiverged: run.maxDiverged,
      exceeded: divergence.failed,
      region: {
        source: result.diverged.region.source,
        k: result.diverged.region.k ?? null,
        lower: Array.from(result.diverged.region.lower),
        upper: Array.from(result.diverged.region.upper),
      },
    },
  };
  return { text: lines.join('\n') + '\n', json, exitCode: divergence.failed ? 1 : 0 };
}

/** The `sample` command. */
export const sampleCommand: Command = {
  spec,
  interruptible: true,
  async run(args, context) {
    const run = resolveSampleRun(args);
    const index = run.shard?.index ?? 0;
    const out = shardPath(
      args.string('out', run.shard === undefined ? 'out/samples.csv' : 'out/samples-{shard}.csv'),
      index,
    );
    const plotPattern = args.flag('no-plot')
      ? undefined
      : args.string('plot', run.shard === undefined ? 'out/samples.svg' : 'out/samples-{shard}.svg');
    const plot = plotPattern === undefined ? undefined : shardPath(plotPattern, index);
    sampleFileFormat(out); // refuse a bad file name before sampling, not after
    const grid = imageGridOptions(args, run.target.dim, rowsOf(run)); // and a bad --image
    if (plot !== undefined && grid === undefined && /\.png$/i.test(plot))
      throw new UsageError('PNG output is for image grids: give --image HxW, or write an .svg');
    const result = await executeSampleRun(run, context);
    const metadata = {
      target: run.target.name,
      sampler: run.sampler,
      method: run.method,
      T: run.T,
      steps: run.steps,
      delta: run.delta,
      seed: run.seed,
    };
    if (run.shard === undefined) writeSamples(out, result.samples, metadata);
    else writeTextFile(out, shardFileText(out, result.samples, run.shard, metadata));
    const title = `${run.sampler.toUpperCase()} ${run.method}: ${run.target.description}`;
    if (plot && grid) writeImageGrid(plot, result.samples, grid, title);
    else if (plot) writeTextFile(plot, samplesFigure(result.samples, { title, target: run.target.picture }));
    return report(run, result, { out, plot });
  },
};
