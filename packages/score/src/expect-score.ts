/**
 * The one validator of a score argument, shared by the samplers, the exact
 * analysis and the score wrappers: kind, `evaluate`, dimension and, when the
 * caller needs the exact affine form, `affineAt`.
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError, expectInteger } from '@sgmkit/tensor';
import type { CLDScore, Score } from './types.js';

/** What a caller needs of a score. */
export interface ScoreRequirement<K extends 'ou' | 'cld'> {
  /** `'ou'` (a {@link Score}) or `'cld'` (a {@link CLDScore}). */
  readonly kind: K;
  /** The dimension the score must have (the particles' or the data's), when the caller knows it. */
  readonly dim?: number;
  /** Require `affineAt` (the exact analysis needs the score's exact affine form). */
  readonly affine?: boolean;
  /** The function to use for a score of the other kind, named in the error (e.g. `'sampleCLD'`). */
  readonly otherKindUse?: string;
}

const SHAPES = {
  ou: {
    object: "a Score object { kind: 'ou', dim, evaluate }",
    evaluate: 'a function (t, x, out) => void',
    affine: 'a function (t) => AffineScoreForm (the exact analysis needs an affine score)',
    other: 'a CLD score',
  },
  cld: {
    object: "a CLDScore object { kind: 'cld', dim, evaluate }",
    evaluate: 'a function (t, x, v, out) => void',
    affine: 'a function (t) => { positionMatrix, velocityMatrix, offset } (the exact analysis needs an affine score)',
    other: 'an OU score',
  },
} as const;

/**
 * Throws a typed error naming `argument` (or its field) unless `score` is a
 * score of `requirement.kind` with an `evaluate` function, an integer `dim ≥ 1`
 * equal to `requirement.dim` (when given) and, with `requirement.affine`, an
 * `affineAt` function. Returns the score, typed.
 *
 * @example
 * ```ts
 * import { expectScore, gaussianScore } from '@sgmkit/score';
 * const score = expectScore('mySampler', 'score', gaussianScore({ mean: [0, 1], covariance: [[1, 0], [0, 2]] }), { kind: 'ou', dim: 2, affine: true });
 * ```
 */
export function expectScore(fn: string, argument: string, score: unknown, requirement: ScoreRequirement<'ou'>): Score;
export function expectScore(
  fn: string,
  argument: string,
  score: unknown,
  requirement: ScoreRequirement<'cld'>,
): CLDScore;
export function expectScore(
  fn: string,
  argument: string,
  score: unknown,
  requirement: ScoreRequirement<'ou' | 'cld'>,
): Score | CLDScore {
  const { kind, dim, affine = false, otherKindUse } = requirement;
  const shape = SHAPES[kind];
  if (score === null || typeof score !== 'object') throw new InvalidArgumentError(fn, argument, score, shape.object);
  const s = score as { kind?: unknown; dim?: unknown; evaluate?: unknown; affineAt?: unknown };
  if (s.kind !== kind) {
    const otherKind = kind === 'ou' ? 'cld' : 'ou';
    const hint = s.kind === otherKind && otherKindUse !== undefined ? ` (${shape.other}: use ${otherKindUse})` : '';
    throw new InvalidArgumentError(fn, `${argument}.kind`, s.kind, `'${kind}'${hint}`);
  }
  if (typeof s.evaluate !== 'function')
    throw new InvalidArgumentError(fn, `${argument}.evaluate`, s.evaluate, shape.evaluate);
  expectInteger(fn, `${argument}.dim`, s.dim, 1);
  if (dim !== undefined && s.dim !== dim)
    throw new ShapeMismatchError(fn, `${argument}.dim`, s.dim, `equal to the particle dimension ${dim}`);
  if (affine && typeof s.affineAt !== 'function')
    throw new InvalidArgumentError(fn, `${argument}.affineAt`, s.affineAt, shape.affine);
  return score as Score | CLDScore;
}
