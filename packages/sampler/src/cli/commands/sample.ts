/**
 * `sgmkit sample`: draw samples from a target with DDPM or CLD, write them to
 * CSV/JSON, and draw them next to the target's density.
 * @packageDocumentation
 */
import type { Score, CLDScore } from '@sgmkit/score';
import {
  CLD_METHODS, DDPM_METHODS, earlyStoppingGrid, exactCLDLaw, exactDDPMLaw, gaussianKL, gaussianW2, sampleCLD, sampleDDPM, uniformGrid,
  type GaussianLaw, type SampleResult,
} from '../../index.js';
import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Command, CommandContext, CommandOutput } from '../command.js';
import { OptionValueError, UsageError } from '../errors.js';
import { samplesFigure } from '../figures.js';
import { formatNumber, formatTable } from '../format.js';
import { compareMoments, type CoordinateMoments } from '../moments.js';
import { createProgress, formatDuration, formatRate } from '../progress.js';
import { resolveTarget, TARGET_OPTIONS, type Moments, type Target } from '../targets.js';
import { sampleFileFormat } from '../../io/write.js';
import { writeSamples, writeTextFile } from '../../node/files.js';

/** Short names accepted by `--method`. */
export const METHOD_ALIASES: Readonly<Record<string, string>> = {
  ei: 'exponential-integrator', em: 'euler-maruyama', pf: 'probability-flow', ode: 'probability-flow',
};

const ALL_METHODS = [...new Set([...DDPM_METHODS, ...CLD_METHODS, ...Object.keys(METHOD_ALIASES)])];

const spec: CommandSpec = {
  name: 'sample',
  summary: 'draw samples with DDPM or CLD; write them to CSV/JSON and draw them next to the target density',
  description:
    'With no options: 10^4 samples of 8 Gaussians on a ring by the DDPM exponential integrator (the paper\'s sampler),\n' +
    'written to out/samples.csv with a picture in out/samples.svg.\n' +
    `DDPM methods: ${DDPM_METHODS.join(', ')}. CLD methods: ${CLD_METHODS.join(', ')} (exact CLD scores for every analytic target and --points).\n` +
    'Short names: ei, em, pf.',
  options: [
    ...TARGET_OPTIONS,
    { name: 'network', kind: 'string', valueName: '<file.json>', description: 'learned target: a network saved by `sgmkit train`' },
    { name: 'sampler', kind: 'choice', choices: ['ddpm', 'cld'], description: 'diffusion to reverse', defaultText: 'ddpm' },
    { name: 'method', kind: 'choice', choices: ALL_METHODS, valueName: '<method>', description: 'integrator', defaultText: 'exponential-integrator' },
    { name: 'T', kind: 'number', min: 0, exclusiveMin: true, valueName: '<T>', description: 'horizon T of the forward process', defaultText: '10' },
    { name: 'steps', kind: 'integer', min: 1, valueName: '<N>', description: 'number of steps', defaultText: '1000' },
    { name: 'delta', kind: 'number', min: 0, valueName: '<δ>', description: 'early-stopping time δ (the grid ends at δ)', defaultText: '0, or 1e-3 for --points/--network' },
    { name: 'schedule', kind: 'choice', choices: ['uniform', 'early-stopping'], description: 'step schedule: uniform, or exponentially shrinking steps near δ', defaultText: 'uniform' },
    { name: 'gamma', kind: 'number', min: 0, exclusiveMin: true, valueName: '<γ>', description: 'CLD initial velocity variance', defaultText: '1' },
    { name: 'corrector-steps', kind: 'integer', min: 0, max: 62, valueName: '<m>', description: 'Langevin corrector steps after every predictor step (on the velocity for CLD)', defaultText: '0' },
    { name: 'corrector-size', kind: 'number', min: 0, exclusiveMin: true, max: 2, valueName: '<ε>', description: 'Langevin corrector step size ε < 2', defaultText: '0.01' },
    { name: 'n', kind: 'integer', min: 1, short: 'n', valueName: '<count>', description: 'number of samples', defaultText: '10000' },
    { name: 'seed', kind: 'integer', min: 0, max: 0xffffffff, valueName: '<seed>', description: 'random seed (same seed, same samples for any --workers)', defaultText: '0' },
    { name: 'workers', kind: 'integer', min: 1, max: 64, valueName: '<k>', description: 'worker threads', defaultText: '1' },
    { name: 'dtype', kind: 'choice', choices: ['float64', 'float32'], description: 'particle precision', defaultText: 'float64' },
    { name: 'out', kind: 'string', valueName: '<file.csv|json>', description: 'where to write the samples', defaultText: 'out/samples.csv' },
    { name: 'plot', kind: 'string', valueName: '<file.svg>', description: 'where to write the picture', defaultText: 'out/samples.svg' },
    { name: 'no-plot', kind: 'boolean', description: 'do not draw a picture' },
  ],
  examples: [
    'sgmkit sample',
    'sgmkit sample --target gaussian --mean 1,-1 --cov "1,0.5;0.5,2" --steps 200 -n 1e5 --workers 2',
    'sgmkit sample --target bimodal --method euler-maruyama --T 8 --steps 100',
    'sgmkit sample --sampler cld --target gaussian --dim 2 --steps 100 --out out/cld.json',
    'sgmkit sample --sampler cld --method sscs --target grid25 --steps 200 --corrector-steps 1',
    'sgmkit sample --points data.csv --delta 1e-2 --schedule early-stopping',
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
  readonly schedule: 'uniform' | 'early-stopping';
  readonly gamma: number;
  /** Langevin corrector after every predictor step; absent when `--corrector-steps` is 0 or not given. */
  readonly corrector?: { readonly steps: number; readonly stepSize: number };
  readonly n: number;
  readonly seed: number;
  readonly workers: number;
  readonly dtype: 'float64' | 'float32';
}

function resolveMethod(sampler: 'ddpm' | 'cld', text: string): string {
  const method = METHOD_ALIASES[text] ?? text;
  const allowed: readonly string[] = sampler === 'ddpm' ? DDPM_METHODS : CLD_METHODS;
  if (!allowed.includes(method)) throw new OptionValueError('method', text, `one of ${allowed.join(', ')} for --sampler ${sampler}`);
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
  if (!(stepSize < 2)) throw new OptionValueError('corrector-size', String(stepSize), 'a step size ε < 2 (Langevin stability limit)');
  return { steps, stepSize };
}

/** Reads and cross-checks the options of a run. */
export function resolveSampleRun(args: ParsedArgs): SampleRun {
  const target = resolveTarget(args);
  const sampler = args.string('sampler', 'ddpm') as 'ddpm' | 'cld';
  if (sampler === 'cld' && !target.cldScore) {
    throw new UsageError(`--sampler cld needs a CLD velocity score; the ${target.name} target has only an OU (DDPM) score (a network trained by \`sgmkit train\` is a DDPM network)`);
  }
  const T = args.number('T', 10);
  const delta = args.number('delta', target.needsEarlyStopping ? 1e-3 : 0);
  if (!(delta < T)) throw new OptionValueError('delta', String(delta), `less than --T (${T})`);
  if (target.needsEarlyStopping && delta === 0) throw new OptionValueError('delta', '0', `> 0 for a ${target.name} target (its score is singular at t = 0)`);
  const schedule = args.string('schedule', 'uniform') as 'uniform' | 'early-stopping';
  if (schedule === 'early-stopping' && delta === 0) throw new UsageError('--schedule early-stopping needs --delta > 0');
  return {
    target, sampler, corrector: resolveCorrector(args), method: resolveMethod(sampler, args.string('method', 'exponential-integrator')), T, delta, schedule,
    steps: args.number('steps', 1000), gamma: args.number('gamma', 1), n: args.number('n', 10_000), seed: args.number('seed', 0),
    workers: args.number('workers', 1), dtype: args.string('dtype', 'float64') as 'float64' | 'float32',
  };
}

/** The run's grid of forward times. */
export function runGrid(run: SampleRun): Float64Array {
  return run.schedule === 'early-stopping' ? earlyStoppingGrid(run.T, run.delta, run.steps) : uniformGrid(run.T, run.steps, run.delta);
}

/** Samples according to `run`, reporting progress per step when on one thread. */
export async function executeSampleRun(run: SampleRun, context: CommandContext): Promise<SampleResult> {
  const progress = createProgress({ label: 'sample', total: run.steps, enabled: !context.quiet, stream: context.stderr });
  const callback = run.workers === 1 ? (info: { step: number }) => progress.update(info.step + 1) : undefined;
  const common = {
    T: run.T, grid: runGrid(run), n: run.n, seed: run.seed, workers: run.workers, dtype: run.dtype, signal: context.signal, callback, corrector: run.corrector,
  };
  const result =
    run.sampler === 'ddpm'
      ? await sampleDDPM(run.target.ouScore() as Score, { ...common, method: run.method as (typeof DDPM_METHODS)[number] })
      : await sampleCLD(run.target.cldScore!(run.gamma) as CLDScore, { ...common, method: run.method as (typeof CLD_METHODS)[number] });
  progress.update(run.steps);
  progress.finish();
  return result;
}

function describeRun(run: SampleRun): string {
  const corrector = run.corrector ? ` + ${run.corrector.steps} Langevin corrector step${run.corrector.steps > 1 ? 's' : ''} (ε = ${run.corrector.stepSize})` : '';
  return `${run.sampler} ${run.method}${corrector}, T = ${run.T}, ${run.steps} ${run.schedule} steps, δ = ${run.delta}, n = ${run.n}, seed ${run.seed}, ${run.workers} worker${run.workers > 1 ? 's' : ''}`;
}

function momentsTable(rows: readonly CoordinateMoments[], reference: string): string {
  return formatTable(
    ['coord', `${reference} mean`, 'sample mean', 'z', `${reference} var`, 'sample var', 'z'],
    rows.map((r) => [`x${r.coordinate}`, r.targetMean, r.sampleMean, r.meanZ, r.targetVariance, r.sampleVariance, r.varianceZ]),
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
  if (run.sampler === 'ddpm') return exactDDPMLaw(data, { ...options, method: run.method as (typeof DDPM_METHODS)[number] });
  return exactCLDLaw(data, { ...options, method: run.method as (typeof CLD_METHODS)[number], initialVelocityVariance: run.gamma }).position;
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

function report(run: SampleRun, result: SampleResult, files: { out: string; plot?: string }): CommandOutput {
  const rate = (run.n * run.steps) / (result.wallTimeMs / 1000);
  const moments = momentLines(run, result.samples);
  const lines = [
    `target:  ${run.target.name}: ${run.target.description}`,
    `sampler: ${describeRun(run)}`,
    `time:    ${formatDuration(result.wallTimeMs)} (${formatRate(rate)} particle-steps/s), ${result.scoreEvaluations} score evaluations per particle`,
    ...moments.lines,
    '',
    `wrote ${files.out}${files.plot ? ` and ${files.plot}` : ''}`,
  ];
  const json = {
    target: run.target.name, description: run.target.description, dim: run.target.dim, sampler: run.sampler, method: run.method, T: run.T,
    steps: run.steps, delta: run.delta, schedule: run.schedule, corrector: run.corrector ?? null, n: run.n, seed: run.seed, workers: run.workers, dtype: run.dtype,
    wallTimeMs: result.wallTimeMs, scoreEvaluations: result.scoreEvaluations, out: files.out, plot: files.plot ?? null, ...(moments.json as object),
  };
  return { text: lines.join('\n') + '\n', json };
}

/** The `sample` command. */
export const sampleCommand: Command = {
  spec,
  interruptible: true,
  async run(args, context) {
    const run = resolveSampleRun(args);
    const out = args.string('out', 'out/samples.csv');
    const plot = args.flag('no-plot') ? undefined : args.string('plot', 'out/samples.svg');
    sampleFileFormat(out); // refuse a bad file name before sampling, not after
    const result = await executeSampleRun(run, context);
    writeSamples(out, result.samples, { target: run.target.name, sampler: run.sampler, method: run.method, T: run.T, steps: run.steps, delta: run.delta, seed: run.seed });
    if (plot) writeTextFile(plot, samplesFigure(result.samples, { title: `${run.sampler.toUpperCase()} ${run.method}: ${run.target.description}`, target: run.target.picture }));
    return report(run, result, { out, plot });
  },
};
