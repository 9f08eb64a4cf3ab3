/**
 * `sgmkit train`: denoising score matching on a data file or an analytic
 * preset, with a progress bar, a loss-curve picture, the saved network, and
 * (for analytic targets) the learned score's error against the exact score.
 * @packageDocumentation
 */
import { batch, type Batch } from '@sgmkit/tensor';
import {
  cldPointCloudScore,
  DEFAULT_RECIPE_STEPS,
  DEFAULT_MAX_STANDARDIZED_RANGE,
  DEFAULT_STANDARDIZED_STD,
  DEFAULT_RESIDUAL_HORIZON,
  DEFAULT_RESIDUAL_BOX,
  defaultHiddenWidths,
  finishScoreNetworkTraining,
  pointCloudScore,
  prepareCLDScoreNetworkTraining,
  prepareScoreNetworkTraining,
  sampleCLDForwardMarginal,
  sampleForwardMarginal,
  samplePointCloud,
  saveScoreNetwork,
  standardizeBatch,
  parseTrainingCheckpoint,
  trainingCheckpointToJson,
  type TrainingCheckpoint,
  type TrainingOptions,
  type AnyScoreNetwork,
  type CLDScore,
  type Score,
  type TrainScoreNetworkOptions,
  type TrainScoreNetworkResult,
  type PreparedScoreNetworkTraining,
} from '@sgmkit/score';
import { trainDenoisingScoreMatchingOnWorkers } from '../../node/training.js';
import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { OptionValueError, UsageError } from '../errors.js';
import { formatTable } from '../format.js';
import { parseWorkers, trainingThreads, workersOptionSpec } from '../workers.js';
import { createProgress, formatDuration } from '../progress.js';
import { resolveTarget, TARGET_OPTIONS, type Target } from '../targets.js';
import { figure, lossCurvePanel } from '../../plot/index.js';
import { readTextFile, writeSamples, writeTextFile } from '../../node/files.js';

const spec: CommandSpec = {
  name: 'train',
  summary:
    'train a score network by denoising (DDPM) or hybrid (CLD) score matching; plot the loss and save the network',
  description:
    'Data: a point-cloud file (--points), or exact draws from an analytic target (--target, default ring8).\n' +
    'The recipe (docs/learned-scores.md): 10% of the rows held out, the rest standardised per coordinate,\n' +
    'a network sized for d, warm-up + cosine learning rate, gradient clipping, and the EMA of the weights\n' +
    '(saved, with the standardisation, and used by `sgmkit sample --network <file.json>`).\n' +
    '--sampler cld trains a CLD velocity-score network by hybrid score matching (Dockhorn et al. 2022) instead,\n' +
    'for `sgmkit sample --sampler cld --network <file.json>`.\n' +
    'Reported: the held-out DSM loss, and the learned score against the exact score of the empirical\n' +
    '(point-cloud) law of the training rows at a few times t (and, for analytic targets, of the true law).',
  options: [
    ...TARGET_OPTIONS,
    {
      name: 'sampler',
      kind: 'choice',
      choices: ['ddpm', 'cld'],
      description: 'which score to learn: the DDPM (OU) score, or the CLD velocity score',
      defaultText: 'ddpm',
    },
    {
      name: 'gamma',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<γ>',
      description: 'CLD initial velocity variance (--sampler cld; saved in the network)',
      defaultText: '1',
    },
    {
      name: 'data-size',
      kind: 'integer',
      min: 1,
      valueName: '<m>',
      description: 'draws from an analytic target used as training data',
      defaultText: '10000',
    },
    {
      name: 'steps',
      kind: 'integer',
      min: 1,
      valueName: '<N>',
      description: 'Adam steps',
      defaultText: String(DEFAULT_RECIPE_STEPS),
    },
    {
      name: 'batch-size',
      kind: 'integer',
      min: 1,
      valueName: '<B>',
      description: 'minibatch size',
      defaultText: '256',
    },
    {
      name: 'lr',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<rate>',
      description: 'peak Adam learning rate',
      defaultText: '1e-3',
    },
    {
      name: 'lr-schedule',
      kind: 'choice',
      choices: ['cosine', 'constant'],
      description: 'learning rate after the warm-up',
      defaultText: 'cosine',
    },
    {
      name: 'warmup',
      kind: 'integer',
      min: 0,
      valueName: '<steps>',
      description: 'linear learning-rate warm-up steps',
      defaultText: 'steps/40',
    },
    {
      name: 'clip',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<norm>',
      description: 'clip each gradient to this Euclidean norm',
      defaultText: '1',
    },
    {
      name: 'hidden',
      kind: 'numbers',
      valueName: '<w1,w2,...>',
      description: 'hidden layer widths',
      defaultText: '2 layers of max(128, 4d rounded up to a power of 2), at most 1024',
    },
    {
      name: 'normalization',
      kind: 'choice',
      choices: ['affine', 'whitening', 'none'],
      description: 'standardisation of the data (undone when sampling)',
      defaultText: 'affine',
    },
    {
      name: 'max-range',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<K>',
      description:
        'standardise each coordinate by max(std/s, range/K), so none spans more than K units (s: --data-std)',
      defaultText: `${DEFAULT_MAX_STANDARDIZED_RANGE === Infinity ? 'no cap' : String(DEFAULT_MAX_STANDARDIZED_RANGE)}; --sampler cld: no cap`,
    },
    {
      name: 'data-std',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<s>',
      description: 'standard deviation of each standardised coordinate (the OU noise has 1)',
      defaultText: `${DEFAULT_STANDARDIZED_STD}; --sampler cld: 1`,
    },
    { name: 'no-skip', kind: 'boolean', description: 'plain noise prediction, without the N(0, I) skip term' },
    {
      name: 'residual-horizon',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<H>',
      description: 'for t > H the score is the skip term alone, and training draws t <= H (DDPM with the skip)',
      defaultText: DEFAULT_RESIDUAL_HORIZON === Infinity ? 'none' : String(DEFAULT_RESIDUAL_HORIZON),
    },
    {
      name: 'residual-box',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<k>',
      description:
        "the network reads x clipped to the training rows' range ± k noise std (DDPM with the skip; the skip reads x)",
      defaultText: DEFAULT_RESIDUAL_BOX === Infinity ? 'none' : String(DEFAULT_RESIDUAL_BOX),
    },
    {
      name: 'T',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<T>',
      description: 'largest training time',
      defaultText: '10',
    },
    {
      name: 't-min',
      kind: 'number',
      min: 0,
      exclusiveMin: true,
      valueName: '<t>',
      description: 'smallest training time',
      defaultText: '1e-3',
    },
    {
      name: 'ema',
      kind: 'number',
      min: 0,
      max: 0.999999,
      valueName: '<decay>',
      description: 'decay of the exponential moving average of the weights (saved); 0: save the last weights',
      defaultText: '0.999',
    },
    {
      name: 'holdout',
      kind: 'number',
      min: 0,
      max: 0.5,
      valueName: '<fraction>',
      description: 'fraction of the rows held out for the held-out loss',
      defaultText: '0.1',
    },
    {
      name: 'early-stopping',
      kind: 'boolean',
      description: 'stop when the held-out loss has not improved for 5 evaluations',
    },
    {
      name: 'seed',
      kind: 'integer',
      min: 0,
      max: 0xffffffff,
      valueName: '<seed>',
      description: 'seed of the data, split, weights and minibatches',
      defaultText: '0',
    },
    workersOptionSpec('sharing each minibatch gradient'),
    {
      name: 'dtype',
      kind: 'choice',
      choices: ['float64', 'float32'],
      description:
        'precision of weights and activations (float32: about twice as fast; loss and Adam stay float64); saved in the file',
      defaultText: 'float64',
    },
    {
      name: 'out',
      kind: 'string',
      valueName: '<file.json>',
      description: 'where to save the network',
      defaultText: 'out/network.json',
    },
    {
      name: 'checkpoint-every',
      kind: 'integer',
      min: 1,
      valueName: '<N>',
      description: 'save the training state every N steps (atomically), to resume a stopped run',
    },
    {
      name: 'checkpoint',
      kind: 'string',
      valueName: '<file.json>',
      description: 'where --checkpoint-every saves',
      defaultText: 'out/checkpoint.json',
    },
    {
      name: 'resume',
      kind: 'string',
      valueName: '<file.json>',
      description:
        'continue from a checkpoint of this same command line (same data, options and seed): the same network, bit for bit, as a run that never stopped',
    },
    {
      name: 'save-split',
      kind: 'string',
      valueName: '<prefix>',
      description:
        'also write the rows trained on and the held-out rows to <prefix>-train.csv and <prefix>-heldout.csv (for sample --train/--reference)',
    },
    {
      name: 'plot',
      kind: 'string',
      valueName: '<file.svg>',
      description: 'where to draw the loss curve',
      defaultText: 'out/loss.svg',
    },
    { name: 'no-plot', kind: 'boolean', description: 'do not draw the loss curve' },
  ],
  examples: [
    'sgmkit train --steps 3000',
    'sgmkit train --points examples/data/moons.csv --out out/net.json',
    'sgmkit train --points examples/data/digits.csv --out out/digits.json --save-split out/digits',
    'sgmkit train --dtype float32 --steps 3000',
    'sgmkit train --target gaussian --dim 64 --workers 2',
    'sgmkit sample --network out/network.json --delta 1e-3',
    'sgmkit train --points examples/data/digits.csv --checkpoint-every 500   # after an interruption: the same, plus --resume out/checkpoint.json',
    'sgmkit train --sampler cld --target ring8 --out out/cld.json',
    'sgmkit sample --sampler cld --network out/cld.json --method sscs',
  ],
};

/** Times at which the learned score is compared with exact scores. */
const CHECK_TIMES = [0.01, 0.1, 1];
const CHECK_SIZE = 2000;

function hiddenWidths(args: ParsedArgs, d: number): number[] {
  const widths = args.numbers('hidden') ?? defaultHiddenWidths(d);
  if (widths.some((w) => !Number.isInteger(w) || w < 1))
    throw new OptionValueError('hidden', widths.join(','), 'a comma-separated list of integers >= 1');
  return widths;
}

function trainingData(target: Target, args: ParsedArgs): Batch {
  if (target.points) return target.points;
  return target.draw!(args.number('data-size', 10_000), args.number('seed', 0));
}

/** A draw of the forward law at time t from data rows: x_t (DDPM) or (x_t, v_t) (CLD). */
type ForwardDraw = { x: Batch; v?: Batch };

/** `√(E|s_θ − s|²) / √(E|s|²)` over the draws (the OU score, or the CLD velocity score when `draw.v` is given). */
function relativeScoreError(learned: Score | CLDScore, exact: Score | CLDScore, draw: ForwardDraw, t: number): number {
  const [n, d] = draw.x.shape as [number, number];
  const a = batch(n, d);
  const b = batch(n, d);
  if (draw.v) {
    (learned as CLDScore).evaluate(t, draw.x, draw.v, a);
    (exact as CLDScore).evaluate(t, draw.x, draw.v, b);
  } else {
    (learned as Score).evaluate(t, draw.x, a);
    (exact as Score).evaluate(t, draw.x, b);
  }
  let error = 0;
  let norm = 0;
  for (let i = 0; i < a.data.length; i++) {
    error += (a.data[i]! - b.data[i]!) ** 2;
    norm += b.data[i]! ** 2;
  }
  return Math.sqrt(error / norm);
}

/** Draws the forward law of the network's kind at time t from rows x₀ (γ of a CLD network). */
function forwardDraw(network: AnyScoreNetwork, rows: Batch, t: number, seed: number): ForwardDraw {
  if (network.kind === 'ou') return { x: sampleForwardMarginal(rows, t, { seed }) };
  const { positions, velocities } = sampleCLDForwardMarginal(rows, t, {
    seed,
    initialVelocityVariance: network.initialVelocityVariance,
  });
  return { x: positions, v: velocities };
}

/** The training rows in the network's space (standardised when the network is). */
function networkSpaceRows(result: TrainScoreNetworkResult<AnyScoreNetwork>): Batch {
  return result.normalization ? standardizeBatch(result.normalization, result.train) : result.train;
}

/**
 * Against the exact score of the empirical law of the training rows, over draws of its OU marginal
 * q_t: how far the network is from memorising the training set (small t) and from the smoothed law (large t).
 */
function checkAgainstEmpirical(
  result: TrainScoreNetworkResult<AnyScoreNetwork>,
  seed: number,
): { t: number; relativeError: number }[] {
  const rows = networkSpaceRows(result);
  const network = result.network;
  const exact =
    network.kind === 'ou'
      ? pointCloudScore(rows)
      : cldPointCloudScore(rows, { initialVelocityVariance: network.initialVelocityVariance });
  return CHECK_TIMES.map((t, k) => {
    const draw = forwardDraw(network, samplePointCloud(rows, CHECK_SIZE, { seed: seed + 1 + k }), t, seed + 1 + k);
    return { t, relativeError: relativeScoreError(network, exact, draw, t) };
  });
}

/** Against the exact score of the true law (analytic targets), in the network's space. */
function checkAgainstExact(
  result: TrainScoreNetworkResult<AnyScoreNetwork>,
  target: Target,
  seed: number,
): { t: number; relativeError: number }[] {
  if (!target.draw || target.points) return [];
  const n = result.normalization;
  if (n && n.kind !== 'affine') return [];
  const network = result.network;
  const exact =
    network.kind === 'ou'
      ? n
        ? target.standardizedOUScore!(n.mean, n.scale)
        : target.ouScore()
      : n
        ? target.standardizedCLDScore!(n.mean, n.scale, network.initialVelocityVariance)
        : target.cldScore!(network.initialVelocityVariance);
  return CHECK_TIMES.map((t, k) => {
    const raw = target.draw!(CHECK_SIZE, seed + 1 + k);
    const draw = forwardDraw(network, n ? standardizeBatch(n, raw) : raw, t, seed + 1 + k);
    return { t, relativeError: relativeScoreError(network, exact, draw, t) };
  });
}

async function train(
  data: Batch,
  args: ParsedArgs,
  context: CommandContext,
): Promise<{ result: TrainScoreNetworkResult<AnyScoreNetwork>; wallTimeMs: number; threads: number }> {
  const steps = args.number('steps', DEFAULT_RECIPE_STEPS);
  const warmup = args.number('warmup', Math.round(steps / 40));
  if (warmup > steps) throw new OptionValueError('warmup', String(warmup), `at most --steps (${steps})`);
  const progress = createProgress({ label: 'train', total: steps, enabled: !context.quiet, stream: context.stderr });
  const started = performance.now();
  let heldOut = '';
  const options: TrainScoreNetworkOptions = {
    steps,
    batchSize: args.number('batch-size', 256),
    learningRate: args.number('lr', 1e-3),
    warmupSteps: warmup,
    learningRateDecay: args.string('lr-schedule', 'cosine') as 'cosine' | 'constant',
    gradientClipNorm: args.number('clip', 1),
    hiddenWidths: hiddenWidths(args, data.shape[1]!),
    normalization: args.string('normalization', 'affine') as 'affine' | 'whitening' | 'none',
    // Given only when set: the DDPM and CLD recipes have their own defaults (trainScoreNetwork, trainCLDScoreNetwork).
    ...(args.has('max-range')
      ? { maxStandardizedRange: args.number('max-range', DEFAULT_MAX_STANDARDIZED_RANGE) }
      : {}),
    ...(args.has('data-std') ? { standardizedStd: args.number('data-std', DEFAULT_STANDARDIZED_STD) } : {}),
    parameterisation: args.flag('no-skip') ? 'noise-prediction' : 'noise-prediction-skip',
    ...(args.has('residual-horizon') ? { residualHorizon: args.number('residual-horizon', Infinity) } : {}),
    ...(args.has('residual-box') ? { residualBox: args.number('residual-box', Infinity) } : {}),
    tMin: args.number('t-min', 1e-3),
    tMax: args.number('T', 10),
    emaDecay: args.number('ema', 0.999),
    heldOutFraction: args.number('holdout', 0.1),
    earlyStopping: args.flag('early-stopping'),
    seed: args.number('seed', 0),
    signal: context.signal,
    dtype: args.string('dtype', 'float64') as 'float64' | 'float32',
    onEvaluation: (e) => {
      heldOut = `, held-out ${e.heldOutLoss.toPrecision(4)}`;
    },
    onStep: ({ step, loss }) => progress.update(step, `loss ${loss.toPrecision(4)}${heldOut}`),
  };
  const workers = parseWorkers(args);
  const checkpoints = checkpointOptions(args);
  const prepared: PreparedScoreNetworkTraining<AnyScoreNetwork> =
    args.string('sampler', 'ddpm') === 'cld'
      ? prepareCLDScoreNetworkTraining(data, { ...options, initialVelocityVariance: args.number('gamma', 1) })
      : prepareScoreNetworkTraining(data, options);
  const { network, trainData, trainingOptions, recipe } = prepared;
  const threads = trainingThreads(workers, network.parameters.length, recipe.batchSize);
  const trained = await trainDenoisingScoreMatchingOnWorkers<AnyScoreNetwork>(network, trainData, {
    ...trainingOptions,
    ...checkpoints,
    workers: threads,
  });
  const result = finishScoreNetworkTraining<AnyScoreNetwork>(prepared, trained);
  progress.finish();
  return { result, wallTimeMs: performance.now() - started, threads };
}

/** `--checkpoint-every`, `--checkpoint` and `--resume` as training options; the checkpoint file is written atomically. */
function checkpointOptions(args: ParsedArgs): Pick<TrainingOptions, 'checkpointEvery' | 'onCheckpoint' | 'resumeFrom'> {
  const every = args.number('checkpoint-every');
  if (every === undefined && args.has('checkpoint'))
    throw new UsageError('--checkpoint names the file --checkpoint-every writes: give --checkpoint-every <N> too');
  const path = args.string('checkpoint', 'out/checkpoint.json');
  const resumePath = args.string('resume');
  const resumeFrom: TrainingCheckpoint | undefined =
    resumePath === undefined ? undefined : parseTrainingCheckpoint(readTextFile(resumePath), resumePath);
  return {
    ...(every === undefined
      ? {}
      : {
          checkpointEvery: every,
          onCheckpoint: (checkpoint: TrainingCheckpoint) => writeTextFile(path, trainingCheckpointToJson(checkpoint)),
        }),
    ...(resumeFrom === undefined ? {} : { resumeFrom }),
  };
}

function scoreErrorLines(title: string, checks: readonly { t: number; relativeError: number }[]): string[] {
  return checks.length
    ? [
        '',
        title,
        formatTable(
          ['t', 'relative error'],
          checks.map((c) => [c.t, c.relativeError]),
        ).trimEnd(),
      ]
    : [];
}

/** `--save-split <prefix>`: the training and held-out rows (data units) as `<prefix>-train.csv` and `<prefix>-heldout.csv`. */
function splitFiles(
  prefix: string | undefined,
  train: Batch,
  heldOut: Batch,
): { train: string; heldOut: string | null } | undefined {
  if (prefix === undefined) return undefined;
  writeSamples(`${prefix}-train.csv`, train);
  if (heldOut.shape[0] === 0) return { train: `${prefix}-train.csv`, heldOut: null };
  writeSamples(`${prefix}-heldout.csv`, heldOut);
  return { train: `${prefix}-train.csv`, heldOut: `${prefix}-heldout.csv` };
}

/** The `train` command. */
export const trainCommand: Command = {
  spec,
  async run(args, context) {
    const target = resolveTarget(args);
    if (!(args.number('t-min', 1e-3) < args.number('T', 10)))
      throw new OptionValueError('t-min', String(args.number('t-min')), `less than --T (${args.number('T', 10)})`);
    if (args.has('gamma') && args.string('sampler', 'ddpm') !== 'cld')
      throw new UsageError('--gamma is the CLD initial velocity variance: give it with --sampler cld');
    if (args.flag('early-stopping') && args.number('holdout', 0.1) === 0)
      throw new OptionValueError('holdout', '0', '> 0 with --early-stopping (it watches the held-out loss)');
    const data = trainingData(target, args);
    const out = args.string('out', 'out/network.json');
    const plot = args.flag('no-plot') ? undefined : args.string('plot', 'out/loss.svg');
    const { result, wallTimeMs, threads } = await train(data, args, context);
    const resumed = args.string('resume');
    const { network, losses, evaluations } = result;
    writeTextFile(out, saveScoreNetwork(network));
    const split = splitFiles(args.string('save-split'), result.train, result.heldOut);
    const objective = network.kind === 'cld' ? 'hybrid score matching (CLD)' : 'denoising score matching';
    if (plot) writeTextFile(plot, figure([lossCurvePanel({ losses, title: `${objective}: ${target.name}` })]));
    const seed = args.number('seed', 0);
    const checks = checkAgainstExact(result, target, seed);
    const empirical = checkAgainstEmpirical(result, seed);
    const tail = losses.subarray(Math.max(0, losses.length - Math.max(1, Math.round(losses.length / 20))));
    const finalLoss = tail.reduce((a, v) => a + v, 0) / tail.length;
    const last = evaluations.at(-1);
    const recipe = result.options;
    const lines = [
      `data:    ${target.description} (${data.shape[0]} points: ${result.train.shape[0]} to train on, ${result.heldOut.shape[0]} held out)`,
      `network: ${network.kind === 'cld' ? `CLD velocity score (γ = ${network.initialVelocityVariance}), ` : ''}${network.dtype}, hidden ${network.architecture.hiddenWidths.join(',')}`,
      `recipe:  normalization ${recipe.normalization} (data std ${recipe.standardizedStd}, max range ${recipe.maxStandardizedRange}), hidden ${recipe.hiddenWidths.join(',')}, ${recipe.parameterisation}${recipe.residualHorizon === Infinity ? '' : `, residual horizon ${recipe.residualHorizon}`}${recipe.residualBox === Infinity ? '' : `, residual box ${recipe.residualBox}`}, EMA ${recipe.emaDecay}, lr ${recipe.learningRate} (${recipe.warmupSteps} warm-up steps, ${recipe.learningRateDecay}), clip ${recipe.gradientClipNorm}`,
      `trained: ${losses.length} steps${resumed ? ` (resumed from ${resumed})` : ''}${result.stoppedEarly ? ' (stopped early: held-out loss on a plateau)' : ''} in ${formatDuration(wallTimeMs)} on ${threads} thread${threads > 1 ? 's' : ''}; mean loss over the last ${tail.length} steps ${finalLoss.toPrecision(4)}`,
    ];
    if (last)
      lines.push(
        `loss on fixed draws at step ${last.step}: held-out ${last.heldOutLoss.toPrecision(4)}, training ${last.trainLoss.toPrecision(4)}`,
      );
    lines.push(
      ...scoreErrorLines(
        'Learned score against the exact score of the true law (relative L2 error over draws from q_t):',
        checks,
      ),
    );
    lines.push(
      ...scoreErrorLines(
        "Learned score against the exact score of the training points' empirical law (relative L2 error over draws from its q_t):",
        empirical,
      ),
    );
    lines.push(
      '',
      `wrote ${out}${plot ? ` and ${plot}` : ''}${split ? `; the split: ${split.train}${split.heldOut ? ` and ${split.heldOut}` : ' (no held-out rows)'}` : ''}`,
    );
    return {
      text: lines.join('\n') + '\n',
      json: {
        target: target.name,
        kind: network.kind,
        dtype: network.dtype,
        dataSize: data.shape[0],
        trainSize: result.train.shape[0],
        heldOutSize: result.heldOut.shape[0],
        steps: losses.length,
        stoppedEarly: result.stoppedEarly,
        wallTimeMs,
        threads,
        finalLoss,
        heldOutLoss: last?.heldOutLoss ?? null,
        evaluations,
        scoreError: checks,
        empiricalScoreError: empirical,
        recipe,
        out,
        plot: plot ?? null,
        split: split ?? null,
        resumedFrom: resumed ?? null,
        losses: Array.from(losses),
      },
    };
  },
};
