// Jacobian diagonals of mixtures and point clouds, and the Jacobian trace/diagonal of the wrappers: clippedScore
// (piecewise: the base's diagonal inside the range, −1/σ_t² where the prediction is clamped) and the known-error
// scores (factor × the root's). Each against central differences of the wrapped score's own evaluate, on rows
// away from the clipping kinks.
import { InvalidArgumentError, batch, type Batch } from '@sgmkit/tensor';
import {
  biasedScore,
  clippedScore,
  createScoreNetwork,
  gaussianMixtureScore,
  gaussianScore,
  pointCloudScore,
  ringMixture,
  scaledScore,
  type Score,
} from '@sgmkit/score';
import { expectArgumentError } from '../helpers/errors';
import { MIXED_KINDS_3D } from '../helpers/mixtures';
import { centralDifferenceDiagonal, points } from '../helpers/differences';

/** Per row: clamped coordinates, and whether every prediction is at least `margin` from both bounds. */
function clipState(
  base: Score,
  lower: number[],
  upper: number[],
  t: number,
  x: Batch<Float64Array>,
  margin: number,
): { clamped: number[]; clear: boolean[] } {
  const [n, d] = x.shape as [number, number];
  const s = batch(n, d);
  base.evaluate(t, x, s);
  const decay = Math.exp(-t);
  const v = -Math.expm1(-2 * t);
  const clamped: number[] = [];
  const clear: boolean[] = [];
  for (let r = 0; r < n; r++) {
    let count = 0;
    let ok = true;
    for (let i = 0; i < d; i++) {
      const prediction = (x.data[r * d + i]! + v * s.data[r * d + i]!) / decay;
      if (prediction < lower[i]! || prediction > upper[i]!) count++;
      if (Math.min(Math.abs(prediction - lower[i]!), Math.abs(prediction - upper[i]!)) < margin) ok = false;
    }
    clamped.push(count);
    clear.push(ok);
  }
  return { clamped, clear };
}

/** Per coordinate, the 10 % and 90 % quantiles of the denoised predictions `e^{t}(x + σ_t² s)` at the rows of x. */
function predictionQuantiles(base: Score, t: number, x: Batch<Float64Array>): { lower: number[]; upper: number[] } {
  const [n, d] = x.shape as [number, number];
  const s = batch(n, d);
  base.evaluate(t, x, s);
  const v = -Math.expm1(-2 * t);
  const lower: number[] = [];
  const upper: number[] = [];
  for (let i = 0; i < d; i++) {
    const sorted = Array.from(
      { length: n },
      (_, r) => (x.data[r * d + i]! + v * s.data[r * d + i]!) * Math.exp(t),
    ).sort((a, b) => a - b);
    lower.push(sorted[Math.floor(0.1 * n)]!);
    upper.push(sorted[Math.floor(0.9 * n)]!);
  }
  return { lower, upper };
}

/** The diagonal and trace of `score` against central differences on `rows` (all rows when undefined); returns the worst error. */
function expectJacobianMatchesDifferences(score: Score, t: number, x: Batch<Float64Array>, rows?: boolean[]): number {
  const [n, d] = x.shape as [number, number];
  const diagonal = new Float64Array(n * d);
  score.jacobianDiagonalInto!(t, x, diagonal);
  const trace = new Float64Array(n);
  score.jacobianTraceInto!(t, x, trace);
  const reference = centralDifferenceDiagonal(score, t, x);
  let worst = 0;
  for (let r = 0; r < n; r++) {
    let sum = 0;
    let referenceSum = 0;
    for (let i = 0; i < d; i++) {
      sum += diagonal[r * d + i]!;
      referenceSum += reference[r * d + i]!;
    }
    expect(Math.abs(trace[r]! - sum)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(sum)));
    if (rows && !rows[r]) continue;
    for (let i = 0; i < d; i++) {
      const error = Math.abs(diagonal[r * d + i]! - reference[r * d + i]!) / (1 + Math.abs(reference[r * d + i]!));
      worst = Math.max(worst, error);
      expect(error).toBeLessThanOrEqual(1e-6);
    }
    expect(Math.abs(trace[r]! - referenceSum)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(referenceSum)));
  }
  return worst;
}

const mixture3 = gaussianMixtureScore(MIXED_KINDS_3D);

function perturbedNetwork(dim: number): Score {
  const network = createScoreNetwork({ dim, hiddenWidths: [16, 16], seed: 3 });
  const perturbation = points(1, network.parameters.length, 9, 0.5).data;
  for (let i = 0; i < network.parameters.length; i++) network.parameters[i] += perturbation[i]!;
  return network;
}

describe('jacobianDiagonalInto of mixtures and point clouds equals central differences', () => {
  test('mixtures (full, diagonal, isotropic kernels) and point clouds (d = 2 and 5)', () => {
    const cloud = (d: number) => {
      const data = points(30, d, 2, 1);
      return pointCloudScore(Array.from({ length: 30 }, (_, j) => Array.from(data.data.subarray(j * d, j * d + d))));
    };
    for (const score of [mixture3, ringMixture(), cloud(2), cloud(5)]) {
      for (const t of [0.05, 0.5, 3]) expectJacobianMatchesDifferences(score, t, points(25, score.dim, 4, 1.5));
    }
  });
});

describe('clippedScore: the base diagonal inside the range, −1/σ_t² where the prediction is clamped', () => {
  // Ranges that clamp some coordinates of some rows: per coordinate, the 10 % and 90 % quantiles of the
  // predictions at t = 0.4. Rows with a prediction within 1e-3 of a bound are left out (the score has a kink
  // there, and a central difference across it is not a derivative).
  const cases: [string, Score][] = [
    ['mixture (d = 3)', mixture3],
    ['ring mixture (d = 2)', ringMixture()],
    ['network (d = 3)', perturbedNetwork(3)],
    ['Gaussian (affine base)', gaussianScore({ mean: [1, -1], covariance: [1, 0.5] })],
    ['scaled network (known error over a network)', scaledScore(perturbedNetwork(3), 0.1)],
  ];
  for (const [name, base] of cases) {
    test(name, () => {
      const { lower, upper } = predictionQuantiles(base, 0.4, points(60, base.dim, 7, 1.3));
      const score = clippedScore(base, { lower, upper });
      let clampedRows = 0;
      let freeRows = 0;
      for (const t of [0.05, 0.4, 1.5]) {
        const x = points(60, base.dim, 7, 1.3);
        const { clamped, clear } = clipState(base, lower, upper, t, x, 1e-3);
        expectJacobianMatchesDifferences(score, t, x, clear);
        clamped.forEach((c, r) => {
          if (!clear[r]) return;
          if (c > 0) clampedRows++;
          else freeRows++;
        });
        // where nothing is clamped, the base's own values, bit for bit
        const diagonal = new Float64Array(60 * base.dim);
        score.jacobianDiagonalInto!(t, x, diagonal);
        const baseDiagonal = new Float64Array(60 * base.dim);
        if (base.jacobianDiagonalInto) {
          base.jacobianDiagonalInto(t, x, baseDiagonal);
          for (let r = 0; r < 60; r++) {
            if (clamped[r] !== 0) continue;
            expect(diagonal.subarray(r * base.dim, (r + 1) * base.dim)).toEqual(
              baseDiagonal.subarray(r * base.dim, (r + 1) * base.dim),
            );
          }
        }
      }
      // the check covers both regimes
      expect(clampedRows).toBeGreaterThanOrEqual(10);
      expect(freeRows).toBeGreaterThanOrEqual(10);
    });
  }

  test('t = 0 is the base (no clipping); nested clipping composes', () => {
    const x = points(20, 3, 3, 1.3);
    const once = clippedScore(mixture3, { lower: [-0.8, -1, -0.5], upper: [0.9, 1.5, 0.6] });
    const a = new Float64Array(20);
    const b = new Float64Array(20);
    once.jacobianTraceInto!(0, x, a);
    mixture3.jacobianTraceInto(0, x, b);
    for (let r = 0; r < 20; r++) expect(Math.abs(a[r]! - b[r]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[r]!)));
    const twice = clippedScore(once, { lower: [-0.5, -2, -0.5], upper: [0.5, 2, 2] });
    const { clear } = clipState(once, [-0.5, -2, -0.5], [0.5, 2, 2], 0.4, x, 1e-3);
    const { clear: clearInner } = clipState(mixture3, [-0.8, -1, -0.5], [0.9, 1.5, 0.6], 0.4, x, 1e-3);
    expectJacobianMatchesDifferences(
      twice,
      0.4,
      x,
      clear.map((c, r) => c && clearInner[r]!),
    );
  });

  test('a base without a diagonal or an affine form gives no trace (the likelihood refuses it)', () => {
    const opaque: Score = { kind: 'ou', dim: 3, evaluate: (t, y, out) => mixture3.evaluate(t, y, out) };
    const clipped = clippedScore(opaque, { lower: [-1, -1, -1], upper: [1, 1, 1] });
    expect(clipped.jacobianTraceInto).toBeUndefined();
    expect(clipped.jacobianDiagonalInto).toBeUndefined();
  });

  test('bad arguments', () => {
    const score = clippedScore(mixture3, { lower: [-1, -1, -1], upper: [1, 1, 1] });
    const x = points(4, 3, 1, 1);
    expectArgumentError(() => score.jacobianTraceInto!(-1, x, new Float64Array(4)), InvalidArgumentError, 't');
    expectArgumentError(() => score.jacobianTraceInto!(1, x, new Float64Array(3)), InvalidArgumentError, 'out');
    expectArgumentError(() => score.jacobianDiagonalInto!(1, x, new Float64Array(11)), InvalidArgumentError, 'out');
    expectArgumentError(
      () => score.jacobianDiagonalInto!(1, points(4, 2, 1, 1), new Float64Array(12)),
      InvalidArgumentError,
      'x',
    );
  });
});

describe('known-error scores: factor × the root trace and diagonal', () => {
  test('biased and scaled mixtures, networks and point clouds', () => {
    const network = perturbedNetwork(3);
    const cloud = pointCloudScore([
      [0, 1],
      [1, 0],
      [-1, -1],
    ]);
    for (const score of [
      biasedScore(mixture3, [0.3, -0.2, 1]),
      scaledScore(mixture3, -0.2),
      scaledScore(biasedScore(network, [0.1, 0.2, 0.3]), 0.3),
      scaledScore(cloud, 0.5),
    ]) {
      for (const t of [0.05, 0.7]) expectJacobianMatchesDifferences(score, t, points(20, score.dim, 5, 1.2));
    }
    // a Gaussian root is affine: its known-error score has affineAt and no trace method
    const gaussian = scaledScore(gaussianScore({ mean: [0, 0], covariance: 1 }), 0.1);
    expect(gaussian.affineAt).toBeDefined();
    expect(gaussian.jacobianTraceInto).toBeUndefined();
  });
});
