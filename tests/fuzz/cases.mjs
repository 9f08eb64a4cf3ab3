// What the fuzz harness calls: each case builds one configuration of a public function from a seeded
// generator, mixing valid and invalid inputs, and returns a thunk that runs it.

/** A float batch `n × d` of the generator's reals (sometimes with bad entries). */
function batchOf(g, t, n, d, dtype = 'float64', scale = 1) {
  const b = t.zeros([n, d], dtype === 'float32' ? 'float32' : 'float64');
  for (let i = 0; i < n * d; i++) {
    b.data[i] = g.real(scale, 0.002);
    g.note(b.data[i]); // a bad value of another type ('3', {}, undefined) is stored as a number, maybe NaN
  }
  return b;
}

/** A batch, or occasionally something that is not one (wrong shape, strides, dtype, plain array). */
function maybeBatch(g, t, n, d, dtype) {
  const r = g.random();
  if (r < 0.9) return batchOf(g, t, n, d, dtype);
  if (r < 0.93) return batchOf(g, t, n, d + 1, dtype);
  if (r < 0.95) return t.tensor(new Float64Array(n * d * 2), [n, d], [2 * d, 2]);
  if (r < 0.97) return t.zeros([n * d], 'float64');
  return g.pick([null, undefined, [[1, 2]], { data: [1, 2], shape: [1, 2] }]);
}

function noiseAddress(g) {
  return [g.integer(0, 0xffffffff, 0.05), g.integer(0, 100, 0.05), g.integer(0, 1000, 0.05)];
}

function gaussianParameters(g, d) {
  const kind = g.int(0, 2);
  const covariance =
    kind === 0
      ? g.covariance(d)
      : kind === 1
        ? Array.from({ length: d }, () => g.positive(0.05, 3, 0.03))
        : g.positive(0.05, 3, 0.05);
  return { mean: Array.from({ length: g.chance(0.97) ? d : d + 1 }, () => g.real(2, 0.02)), covariance };
}

function mixtureParameters(g, d) {
  const k = g.int(1, 5);
  const weights = Array.from({ length: k }, () => g.positive(0.1, 1, 0.02));
  const total = weights.reduce((s, w) => s + (typeof w === 'number' ? w : 0), 0);
  return {
    weights: g.chance(0.8) ? weights.map((w) => (typeof w === 'number' ? w / total : w)) : weights,
    means: Array.from({ length: k }, () => Array.from({ length: d }, () => g.real(3, 0.01))),
    covariances: Array.from({ length: k }, () => gaussianParameters(g, d).covariance),
    normalizeWeights: g.chance(0.3),
  };
}

/** A time grid: uniform, early stopping, custom, or a broken one (unsorted, duplicate, not ending at 0 or δ). */
function grid(g, s, T) {
  const steps = g.integer(1, 40, 0.05);
  const r = g.random();
  if (r < 0.5) return s.uniformGrid(T, steps);
  if (r < 0.8) return s.earlyStoppingGrid(T, g.positive(1e-4, 0.1, 0.05), steps);
  const span = typeof T === 'number' && Number.isFinite(T) ? T : 1;
  const times = Array.from({ length: g.int(2, 12) }, () => g.positive(0, span, 0.05)).sort(
    (a, b) => (typeof b === 'number' ? b : 0) - (typeof a === 'number' ? a : 0),
  );
  if (g.chance(0.5)) times[0] = span;
  if (g.chance(0.3)) times.push(times[times.length - 1]); // duplicate
  if (g.chance(0.2)) times.reverse();
  return times;
}

const OU_SCORES = ['gaussian', 'mixture', 'ring', 'point-cloud', 'nan-midway'];

/** An OU (DDPM) score of dimension d, or a user score that starts returning NaN after some calls. */
function ouScore(g, sc, d) {
  const kind = g.pick(OU_SCORES);
  if (kind === 'gaussian') return sc.gaussianScore(gaussianParameters(g, d));
  if (kind === 'mixture') return sc.gaussianMixtureScore(mixtureParameters(g, d));
  if (kind === 'ring')
    return sc.ringMixture({
      components: g.integer(1, 12, 0.05),
      radius: g.positive(0.5, 5, 0.05),
      std: g.positive(0.05, 1, 0.05),
    });
  if (kind === 'point-cloud')
    return sc.pointCloudScore(
      Array.from({ length: g.int(1, 40) }, () => Array.from({ length: d }, () => g.real(2, 0.005))),
    );
  let calls = 0;
  const after = g.int(0, 20);
  g.nonFinite = true; // the user's score itself produces NaN: NaN out is this score's doing, but it must be reported
  return {
    kind: 'ou',
    dim: d,
    evaluate(t, x, out) {
      calls++;
      out.data.fill(calls > after ? Number.NaN : 0.5);
    },
  };
}

function cldScore(g, sc, d) {
  const r = g.random();
  const gamma = g.positive(0.1, 2, 0.05);
  if (r < 0.5) return sc.cldGaussianScore({ ...gaussianParameters(g, d), initialVelocityVariance: gamma });
  if (r < 0.8) return sc.cldGaussianMixtureScore({ ...mixtureParameters(g, d), initialVelocityVariance: gamma });
  return sc.cldPointCloudScore(
    Array.from({ length: g.int(1, 30) }, () => Array.from({ length: d }, () => g.real(2, 0.005))),
    { initialVelocityVariance: gamma },
  );
}

function corrector(g) {
  if (g.chance(0.8)) return undefined;
  return { steps: g.integer(0, 3, 0.1), stepSize: g.positive(0.001, 0.5, 0.1) };
}

/** A Gaussian law `{ mean, covariance }` as the exact-law functions take it. */
function gaussianLaw(g, t, d) {
  const c = g.covariance(d);
  return {
    mean: Float64Array.from({ length: d }, () => g.real(1, 0.02)),
    covariance: g.chance(0.97) ? t.fromArray(c) : t.fromArray(g.covariance(d + 1)),
  };
}

const DDPM_METHODS = [
  'exponential-integrator',
  'euler-maruyama',
  'ancestral',
  'probability-flow',
  'heun',
  'exponential-heun',
  'stochastic-heun',
  'dpmpp-2m',
  'deis-1',
  'deis-2',
  'deis-3',
];
const CLD_METHODS = ['exponential-integrator', 'euler-maruyama', 'sscs'];

export const CASES = [
  {
    name: 'tensor.fromArray',
    make:
      (g, { t }) =>
      () =>
        g.chance(0.5)
          ? t.fromArray(g.matrix(g.int(0, 4), g.int(0, 4)), g.dtype())
          : t.fromArray(
              Array.from({ length: g.int(0, 8) }, () => g.real()),
              [g.integer(0, 4, 0.1), g.integer(0, 4, 0.1)],
              g.dtype(),
            ),
  },
  {
    name: 'tensor.tensor',
    make:
      (g, { t }) =>
      () =>
        t.tensor(
          new Float64Array(g.int(0, 12)),
          [g.integer(0, 4, 0.1), g.integer(0, 4, 0.1)],
          g.chance(0.8) ? undefined : [g.integer(-3, 4, 0.1), g.integer(-3, 4, 0.1)],
          g.integer(0, 5, 0.1),
        ),
  },
  {
    name: 'tensor.ouExponentialIntegratorStep',
    make: (g, { t }) => {
      const [n, d, dtype] = [g.int(0, 20), g.int(1, 5), g.pick(['float64', 'float32'])];
      const [y, s] = [maybeBatch(g, t, n, d, dtype), maybeBatch(g, t, n, d, dtype)];
      const h = g.positive(1e-4, 1, 0.1);
      const [seed, stream, row] = noiseAddress(g);
      return () => {
        t.ouExponentialIntegratorStep(y, s, g.arg(h), g.arg(seed), stream, row);
        return y;
      };
    },
  },
  {
    name: 'tensor.affineNoiseStep',
    make: (g, { t }) => {
      const [n, d] = [g.int(0, 20), g.int(1, 5)];
      const [y, s] = [maybeBatch(g, t, n, d), maybeBatch(g, t, n, d)];
      const [a, b, c] = [g.real(1, 0.05), g.real(1, 0.05), g.positive(0, 2, 0.05)];
      const [seed, stream, row] = noiseAddress(g);
      return () => {
        t.affineNoiseStep(y, s, g.arg(a), b, g.arg(c), seed, g.arg(stream), row);
        return y;
      };
    },
  },
  {
    name: 'tensor.langevinStep',
    make: (g, { t }) => {
      const [n, d] = [g.int(0, 20), g.int(1, 5)];
      const [y, s] = [maybeBatch(g, t, n, d), maybeBatch(g, t, n, d)];
      const epsilon = g.positive(1e-4, 1, 0.1);
      const [seed, stream, row] = noiseAddress(g);
      return () => {
        t.langevinStep(y, s, g.arg(epsilon), seed, stream, g.arg(row));
        return y;
      };
    },
  },
  {
    name: 'tensor.cldExponentialIntegratorStep',
    make: (g, { t }) => {
      const [n, d] = [g.int(0, 20), g.int(1, 4)];
      const [x, v] = [maybeBatch(g, t, n, d), maybeBatch(g, t, n, d)];
      const s = g.chance(0.2) ? null : maybeBatch(g, t, n, d);
      const h = g.positive(1e-4, 1, 0.1);
      const direction = g.chance(0.95) ? g.pick(['forward', 'reverse']) : 'sideways';
      const [seed, stream, row] = noiseAddress(g);
      return () => {
        t.cldExponentialIntegratorStep(x, v, s, h, direction, seed, stream, row);
        return [x, v];
      };
    },
  },
  {
    name: 'tensor.fillParticleNormals',
    make: (g, { t }) => {
      const out = maybeBatch(g, t, g.int(0, 30), g.int(1, 5), g.pick(['float64', 'float32']));
      const [seed, stream, row] = noiseAddress(g);
      return () => t.fillParticleNormals(out, g.arg(seed), stream, row);
    },
  },
  {
    name: 'tensor.gemm',
    make: (g, { t }) => {
      const [m, k, n] = [g.int(0, 9), g.int(0, 9), g.int(0, 9)];
      const [ta, tb] = [g.chance(0.5), g.chance(0.5)];
      const a = batchOf(g, t, ta ? k : m, ta ? m : k, g.pick(['float64', 'float32']));
      const b = batchOf(g, t, tb ? n : k, tb ? k : n, g.pick(['float64', 'float32']));
      const c = batchOf(g, t, g.chance(0.95) ? m : m + 1, n, g.pick(['float64', 'float32']));
      const [alpha, beta] = [g.real(1, 0.05), g.real(1, 0.05)];
      return () => {
        t.gemm(ta, tb, alpha, a, b, beta, c);
        return c;
      };
    },
  },
  {
    name: 'tensor.cholesky',
    make: (g, { t }) => {
      const m = t.fromArray(g.covariance(g.int(1, 5)));
      return () => t.cholesky(m);
    },
  },
  {
    name: 'tensor.symmetricEigen',
    make: (g, { t }) => {
      const m = t.fromArray(g.covariance(g.int(1, 5)));
      return () => t.symmetricEigen(m);
    },
  },
  {
    name: 'tensor.RandomStream',
    make: (g, { t }) => {
      const seed = g.integer(0, 0xffffffff, 0.2);
      const out = new Float64Array(g.int(0, 40));
      return () => {
        new t.RandomStream(seed).fillNormal(out);
        return out;
      };
    },
  },
  {
    name: 'tensor.sin/cos/integerPower',
    make: (g, { t }) => {
      const x = g.real(g.pick([1, 1e3, 1e6, 1e300]), 0.02);
      const base = g.real(2, 0.02);
      const exponent = g.integer(0, 5000, 0.1);
      // |base|^n past the largest double overflows to ±Infinity, as Math.pow does: the overflow class, not a silent failure
      if (typeof base === 'number' && Number.isInteger(exponent) && exponent * Math.log2(Math.abs(base)) > 1023)
        g.extreme = true;
      return () => [t.sin(x), t.cos(x), t.integerPower(base, exponent)];
    },
  },
  {
    name: 'score.evaluate (OU)',
    make: (g, { t, sc }) => {
      const d = g.int(1, 5);
      const n = g.int(0, 12);
      const time = g.positive(1e-3, 5, 0.1);
      return () => {
        const score = ouScore(g, sc, d);
        const out = t.zeros([n, d]);
        score.evaluate(time, maybeBatch(g, t, n, d), out);
        return out;
      };
    },
  },
  {
    name: 'score.evaluate (CLD)',
    make: (g, { t, sc }) => {
      const d = g.int(1, 4);
      const n = g.int(0, 12);
      const time = g.positive(1e-3, 5, 0.1);
      return () => {
        const score = cldScore(g, sc, d);
        const out = t.zeros([n, d]);
        score.evaluate(time, maybeBatch(g, t, n, d), maybeBatch(g, t, n, d), out);
        return out;
      };
    },
  },
  {
    name: 'sampler.grids',
    make: (g, { s }) => {
      const T = g.arg(g.positive(0.1, 10, 0.1));
      return () => {
        const times = grid(g, s, T);
        return times instanceof Float64Array ? times : s.customGrid(times, T);
      };
    },
  },
  {
    name: 'sampler.sampleDDPM',
    make: (g, { sc, s }) => {
      const d = g.int(1, 4);
      const T = g.positive(0.5, 8, 0.05);
      const useGrid = g.chance(0.3);
      return async () => {
        const score = ouScore(g, sc, d);
        const method = g.chance(0.97) ? g.pick(DDPM_METHODS) : 'rk4';
        const options = {
          T,
          seed: g.integer(0, 1000, 0.05),
          n: g.integer(1, 40, 0.05),
          method,
          corrector: corrector(g),
          dtype: g.chance(0.9) ? g.pick(['float64', 'float32']) : g.dtype(),
        };
        if (useGrid) options.grid = grid(g, s, T);
        else
          Object.assign(options, {
            steps: g.integer(20, 40, 0.05),
            ...(g.chance(0.5) ? { delta: g.positive(1e-3, 0.1, 0.05) } : {}),
          });
        if (g.chance(0.03)) options.unknownOption = 1;
        return s.sampleDDPM(score, g.arg(options, 0.01));
      };
    },
  },
  {
    name: 'sampler.ddpm solvers in segments (history)',
    make: (g, { t, sc, s }) => {
      const d = g.int(1, 3);
      const n = g.int(1, 20);
      const T = g.positive(0.5, 6, 0.05);
      return () => {
        const method = g.pick(['heun', 'stochastic-heun', 'dpmpp-2m', 'deis-1', 'deis-2', 'deis-3']);
        const times = s.uniformGrid(T, g.int(2, 30), g.chance(0.5) ? 0 : g.positive(1e-3, 0.1, 0.05));
        const y = batchOf(g, t, n, d, g.pick(['float64', 'float32']));
        const score = ouScore(g, sc, d);
        const split = g.int(1, times.length - 1);
        const history =
          method.startsWith('heun') || method === 'stochastic-heun'
            ? undefined
            : g.chance(0.9)
              ? s.ddpmSolverHistory(method, y)
              : g.pick([{}, null, 3]);
        s.DDPM_INTEGRATORS[method](score, y, times.subarray(0, split + 1), { seed: 1 }, { history });
        s.DDPM_INTEGRATORS[method](
          score,
          y,
          times.subarray(split),
          { seed: 1, firstStep: g.chance(0.9) ? split : g.int(0, 40) },
          { history },
        );
        return y;
      };
    },
  },
  {
    name: 'sampler.shardRows + firstRow',
    make: (g, { sc, s }) => {
      const n = g.integer(1, 60, 0.05);
      const count = g.integer(1, 8, 0.05);
      const index = g.integer(0, 8, 0.1);
      return async () => {
        const { firstRow, rows } = s.shardRows(n, index, count);
        if (rows === 0) return [];
        return s.sampleDDPM(ouScore(g, sc, 2), {
          T: 2,
          steps: 20,
          seed: 1,
          n: rows,
          firstRow: g.chance(0.95) ? firstRow : g.pick([-1, 0.5, 2 ** 53, 'x']),
        });
      };
    },
  },
  {
    name: 'score.parseTrainingCheckpoint',
    make: (g, { t, sc }) => {
      const data = t.zeros([20, 2]);
      data.data.forEach((_, i) => (data.data[i] = Math.sin(i)));
      const checkpoints = [];
      const options = { steps: 4, batchSize: 8, seed: 1, checkpointEvery: 2 };
      sc.trainDenoisingScoreMatching(sc.createScoreNetwork({ dim: 2, hiddenWidths: [4], seed: 1 }), data, {
        ...options,
        onCheckpoint: (c) => checkpoints.push(sc.trainingCheckpointToJson(c)),
      });
      const doc = JSON.parse(checkpoints[0]);
      const mutation = g.int(0, 6);
      if (mutation === 1) doc.parameters[0] = g.pick([null, 'x', true]);
      if (mutation === 2) doc.random.words = g.pick([[], [1.5], null]);
      if (mutation === 3) doc.adam.firstMoment.pop();
      if (mutation === 4) doc.step = g.pick([-1, 99, 0.5]);
      if (mutation === 5) doc.fingerprint = 'another run';
      let text = JSON.stringify(doc);
      if (mutation === 6) text = text.slice(0, g.int(0, text.length - 1));
      return () =>
        sc.trainDenoisingScoreMatching(sc.createScoreNetwork({ dim: 2, hiddenWidths: [4], seed: 1 }), data, {
          ...options,
          resumeFrom: sc.parseTrainingCheckpoint(text, 'fuzz.json'),
        });
    },
  },
  {
    name: 'sampler.sampleCLD',
    make: (g, { sc, s }) => {
      const d = g.int(1, 3);
      const T = g.positive(0.5, 8, 0.05);
      return async () => {
        const score = cldScore(g, sc, d);
        const method = g.chance(0.97) ? g.pick(CLD_METHODS) : 'leapfrog';
        return s.sampleCLD(score, {
          T,
          steps: g.integer(20, 40, 0.05),
          seed: g.integer(0, 1000, 0.05),
          n: g.integer(1, 30, 0.05),
          method,
          corrector: corrector(g),
        });
      };
    },
  },
  {
    name: 'sampler.exactDDPMLaw',
    make: (g, { t, s }) => {
      const d = g.int(1, 4);
      const T = g.positive(0.5, 8, 0.05);
      return () =>
        s.exactDDPMLaw(gaussianLaw(g, t, d), {
          T,
          grid: grid(g, s, T),
          method: g.pick(DDPM_METHODS),
          corrector: corrector(g),
        });
    },
  },
  {
    name: 'sampler.logLikelihood',
    make: (g, { t, sc, s }) => {
      const d = g.int(1, 3);
      const T = g.positive(0.5, 8, 0.05);
      return () => {
        const score = ouScore(g, sc, d);
        const divergence = g.chance(0.95)
          ? g.pick([undefined, 'exact', 'finite-difference', 'hutchinson'])
          : 'autograd';
        const options = {
          T,
          divergence,
          ...(divergence === 'hutchinson' ? { seed: g.integer(0, 1000, 0.05), probes: g.integer(1, 4, 0.05) } : {}),
        };
        if (g.chance(0.5)) options.grid = grid(g, s, T);
        else
          Object.assign(options, {
            steps: g.integer(1, 30, 0.05),
            ...(g.chance(0.7) ? { delta: g.positive(1e-3, 0.1, 0.05) } : {}),
          });
        if (g.chance(0.2)) options.chunkSize = g.integer(1, 8, 0.05);
        return s.logLikelihood(score, maybeBatch(g, t, g.int(1, 6), d), g.arg(options, 0.01));
      };
    },
  },
  {
    name: 'sampler.ddpm brownianLevels',
    make: (g, { t, sc, s }) => {
      const d = g.int(1, 3);
      const T = g.positive(0.5, 4, 0.05);
      const run = g.pick([s.ddpmExponentialIntegrator, s.ddpmEulerMaruyama, s.ddpmAncestral, s.ddpmProbabilityFlow]);
      return () => {
        const y = batchOf(g, t, g.int(1, 6), d);
        const noise = {
          seed: g.integer(0, 1000, 0.05),
          brownianLevels: g.integer(0, 5, 0.1),
          firstStep: g.integer(0, 3, 0.05),
        };
        run(ouScore(g, sc, d), y, s.uniformGrid(T, g.int(8, 20)), noise, { corrector: corrector(g) });
        return y;
      };
    },
  },
  {
    name: 'sampler.exactCLDLaw',
    make: (g, { t, s }) => {
      const d = g.int(1, 3);
      const T = g.positive(0.5, 8, 0.05);
      return () =>
        s.exactCLDLaw(gaussianLaw(g, t, d), {
          T,
          grid: grid(g, s, T),
          method: g.pick(CLD_METHODS),
          initialVelocityVariance: g.positive(0.1, 2, 0.05),
        });
    },
  },
  {
    name: 'sampler.divergences',
    make: (g, { t, s }) => {
      const d = g.int(1, 4);
      const [p, q] = [gaussianLaw(g, t, d), gaussianLaw(g, t, g.chance(0.95) ? d : d + 1)];
      const which = g.pick(['gaussianKL', 'gaussianW2', 'gaussianTV', 'gaussianHellinger']);
      return () => s[which](p, q);
    },
  },
  {
    name: 'sampler.metrics',
    make: (g, { t, s }) => {
      const d = g.int(1, 4);
      const [x, y] = [maybeBatch(g, t, g.int(1, 30), d), maybeBatch(g, t, g.int(1, 30), d)];
      const which = g.pick(['slicedWasserstein', 'mmd']);
      return () =>
        which === 'mmd'
          ? s.mmd(x, y)
          : s.slicedWasserstein(x, y, { projections: g.integer(1, 20, 0.1), seed: g.integer(0, 100, 0.1) });
    },
  },
  {
    name: 'score.loadScoreNetwork',
    make: (g, { sc }) => {
      const network = sc.createScoreNetwork({ dim: g.int(1, 3), hiddenWidths: [g.int(1, 6)], seed: 1 });
      const doc = JSON.parse(sc.saveScoreNetwork(network));
      const mutation = g.int(0, 6);
      if (mutation === 1) doc.version = g.pick([0, 3, '2', null]);
      if (mutation === 2) doc.layers[0].weight[0] = g.pick([null, '1', Number.POSITIVE_INFINITY, {}]);
      if (mutation === 3) doc.layers[0].weight.pop();
      if (mutation === 4) doc.architecture.hiddenWidths = [g.pick([1e9, -1, 0.5, 'x', 2 ** 31])];
      if (mutation === 5) doc.architecture.dim = g.pick([0, -1, 1e9, null]);
      let text = JSON.stringify(doc);
      if (mutation === 6) text = text.slice(0, g.int(0, text.length - 1));
      return () => sc.loadScoreNetwork(text);
    },
  },
  {
    name: 'sampler/io parsePointCloudCsv',
    make: (g, { io }) => {
      const rows = Array.from({ length: g.int(0, 6) }, () =>
        Array.from({ length: g.int(1, 3) }, () =>
          g.chance(0.95) ? String(g.real(1, 0.05)) : g.pick(['abc', '', ' ', '1e999', '0x10', '--1']),
        ).join(g.chance(0.95) ? ',' : ';'),
      );
      const text =
        (g.chance(0.1) ? '\ufeff' : '') + (g.chance(0.5) ? 'x0,x1\n' : '') + rows.join(g.chance(0.9) ? '\n' : '\r\n');
      return () => io.parsePointCloudCsv(text, 'fuzz.csv');
    },
  },
  {
    name: 'cli',
    make: (g, { cli }) => {
      const command = g.pick(['sample', 'sample', 'sample', 'verify', 'train', 'plot', 'merge', 'help', 'bogus']);
      const argv = [command];
      const sizes = {
        sample: ['-n', '30', '--steps', '20', '--no-plot'],
        verify: ['--dims', '1', '--steps', '8,16', '--no-plot'],
        train: ['--steps', '3', '--hidden', '4', '--batch', '8'],
        plot: [],
        merge: [],
        help: [],
        bogus: [],
      };
      argv.push(...sizes[command]);
      const options = [
        '--T',
        '--steps',
        '-n',
        '--seed',
        '--method',
        '--target',
        '--delta',
        '--schedule',
        '--sampler',
        '--gamma',
        '--mean',
        '--cov',
        '--dim',
        '--dtype',
        '--corrector-steps',
        '--corrector-size',
        '--clip',
        '--max-diverged',
        '--divergence-k',
        '--lr',
        '--batch',
        '--hidden',
        '--in',
        '--image',
        '--range',
        '--shard',
        '--resume',
        '--checkpoint-every',
        '--bogus',
      ];
      const values = [
        '0',
        '-1',
        '1e9',
        'NaN',
        'Infinity',
        'abc',
        '',
        '1,2',
        '1;2',
        '0.5',
        'ring8',
        'grid25',
        'gaussian',
        'cld',
        'sscs',
        'float32',
        '3',
        '1e-3',
        '8x8',
        '"1,0;0,1"',
        '1/3',
        '3/3',
        'auto',
        'auto/2',
      ];
      for (let k = g.int(0, 3); k > 0; k--) {
        argv.push(g.pick(options));
        if (g.chance(0.9)) argv.push(g.pick(values));
      }
      if (g.chance(0.5)) argv.push('--json');
      return async () => {
        const stdout = [];
        const stderr = [];
        const code = await cli.runCli(argv, {
          stdout: { write: (c) => stdout.push(c) },
          stderr: { write: (c) => stderr.push(c) },
        });
        const text = stderr.join('');
        if (/unexpected error/.test(text)) throw new Error(`untyped error in the CLI: ${text.trim()}`);
        return { code, argv };
      };
    },
  },
];
