// The learned CLD velocity score: hybrid score matching against its definition, its gradient against finite
// differences, the skip term against the closed-form Gaussian CLD score, training on Gaussian data against the exact
// score, the file format (kind 'cld', version 3), and sampleCLDForwardMarginal against the exact joint law.
import {
  CLDScoreNetwork,
  ScoreNetworkFormatError,
  ScoreNetworkKindError,
  cldGaussianScore,
  createCLDScoreNetwork,
  createScoreNetwork,
  hybridScoreMatchingLoss,
  loadAnyScoreNetwork,
  loadCLDScoreNetwork,
  loadScoreNetwork,
  sampleCLDForwardMarginal,
  sampleGaussian,
  saveScoreNetwork,
  scoreFromSpec,
  trainDenoisingScoreMatching,
  type CLDScore,
} from '@sgmkit/score';
import { InvalidArgumentError, RandomStream, batch, type Batch } from '@sgmkit/tensor';

/** e^{uA} for A = [[0, 1], [−1, −2]], written out: e^{−u}[[1 + u, u], [−u, 1 − u]]. */
function flow(u: number): [number, number, number, number] {
  const e = Math.exp(-u);
  return [e * (1 + u), e * u, -e * u, e * (1 - u)];
}

/**
 * The law of one coordinate pair given x₀ = 1·m at time t, from the definitions (independent of the package):
 * mean e^{tA}(x₀, 0), covariance e^{tA} diag(0, γ) e^{tAᵀ} + ∫₀ᵗ e^{uA} diag(0, 4) e^{uAᵀ} du (Simpson, 4000 intervals).
 */
function pairLaw(t: number, gamma: number): { a: number; c: number; xx: number; xv: number; vv: number } {
  const m = 4000;
  let qxx = 0,
    qxv = 0,
    qvv = 0;
  for (let k = 0; k <= m; k++) {
    const [, b, , e] = flow((t * k) / m);
    const w = (k === 0 || k === m ? 1 : k % 2 ? 4 : 2) * (t / (3 * m));
    qxx += w * 4 * b * b;
    qxv += w * 4 * b * e;
    qvv += w * 4 * e * e;
  }
  const [a, b, c, e] = flow(t);
  return { a, c, xx: qxx + gamma * b * b, xv: qxv + gamma * b * e, vv: qvv + gamma * e * e };
}

function randomBatch(rows: number, cols: number, seed: number, scale = 1): Batch<Float64Array> {
  const out = batch(rows, cols) as Batch<Float64Array>;
  new RandomStream(seed).fillNormal(out.data, 0, rows * cols);
  for (let i = 0; i < out.data.length; i++) out.data[i] = scale * out.data[i]!;
  return out;
}

/**
 * HSM loss by its definition: (1/n) Σ_i ℓ² |s_θ(t, x_t, v_t) − ∇_v ln p(x_t, v_t | x₀)|², with (x_t, v_t) = mean + L ε from the
 * oracle law, ℓ² = det P / P_xx and ∇_v ln p = −[P⁻¹(u − μ)]_v, s_θ from the network's own evaluate.
 */
function definitionLoss(network: CLDScore, gamma: number, clean: Batch, times: Float64Array, normals: Batch): number {
  const d = network.dim;
  const n = times.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    const { a, c, xx, xv, vv } = pairLaw(t, gamma);
    const det = xx * vv - xv * xv;
    const l11 = Math.sqrt(xx),
      l21 = xv / l11,
      l22 = Math.sqrt(vv - l21 * l21);
    const x = batch(1, d),
      v = batch(1, d),
      s = batch(1, d);
    const conditional: number[] = [];
    for (let j = 0; j < d; j++) {
      const x0 = clean.data[i * d + j]!;
      const ex = normals.data[i * 2 * d + j]!,
        ev = normals.data[i * 2 * d + d + j]!;
      x.data[j] = a * x0 + l11 * ex;
      v.data[j] = c * x0 + l21 * ex + l22 * ev;
      conditional.push(-(-xv * (x.data[j]! - a * x0) + xx * (v.data[j]! - c * x0)) / det);
    }
    network.evaluate(t, x, v, s);
    const weight = det / xx;
    for (let j = 0; j < d; j++) total += weight * (s.data[j]! - conditional[j]!) ** 2;
  }
  return total / n;
}

describe('hybrid score matching loss', () => {
  const d = 3;
  const n = 24;
  const clean = randomBatch(n, d, 11, 1.5);
  const normals = randomBatch(n, 2 * d, 12);
  const times = Float64Array.from({ length: n }, (_, i) => 0.05 * Math.pow(60, i / (n - 1)));

  test.each([
    ['noise-prediction', 1],
    ['noise-prediction-skip', 1],
    ['noise-prediction-skip', 0.04],
  ] as const)('equals its definition ℓ²|s_θ − ∇_v ln p(x_t, v_t | x₀)|² (%s, γ = %s)', (parameterisation, gamma) => {
    const network = createCLDScoreNetwork({
      dim: d,
      hiddenWidths: [16, 12],
      seed: 4,
      parameterisation,
      initialVelocityVariance: gamma,
    });
    const withMoments = new CLDScoreNetwork(network.architecture, network.parameters, 'float64', gamma, {
      dataMoments: { mean: Float64Array.of(0.3, -1, 0), std: Float64Array.of(1.2, 0.5, 0) },
    });
    for (const net of [network, withMoments]) {
      const loss = hybridScoreMatchingLoss(net, clean, times, normals);
      const reference = definitionLoss(net, gamma, clean, times, normals);
      expect(Math.abs(loss - reference)).toBeLessThan(1e-9 * reference);
    }
  });

  test('its gradient matches central finite differences', () => {
    const network = createCLDScoreNetwork({
      dim: d,
      hiddenWidths: [10, 8],
      seed: 5,
      parameterisation: 'noise-prediction-skip',
    });
    const gradient = new Float64Array(network.parameters.length);
    hybridScoreMatchingLoss(network, clean, times, normals, gradient);
    const layouts = network.layouts;
    // Weights and biases of every layer, including the velocity columns of the first layer (rows d … 2d−1 of W₀).
    const indices = [
      layouts[0]!.weightOffset + 1,
      layouts[0]!.weightOffset + (d + 1) * layouts[0]!.outDim + 3,
      layouts[0]!.biasOffset + 2,
      layouts[1]!.weightOffset + 17,
      layouts[1]!.biasOffset,
      layouts[2]!.weightOffset + 5,
      layouts[2]!.biasOffset + 1,
    ];
    for (const k of indices) {
      const saved = network.parameters[k]!;
      const h = 1e-6;
      network.parameters[k] = saved + h;
      const up = hybridScoreMatchingLoss(network, clean, times, normals);
      network.parameters[k] = saved - h;
      const down = hybridScoreMatchingLoss(network, clean, times, normals);
      network.parameters[k] = saved;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(gradient[k]! - numeric)).toBeLessThan(1e-6 * Math.max(1, Math.abs(numeric)));
    }
  });

  test('bad arguments are refused with typed errors', () => {
    const network = createCLDScoreNetwork({ dim: d, hiddenWidths: [4] });
    expect(() => hybridScoreMatchingLoss(createScoreNetwork({ dim: d }) as never, clean, times, normals)).toThrow(
      /must be a CLDScoreNetwork/,
    );
    expect(() => hybridScoreMatchingLoss(network, clean, times, randomBatch(n, d, 1))).toThrow(InvalidArgumentError);
    expect(() => hybridScoreMatchingLoss(network, clean, times.subarray(1), normals)).toThrow(/times/);
    expect(() =>
      hybridScoreMatchingLoss(
        network,
        clean,
        Float64Array.from(times, (t, i) => (i === 3 ? 0 : t)),
        normals,
      ),
    ).toThrow(/times\[3\]/);
  });
});

describe('CLD score network', () => {
  test('with a zero MLP output the skip term is the exact CLD score of the diagonal Gaussian of dataMoments', () => {
    const mean = [0.7, -1.2, 0];
    const std = [1.3, 0.4, 1];
    for (const gamma of [1, 0.04]) {
      const initial = createCLDScoreNetwork({
        dim: 3,
        hiddenWidths: [8],
        seed: 1,
        parameterisation: 'noise-prediction-skip',
        initialVelocityVariance: gamma,
      });
      const last = initial.layouts[1]!;
      initial.parameters.fill(0, last.weightOffset, last.biasOffset + last.outDim);
      const network = new CLDScoreNetwork(initial.architecture, initial.parameters, 'float64', gamma, {
        dataMoments: { mean: Float64Array.from(mean), std: Float64Array.from(std) },
      });
      const exact = cldGaussianScore({ mean, covariance: std.map((s) => s * s), initialVelocityVariance: gamma });
      const x = randomBatch(50, 3, 2, 2);
      const v = randomBatch(50, 3, 3, 2);
      for (const t of [1e-3, 0.1, 1, 5]) {
        const a = batch(50, 3),
          b = batch(50, 3);
        network.evaluate(t, x, v, a);
        exact.evaluate(t, x, v, b);
        for (let i = 0; i < a.data.length; i++)
          expect(Math.abs(a.data[i]! - b.data[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(b.data[i]!)));
      }
    }
  });

  test('evaluate: any split of a batch gives the same bits; typed errors for bad input', () => {
    const network = createCLDScoreNetwork({
      dim: 2,
      hiddenWidths: [16],
      seed: 2,
      parameterisation: 'noise-prediction-skip',
    });
    const x = randomBatch(1100, 2, 4),
      v = randomBatch(1100, 2, 5);
    const whole = batch(1100, 2);
    network.evaluate(0.3, x, v, whole);
    const part = batch(7, 2);
    const xs: Batch = { ...x, shape: [7, 2], offset: 2 * 600 },
      vs: Batch = { ...v, shape: [7, 2], offset: 2 * 600 };
    network.evaluate(0.3, xs, vs, part);
    expect(Array.from(part.data)).toEqual(Array.from(whole.data.subarray(1200, 1214)));
    expect(() => network.evaluate(0, x, v, whole)).toThrow(/argument 't' must be a finite number > 0/);
    expect(() => network.evaluate(0.3, x, batch(3, 2), whole)).toThrow(InvalidArgumentError);
    expect(() => network.evaluate(0.3, x, v, x)).toThrow(/does not alias/);
    expect(() => createCLDScoreNetwork({ dim: 2, initialVelocityVariance: -1 })).toThrow(/initialVelocityVariance/);
  });
});

/** E|s_θ − s|² / E|s|² over draws of the exact CLD law of Gaussian data, pooled over times, with its standard error. */
function relativeSquaredError(
  learned: CLDScore,
  mean: number[],
  variances: number[],
  times: number[],
  perTime: number,
  seed: number,
): { mean: number; se: number } {
  const d = mean.length;
  const rng = new RandomStream(seed);
  const exact = cldGaussianScore({ mean, covariance: variances, initialVelocityVariance: 1 });
  const values: number[] = [];
  for (const t of times) {
    const x = batch(perTime, d),
      v = batch(perTime, d),
      a = batch(perTime, d),
      b = batch(perTime, d);
    let fisher = 0;
    for (let j = 0; j < d; j++) {
      // The joint law of (x_t, v_t) for x₀ ~ N(m, λ): the oracle pair law plus λ (a, c)(a, c)ᵀ.
      const law = pairLaw(t, 1);
      const lambda = variances[j]!;
      const xx = law.xx + lambda * law.a * law.a,
        xv = law.xv + lambda * law.a * law.c,
        vv = law.vv + lambda * law.c * law.c;
      fisher += xx / (xx * vv - xv * xv);
      const l11 = Math.sqrt(xx),
        l21 = xv / l11,
        l22 = Math.sqrt(vv - l21 * l21);
      for (let i = 0; i < perTime; i++) {
        const z1 = rng.normal(),
          z2 = rng.normal();
        x.data[i * d + j] = law.a * mean[j]! + l11 * z1;
        v.data[i * d + j] = law.c * mean[j]! + l21 * z1 + l22 * z2;
      }
    }
    learned.evaluate(t, x, v, a);
    exact.evaluate(t, x, v, b);
    for (let i = 0; i < perTime; i++) {
      let e = 0;
      for (let j = 0; j < d; j++) e += (a.data[i * d + j]! - b.data[i * d + j]!) ** 2;
      values.push(e / fisher);
    }
  }
  const m = values.reduce((s, e) => s + e, 0) / values.length;
  const variance = values.reduce((s, e) => s + (e - m) ** 2, 0) / (values.length - 1);
  return { mean: m, se: Math.sqrt(variance / values.length) };
}

describe('training by hybrid score matching on Gaussian data', () => {
  const mean = [0.5, -0.3];
  const variances = [0.6, 1.4];
  const times = [0.05, 0.2, 1, 3];
  // Bound on the relative squared error E|s_θ − s|²/E|s|² (a relative L2 error of 0.2); the untrained network is far above it.
  const bound = 0.04;

  test.each(['noise-prediction', 'noise-prediction-skip'] as const)(
    '%s: the learned score approaches cldGaussianScore (relative squared error + 5 SE < 0.04)',
    (parameterisation) => {
      const rng = new RandomStream(21);
      const data = batch(4000, 2) as Batch<Float64Array>;
      for (let i = 0; i < 4000; i++)
        for (let j = 0; j < 2; j++) data.data[i * 2 + j] = mean[j]! + Math.sqrt(variances[j]!) * rng.normal();
      const network = createCLDScoreNetwork({ dim: 2, hiddenWidths: [64, 64], seed: 3, parameterisation });
      const before = relativeSquaredError(network, mean, variances, times, 1500, 7);
      const { ema } = trainDenoisingScoreMatching(network, data, {
        steps: 1000,
        learningRate: 2e-3,
        emaDecay: 0.99,
        seed: 2,
      });
      const after = relativeSquaredError(ema!, mean, variances, times, 1500, 7);
      expect(before.mean - 5 * before.se).toBeGreaterThan(bound);
      expect(after.mean + 5 * after.se).toBeLessThan(bound);
    },
  );
});

describe('CLD network files: kind "cld", version 3', () => {
  const make = (dtype: 'float64' | 'float32') => {
    const initial = createCLDScoreNetwork({
      dim: 2,
      hiddenWidths: [12, 12],
      seed: 9,
      parameterisation: 'noise-prediction-skip',
      dtype,
      initialVelocityVariance: 0.25,
    });
    return new CLDScoreNetwork(initial.architecture, initial.parameters, dtype, 0.25, {
      normalization: { kind: 'affine', mean: Float64Array.of(1, 2), scale: Float64Array.of(3, 0.5) },
      dataMoments: { mean: Float64Array.of(0, 0.1), std: Float64Array.of(1, 0.9) },
    });
  };

  test.each(['float64', 'float32'] as const)('save → load and spec → scoreFromSpec are bit-identical (%s)', (dtype) => {
    const network = make(dtype);
    const json = saveScoreNetwork(network);
    const doc = JSON.parse(json);
    expect(doc).toMatchObject({ version: 3, kind: 'cld', initialVelocityVariance: 0.25, dtype });
    const loaded = loadCLDScoreNetwork(json);
    const any = loadAnyScoreNetwork(json);
    const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(network.spec))) as CLDScore;
    expect(loaded.normalization).toEqual(network.normalization);
    expect(any).toBeInstanceOf(CLDScoreNetwork);
    expect(rebuilt.kind).toBe('cld');
    const x = randomBatch(40, 2, 1),
      v = randomBatch(40, 2, 2);
    const outputs = [network, loaded, any as CLDScoreNetwork, rebuilt].map((s) => {
      const out = batch(40, 2);
      s.evaluate(0.07, x, v, out);
      return Array.from(out.data);
    });
    for (const out of outputs.slice(1)) expect(out).toEqual(outputs[0]);
    expect(saveScoreNetwork(loaded)).toBe(json);
  });

  test('a DDPM file is still version 2 without kind; kinds are checked by the loaders', () => {
    const ddpm = saveScoreNetwork(createScoreNetwork({ dim: 2, hiddenWidths: [4] }));
    const cld = saveScoreNetwork(make('float64'));
    expect(JSON.parse(ddpm).version).toBe(2);
    expect(JSON.parse(ddpm).kind).toBeUndefined();
    expect(() => loadScoreNetwork(cld)).toThrow(ScoreNetworkKindError);
    expect(() => loadScoreNetwork(cld)).toThrow(
      /loadScoreNetwork: argument 'json.kind' must be 'ou' \(a DDPM network\); this is a CLD network/,
    );
    expect(() => loadCLDScoreNetwork(ddpm)).toThrow(
      /loadCLDScoreNetwork: argument 'json.kind' must be 'cld'.*this is a DDPM network/,
    );
    expect(loadAnyScoreNetwork(ddpm).kind).toBe('ou');
    expect(() => scoreFromSpec({ type: 'cld-mlp', network: JSON.parse(ddpm) })).toThrow(ScoreNetworkKindError);
    expect(() => scoreFromSpec({ type: 'mlp', network: JSON.parse(cld) })).toThrow(ScoreNetworkKindError);
  });

  test('malformed kind fields are refused with their path', () => {
    const doc = JSON.parse(saveScoreNetwork(make('float64')));
    const mutate = (change: (d: Record<string, unknown>) => void): string => {
      const copy = JSON.parse(JSON.stringify(doc));
      change(copy);
      return JSON.stringify(copy);
    };
    const cases: [string, RegExp][] = [
      [
        mutate((d) => {
          d.version = 2;
        }),
        /'json.kind' must be absent in a version 2 file/,
      ],
      [
        mutate((d) => {
          d.kind = 'ddim';
        }),
        /'json.kind' must be "ou" or "cld"/,
      ],
      [
        mutate((d) => {
          delete d.initialVelocityVariance;
        }),
        /'json.initialVelocityVariance' must be a finite number >= 0/,
      ],
      [
        mutate((d) => {
          d.initialVelocityVariance = -1;
        }),
        /'json.initialVelocityVariance' must be/,
      ],
      [
        mutate((d) => {
          d.kind = 'ou';
        }),
        /'json.initialVelocityVariance' must be absent in a DDPM network/,
      ],
      [
        mutate((d) => {
          delete d.kind;
          delete d.initialVelocityVariance;
        }),
        /'json.layers\[0\].weight' must be an array of 216 numbers \(18 × 12\)/,
      ],
    ];
    for (const [json, message] of cases) {
      expect(() => loadAnyScoreNetwork(json)).toThrow(ScoreNetworkFormatError);
      expect(() => loadAnyScoreNetwork(json)).toThrow(message);
    }
  });
});

describe('sampleCLDForwardMarginal', () => {
  test.each([0.05, 0.7, 3])(
    't = %p: (x_t, v_t) of Gaussian data has the exact joint mean and covariance (5 SE)',
    (t) => {
      const n = 20000;
      const mean = [1.5, -0.5],
        variances = [0.3, 2],
        gamma = 0.5;
      const x0 = sampleGaussian({ mean, covariance: variances }, n, { seed: 8 });
      const { positions, velocities } = sampleCLDForwardMarginal(x0, t, { seed: 8, initialVelocityVariance: gamma });
      for (let j = 0; j < 2; j++) {
        const law = pairLaw(t, gamma);
        const lambda = variances[j]!;
        // The joint law of (x_t, v_t) for x₀ ~ N(m, λ): mean (a m, c m), covariance P(0) + λ (a, c)(a, c)ᵀ.
        const exact = [
          law.xx + lambda * law.a * law.a,
          law.xv + lambda * law.a * law.c,
          law.vv + lambda * law.c * law.c,
        ];
        const mx = law.a * mean[j]!,
          mv = law.c * mean[j]!;
        let sx = 0,
          sv = 0,
          sxx = 0,
          sxv = 0,
          svv = 0;
        for (let i = 0; i < n; i++) {
          const x = positions.data[i * 2 + j]! - mx,
            v = velocities.data[i * 2 + j]! - mv;
          sx += x;
          sv += v;
          sxx += x * x;
          sxv += x * v;
          svv += v * v;
        }
        expect(Math.abs(sx / n)).toBeLessThan(5 * Math.sqrt(exact[0]! / n));
        expect(Math.abs(sv / n)).toBeLessThan(5 * Math.sqrt(exact[2]! / n));
        // Gaussian fourth moments: Var(xy) = σ_xx σ_yy + σ_xy².
        expect(Math.abs(sxx / n - exact[0]!)).toBeLessThan(5 * Math.sqrt((2 * exact[0]! ** 2) / n));
        expect(Math.abs(sxv / n - exact[1]!)).toBeLessThan(5 * Math.sqrt((exact[0]! * exact[2]! + exact[1]! ** 2) / n));
        expect(Math.abs(svv / n - exact[2]!)).toBeLessThan(5 * Math.sqrt((2 * exact[2]! ** 2) / n));
      }
    },
  );

  test('rows are bit-identical whatever the split; t = 0 copies x₀ and draws √γ ε_v; typed errors', () => {
    const x0 = randomBatch(300, 2, 4);
    const whole = sampleCLDForwardMarginal(x0, 0.4, { seed: 3 });
    const part = sampleCLDForwardMarginal({ ...x0, shape: [10, 2], offset: 2 * 120 }, 0.4, { seed: 3, firstRow: 120 });
    expect(Array.from(part.positions.data)).toEqual(Array.from(whole.positions.data.subarray(240, 260)));
    expect(Array.from(part.velocities.data)).toEqual(Array.from(whole.velocities.data.subarray(240, 260)));
    const atZero = sampleCLDForwardMarginal(x0, 0, { seed: 3, initialVelocityVariance: 4 });
    expect(Array.from(atZero.positions.data)).toEqual(Array.from(x0.data));
    const unit = sampleCLDForwardMarginal(x0, 0, { seed: 3, initialVelocityVariance: 1 });
    expect(Array.from(atZero.velocities.data)).toEqual(Array.from(unit.velocities.data, (v) => 2 * v));
    expect(() => sampleCLDForwardMarginal(x0, -1, { seed: 3 })).toThrow(InvalidArgumentError);
    expect(() => sampleCLDForwardMarginal(x0, 1, { seed: 3, initialVelocityVariance: -2 })).toThrow(
      /initialVelocityVariance/,
    );
    expect(() => sampleCLDForwardMarginal(x0, 1, {} as never)).toThrow(/options.seed/);
  });
});
