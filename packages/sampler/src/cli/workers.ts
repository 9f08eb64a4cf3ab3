/**
 * `--workers <k|auto>` of `sgmkit train` and `sgmkit sample`. Output is bit-identical for any
 * number of threads, so the default, `auto`, uses the machine's cores whenever a run has enough
 * work per step to pay for handing it over, and only the cores that other work leaves idle; a fixed `k` is taken
 * as given.
 * @packageDocumentation
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseDecimal, type OptionSpec, type ParsedArgs } from './args.js';
import { MAX_WORKERS } from '../samplers/sample.js';
import { MAX_TRAINING_WORKERS } from '../node/training.js';
import { OptionValueError } from './errors.js';

/** Most threads `--workers` accepts: what both the sampler and the training pool take. */
export const MAX_CLI_WORKERS = Math.min(MAX_WORKERS, MAX_TRAINING_WORKERS);

/**
 * Smallest minibatch work, parameters × rows, at which `auto` trains on more than one thread.
 * Measured (d = 2, batch 256, load 4): widths 32,32 (1,730 parameters, 0.44 M) ran 1.43× faster on
 * 2 threads and widths 16,16 (610 parameters, 0.16 M) 0.87×, slower: a step that small is mostly
 * the hand-over.
 */
export const AUTO_TRAINING_MIN_WORK = 2 ** 18;

/**
 * Fewest particles with which `auto` samples a learned network or a point cloud on workers. Such a score costs
 * 10²–10⁴ times an analytic mixture's per particle-step, so even a small run outlasts the threads' start-up many
 * times over. Analytic targets use the library's `AUTO_WORKERS_MIN_PARTICLES` (what `workers: 'auto'` does).
 */
export const AUTO_SAMPLING_MIN_COSTLY_PARTICLES = 2048;

/**
 * Cores not busy with other work: the cores less the whole part of the 1-minute load average, at least one. Threads
 * of a training step wait for each other at every step, so a thread that shares its core with another process slows
 * the whole step: measured with two other processes on this 2-core machine, 800 digits training steps took 14.4 s on
 * 1 thread and 14.4–19.9 s on 2. (Where the load average is not kept, e.g. on Windows, it reads 0: every core.)
 */
export function idleCores(cores = availableParallelism(), load = loadavg()[0]!): number {
  return Math.max(1, cores - Math.floor(Number.isFinite(load) && load > 0 ? load : 0));
}

/** `--workers`: a thread count, or `auto`. */
export type WorkersChoice = number | 'auto';

/** The `--workers` option as `train` and `sample` declare it; `what` says what the threads share. */
export function workersOptionSpec(what: string): OptionSpec {
  return {
    name: 'workers',
    kind: 'string',
    valueName: '<k|auto>',
    description: `threads ${what} (same output for any k); auto: one per idle core when the run is large enough`,
    defaultText: 'auto',
  };
}

/** `--workers` as given: an integer in [1, 64] or `auto` (the default). */
export function parseWorkers(args: ParsedArgs): WorkersChoice {
  const text = args.string('workers', 'auto');
  if (text === 'auto') return 'auto';
  // the same numerals as every integer option (`--steps 1e3`), so `--workers 1e1` is 10
  const k = parseDecimal(text) ?? NaN;
  if (!(Number.isSafeInteger(k) && k >= 1 && k <= MAX_CLI_WORKERS))
    throw new OptionValueError('workers', text, `an integer >= 1 and <= ${MAX_CLI_WORKERS}, or auto`);
  return k;
}

/** Threads for training a network of `parameters` weights on minibatches of `batchSize` rows, out of `cores`. */
export function trainingThreads(
  choice: WorkersChoice,
  parameters: number,
  batchSize: number,
  cores = idleCores(),
): number {
  if (choice !== 'auto') return choice;
  return parameters * batchSize >= AUTO_TRAINING_MIN_WORK ? Math.min(cores, MAX_CLI_WORKERS) : 1;
}

/** Threads for sampling `n` particles: with `auto`, all `cores` once `n` reaches `minParticles`, else one. */
export function samplingThreads(choice: WorkersChoice, n: number, minParticles: number, cores = idleCores()): number {
  if (choice !== 'auto') return choice;
  return n >= minParticles ? Math.min(cores, MAX_CLI_WORKERS) : 1;
}
