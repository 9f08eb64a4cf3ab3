/**
 * `trainDenoisingScoreMatchingOnWorkers`: the score package's DSM training with each minibatch's
 * gradient computed by several threads. Weights are bit-identical to
 * `trainDenoisingScoreMatching` with the same options, whatever the number of workers.
 * @packageDocumentation
 */
import { InvalidArgumentError, expectInteger } from '@sgmkit/tensor';
import {
  isScoreNetwork,
  trainDenoisingScoreMatching,
  type AnyScoreNetwork,
  type TrainingOptions,
  type TrainingResult,
} from '@sgmkit/score';
import type { Batch } from '@sgmkit/tensor';
import { WorkerGradientEvaluator } from './training-pool.js';
import { WorkerPool, defaultWorkerPool } from './pool.js';

/** Most threads a training run may ask for. */
export const MAX_TRAINING_WORKERS = 64;

/** Options of {@link trainDenoisingScoreMatchingOnWorkers}: the training options plus the thread count. */
export interface WorkerTrainingOptions extends Omit<TrainingOptions, 'gradientEvaluator'> {
  /**
   * Threads computing each minibatch's gradient, the calling thread included (default 1: no
   * worker threads). A minibatch has `⌈B/32⌉` micro-shards, and no more threads than that are used.
   */
  readonly workers?: number;
  /** Where the worker threads come from (default: the persistent pool the sampler's Node backend uses too). */
  readonly pool?: WorkerPool;
}

/**
 * Trains `network` in place by denoising (DDPM) or hybrid (CLD) score matching (see `trainDenoisingScoreMatching`), with
 * the minibatch gradient sharded over `options.workers` threads. The calling thread takes part
 * and is blocked until training ends. The workers come from a persistent pool and are back in it,
 * idle, before the promise settles, on success, error and abort alike (a worker that died is gone).
 * @throws {InvalidArgumentError} bad options (as `trainDenoisingScoreMatching`), or `workers` not an integer in [1, 64]
 */
export async function trainDenoisingScoreMatchingOnWorkers<N extends AnyScoreNetwork>(
  network: N,
  data: Batch,
  options: WorkerTrainingOptions = {},
): Promise<TrainingResult<N>> {
  const fn = 'trainDenoisingScoreMatchingOnWorkers';
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  const { workers: requested, pool = defaultWorkerPool, ...training } = options;
  if (!(pool instanceof WorkerPool)) throw new InvalidArgumentError(fn, 'options.pool', pool, 'a WorkerPool');
  if ('gradientEvaluator' in training) {
    throw new InvalidArgumentError(
      fn,
      'options.gradientEvaluator',
      (training as TrainingOptions).gradientEvaluator,
      'undefined (the workers compute the gradient)',
    );
  }
  const workers = expectInteger(fn, 'options.workers', requested ?? 1, 1, MAX_TRAINING_WORKERS);
  if (workers === 1) return trainDenoisingScoreMatching(network, data, training);
  if (!isScoreNetwork(network))
    throw new InvalidArgumentError(fn, 'network', network, 'a ScoreNetwork or CLDScoreNetwork');
  const batchSize = expectInteger(fn, 'options.batchSize', training.batchSize ?? 256, 1);
  const evaluator = await WorkerGradientEvaluator.start(network, batchSize, workers, pool);
  try {
    return trainDenoisingScoreMatching(network, data, { ...training, gradientEvaluator: evaluator });
  } finally {
    await evaluator.close();
  }
}
