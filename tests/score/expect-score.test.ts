// expectScore: the one check of a score argument (samplers, exact analysis, score wrappers).
import { InvalidArgumentError, ShapeMismatchError, batch } from '@sgmkit/tensor';
import { cldGaussianScore, expectScore, gaussianScore, type Score } from '@sgmkit/score';
import { expectArgumentError } from '../helpers/errors';

const ou = gaussianScore({
  mean: [0, 1],
  covariance: [
    [1, 0],
    [0, 2],
  ],
});
const cld = cldGaussianScore({
  mean: [0, 1],
  covariance: [
    [1, 0],
    [0, 2],
  ],
});

describe('expectScore', () => {
  test('returns a score that meets the requirement', () => {
    expect(expectScore('f', 'score', ou, { kind: 'ou', dim: 2, affine: true })).toBe(ou);
    expect(expectScore('f', 'score', cld, { kind: 'cld', dim: 2, affine: true })).toBe(cld);
    const plain: Score = { kind: 'ou', dim: 3, evaluate: (_t, _x, out) => void out.data.fill(0) };
    expect(expectScore('f', 'score', plain, { kind: 'ou' })).toBe(plain);
    plain.evaluate(0, batch(1, 3), batch(1, 3));
  });

  test('typed errors name the argument and its field', () => {
    expectArgumentError(() => expectScore('f', 'score', null, { kind: 'ou' }), InvalidArgumentError, 'score');
    expectArgumentError(
      () => expectScore('f', 'options.score', 3, { kind: 'cld' }),
      InvalidArgumentError,
      'options.score',
    );
    expectArgumentError(() => expectScore('f', 'score', cld, { kind: 'ou' }), InvalidArgumentError, 'score.kind');
    expectArgumentError(
      () => expectScore('f', 'score', { kind: 'ou', dim: 2 }, { kind: 'ou' }),
      InvalidArgumentError,
      'score.evaluate',
    );
    expectArgumentError(
      () => expectScore('f', 'score', { kind: 'ou', dim: 0, evaluate() {} }, { kind: 'ou' }),
      InvalidArgumentError,
      'score.dim',
    );
    expectArgumentError(() => expectScore('f', 'score', ou, { kind: 'ou', dim: 3 }), ShapeMismatchError, 'score.dim');
    expectArgumentError(
      () => expectScore('f', 'score', { kind: 'ou', dim: 2, evaluate() {} }, { kind: 'ou', affine: true }),
      InvalidArgumentError,
      'score.affineAt',
    );
  });

  test('the other kind gets a hint only when the caller names what to use', () => {
    expect(() => expectScore('f', 'score', cld, { kind: 'ou' })).toThrow(
      "f: argument 'score.kind' must be 'ou'; got \"cld\"",
    );
    expect(() => expectScore('f', 'score', cld, { kind: 'ou', otherKindUse: 'g' })).toThrow(
      "f: argument 'score.kind' must be 'ou' (a CLD score: use g); got \"cld\"",
    );
    expect(() => expectScore('f', 'score', ou, { kind: 'cld', otherKindUse: 'h' })).toThrow(
      "f: argument 'score.kind' must be 'cld' (an OU score: use h); got \"ou\"",
    );
    expect(() =>
      expectScore('f', 'score', { kind: 'x', dim: 1, evaluate() {} }, { kind: 'cld', otherKindUse: 'h' }),
    ).toThrow('must be \'cld\'; got "x"');
  });
});
