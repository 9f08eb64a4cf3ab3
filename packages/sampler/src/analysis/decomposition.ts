/**
 * Splitting a DDPM or CLD sampler's error on Gaussian data into initialisation,
 * discretisation, score and early-stopping parts, each an exact divergence between
 * exact output laws.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';
import { gaussianKL, gaussianW2 } from './divergences.js';
import { exactCLDLaw, cldForwardMarginal, type ExactCLDLaw, type ExactCLDOptions } from './exact-cld.js';
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
 *
 * @example
 * ```ts
 * const parts = errorDecomposition(data, { T: 4, grid: uniformGrid(4, 100), method: 'exponential-integrator', scoreError: { bias }, divergence: 'w2' });
 * parts.total <= parts.sum; // true for W2
 * ```
 */
export function errorDecomposition(data: GaussianLaw, options: ErrorDecompositionOptions): ErrorDecomposition {
  const fn = 'errorDecomposition';
  const divergence = expectDecompositionOptions(fn, options);
  const sampler: ExactDDPMOptions = {
    T: options.T,
    grid: options.grid,
    method: options.method,
    scoreError: options.scoreError,
    corrector: options.corrector,
    score: options.score,
  };
  const exactSampler = { ...sampler, score: undefined, scoreError: undefined };
  const delta = options.grid[options.grid.length - 1]!;
  const output = exactDDPMLaw(data, sampler);
  return decompose(divergence, {
    output,
    exactScore: hasScoreError(options) ? exactDDPMLaw(data, exactSampler) : output,
    exactStart: exactDDPMLaw(data, { ...exactSampler, init: 'forward-marginal' }),
    stoppedTarget: delta === 0 ? undefined : ouMarginal(data, delta),
    target: data,
  });
}

/** Options of {@link cldErrorDecomposition}: the CLD sampler (without `init`), the divergence and the law compared. */
export interface CLDErrorDecompositionOptions extends Omit<ExactCLDOptions, 'init'> {
  readonly divergence?: 'kl' | 'w2';
  /** `'position'` (default: the samples the user keeps) or `'joint'` (the law on (x, v)). */
  readonly marginal?: 'position' | 'joint';
}

/**
 * The same decomposition for the CLD sampler (see {@link errorDecomposition}), on the
 * position marginal or on the joint law of `(x, v)`; the target is `N(μ, Σ)`, or
 * `N(μ, Σ) ⊗ N(0, γ I)` for the joint, and `q_δ` is the forward CLD marginal at δ.
 */
export function cldErrorDecomposition(data: GaussianLaw, options: CLDErrorDecompositionOptions): ErrorDecomposition {
  const fn = 'cldErrorDecomposition';
  const divergence = expectDecompositionOptions(fn, options);
  const marginal = options.marginal ?? 'position';
  if (marginal !== 'position' && marginal !== 'joint')
    throw new InvalidArgumentError(fn, 'options.marginal', marginal, "'position' or 'joint'");
  const sampler: ExactCLDOptions = {
    T: options.T,
    grid: options.grid,
    method: options.method,
    initialVelocityVariance: options.initialVelocityVariance,
    scoreError: options.scoreError,
    corrector: options.corrector,
    score: options.score,
  };
  const exactSampler = { ...sampler, score: undefined, scoreError: undefined };
  const pick = (law: ExactCLDLaw) => (marginal === 'position' ? law.position : law.joint);
  const output = pick(exactCLDLaw(data, sampler));
  const delta = options.grid[options.grid.length - 1]!;
  const gamma = options.initialVelocityVariance ?? 1;
  return decompose(divergence, {
    output,
    exactScore: hasScoreError(options) ? pick(exactCLDLaw(data, exactSampler)) : output,
    exactStart: pick(exactCLDLaw(data, { ...exactSampler, init: 'forward-marginal' })),
    stoppedTarget: delta === 0 ? undefined : pick(cldForwardMarginal(data, delta, gamma)),
    target: pick(cldForwardMarginal(data, 0, gamma)),
  });
}

/** Whether the sampler's score differs from the exact one (else its law is reused: the score part is exactly 0). */
function hasScoreError(options: { score?: unknown; scoreError?: unknown }): boolean {
  return options.score !== undefined || options.scoreError !== undefined;
}

function expectDecompositionOptions(fn: string, options: unknown): 'kl' | 'w2' {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { T, grid, method, ... }');
  const { init, divergence = 'kl' } = options as { init?: unknown; divergence?: unknown };
  if (init !== undefined)
    throw new InvalidArgumentError(
      fn,
      'options.init',
      init,
      'absent (the decomposition chooses the starting laws itself)',
    );
  if (divergence !== 'kl' && divergence !== 'w2')
    throw new InvalidArgumentError(fn, 'options.divergence', divergence, "'kl' or 'w2'");
  return divergence;
}

/** The laws a decomposition compares; `stoppedTarget` is absent when δ = 0 (then it is the target). */
interface DecompositionLaws {
  readonly output: GaussianLaw;
  readonly exactScore: GaussianLaw;
  readonly exactStart: GaussianLaw;
  readonly stoppedTarget: GaussianLaw | undefined;
  readonly target: GaussianLaw;
}

function decompose(divergence: 'kl' | 'w2', laws: DecompositionLaws): ErrorDecomposition {
  const distance = divergence === 'kl' ? gaussianKL : gaussianW2;
  const stopped = laws.stoppedTarget ?? laws.target;
  const parts = {
    initialisation: distance(laws.exactScore, laws.exactStart),
    discretisation: distance(laws.exactStart, stopped),
    score: laws.output === laws.exactScore ? 0 : distance(laws.output, laws.exactScore),
    earlyStopping: laws.stoppedTarget === undefined ? 0 : distance(laws.stoppedTarget, laws.target),
  };
  const sum = parts.initialisation + parts.discretisation + parts.score + parts.earlyStopping;
  return { divergence, ...parts, total: distance(laws.output, laws.target), sum };
}
