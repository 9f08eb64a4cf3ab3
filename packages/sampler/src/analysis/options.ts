/**
 * Validation of the options the exact-law functions share: horizon and grid and
 * the affine score error. The method and the corrector are validated by the
 * samplers' own checks (`expectDDPMMethod`, `expectCLDMethod`, `expectCorrector`),
 * so an exact law accepts exactly the runs the samplers accept.
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError, expectAllFinite, expectPositive } from '@sgmkit/tensor';
import { expectGrid } from '../schedules/grids.js';

/**
 * A known affine error of the score: the sampler uses `(1 + scale)·∇ln q_t(x) + bias`
 * (for CLD, of the velocity score). Both commute with the data covariance.
 */
export interface ScoreErrorOptions {
  readonly scale?: number;
  readonly bias?: Float64Array;
}

/** Validated {@link ScoreErrorOptions} with defaults filled in. */
export interface ResolvedScoreError {
  readonly scale: number;
  readonly bias: Float64Array;
}

/**
 * Checks `T > 0` and the grid `T = t_0 > t_1 > … > t_N = δ ≥ 0` (DEVELOPING.md
 * "Time grids", validated by the samplers' `expectGrid`). Returns the grid.
 */
export function expectHorizonAndGrid(fn: string, T: unknown, grid: unknown): Float64Array {
  return expectGrid(fn, 'options.grid', grid, expectPositive(fn, 'options.T', T));
}

/** Validates the score-error option against dimension `d` (bias is per coordinate). */
export function expectScoreError(fn: string, scoreError: unknown, d: number): ResolvedScoreError {
  if (scoreError === undefined) return { scale: 0, bias: new Float64Array(d) };
  if (scoreError === null || typeof scoreError !== 'object')
    throw new InvalidArgumentError(fn, 'options.scoreError', scoreError, 'an object { scale?, bias? }');
  const { scale = 0, bias } = scoreError as ScoreErrorOptions;
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw new InvalidArgumentError(fn, 'options.scoreError.scale', scale, 'a finite number');
  if (bias === undefined) return { scale, bias: new Float64Array(d) };
  if (!(bias instanceof Float64Array))
    throw new InvalidArgumentError(fn, 'options.scoreError.bias', bias, 'a Float64Array');
  if (bias.length !== d) throw new ShapeMismatchError(fn, 'options.scoreError.bias', bias, `a vector of length ${d}`);
  expectAllFinite(fn, 'options.scoreError.bias', bias);
  return { scale, bias };
}
