import {
  InvalidArgumentError,
  ShapeMismatchError,
  batch,
  cldStepCoefficients,
  fillParticleNormals,
} from '@sgmkit/tensor';
import { cldGaussianScore } from '@sgmkit/score';
import {
  exactCLDLaw,
  gaussianKL,
  cldExponentialIntegratorUpdate,
  sscsHalfStepUpdate,
  cldSSCS,
  predictorStream,
  secondHalfStepStream,
  cldExponentialIntegratorSpectralRadius,
  cldPairMoments,
  cldForwardMarginal,
  cldErrorDecomposition,
  type CLDMethod,
  type CLDAffineUpdate,
} from '@sgmkit/sampler';
import {
  entries,
  expectArgumentError,
  givensProduct,
  law,
  leastSquaresSlope,
  rotatedDiagonal,
  uniformTimes,
} from './analysis-helpers';
import { stationaryCLDScore } from './samplers-helpers';

const METHODS: CLDMethod[] = ['exponential-integrator', 'euler-maruyama', 'sscs'];
const rotation = givensProduct(2, [0.6]);
const target = law([1, -2], rotatedDiagonal(rotation, [0.4, 2.5]));
const productTarget = (data: ReturnType<typeof law>, gamma = 1) => {
  const d = data.mean.length;
  const cov = Array.from({ length: 2 * d }, (_, i) =>
    Array.from({ length: 2 * d }, (_, j) =>
      i < d && j < d ? data.covariance.data[i * d + j]! : i === j ? (i >= d ? gamma : 0) : 0,
    ),
  );
  return law([...data.mean, ...new Array(d).fill(0)], cov);
};

/** Simpson's rule with n (even) panels. */
function simpson(f: (u: number) => number, a: number, b: number, n = 2000): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let k = 1; k < n; k++) sum += (k % 2 === 1 ? 4 : 2) * f(a + k * h);
  return (sum * h) / 3;
}

/**
 * The test oracle for the CLD exponential integrator, derived independently of the kernels'
 * `cldStepCoefficients`: `J_n(a, h) = ∫_0^h uⁿ e^{au} du` for n ∈ {0, 1, 2}, by its power
 * series for small `|a|h` (no cancellation), else by `J_n = (hⁿ e^{ah} − n J_{n−1})/a`.
 */
function integralPowerExp(n: 0 | 1 | 2, a: number, h: number): number {
  if (Math.abs(a) * h <= 2) {
    // Σ_j a^j h^{n+j+1} / (j! (n + j + 1))
    let power = h ** (n + 1);
    let sum = 0;
    for (let j = 0; j < 200; j++) {
      const term = power / (n + j + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
      power *= (a * h) / (j + 1);
    }
    return sum;
  }
  const growth = Math.exp(a * h);
  const j0 = Math.expm1(a * h) / a;
  if (n === 0) return j0;
  const j1 = (h * growth - j0) / a;
  if (n === 1) return j1;
  return (h * h * growth - 2 * j1) / a;
}

/** `e^{hR}` for the reverse drift `R = [[0, −1], [1, 2]]` (double eigenvalue 1): `e^h [[1 − h, −h], [h, 1 + h]]`. */
function cldReverseFlow(h: number): CLDAffineUpdate['linear'] {
  const e = Math.exp(h);
  return [e * (1 - h), -e * h, e * h, e * (1 + h)];
}

/** EI step from the integrals: `w = 4 (−J₁(1), J₀(1) + J₁(1))`, `Q = 4 [[J₂, −(J₁ + J₂)], [·, J₀ + 2J₁ + J₂]]` with `J_n = J_n(2, h)`. */
function exponentialIntegratorByIntegrals(h: number): Omit<CLDAffineUpdate, 'scoreTime'> {
  const [j0, j1, j2] = [integralPowerExp(0, 2, h), integralPowerExp(1, 2, h), integralPowerExp(2, 2, h)];
  const [k0, k1] = [integralPowerExp(0, 1, h), integralPowerExp(1, 1, h)];
  const xv = -4 * (j1 + j2);
  return {
    linear: cldReverseFlow(h),
    scoreWeight: [-4 * k1, 4 * (k0 + k1)],
    noiseCovariance: [4 * j2, xv, xv, 4 * (j0 + 2 * j1 + j2)],
  };
}

/** SSCS half-step flow `e^{τB} = e^{−τ} [[1 + τ, −τ], [τ, 1 − τ]]`, `B = [[0, −1], [1, −2]]` (double eigenvalue −1). */
function sscsFlow(tau: number): CLDAffineUpdate['linear'] {
  const e = Math.exp(-tau);
  return [e * (1 + tau), -e * tau, e * tau, e * (1 - tau)];
}

/**
 * SSCS half-step covariance from the integrals: `e^{uB}(0, 1) = e^{−u}(−u, 1 − u)`, so
 * `Q = 4 [[J₂, −(J₁ − J₂)], [·, J₀ − 2J₁ + J₂]]` with `J_n = J_n(−2, τ)`, and its lower Cholesky factor.
 */
function sscsHalfStepByIntegrals(tau: number): {
  covariance: CLDAffineUpdate['noiseCovariance'];
  cholesky: [number, number, number];
} {
  const [j0, j1, j2] = [integralPowerExp(0, -2, tau), integralPowerExp(1, -2, tau), integralPowerExp(2, -2, tau)];
  const [xx, xv, vv] = [4 * j2, -4 * (j1 - j2), 4 * (j0 - 2 * j1 + j2)];
  const l11 = Math.sqrt(xx);
  const l21 = xv / l11;
  return { covariance: [xx, xv, xv, vv], cholesky: [l11, l21, Math.sqrt(vv - l21 * l21)] };
}

/** Step sizes for the SSCS coefficient checks: tiny (cancellation), moderate, and large (the oracle's recurrence branch). */
const SSCS_STEPS = [1e-8, 1e-4, 0.1, 0.7, 2, 4];

describe('CLD update closed forms', () => {
  test('integralPowerExp matches quadrature in both its series and recurrence branches', () => {
    for (const [a, h] of [
      [2, 0.01],
      [2, 0.7],
      [2, 3],
      [-2, 0.2],
      [-2, 4],
      [1, 1.5],
      [1, 2.5],
    ] as [number, number][]) {
      for (const n of [0, 1, 2] as const) {
        const reference = simpson((u) => u ** n * Math.exp(a * u), 0, h);
        expect(Math.abs(integralPowerExp(n, a, h) - reference)).toBeLessThan(1e-10 * Math.max(1, Math.abs(reference)));
      }
    }
  });

  test('exponential integrator: flow, score weight and noise satisfy their defining integrals', () => {
    for (const h of [1e-3, 0.1, 0.5, 2]) {
      const { linear, scoreWeight, noiseCovariance: q } = cldExponentialIntegratorUpdate(h);
      expect(linear).toEqual(cldReverseFlow(h));
      // e^{uR}(0,1) = e^u(−u, 1+u): w = 4∫ e^{uR}(0,1) du and Q = 4∫ (e^{uR}(0,1))(e^{uR}(0,1))ᵀ du.
      const column = (u: number) => [-u * Math.exp(u), (1 + u) * Math.exp(u)] as const;
      expect(scoreWeight[0]).toBeCloseTo(4 * simpson((u) => column(u)[0], 0, h), 10);
      expect(scoreWeight[1]).toBeCloseTo(4 * simpson((u) => column(u)[1], 0, h), 10);
      expect(q[0]).toBeCloseTo(4 * simpson((u) => column(u)[0] ** 2, 0, h), 9);
      expect(q[1]).toBeCloseTo(4 * simpson((u) => column(u)[0] * column(u)[1], 0, h), 9);
      expect(q[3]).toBeCloseTo(4 * simpson((u) => column(u)[1] ** 2, 0, h), 9);
      // Lyapunov: R Q + Q Rᵀ + diag(0, 4) = e^{hR} diag(0, 4) e^{hRᵀ}, R = [[0, −1], [1, 2]].
      const [, e01, , e11] = linear;
      const lhs = [-2 * q[1], -q[3] + q[0] + 2 * q[1], 2 * q[1] + 4 * q[3] + 4];
      const rhs = [4 * e01 * e01, 4 * e01 * e11, 4 * e11 * e11];
      lhs.forEach((v, i) => expect(v).toBeCloseTo(rhs[i]!, 8));
    }
  });

  test("the integrals above agree with the kernels' independently derived cldStepCoefficients(h, 'reverse')", () => {
    for (const h of [1e-4, 0.01, 0.3, 0.54, 1.5]) {
      const mine = exponentialIntegratorByIntegrals(h);
      const theirs = cldStepCoefficients(h, 'reverse');
      const close = (a: ArrayLike<number>, b: ArrayLike<number>) =>
        Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(b[i]!))));
      close(mine.linear, theirs.transition);
      close(mine.scoreWeight, theirs.scoreIntegral);
      close(mine.noiseCovariance, theirs.covariance);
      // Small-h relative accuracy of the smallest entry, Q_xx ≈ 4h³/3.
      expect(Math.abs(mine.noiseCovariance[0] / theirs.covariance[0]! - 1)).toBeLessThan(1e-12);
    }
  });

  test('SSCS half step: N(0, I) is stationary, so Q = I − e^{τB} e^{τBᵀ}', () => {
    for (const tau of [1e-3, 0.05, 0.4, 3]) {
      const {
        linear: [a, b, c, e],
        noiseCovariance: q,
      } = sscsHalfStepUpdate(tau);
      expect(q[0]).toBeCloseTo(1 - (a * a + b * b), 13);
      expect(q[1]).toBeCloseTo(-(a * c + b * e), 13);
      expect(q[3]).toBeCloseTo(1 - (c * c + e * e), 13);
    }
  });

  test.each(SSCS_STEPS)(
    'SSCS half step for h = %p agrees entry by entry with the integrals, to full relative precision',
    (h) => {
      const tau = h / 2;
      const { linear, scoreWeight, noiseCovariance } = sscsHalfStepUpdate(tau);
      const oracle = sscsHalfStepByIntegrals(tau);
      const relative = (got: readonly number[], want: readonly number[]) =>
        got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-13 * Math.abs(want[i]!)));
      relative(linear, sscsFlow(tau));
      relative(noiseCovariance, oracle.covariance);
      expect(scoreWeight).toEqual([0, 0]);
    },
  );

  test.each(SSCS_STEPS)(
    'cldSSCS moves the particles by the same coefficients (h = %p): one step from (0, 0), same normals as the oracle',
    (h) => {
      // Stationary score −v: the score step v ← v + 4h(s + v) is the identity, so the step is
      // (x, v) = e^{τB} L z₁ + L z₂ with τ = h/2, L the oracle's Cholesky factor, z₁, z₂ the two half steps' normals.
      const [n, d, seed] = [64, 1, 7];
      const x = batch(n, d),
        v = batch(n, d);
      cldSSCS(stationaryCLDScore(d), x, v, Float64Array.of(h, 0), { seed });
      const tau = h / 2;
      const [e11, e12, e21, e22] = sscsFlow(tau);
      const [l11, l21, l22] = sscsHalfStepByIntegrals(tau).cholesky;
      const first = fillParticleNormals(batch(n, 2 * d), seed, predictorStream(0), 0).data;
      const second = fillParticleNormals(batch(n, 2 * d), seed, secondHalfStepStream(0), 0).data;
      for (let i = 0; i < n; i++) {
        const [x1, v1] = [l11 * first[2 * i]!, l21 * first[2 * i]! + l22 * first[2 * i + 1]!];
        const xTerms = [e11 * x1, e12 * v1, l11 * second[2 * i]!];
        const vTerms = [e21 * x1, e22 * v1, l21 * second[2 * i]!, l22 * second[2 * i + 1]!];
        // Relative to the size of the terms: a coefficient off by a relative ε moves the sum by about ε times its term.
        const sum = (terms: number[]) => terms.reduce((a, b) => a + b, 0);
        const size = (terms: number[]) => terms.reduce((a, b) => a + Math.abs(b), 0);
        expect(Math.abs(x.data[i]! - sum(xTerms))).toBeLessThanOrEqual(1e-13 * size(xTerms));
        expect(Math.abs(v.data[i]! - sum(vTerms))).toBeLessThanOrEqual(1e-13 * size(vTerms));
      }
    },
  );
});

describe('exactCLDLaw', () => {
  test.each(METHODS)(
    '%s: the output converges to N(μ, Σ) ⊗ N(0, I) as h → 0 (monotone KL, small at small h)',
    (method) => {
      const T = 12;
      const joint = productTarget(target);
      const positionKL: number[] = [];
      const jointKL: number[] = [];
      for (const n of [60, 120, 240, 480, 960, 1920]) {
        const out = exactCLDLaw(target, { T, grid: uniformTimes(T, n), method });
        positionKL.push(gaussianKL(out.position, target));
        jointKL.push(gaussianKL(out.joint, joint));
      }
      for (let k = 1; k < positionKL.length; k++) {
        expect(positionKL[k]).toBeLessThan(positionKL[k - 1]!);
        expect(jointKL[k]).toBeLessThan(jointKL[k - 1]!);
      }
      // At least two orders of magnitude over a 32× reduction of h, and small in absolute terms.
      expect(jointKL[5]! / jointKL[0]!).toBeLessThan(1e-2);
      expect(jointKL[5]).toBeLessThan(1e-3);
    },
  );

  test('from q_T, KL decreases like h² on the joint law for every method, and like h⁴ on the positions for the exponential integrator', () => {
    // Measured on Gaussian data: the EI's frozen score reaches x only through w_x = 4(e^h(1 − h) − 1) = O(h²).
    const exponent = (data: ReturnType<typeof law>, method: CLDMethod, part: 'position' | 'joint') => {
      const [logH, logKL]: number[][] = [[], []];
      for (const n of [200, 400, 800, 1600]) {
        const out = exactCLDLaw(data, { T: 10, grid: uniformTimes(10, n), method, init: 'forward-marginal' });
        logH.push(Math.log(10 / n));
        logKL.push(Math.log(gaussianKL(out[part], part === 'joint' ? productTarget(data) : data)));
      }
      return leastSquaresSlope(logH, logKL);
    };
    for (const data of [target, law([3], [[5]]), law([1], [[0.2]])]) {
      expect(Math.abs(exponent(data, 'exponential-integrator', 'position') - 4)).toBeLessThan(0.1);
      for (const method of METHODS) expect(Math.abs(exponent(data, method, 'joint') - 2)).toBeLessThan(0.15);
    }
  });

  test('SSCS is exact for N(0, I) data with γ = 1: the score is −v, so the score part vanishes and A preserves N(0, I)', () => {
    const standard = law(
      [0, 0],
      [
        [1, 0],
        [0, 1],
      ],
    );
    const out = exactCLDLaw(standard, { T: 3, grid: Float64Array.from([3, 2.1, 1, 0.2, 0]), method: 'sscs' });
    entries(out.joint.covariance).forEach((c, k) => expect(c).toBeCloseTo(k % 5 === 0 ? 1 : 0, 14));
  });

  test('exponential integrator on N(0, I) data: the variance grows by ρ(M_h)² per step beyond the stability limit', () => {
    // Cross-checks the exact recursion against the samplers' stability analysis.
    const standard = law([0], [[1]]);
    const h = 0.6;
    const trace = (n: number) => {
      const out = exactCLDLaw(standard, { T: n * h, grid: uniformTimes(n * h, n), method: 'exponential-integrator' });
      return out.joint.covariance.data[0]! + out.joint.covariance.data[3]!;
    };
    expect(trace(201) / trace(200)).toBeCloseTo(cldExponentialIntegratorSpectralRadius(h) ** 2, 2);
    expect(cldExponentialIntegratorSpectralRadius(h)).toBeGreaterThan(1);
  });

  test('initial velocity N(0, γI): the output converges to N(μ, Σ) ⊗ N(0, γI)', () => {
    const gamma = 0.04;
    const joint = productTarget(target, gamma);
    const coarse = exactCLDLaw(target, {
      T: 12,
      grid: uniformTimes(12, 200),
      method: 'sscs',
      initialVelocityVariance: gamma,
    });
    const fine = exactCLDLaw(target, {
      T: 12,
      grid: uniformTimes(12, 3200),
      method: 'sscs',
      initialVelocityVariance: gamma,
    });
    expect(gaussianKL(fine.joint, joint)).toBeLessThan(gaussianKL(coarse.joint, joint) / 50);
  });

  test("dense recursion with the score package's cldGaussianScore equals the pair recursion", () => {
    const score = cldGaussianScore({
      mean: Array.from(target.mean),
      covariance: [
        Array.from(target.covariance.data.subarray(0, 2)),
        Array.from(target.covariance.data.subarray(2, 4)),
      ],
      initialVelocityVariance: 0.5,
    });
    const options = {
      T: 3,
      grid: uniformTimes(3, 40, 0.01),
      initialVelocityVariance: 0.5,
      corrector: { steps: 1, stepSize: 0.02 },
    };
    for (const method of METHODS) {
      const pairs = exactCLDLaw(target, { ...options, method });
      const dense = exactCLDLaw(target, { ...options, method, score });
      entries(dense.joint.covariance).forEach((c, k) => expect(c).toBeCloseTo(entries(pairs.joint.covariance)[k]!, 10));
      dense.joint.mean.forEach((m, k) => expect(m).toBeCloseTo(pairs.joint.mean[k]!, 10));
    }
  });

  test('score error (scale, bias) on the pair path equals a user score carrying the same error on the dense path', () => {
    const score = cldGaussianScore({
      mean: Array.from(target.mean),
      covariance: [
        Array.from(target.covariance.data.subarray(0, 2)),
        Array.from(target.covariance.data.subarray(2, 4)),
      ],
    });
    const bias = Float64Array.from([0.2, -0.1]);
    const wrapped = {
      kind: 'cld' as const,
      dim: 2,
      evaluate: () => undefined,
      affineAt: (t: number) => {
        const f = score.affineAt(t);
        return {
          positionMatrix: f.positionMatrix.map((m) => 1.1 * m),
          velocityMatrix: f.velocityMatrix.map((m) => 1.1 * m),
          offset: f.offset.map((c, i) => 1.1 * c + bias[i]!),
        };
      },
    };
    const grid = uniformTimes(4, 50);
    const viaOption = exactCLDLaw(target, {
      T: 4,
      grid,
      method: 'exponential-integrator',
      scoreError: { scale: 0.1, bias },
    });
    const viaScore = exactCLDLaw(target, { T: 4, grid, method: 'exponential-integrator', score: wrapped });
    viaScore.joint.mean.forEach((m, k) => expect(m).toBeCloseTo(viaOption.joint.mean[k]!, 10));
    entries(viaScore.joint.covariance).forEach((c, k) =>
      expect(c).toBeCloseTo(entries(viaOption.joint.covariance)[k]!, 10),
    );
  });

  test('the forward-marginal start equals the dense initial law q_T assembled from the eigen-direction moments', () => {
    // q_T on (x, v): blocks R diag(·) Rᵀ of the per-direction 2×2 moments, means R (m_x), R (m_v).
    const T = 2;
    const [lambdas, mu] = [
      [0.4, 2.5],
      [0, 1].map((j) => rotation[0]![j]! * target.mean[0]! + rotation[1]![j]! * target.mean[1]!),
    ];
    const moments = lambdas.map((lambda, i) => cldPairMoments(lambda, 1, mu[i]!, T));
    const block = (k: number) =>
      rotatedDiagonal(
        rotation,
        moments.map((m) => m.covariance[k]!),
      );
    const [xx, xv, vv] = [block(0), block(1), block(3)];
    const rotate = (v: number[]) => rotation.map((row) => row[0]! * v[0]! + row[1]! * v[1]!);
    const qT = law(
      [...rotate(moments.map((m) => m.mean[0])), ...rotate(moments.map((m) => m.mean[1]))],
      [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i < 2 ? (j < 2 ? xx : xv) : j < 2 ? xv : vv)[i % 2]![j % 2]!)),
    );
    const grid = uniformTimes(T, 10);
    const viaName = exactCLDLaw(target, { T, grid, method: 'euler-maruyama', init: 'forward-marginal' });
    const viaLaw = exactCLDLaw(target, { T, grid, method: 'euler-maruyama', init: qT });
    viaLaw.joint.mean.forEach((m, k) => expect(m).toBeCloseTo(viaName.joint.mean[k]!, 12));
    entries(viaLaw.joint.covariance).forEach((c, k) =>
      expect(c).toBeCloseTo(entries(viaName.joint.covariance)[k]!, 12),
    );
  });
});

describe('exactCLDLaw: bad input', () => {
  const ok = { T: 1, grid: uniformTimes(1, 4), method: 'sscs' as const };

  test('typed errors name the argument', () => {
    const cases: [() => unknown, new (...a: never[]) => Error, string][] = [
      [() => exactCLDLaw(target, { ...ok, method: 'leapfrog' as CLDMethod }), InvalidArgumentError, 'options.method'],
      [
        () => exactCLDLaw(target, { ...ok, initialVelocityVariance: -1 }),
        InvalidArgumentError,
        'options.initialVelocityVariance',
      ],
      [
        () => exactCLDLaw(target, { ...ok, initialVelocityVariance: 0, corrector: { steps: 1, stepSize: 0.1 } }),
        InvalidArgumentError,
        'options.initialVelocityVariance',
      ],
      [() => exactCLDLaw(target, { ...ok, init: target }), ShapeMismatchError, 'options.init.mean'],
      [() => exactCLDLaw(target, { ...ok, T: -1 }), InvalidArgumentError, 'options.T'],
      [() => exactCLDLaw(target, { ...ok, grid: Float64Array.from([1, 1]) }), InvalidArgumentError, 'options.grid[1]'],
      [
        () => exactCLDLaw(target, { ...ok, score: { kind: 'ou', dim: 2, evaluate: () => undefined } as never }),
        InvalidArgumentError,
        'options.score.kind',
      ],
      [
        () => exactCLDLaw(target, { ...ok, score: { kind: 'cld', dim: 2, evaluate: () => undefined } }),
        InvalidArgumentError,
        'options.score.affineAt',
      ],
    ];
    for (const [f, type, argument] of cases) expectArgumentError(f, type, argument);
  });
});

describe('cldForwardMarginal', () => {
  test('t = 0 is N(μ, Σ) ⊗ N(0, γI); the covariance solves dC/dt = A C + C Aᵀ + diag(0, 4I) (central differences)', () => {
    const gamma = 0.3;
    const start = cldForwardMarginal(target, 0, gamma);
    entries(start.joint.covariance).forEach((c, k) =>
      expect(c).toBeCloseTo(entries(productTarget(target, gamma).covariance)[k]!, 14),
    );
    start.joint.mean.forEach((m, k) => expect(m).toBeCloseTo(k < 2 ? target.mean[k]! : 0, 14));
    const [t, dt] = [0.7, 1e-4];
    const c = entries(cldForwardMarginal(target, t, gamma).joint.covariance);
    const derivative = entries(cldForwardMarginal(target, t + dt, gamma).joint.covariance).map(
      (v, k) => (v - entries(cldForwardMarginal(target, t - dt, gamma).joint.covariance)[k]!) / (2 * dt),
    );
    // A = [[0, I], [−I, −2I]] on (x1, x2, v1, v2).
    const A = [
      [0, 0, 1, 0],
      [0, 0, 0, 1],
      [-1, 0, -2, 0],
      [0, -1, 0, -2],
    ];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let rhs = i === j && i >= 2 ? 4 : 0;
        for (let k = 0; k < 4; k++) rhs += A[i]![k]! * c[k * 4 + j]! + c[i * 4 + k]! * A[j]![k]!;
        expect(derivative[i * 4 + j]).toBeCloseTo(rhs, 6);
      }
    }
  });
});

describe('cldErrorDecomposition', () => {
  test('W2 on both marginals: total ≤ sum; no score part for the exact score; parts respond to their causes', () => {
    for (const marginal of ['position', 'joint'] as const) {
      for (const method of METHODS) {
        const base = { T: 6, grid: uniformTimes(6, 120, 0.02), method, divergence: 'w2' as const, marginal };
        const withError = cldErrorDecomposition(target, { ...base, scoreError: { scale: 0.1 } });
        expect(withError.total).toBeLessThanOrEqual(withError.sum * (1 + 1e-12));
        expect(withError.score).toBeGreaterThan(0);
        expect(withError.earlyStopping).toBeGreaterThan(0);
        expect(cldErrorDecomposition(target, base).score).toBe(0);
        const longer = cldErrorDecomposition(target, { ...base, T: 12, grid: uniformTimes(12, 240, 0.02) });
        expect(longer.initialisation).toBeLessThan(withError.initialisation / 10);
      }
    }
  });

  test('KL on the position marginal, δ = 0: discretisation is KL(sampler from q_T ‖ N(μ, Σ))', () => {
    const grid = uniformTimes(5, 100);
    const parts = cldErrorDecomposition(target, { T: 5, grid, method: 'sscs' });
    expect(parts.earlyStopping).toBe(0);
    expect(parts.discretisation).toBeCloseTo(
      gaussianKL(exactCLDLaw(target, { T: 5, grid, method: 'sscs', init: 'forward-marginal' }).position, target),
      15,
    );
    expect(() => cldErrorDecomposition(target, { T: 5, grid, method: 'sscs', marginal: 'velocity' as never })).toThrow(
      /options\.marginal/,
    );
  });
});
