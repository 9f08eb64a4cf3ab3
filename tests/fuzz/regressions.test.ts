// What the fuzz harness found, pinned as deterministic tests: each was an untyped exception or a silent NaN.
import {
  batch,
  eulerMaruyamaStep,
  fromArray,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ouExponentialIntegratorStep,
  ShapeMismatchError,
  tensor,
} from '@sgmkit/tensor';
import {
  cldGaussianMixtureScore,
  cldGaussianScore,
  cldPointCloudScore,
  gaussianMixtureScore,
  gaussianScore,
  pointCloudScore,
} from '@sgmkit/score';
import { exactCLDLaw, exactDDPMLaw, uniformGrid } from '@sgmkit/sampler';

const law = {
  mean: Float64Array.of(0.5, -1),
  covariance: fromArray([
    [1, 0.2],
    [0.2, 0.5],
  ]),
};

describe('fuzz findings', () => {
  test('tensor() with a shape of bigints or symbols is a ShapeMismatchError (was a TypeError from the default strides)', () => {
    expect(() => tensor(new Float64Array(4), [2n, 2] as never)).toThrow(ShapeMismatchError);
    expect(() => tensor(new Float64Array(4), [Symbol('x')] as never)).toThrow(ShapeMismatchError);
    expect(() => tensor(new Float64Array(4), [2, 2], 'x' as never)).toThrow(ShapeMismatchError);
  });

  test('a finite step whose coefficients overflow is refused (was ±Infinity and NaN in y)', () => {
    const [y, s] = [batch(2, 2), batch(2, 2)];
    expect(() => ouExponentialIntegratorStep(y, s, 2 ** 53, 1, 0, 0)).toThrow(
      /argument 'h' must be small enough that the step's coefficients are finite/,
    );
    expect(() => eulerMaruyamaStep(y, s, 1e300, 1e300, 1, 0, 0)).toThrow(/argument 'h'/);
    expect(y.data.every((v) => v === 0)).toBe(true); // nothing written
    ouExponentialIntegratorStep(y, s, 300, 1, 0, 0); // e^{600} is finite: allowed
  });

  test('exact laws on a grid that overflows double precision are refused (were NaN moments)', () => {
    const T = 2 ** 53;
    expect(() => exactDDPMLaw(law, { T, grid: uniformGrid(T, 21), method: 'exponential-integrator' })).toThrow(
      /options\.grid.*overflow/,
    );
    expect(() => exactCLDLaw(law, { T, grid: uniformGrid(T, 21), method: 'exponential-integrator' })).toThrow(
      /options\.grid.*overflow/,
    );
    expect(
      Number.isFinite(
        exactDDPMLaw(law, { T: 10, grid: uniformGrid(10, 20), method: 'exponential-integrator' }).mean[0],
      ),
    ).toBe(true);
  });

  test('empirical-measure scores refuse t below 1e-300, where 1/(1 − e^{−2t}) overflows (was NaN)', () => {
    const points = [
      [0, 1],
      [1, 0],
      [2, 2],
    ];
    const out = batch(1, 2);
    for (const score of [pointCloudScore(points)]) {
      expect(() => score.evaluate(1e-320, fromArray([[0.5, 0.5]]), out)).toThrow(/>= 1e-300/);
      score.evaluate(1e-300, fromArray([[0.5, 0.5]]), out);
      expect(out.data.every(Number.isFinite)).toBe(true);
    }
    expect(() =>
      cldPointCloudScore(points).evaluate(1e-320, fromArray([[0.5, 0.5]]), fromArray([[0, 0]]), out),
    ).toThrow(/>= 1e-300/);
  });

  test('a data variance below 1e-300 is refused at construction (its inverse overflowed near t = 0: NaN scores)', () => {
    expect(() => gaussianMixtureScore({ weights: [1], means: [[0]], covariances: [1e-320] })).toThrow(
      NotPositiveDefiniteError,
    );
    expect(() => gaussianScore({ mean: [0, 0], covariance: [1, 1e-310] })).toThrow(/>= 1e-300/);
    const score = gaussianScore({ mean: [0], covariance: 1e-300 });
    const out = batch(1, 1);
    score.evaluate(0, fromArray([[1e-150]]), out);
    expect(Number.isFinite(out.data[0])).toBe(true);
  });

  test('a CLD score whose velocity law is too narrow to invert at t is refused (was NaN)', () => {
    const score = cldGaussianScore({ mean: [1], covariance: 2, initialVelocityVariance: 5e-324 });
    expect(() => score.evaluate(1e-320, fromArray([[0.5]]), fromArray([[0]]), batch(1, 1))).toThrow(
      /non-degenerate in double precision/,
    );
    const out = batch(1, 1);
    score.evaluate(0.01, fromArray([[0.5]]), fromArray([[0]]), out);
    expect(Number.isFinite(out.data[0])).toBe(true);
    const mixture = cldGaussianMixtureScore({
      weights: [0.5, 0.5],
      means: [[-2], [2]],
      covariances: [1, 0.3],
      initialVelocityVariance: 0,
    });
    expect(() => mixture.evaluate(1e-320, fromArray([[0.5]]), fromArray([[0]]), out)).toThrow(InvalidArgumentError);
  });
});
