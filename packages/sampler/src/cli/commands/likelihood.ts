/**
 * `sgmkit likelihood`: the model log-likelihood of the rows of a data file, through the
 * probability-flow ODE (`logLikelihood`), for an analytic target or a saved network.
 * @packageDocumentation
 */
import type { Score } from '@sgmkit/score';
import {
  logLikelihood,
  defaultDivergenceOf,
  hasExactDivergence,
  type LogLikelihoodResult,
} from '../../likelihood/log-likelihood.js';
import { DIVERGENCE_METHODS, type DivergenceMethod } from '../../likelihood/divergence.js';
import { exactPFODELikelihood } from '../../analysis/likelihood.js';
import { earlyStoppingGrid, uniformGrid } from '../../schedules/grids.js';
import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Command, CommandOutput } from '../command.js';
import { MissingOptionError, OptionValueError, UsageError } from '../errors.js';
import { formatNumber } from '../format.js';
import { resolveTarget, TARGET_OPTIONS, type Target } from '../targets.js';
import { readPointCloud } from '../../node/files.js';

const spec: CommandSpec = {
  name: 'likelihood',
  summary:
    'log-likelihood (nats, bits/dim) of the rows of a data file under a target or a network, via the probability-flow ODE',
  description:
    'Integrates dx/dt = −x − s(t, x) from δ to T (Runge–Kutta 4) with the instantaneous change of variables and the\n' +
    'prior N(0, I) at T. Divergence: exact for the gaussian target (affine score), central differences along each\n' +
    'coordinate (2d score evaluations per stage) for other scores up to d = 16, else Hutchinson with Rademacher probes\n' +
    '(seeded, addressed by row). Reports the mean over the rows with its standard error.',
  options: [
    {
      name: 'data',
      kind: 'string',
      valueName: '<file.csv|json>',
      description: 'the points to evaluate, one per row (required)',
    },
    ...TARGET_OPTIONS,
    {
      name: 'network',
      kind: 'string',
      valueName: '<file.json>',
      description: 'learned target: a DDPM network saved by `sgmkit train`',
    },
    {
      name: 'T',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<T>',
      description: 'horizon T, where the prior N(0, I) is put',
      defaultText: '10',
    },
    {
      name: 'steps',
      kind: 'integer',
      min: 1,
      valueName: '<N>',
      description: 'Runge–Kutta 4 steps',
      defaultText: '200',
    },
    {
      name: 'delta',
      kind: 'number',
      min: 0,
      valueName: '<δ>',
      description: 'start time δ of the ODE (the density is that of the model of q_δ)',
      defaultText: '0, or 1e-3 for --points/--network',
    },
    {
      name: 'schedule',
      kind: 'choice',
      choices: ['uniform', 'early-stopping'],
      description: 'step schedule: uniform, or exponentially shrinking steps near δ',
      defaultText: 'early-stopping when δ > 0, else uniform',
    },
    {
      name: 'divergence',
      kind: 'choice',
      choices: DIVERGENCE_METHODS,
      description: 'divergence of the drift',
      defaultText: 'exact for gaussian and for d ≤ 16 (Jacobian trace), else hutchinson',
    },
    {
      name: 'probes',
      kind: 'integer',
      min: 1,
      max: 4096,
      valueName: '<K>',
      description: 'Hutchinson probes per row',
      defaultText: '4',
    },
    {
      name: 'seed',
      kind: 'integer',
      min: 0,
      max: 0xffffffff,
      valueName: '<seed>',
      description: 'seed of the Hutchinson probes',
      defaultText: '0',
    },
  ],
  examples: [
    'sgmkit likelihood --target gaussian --mean 1,-1 --cov "1,0.5;0.5,2" --data points.csv',
    'sgmkit likelihood --target ring8 --data out/samples.csv --steps 400 --delta 1e-3 --json',
    'sgmkit likelihood --network net.json --data heldout.csv --divergence hutchinson --probes 8',
  ],
};

/** The validated settings of one run. */
interface LikelihoodRun {
  readonly target: Target;
  readonly dataPath: string;
  readonly T: number;
  readonly delta: number;
  readonly steps: number;
  readonly schedule: 'uniform' | 'early-stopping';
  readonly divergence: DivergenceMethod;
  readonly probes?: number;
  readonly seed?: number;
}

function resolveRun(args: ParsedArgs, score: Score, target: Target, dataPath: string): LikelihoodRun {
  const T = args.number('T', 10);
  const delta = args.number('delta', target.needsEarlyStopping ? 1e-3 : 0);
  if (!(delta < T)) throw new OptionValueError('delta', String(delta), `a number in [0, T = ${T})`);
  if (target.needsEarlyStopping && delta === 0)
    throw new OptionValueError('delta', '0', `> 0 for a ${target.name} target (its score is singular at t = 0)`);
  const schedule = args.string('schedule', delta > 0 ? 'early-stopping' : 'uniform') as LikelihoodRun['schedule'];
  if (schedule === 'early-stopping' && delta === 0)
    throw new OptionValueError('schedule', schedule, 'uniform when δ = 0 (the early-stopping schedule needs δ > 0)');
  const divergence = args.string('divergence', defaultDivergenceOf(score)) as DivergenceMethod;
  if (divergence === 'exact' && !hasExactDivergence(score)) {
    throw new OptionValueError(
      'divergence',
      'exact',
      `finite-difference or hutchinson: the ${target.name} score has no exact Jacobian trace`,
    );
  }
  const hutchinson = divergence === 'hutchinson';
  for (const option of ['probes', 'seed']) {
    if (!hutchinson && args.has(option))
      throw new UsageError(`--${option} is for --divergence hutchinson (the divergence is ${divergence})`);
  }
  return {
    target,
    dataPath,
    T,
    delta,
    steps: args.number('steps', 200),
    schedule,
    divergence,
    ...(hutchinson ? { probes: args.number('probes', 4), seed: args.number('seed', 0) } : {}),
  };
}

function gridOf(run: LikelihoodRun): Float64Array {
  return run.schedule === 'early-stopping'
    ? earlyStoppingGrid(run.T, run.delta, run.steps)
    : uniformGrid(run.T, run.steps, run.delta);
}

/** For an affine score: the closed form of the discretised model, and the largest relative difference from the integrator. */
function closedFormCheck(
  score: Score,
  rows: Parameters<typeof logLikelihood>[1],
  run: LikelihoodRun,
  grid: Float64Array,
  result: LogLikelihoodResult,
): { nats: number; maxRelativeDifference: number } | undefined {
  if (typeof score.affineAt !== 'function') return undefined;
  const exact = exactPFODELikelihood(score, rows, { T: run.T, grid });
  let worst = 0;
  let sum = 0;
  exact.logLikelihood.forEach((l, i) => {
    sum += l;
    worst = Math.max(worst, Math.abs(result.logLikelihood[i]! - l) / Math.abs(l));
  });
  return { nats: sum / exact.logLikelihood.length, maxRelativeDifference: worst };
}

function report(
  run: LikelihoodRun,
  n: number,
  result: LogLikelihoodResult,
  closedForm: ReturnType<typeof closedFormCheck>,
): CommandOutput {
  const { mean } = result;
  const d = run.target.dim;
  const lines = [
    `${n} rows of ${run.dataPath} under ${run.target.description} (d = ${d})`,
    `probability-flow ODE from δ = ${run.delta} to T = ${run.T}: Runge–Kutta 4, ${run.steps} ${run.schedule} steps, divergence ${result.divergence}` +
      `${result.divergence === 'hutchinson' ? ` (${result.probes} probes, seed ${run.seed})` : ''}, ${result.scoreEvaluations} score evaluations per row`,
    `log-likelihood: ${formatNumber(mean.nats)} ± ${formatNumber(mean.standardError)} nats per row (mean ± standard error)`,
    `bits per dimension: ${formatNumber(mean.bitsPerDim)} ± ${formatNumber(mean.bitsPerDimStandardError)}`,
  ];
  if (closedForm !== undefined) {
    lines.push(
      `closed form of the discretised model (affine score): ${formatNumber(closedForm.nats)} nats; largest relative difference per row ${formatNumber(closedForm.maxRelativeDifference)}`,
    );
  }
  const json = {
    data: run.dataPath,
    rows: n,
    target: run.target.name,
    description: run.target.description,
    dim: d,
    T: run.T,
    delta: run.delta,
    steps: run.steps,
    schedule: run.schedule,
    divergence: result.divergence,
    probes: result.probes,
    seed: run.seed ?? null,
    scoreEvaluationsPerRow: result.scoreEvaluations,
    mean,
    closedForm: closedForm ?? null,
    logLikelihood: Array.from(result.logLikelihood),
    standardError: result.standardError === undefined ? null : Array.from(result.standardError),
    bitsPerDim: Array.from(result.bitsPerDim),
  };
  return { text: lines.join('\n') + '\n', json };
}

/** The `likelihood` command. */
export const likelihoodCommand: Command = {
  spec,
  async run(args) {
    const dataPath = args.string('data');
    if (dataPath === undefined) throw new MissingOptionError('data', 'the points to evaluate, .csv or .json');
    const target = resolveTarget(args);
    if (target.networkKind === 'cld')
      throw new UsageError(
        `--network ${args.string('network')} is a CLD network: the likelihood needs a DDPM (OU) score`,
      );
    const score = target.ouScore();
    const run = resolveRun(args, score, target, dataPath);
    const rows = readPointCloud(dataPath);
    if (rows.shape[1] !== target.dim)
      throw new UsageError(`--data ${dataPath} has ${rows.shape[1]} columns; the target has d = ${target.dim}`);
    const grid = gridOf(run);
    const result = logLikelihood(score, rows, {
      T: run.T,
      grid,
      divergence: run.divergence,
      ...(run.probes === undefined ? {} : { probes: run.probes, seed: run.seed! }),
    });
    return report(run, rows.shape[0]!, result, closedFormCheck(score, rows, run, grid, result));
  },
};
