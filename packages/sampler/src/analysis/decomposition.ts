/**
 * Splitting a DDPM sampler's error on Gaussian data into initialisation,
 * discretisation, score and early-stopping parts, each an exact divergence between
 * exact output laws.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';
import { gaussianKL, gaussianW2 } from './divergences.js';
import { exactDDPMLaw, type ExactDDPMOptions } from './exact-ddpm.js';
import { ouMarginal, type GaussianLaw } from './gaussian.js';

/** Options of {@link errorDecomposition}: the sampler (as for `exactDDPMLaw`, without `init`) and the divergence. */
export interface ErrorDecompositionOptions extends Omit<ExactDDPMOptions, 'init'> {
  /** `'kl'` (default; KL(sampler law ‖ reference) in nats) or `'w2'` (2-Wasserstein, not squared). */
  readonly divergence?: 'kl' | 'w2';
}

/** The parts and the total; see {@link errorDecomposition}. */
export interface ErrorDecomposition {
  readonly divergence: 'kl' | 'w2';
  readonly initialisation: number;
  readonly discretisation: number;
  readonly score: number;
  readonly earlyStopping: number;
  /** D(sampler output from N(0, I) with its score ‖ data). */
  readonly total: number;
  /** initialisation + discretisation + score + earlyStopping; `total ≤ sum` for W2 (triangle inequality), not guaranteed for KL. */
  readonly sum: number;
}

/**
 * Exact error decomposition of the DDPM sampler for data `N(μ, Σ)`. With `p` the
 * sampler's law (start `N(0, I)`, the given score or score error), `p*` the same
 * sampler with the exact score, `p*_T` that sampler started at `q_T`, and `δ = t_N`:
 * - initialisation = `D(p* ‖ p*_T)` (starting at `N(0, I)` instead of `q_T`),
 * - discretisation = `D(p*_T ‖ q_δ)` (frozen-score steps from the exact start),
 * - score = `D(p ‖ p*)` (the score error alone, same start and grid),
 * - earlyStopping = `D(q_δ ‖ q_0)` (0 when `δ = 0`),
 * - total = `D(p ‖ q_0)`.
 * Each part isolates one cause by switching it off in an otherwise identical sampler.
 * For W2 the chain `p → p* → p*_T → q_δ → q_0` gives `total ≤ sum`; KL has no
 * triangle inequality, so for KL the parts are diagnostics that need not add up.
 */
export function errorDecomposition(data: GaussianLaw, options: ErrorDecompositionOptions): ErrorDecomposition {
  const fn = 'errorDecomposition';
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(fn, 'options', options, 'an object { T, grid, method, ... }');
  if ('init' in options && (options as { init?: unknown }).init !== undefined) {
    throw new InvalidArgumentError(fn, 'options.init', (options as { init?: unknown }).init, 'absent (the decomposition chooses the starting laws itself)');
  }
  const divergence = options.divergence ?? 'kl';
  if (divergence !== 'kl' && divergence !== 'w2') throw new InvalidArgumentError(fn, 'options.divergence', divergence, "'kl' or 'w2'");
  const distance = divergence === 'kl' ? gaussianKL : gaussianW2;
  const sampler: ExactDDPMOptions = { T: options.T, grid: options.grid, method: options.method, scoreError: options.scoreError, corrector: options.corrector, score: options.score };
  const exactSampler = { ...sampler, score: undefined, scoreError: undefined };
  const output = exactDDPMLaw(data, sampler);
  const exactScore = exactDDPMLaw(data, exactSampler);
  const exactStart = exactDDPMLaw(data, { ...exactSampler, init: 'forward-marginal' });
  const delta = options.grid[options.grid.length - 1]!;
  const stoppedTarget = delta === 0 ? data : ouMarginal(data, delta);
  const parts = {
    initialisation: distance(exactScore, exactStart),
    discretisation: distance(exactStart, stoppedTarget),
    score: distance(output, exactScore),
    earlyStopping: delta === 0 ? 0 : distance(stoppedTarget, data),
  };
  const sum = parts.initialisation + parts.discretisation + parts.score + parts.earlyStopping;
  return { divergence, ...parts, total: distance(output, data), sum };
}
