/**
 * `sgmkit train`: denoising score matching on a data file or an analytic
 * preset, with a progress bar, a loss-curve picture, the saved network, and
 * (for analytic targets) the learned score's error against the exact score.
 * @packageDocumentation
 */
import { batch, type Batch } from '@sgmkit/tensor';
import { createScoreNetwork, sampleForwardMarginal, saveScoreNetwork, type Score } from '@sgmkit/score';
import { MAX_TRAINING_WORKERS, trainDenoisingScoreMatchingOnWorkers } from '../../node/training.js';
import type { CommandSpec, ParsedArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { OptionValueError } from '../errors.js';
import { formatTable } from '../format.js';
import { createProgress, formatDuration } from '../progress.js';
import { resolveTarget, TARGET_OPTIONS, type Target } from '../targets.js';
import { figure, lossCurvePanel } from '../../plot/index.js';
import { writeTextFile } from '../../node/files.js';

const spec: CommandSpec = {
  name: 'train',
  summary: 'train a score network by denoising score matching; plot the loss and save the network',
  description:
    'Data: a point-cloud file (--points), or exact draws from an analytic target (--target, default ring8).\n' +
    'For analytic targets the learned score is then compared with the exact score at a few times t.\n' +
    'Sample from the result with `sgmkit sample --network <file.json>`.',
  options: [
    ...TARGET_OPTIONS,
    { name: 'data-size', kind: 'integer', min: 1, valueName: '<m>', description: 'draws from an analytic target used as training data', defaultText: '10000' },
    { name: 'steps', kind: 'integer', min: 1, valueName: '<N>', description: 'Adam steps', defaultText: '2000' },
    { name: 'batch-size', kind: 'integer', min: 1, valueName: '<B>', description: 'minibatch size', defaultText: '256' },
    { name: 'lr', kind: 'number', min: 0, exclusiveMin: true, valueName: '<rate>', description: 'Adam learning rate', defaultText: '1e-3' },
    { name: 'hidden', kind: 'numbers', valueName: '<w1,w2,...>', description: 'hidden layer widths', defaultText: '128,128' },
    { name: 'T', kind: 'number', min: 0, exclusiveMin: true, valueName: '<T>', description: 'largest training time', defaultText: '10' },
    { name: 't-min', kind: 'number', min: 0, exclusiveMin: true, valueName: '<t>', description: 'smallest training time', defaultText: '1e-3' },
    { name: 'ema', kind: 'number', min: 0, max: 0.999999, valueName: '<decay>', description: 'keep and save an exponential moving average of the weights' },
    { name: 'seed', kind: 'integer', min: 0, max: 0xffffffff, valueName: '<seed>', description: 'seed of the data, weights and minibatches', defaultText: '0' },
    { name: 'workers', kind: 'integer', min: 1, max: MAX_TRAINING_WORKERS, valueName: '<k>', description: 'threads sharing each minibatch gradient (same weights for any k)', defaultText: '1' },
    { name: 'dtype', kind: 'choice', choices: ['float64', 'float32'], description: 'precision of weights and activations (float32: about twice as fast; loss and Adam stay float64); saved in the file', defaultText: 'float64' },
    { name: 'out', kind: 'string', valueName: '<file.json>', description: 'where to save the network', defaultText: 'out/network.json' },
    { name: 'plot', kind: 'string', valueName: '<file.svg>', description: 'where to draw the loss curve', defaultText: 'out/loss.svg' },
    { name: 'no-plot', kind: 'boolean', description: 'do not draw the loss curve' },
  ],
  examples: [
    'sgmkit train --steps 3000',
    'sgmkit train --points data.csv --hidden 64,64 --steps 500 --out out/net.json',
    'sgmkit train --target gaussian --dim 64 --hidden 256,256 --workers 2',
    'sgmkit train --dtype float32 --hidden 256,256 --steps 3000',
    'sgmkit sample --network out/network.json --T 10 --delta 1e-3',
  ],
};

/** Times at which the learned score is compared with the exact one. */
const CHECK_TIMES = [0.01, 0.1, 1];
const CHECK_SIZE = 2000;

function hiddenWidths(args: ParsedArgs): number[] {
  const widths = args.numbers('hidden') ?? [128, 128];
  if (widths.some((w) => !Number.isInteger(w) || w < 1)) throw new OptionValueError('hidden', widths.join(','), 'a comma-separated list of integers >= 1');
  return widths;
}

function trainingData(target: Target, args: ParsedArgs): Batch {
  if (target.points) return target.points;
  return target.draw!(args.number('data-size', 10_000), args.number('seed', 0));
}

/** `√(E|s_θ − s|²) / √(E|s|²)` over exact draws from `q_t`. */
function relativeScoreError(learned: Score, exact: Score, target: Target, t: number, seed: number): number {
  const x = sampleForwardMarginal(target.draw!(CHECK_SIZE, seed), t, { seed });
  const a = batch(CHECK_SIZE, target.dim);
  const b = batch(CHECK_SIZE, target.dim);
  learned.evaluate(t, x, a);
  exact.evaluate(t, x, b);
  let error = 0;
  let norm = 0;
  for (let i = 0; i < a.data.length; i++) {
    error += (a.data[i]! - b.data[i]!) ** 2;
    norm += b.data[i]! ** 2;
  }
  return Math.sqrt(error / norm);
}

function checkAgainstExact(learned: Score, target: Target, seed: number): { t: number; relativeError: number }[] {
  if (!target.draw || target.points) return [];
  const exact = target.ouScore();
  return CHECK_TIMES.map((t, k) => ({ t, relativeError: relativeScoreError(learned, exact, target, t, seed + 1 + k) }));
}

async function train(target: Target, data: Batch, args: ParsedArgs, context: CommandContext) {
  const steps = args.number('steps', 2000);
  const dtype = args.string('dtype', 'float64') as 'float64' | 'float32';
  const network = createScoreNetwork({ dim: target.dim, hiddenWidths: hiddenWidths(args), seed: args.number('seed', 0), dtype });
  const progress = createProgress({ label: 'train', total: steps, enabled: !context.quiet, stream: context.stderr });
  const started = performance.now();
  const result = await trainDenoisingScoreMatchingOnWorkers(network, data, {
    steps, batchSize: args.number('batch-size', 256), learningRate: args.number('lr', 1e-3), tMin: args.number('t-min', 1e-3),
    tMax: args.number('T', 10), emaDecay: args.number('ema'), seed: args.number('seed', 0), signal: context.signal, workers: args.number('workers', 1),
    onStep: ({ step, loss }) => progress.update(step, `loss ${loss.toPrecision(4)}`),
  });
  progress.finish();
  return { network: result.ema ?? network, losses: result.losses, wallTimeMs: performance.now() - started };
}

/** The `train` command. */
export const trainCommand: Command = {
  spec,
  async run(args, context) {
    const target = resolveTarget(args);
    if (!(args.number('t-min', 1e-3) < args.number('T', 10))) throw new OptionValueError('t-min', String(args.number('t-min')), `less than --T (${args.number('T', 10)})`);
    const data = trainingData(target, args);
    const out = args.string('out', 'out/network.json');
    const plot = args.flag('no-plot') ? undefined : args.string('plot', 'out/loss.svg');
    const { network, losses, wallTimeMs } = await train(target, data, args, context);
    writeTextFile(out, saveScoreNetwork(network));
    if (plot) writeTextFile(plot, figure([lossCurvePanel({ losses, title: `denoising score matching: ${target.name}` })]));
    const checks = checkAgainstExact(network, target, args.number('seed', 0));
    const tail = losses.subarray(Math.max(0, losses.length - Math.max(1, Math.round(losses.length / 20))));
    const finalLoss = tail.reduce((a, v) => a + v, 0) / tail.length;
    const lines = [
      `data:    ${target.description} (${data.shape[0]} points)`,
      `network: ${network.dtype}, hidden ${network.architecture.hiddenWidths.join(',')}`,
      `trained: ${losses.length} steps in ${formatDuration(wallTimeMs)}; mean loss over the last ${tail.length} steps ${finalLoss.toPrecision(4)}`,
    ];
    if (checks.length) lines.push('', 'Learned score against the exact score (relative L2 error over draws from q_t):', formatTable(['t', 'relative error'], checks.map((c) => [c.t, c.relativeError])).trimEnd());
    lines.push('', `wrote ${out}${plot ? ` and ${plot}` : ''}`);
    return { text: lines.join('\n') + '\n', json: { target: target.name, dtype: network.dtype, dataSize: data.shape[0], steps: losses.length, wallTimeMs, finalLoss, scoreError: checks, out, plot: plot ?? null, losses: Array.from(losses) } };
  },
};
