/**
 * Training checkpoints: everything a run's future depends on after step k (master weights, Adam
 * moments and step count, the EMA, the minibatch stream's position, the early-stopping tracker and
 * the history so far), so that a run resumed from step k ends with the same bits as one that never
 * stopped. A fingerprint of the network shape, the data and the options refuses a checkpoint of
 * another run. Saved as JSON text with exact (shortest round-trip) numbers.
 * @packageDocumentation
 */
import { InvalidArgumentError, RandomStream, type Batch, type RandomStreamState } from '@sgmkit/tensor';
import type { AdamSnapshot } from './adam.js';
import type { TrainingEvaluation } from './training.js';

/** Format name in a checkpoint file. */
export const TRAINING_CHECKPOINT_FORMAT = 'sgmkit-training-checkpoint';
/** Version of the checkpoint file format. */
export const TRAINING_CHECKPOINT_VERSION = 1;

/** A training run's state after `step` steps; {@link TrainingCheckpoint} from `options.onCheckpoint`, to `options.resumeFrom`. */
export interface TrainingCheckpoint {
  /** Steps completed. */
  readonly step: number;
  /** Identifies the run (network shape and dtype, data, held-out data, options): a resume must match it. */
  readonly fingerprint: string;
  /** Master (float64) weights after `step` steps. */
  readonly parameters: Float64Array;
  readonly adam: AdamSnapshot;
  /** The minibatch stream's position. */
  readonly random: RandomStreamState;
  /** The early-stopping tracker: best held-out loss so far and evaluations since. */
  readonly plateau: { readonly best: number; readonly sinceBest: number };
  /** Minibatch losses and gradient norms of the steps taken, and the evaluations made. */
  readonly losses: Float64Array;
  readonly gradientNorms: Float64Array;
  readonly evaluations: readonly TrainingEvaluation[];
}

/** FNV-1a over bytes, two 32-bit lanes with different offsets: a 64-bit fingerprint as 16 hex digits. */
function hashBytes(bytes: Uint8Array, state: [number, number]): void {
  let [a, b] = state;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i]!, 0x01000193) >>> 0;
    b = Math.imul(b ^ bytes[i]!, 0x01000193) >>> 0;
    b = (b ^ (b >>> 13)) >>> 0; // decorrelates the second lane from the first
  }
  state[0] = a;
  state[1] = b;
}

function batchBytes(data: Batch): Uint8Array {
  const rows = data.shape[0]! * data.shape[1]!;
  const view = data.data.subarray(data.offset, data.offset + rows);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Fingerprint of a run: `description` (JSON of the network shape and the options) and the bytes of each batch. */
export function trainingFingerprint(description: unknown, batches: readonly (Batch | undefined)[]): string {
  const state: [number, number] = [0x811c9dc5, 0x01234567];
  hashBytes(new TextEncoder().encode(JSON.stringify(description)), state);
  for (const b of batches) {
    hashBytes(new TextEncoder().encode(b === undefined ? '-' : `[${b.shape.join(',')}]`), state);
    if (b !== undefined) hashBytes(batchBytes(b), state);
  }
  return state.map((w) => w.toString(16).padStart(8, '0')).join('');
}

/**
 * Checks that `checkpoint` continues this run: its fingerprint, parameter count and a step within the run.
 * @throws InvalidArgumentError naming `argument` otherwise
 */
export function expectCheckpoint(
  fn: string,
  argument: string,
  checkpoint: unknown,
  fingerprint: string,
  size: number,
  steps: number,
): TrainingCheckpoint {
  const c = checkpoint as TrainingCheckpoint;
  if (c === null || typeof c !== 'object' || !(c.parameters instanceof Float64Array)) {
    throw new InvalidArgumentError(
      fn,
      argument,
      checkpoint,
      'a TrainingCheckpoint (from options.onCheckpoint or parseTrainingCheckpoint)',
    );
  }
  if (c.fingerprint !== fingerprint) {
    throw new InvalidArgumentError(
      fn,
      argument,
      `a checkpoint of run ${c.fingerprint}`,
      `a checkpoint of this run, ${fingerprint} (the same network shape and dtype, data, held-out data and options)`,
    );
  }
  const lengths = [c.parameters.length, c.adam?.firstMoment?.length, c.adam?.secondMoment?.length];
  if (lengths.some((l) => l !== size))
    throw new InvalidArgumentError(fn, `${argument}.parameters`, c.parameters, `${size} weights and moments`);
  if (
    !Number.isInteger(c.step) ||
    c.step < 0 ||
    c.step > steps ||
    c.losses.length !== c.step ||
    c.gradientNorms.length !== c.step
  ) {
    throw new InvalidArgumentError(
      fn,
      `${argument}.step`,
      c.step,
      `an integer in [0, ${steps}] matching its loss history`,
    );
  }
  return c;
}

/** Plain JSON numbers for a float64 array (shortest round-trip text: exact). */
function numbers(values: Float64Array): number[] {
  return Array.from(values);
}

/**
 * A checkpoint as JSON text. Numbers are written exactly; an infinite best held-out loss (no evaluation yet)
 * is written as `null`.
 *
 * @example
 * ```ts
 * import { RandomStream, batch } from '@sgmkit/tensor';
 * import { createScoreNetwork, parseTrainingCheckpoint, trainDenoisingScoreMatching, trainingCheckpointToJson } from '@sgmkit/score';
 * const data = batch(200, 2);
 * new RandomStream(1).fillNormal(data.data);
 * const options = { steps: 40, batchSize: 64, seed: 3, checkpointEvery: 20 };
 * const saved: string[] = [];
 * const whole = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
 * trainDenoisingScoreMatching(whole, data, { ...options, onCheckpoint: (c) => saved.push(trainingCheckpointToJson(c)) });
 * // another process continues from the checkpoint written after step 20, and ends with the same weights
 * const resumed = createScoreNetwork({ dim: 2, hiddenWidths: [16], seed: 1 });
 * trainDenoisingScoreMatching(resumed, data, { ...options, resumeFrom: parseTrainingCheckpoint(saved[0]!) });
 * console.log(resumed.parameters.every((w, i) => w === whole.parameters[i])); // true
 * ```
 */
export function trainingCheckpointToJson(checkpoint: TrainingCheckpoint): string {
  return JSON.stringify({
    format: TRAINING_CHECKPOINT_FORMAT,
    version: TRAINING_CHECKPOINT_VERSION,
    step: checkpoint.step,
    fingerprint: checkpoint.fingerprint,
    parameters: numbers(checkpoint.parameters),
    adam: {
      steps: checkpoint.adam.steps,
      firstMoment: numbers(checkpoint.adam.firstMoment),
      secondMoment: numbers(checkpoint.adam.secondMoment),
      average: checkpoint.adam.average === undefined ? null : numbers(checkpoint.adam.average),
    },
    random: checkpoint.random,
    plateau: {
      best: Number.isFinite(checkpoint.plateau.best) ? checkpoint.plateau.best : null,
      sinceBest: checkpoint.plateau.sinceBest,
    },
    losses: numbers(checkpoint.losses),
    gradientNorms: numbers(checkpoint.gradientNorms),
    evaluations: checkpoint.evaluations,
  });
}

function failParse(source: string, path: string, value: unknown, expected: string): never {
  throw new InvalidArgumentError(
    'parseTrainingCheckpoint',
    `${source}: ${path}`,
    value,
    expected,
    'ERR_TRAINING_CHECKPOINT_FORMAT',
  );
}

function floatArray(source: string, path: string, value: unknown): Float64Array {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    failParse(source, path, value, 'an array of finite numbers');
  return Float64Array.from(value as number[]);
}

/**
 * Reads a checkpoint written by {@link trainingCheckpointToJson}; `source` names it in errors (e.g. the file).
 * @throws InvalidArgumentError (code `'ERR_TRAINING_CHECKPOINT_FORMAT'`) naming the field for malformed text
 */
export function parseTrainingCheckpoint(text: string, source = 'checkpoint'): TrainingCheckpoint {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return failParse(source, '(text)', text.slice(0, 40), 'JSON (the file may be cut short)');
  }
  if (doc === null || typeof doc !== 'object' || doc.format !== TRAINING_CHECKPOINT_FORMAT)
    failParse(source, 'format', doc?.format, `'${TRAINING_CHECKPOINT_FORMAT}'`);
  if (doc.version !== TRAINING_CHECKPOINT_VERSION)
    failParse(source, 'version', doc.version, String(TRAINING_CHECKPOINT_VERSION));
  if (typeof doc.fingerprint !== 'string') failParse(source, 'fingerprint', doc.fingerprint, 'a string');
  if (!Number.isInteger(doc.step) || (doc.step as number) < 0) failParse(source, 'step', doc.step, 'an integer >= 0');
  const adam = doc.adam as Record<string, unknown> | null;
  if (adam === null || typeof adam !== 'object' || !Number.isInteger(adam.steps))
    failParse(source, 'adam', adam, 'an object with steps, firstMoment, secondMoment, average');
  const plateau = doc.plateau as { best: unknown; sinceBest: unknown } | null;
  if (
    plateau === null ||
    typeof plateau !== 'object' ||
    !Number.isInteger(plateau.sinceBest) ||
    (plateau.best !== null && typeof plateau.best !== 'number')
  ) {
    failParse(source, 'plateau', plateau, '{ best: number | null, sinceBest: integer }');
  }
  if (!Array.isArray(doc.evaluations)) failParse(source, 'evaluations', doc.evaluations, 'an array');
  let random: RandomStreamState;
  try {
    random = RandomStream.fromState(doc.random as RandomStreamState).saveState();
  } catch {
    return failParse(source, 'random', doc.random, 'a RandomStream state');
  }
  return {
    step: doc.step as number,
    fingerprint: doc.fingerprint as string,
    parameters: floatArray(source, 'parameters', doc.parameters),
    adam: {
      steps: adam.steps as number,
      firstMoment: floatArray(source, 'adam.firstMoment', adam.firstMoment),
      secondMoment: floatArray(source, 'adam.secondMoment', adam.secondMoment),
      ...(adam.average === null || adam.average === undefined
        ? {}
        : { average: floatArray(source, 'adam.average', adam.average) }),
    },
    random,
    plateau: {
      best: plateau.best === null ? Infinity : (plateau.best as number),
      sinceBest: plateau.sinceBest as number,
    },
    losses: floatArray(source, 'losses', doc.losses),
    gradientNorms: floatArray(source, 'gradientNorms', doc.gradientNorms),
    evaluations: doc.evaluations as TrainingEvaluation[],
  };
}
