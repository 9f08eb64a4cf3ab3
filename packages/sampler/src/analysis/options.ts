/**
 * Validation of the options the exact-law functions share: horizon and grid,
 * method names, the Langevin corrector and the affine score error.
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError, expectAllFinite, expectInteger, expectPositive } from '@sgmkit/tensor';
import { expectGrid } from '../schedules/grids.js';
import { CLD_METHODS, DDPM_METHODS, type CLDMethod, type DDPMMethod } from '../samplers/methods.js';

/** DDPM (OU) sampler methods; updates in DEVELOPING.md "Sampler updates". */
export type DDPMUpdate = DDPMMethod;
/** CLD sampler methods; updates in DEVELOPING.md "Sampler updates". */
export type CLDUpdate = CLDMethod;

/** `m` Langevin corrector steps of size `ε` after every predictor step (score at the step's end time). */
export interface CorrectorOptions {
  readonly steps: number;
  readonly stepSize: number;
}

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

/** Throws unless `method` names a DDPM update. */
export function expectDDPMUpdate(fn: string, method: unknown): DDPMUpdate {
  if (!DDPM_METHODS.includes(method as DDPMUpdate)) throw new InvalidArgumentError(fn, 'options.method', method, `one of ${DDPM_METHODS.map((m) => `'${m}'`).join(', ')}`);
  return method as DDPMUpdate;
}

/** Throws unless `method` names a CLD update. */
export function expectCLDUpdate(fn: string, method: unknown): CLDUpdate {
  if (!CLD_METHODS.includes(method as CLDUpdate)) throw new InvalidArgumentError(fn, 'options.method', method, `one of ${CLD_METHODS.map((m) => `'${m}'`).join(', ')}`);
  return method as CLDUpdate;
}

/** Validates the corrector option; `undefined` means no corrector. */
export function expectCorrector(fn: string, corrector: unknown): CorrectorOptions | undefined {
  if (corrector === undefined) return undefined;
  if (corrector === null || typeof corrector !== 'object') throw new InvalidArgumentError(fn, 'options.corrector', corrector, 'an object { steps, stepSize }');
  const { steps, stepSize } = corrector as CorrectorOptions;
  return { steps: expectInteger(fn, 'options.corrector.steps', steps, 1), stepSize: expectPositive(fn, 'options.corrector.stepSize', stepSize) };
}

/** Validates the score-error option against dimension `d` (bias is per coordinate). */
export function expectScoreError(fn: string, scoreError: unknown, d: number): ResolvedScoreError {
  if (scoreError === undefined) return { scale: 0, bias: new Float64Array(d) };
  if (scoreError === null || typeof scoreError !== 'object') throw new InvalidArgumentError(fn, 'options.scoreError', scoreError, 'an object { scale?, bias? }');
  const { scale = 0, bias } = scoreError as ScoreErrorOptions;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new InvalidArgumentError(fn, 'options.scoreError.scale', scale, 'a finite number');
  if (bias === undefined) return { scale, bias: new Float64Array(d) };
  if (!(bias instanceof Float64Array)) throw new InvalidArgumentError(fn, 'options.scoreError.bias', bias, 'a Float64Array');
  if (bias.length !== d) throw new ShapeMismatchError(fn, 'options.scoreError.bias', bias, `a vector of length ${d}`);
  expectAllFinite(fn, 'options.scoreError.bias', bias);
  return { scale, bias };
}
