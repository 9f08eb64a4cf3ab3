import { batch, fromArray, InvalidArgumentError } from '@sgmkit/tensor';
import {
  biasedScore,
  gaussianScore,
  registerScoreType,
  registeredScoreTypes,
  scoreFromSpec,
  scoreTypeModules,
  type Score,
  type ScoreSpec,
} from '@sgmkit/score';
import { expectArgumentError } from './analytic-reference';

describe('scoreFromSpec registry', () => {
  test('knows every analytic family', () => {
    expect(registeredScoreTypes()).toEqual(
      expect.arrayContaining(['gaussian', 'gaussian-mixture', 'point-cloud', 'cld-gaussian', 'biased', 'scaled']),
    );
  });

  test('registerScoreType adds a family, usable inside nested specs', () => {
    // A test family: a Gaussian scaled by 2 under another name.
    registerScoreType('test-double-gaussian', (spec: ScoreSpec) => {
      const inner = gaussianScore({ mean: spec.mean as number[], covariance: 1 });
      return {
        kind: 'ou' as const,
        dim: inner.dim,
        spec,
        evaluate(t, x, out) {
          inner.evaluate(t, x, out);
          for (let i = 0; i < out.data.length; i++) out.data[i] = 2 * out.data[i]!;
        },
      } satisfies Score;
    });
    const custom = scoreFromSpec({ type: 'test-double-gaussian', mean: [1, 2] }) as Score;
    const wrapped = scoreFromSpec(biasedScore(custom, [1, 1]).spec!) as Score;
    const out = batch(1, 2);
    wrapped.evaluate(0, fromArray([[0, 0]]), out);
    expect(Array.from(out.data)).toEqual([2 * 1 + 1, 2 * 2 + 1]);
    expect(wrapped.l2ErrorAt).toBeUndefined(); // the custom base reports no error
  });

  test('bad input: unknown type, duplicate registration, non-object spec, non-OU base', () => {
    expectArgumentError(() => scoreFromSpec({ type: 'no-such-score' }), InvalidArgumentError, 'spec.type');
    expectArgumentError(() => scoreFromSpec(null as unknown as ScoreSpec), InvalidArgumentError, 'spec');
    expectArgumentError(
      () => registerScoreType('gaussian', () => gaussianScore({ mean: [0], covariance: 1 })),
      InvalidArgumentError,
      'type',
    );
    expectArgumentError(
      () => registerScoreType('', () => gaussianScore({ mean: [0], covariance: 1 })),
      InvalidArgumentError,
      'type',
    );
    expectArgumentError(() => registerScoreType('x-factory', 3 as never), InvalidArgumentError, 'factory');
    const factory = () => gaussianScore({ mean: [0], covariance: 1 });
    expectArgumentError(
      () => registerScoreType('x-module', factory, { module: 3 as never }),
      InvalidArgumentError,
      'options.module',
    );
    expectArgumentError(() => registerScoreType('x-module', factory, null as never), InvalidArgumentError, 'options');
    expect(registeredScoreTypes()).not.toContain('x-module'); // a refused registration leaves nothing behind
    registerScoreType('x-module', factory, { module: new URL('file:///somewhere/types.mjs') });
    expect(scoreTypeModules()['x-module']).toBe('file:///somewhere/types.mjs');
    const cld = { type: 'cld-gaussian', mean: [0], covariance: 1, initialVelocityVariance: 1 };
    expectArgumentError(
      () => scoreFromSpec({ type: 'biased', score: cld, bias: [1] }),
      InvalidArgumentError,
      'spec.score',
    );
    // Parameters are validated by the family's constructor, naming its argument.
    expectArgumentError(
      () => scoreFromSpec({ type: 'gaussian', mean: [0, NaN], covariance: 1 }),
      InvalidArgumentError,
      'mean[1]',
    );
  });
});
