import {
  createScoreNetwork,
  saveScoreNetwork,
  loadScoreNetwork,
  scoreNetworkFromSpec,
  denoisingLoss,
  trainDenoisingScoreMatching,
  EVALUATION_CHUNK_ROWS,
  ScoreNetworkFormatError,
  scoreFromSpec,
  type ScoreNetworkDocument,
  type ScoreNetwork,
} from '@sgmkit/score';
import {
  batch,
  fromArray,
  transpose,
  InvalidArgumentError,
  DTypeMismatchError,
  ShapeMismatchError,
  NonContiguousError,
  type Batch,
} from '@sgmkit/tensor';
import { referenceNoisePrediction, referenceScore } from './learned-helpers';

function pseudoRandomBatch(n: number, d: number, seed: number, scale = 1): Batch<Float64Array> {
  const out = batch(n, d) as Batch<Float64Array>;
  let s = seed;
  for (let i = 0; i < n * d; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.data[i] = scale * ((s / 2 ** 32) * 2 - 1);
  }
  return out;
}
function documentOf(net: ReturnType<typeof createScoreNetwork>): ScoreNetworkDocument {
  return JSON.parse(saveScoreNetwork(net)) as ScoreNetworkDocument;
}

describe('score network forward pass', () => {
  const net = createScoreNetwork({ dim: 3, hiddenWidths: [16, 9], timeFrequencyCount: 4, seed: 7 });
  // Non-zero biases so the bias paths are exercised too.
  net.layouts.forEach((layer, l) => {
    for (let j = 0; j < layer.outDim; j++) net.parameters[layer.biasOffset + j] = 0.1 * Math.sin(j + l);
  });
  const doc = documentOf(net);

  test('evaluate equals −ε/σ_t computed from the definition, at small and large t', () => {
    const x = pseudoRandomBatch(37, 3, 1, 2);
    const out = batch(37, 3);
    for (const t of [1e-3, 0.1, 1, 7]) {
      net.evaluate(t, x, out);
      for (let i = 0; i < 37; i++) {
        const ref = referenceScore(doc, t, Array.from(x.data.subarray(3 * i, 3 * i + 3)));
        const scale = Math.max(1, ...ref.map(Math.abs));
        for (let j = 0; j < 3; j++) expect(Math.abs(out.data[3 * i + j]! - ref[j]!)).toBeLessThan(1e-13 * scale);
      }
    }
  });

  test('batches larger than a chunk and offset views give the same rows as small batches', () => {
    const n = 2 * EVALUATION_CHUNK_ROWS + 13;
    const x = pseudoRandomBatch(n, 3, 2);
    const out = batch(n, 3);
    net.evaluate(0.5, x, out);
    const rowsView: Batch = { data: x.data, shape: [5, 3], stride: [3, 1], offset: 3 * (n - 5) };
    const small = batch(5, 3);
    net.evaluate(0.5, rowsView, small);
    expect(Array.from(small.data)).toEqual(Array.from(out.data.subarray(3 * (n - 5))));
  });

  test('float32 batches are evaluated directly, to float32 accuracy', () => {
    const x = pseudoRandomBatch(20, 3, 3);
    const x32 = { ...x, data: Float32Array.from(x.data) };
    const out32 = batch(20, 3, 'float32');
    net.evaluate(0.2, x32, out32);
    for (let i = 0; i < 20; i++) {
      const ref = referenceScore(doc, 0.2, Array.from(x32.data.subarray(3 * i, 3 * i + 3)));
      for (let j = 0; j < 3; j++)
        expect(Math.abs(out32.data[3 * i + j]! - ref[j]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref[j]!)));
    }
  });

  test('bad input to evaluate', () => {
    const x = batch(4, 3),
      out = batch(4, 3);
    expect(() => net.evaluate(0, x, out)).toThrow(
      /ScoreNetwork.evaluate: argument 't' must be a finite number > 0; got 0/,
    );
    expect(() => net.evaluate(Number.NaN, x, out)).toThrow(/argument 't'/);
    expect(() => net.evaluate(1, batch(4, 2), out)).toThrow(/argument 'x' must be a batch with d = 3 columns/);
    expect(() => net.evaluate(1, x, batch(5, 3))).toThrow(/argument 'out' must be a batch with n = 4 rows/);
    expect(() => net.evaluate(1, x, batch(4, 3, 'float32'))).toThrow(DTypeMismatchError);
    expect(() => net.evaluate(1, x, x)).toThrow(/argument 'out' must be a batch that does not alias x/);
    expect(() => net.evaluate(1, transpose(batch(3, 4)), out)).toThrow(NonContiguousError);
  });
});

describe('backward pass', () => {
  test('gradient of the DSM loss matches central finite differences (relative error < 1e-6)', () => {
    const net = createScoreNetwork({ dim: 2, hiddenWidths: [6, 5], timeFrequencyCount: 2, seed: 3 });
    net.layouts.forEach((layer) => {
      for (let j = 0; j < layer.outDim; j++) net.parameters[layer.biasOffset + j] = 0.05 * (j - 2);
    });
    const n = 9;
    const noisy = pseudoRandomBatch(n, 2, 4, 1.5),
      noise = pseudoRandomBatch(n, 2, 5, 1.2);
    const times = Float64Array.from({ length: n }, (_, i) => 0.01 * 3 ** (i / 2));
    const gradient = new Float64Array(net.parameters.length);
    denoisingLoss(net, noisy, times, noise, gradient);
    // Step h: truncation O(h²·f''') ~ 1e-10 and rounding O(eps·f/h) ~ 1e-11 are both far below 1e-6.
    const h = 1e-5;
    const numeric = new Float64Array(gradient.length);
    for (let i = 0; i < net.parameters.length; i++) {
      const saved = net.parameters[i]!;
      net.parameters[i] = saved + h;
      const up = denoisingLoss(net, noisy, times, noise);
      net.parameters[i] = saved - h;
      const down = denoisingLoss(net, noisy, times, noise);
      net.parameters[i] = saved;
      numeric[i] = (up - down) / (2 * h);
    }
    let diff = 0,
      norm = 0;
    for (let i = 0; i < gradient.length; i++) {
      diff += (gradient[i]! - numeric[i]!) ** 2;
      norm += numeric[i]! ** 2;
    }
    expect(norm).toBeGreaterThan(0);
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-6);
    for (let i = 0; i < gradient.length; i++)
      expect(Math.abs(gradient[i]! - numeric[i]!)).toBeLessThan(1e-6 * Math.max(Math.abs(numeric[i]!), 1e-3));
  });

  test('the loss is (1/n)Σ|ε_θ − z|², checked against the reference forward pass', () => {
    const net = createScoreNetwork({ dim: 2, hiddenWidths: [4], timeFrequencyCount: 1, seed: 1 });
    const doc = documentOf(net);
    const noisy = fromArray([
        [0.5, -1],
        [2, 0.25],
      ]),
      noise = fromArray([
        [1, 0],
        [-0.5, 0.3],
      ]);
    const times = new Float64Array([0.2, 2]);
    let expected = 0;
    for (let i = 0; i < 2; i++) {
      const eps = referenceNoisePrediction(doc, times[i]!, [noisy.data[2 * i]!, noisy.data[2 * i + 1]!]);
      expected += (eps[0]! - noise.data[2 * i]!) ** 2 + (eps[1]! - noise.data[2 * i + 1]!) ** 2;
    }
    expect(Math.abs(denoisingLoss(net, noisy, times, noise) - expected / 2)).toBeLessThan(1e-14 * expected);
  });

  test('bad input to denoisingLoss', () => {
    const net = createScoreNetwork({ dim: 2, hiddenWidths: [4], seed: 1 });
    const x = batch(3, 2),
      z = batch(3, 2);
    expect(() => denoisingLoss(net, x, new Float64Array(2), z)).toThrow(
      /argument 'times' must be a Float64Array of length 3/,
    );
    expect(() => denoisingLoss(net, x, new Float64Array([1, 0, 1]), z)).toThrow(
      /argument 'times\[1\]' must be a finite number > 0/,
    );
    expect(() => denoisingLoss(net, x, new Float64Array(3).fill(1), batch(2, 2))).toThrow(/argument 'noise'/);
    expect(() => denoisingLoss(net, x, new Float64Array(3).fill(1), z, new Float64Array(3))).toThrow(
      /argument 'gradient'/,
    );
    expect(() => denoisingLoss(net, batch(3, 2, 'float32'), new Float64Array(3).fill(1), z)).toThrow(
      DTypeMismatchError,
    );
  });
});

describe('createScoreNetwork', () => {
  test('default architecture is 2 → 128 → 128 → 2 with 8 log-spaced frequencies; seeded initialisation', () => {
    const a = createScoreNetwork({ dim: 2, seed: 11 });
    expect(a.architecture.hiddenWidths).toEqual([128, 128]);
    expect(a.layouts.map((l) => [l.inDim, l.outDim])).toEqual([
      [18, 128],
      [128, 128],
      [128, 2],
    ]);
    const f = a.architecture.timeFeatures.frequencies;
    expect(f).toHaveLength(8);
    expect(f[0]).toBeCloseTo(0.1, 15);
    expect(f[7]).toBeCloseTo(4, 13);
    for (let j = 1; j < 8; j++) expect(f[j]! / f[j - 1]!).toBeCloseTo(f[1]! / f[0]!, 12);
    expect(Array.from(createScoreNetwork({ dim: 2, seed: 11 }).parameters)).toEqual(Array.from(a.parameters));
    expect(Array.from(createScoreNetwork({ dim: 2, seed: 12 }).parameters)).not.toEqual(Array.from(a.parameters));
    expect(a.kind).toBe('ou');
    expect(a.dim).toBe(2);
  });

  test('bad options', () => {
    expect(() => createScoreNetwork({ dim: 0 })).toThrow(
      /createScoreNetwork: argument 'options.dim' must be an integer >= 1; got 0/,
    );
    expect(() => createScoreNetwork({ dim: 2, hiddenWidths: [] })).toThrow(/options.hiddenWidths/);
    expect(() => createScoreNetwork({ dim: 2, hiddenWidths: [8, 2.5] })).toThrow(/options.hiddenWidths\[1\]/);
    expect(() => createScoreNetwork({ dim: 2, seed: -1 })).toThrow(/options.seed/);
    expect(() => createScoreNetwork({ dim: 2, timeFrequencyCount: -1 })).toThrow(/options.timeFrequencyCount/);
    expect(() => createScoreNetwork({ dim: 2, minTimeFrequency: 2, maxTimeFrequency: 1 })).toThrow(
      /options.maxTimeFrequency/,
    );
    expect(() => createScoreNetwork(undefined as never)).toThrow(InvalidArgumentError);
  });
});

describe('save and load', () => {
  const net = createScoreNetwork({ dim: 2, hiddenWidths: [8, 8], timeFrequencyCount: 3, seed: 5 });
  trainDenoisingScoreMatching(net, pseudoRandomBatch(50, 2, 9), { steps: 5, batchSize: 8, seed: 1 });
  const json = saveScoreNetwork(net);

  test('round trip: identical parameters and bit-identical outputs', () => {
    const loaded = loadScoreNetwork(json);
    expect(Array.from(loaded.parameters)).toEqual(Array.from(net.parameters));
    const x = pseudoRandomBatch(100, 2, 3, 3);
    const a = batch(100, 2),
      b = batch(100, 2);
    net.evaluate(0.3, x, a);
    loaded.evaluate(0.3, x, b);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(saveScoreNetwork(loaded)).toBe(json);
  });

  test('spec carries the weights and rebuilds the network (structured clone, as for a worker)', () => {
    const rebuilt = scoreNetworkFromSpec(structuredClone(net.spec));
    expect(Array.from(rebuilt.parameters)).toEqual(Array.from(net.parameters));
    expect(() => scoreNetworkFromSpec({ type: 'gaussian' })).toThrow(/argument 'spec.type' must be "mlp"/);
    const viaRegistry = scoreFromSpec(JSON.parse(JSON.stringify(net.spec))) as ScoreNetwork;
    const x = pseudoRandomBatch(10, 2, 8),
      a = batch(10, 2),
      b = batch(10, 2);
    net.evaluate(0.7, x, a);
    viaRegistry.evaluate(0.7, x, b);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  test('file layout: format name, version, architecture, time features, weights', () => {
    const doc = JSON.parse(json) as ScoreNetworkDocument;
    expect(doc.format).toBe('sgmkit-score-network');
    expect(doc.version).toBe(2);
    expect(doc.dtype).toBe('float64');
    expect(doc.architecture).toEqual({
      dim: 2,
      hiddenWidths: [8, 8],
      activation: 'silu',
      parameterisation: 'noise-prediction',
    });
    expect(doc.timeFeatures.input).toBe('log-t');
    expect(doc.layers.map((l) => [l.weight.length, l.bias.length])).toEqual([
      [64, 8],
      [64, 8],
      [16, 2],
    ]);
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits reach into arbitrary JSON
  const mutate = (edit: (doc: Record<string, any>) => void): string => {
    const doc = JSON.parse(json);
    edit(doc);
    return JSON.stringify(doc);
  };
  test.each([
    ['not JSON', () => '{"format":', /argument 'json' must be valid JSON/],
    ['not an object', () => '[1, 2]', /argument 'json' must be an object/],
    [
      'wrong format name',
      () =>
        mutate((d) => {
          d.format = 'other';
        }),
      /argument 'json.format' must be "sgmkit-score-network"; got "other"/,
    ],
    [
      'unknown version',
      () =>
        mutate((d) => {
          d.version = 5;
        }),
      /argument 'json.version' must be a supported format version \(1, 2, 3 or 4\); got 5/,
    ],
    [
      'unknown dtype',
      () =>
        mutate((d) => {
          d.dtype = 'float16';
        }),
      /argument 'json.dtype' must be "float64" or "float32"; got "float16"/,
    ],
    [
      'missing architecture',
      () =>
        mutate((d) => {
          delete d.architecture;
        }),
      /argument 'json.architecture' must be an object; got undefined/,
    ],
    [
      'missing hiddenWidths',
      () =>
        mutate((d) => {
          delete d.architecture.hiddenWidths;
        }),
      /json.architecture.hiddenWidths/,
    ],
    [
      'bad dim',
      () =>
        mutate((d) => {
          d.architecture.dim = 1.5;
        }),
      /argument 'json.architecture.dim' must be a positive integer; got 1.5/,
    ],
    [
      'unknown activation',
      () =>
        mutate((d) => {
          d.architecture.activation = 'relu';
        }),
      /json.architecture.activation/,
    ],
    [
      'unknown parameterisation',
      () =>
        mutate((d) => {
          d.architecture.parameterisation = 'score';
        }),
      /json.architecture.parameterisation/,
    ],
    [
      'missing time features',
      () =>
        mutate((d) => {
          delete d.timeFeatures;
        }),
      /argument 'json.timeFeatures' must be an object/,
    ],
    [
      'non-numeric frequency',
      () =>
        mutate((d) => {
          d.timeFeatures.frequencies[1] = 'x';
        }),
      /json.timeFeatures.frequencies\[1\]/,
    ],
    [
      'wrong number of layers',
      () =>
        mutate((d) => {
          d.layers.pop();
        }),
      /argument 'json.layers' must be an array of 3 layers/,
    ],
    [
      'weight array of wrong length',
      () =>
        mutate((d) => {
          d.layers[1].weight.pop();
        }),
      /argument 'json.layers\[1\].weight' must be an array of 64 numbers \(8 × 8\); got array of length 63/,
    ],
    [
      'missing bias',
      () =>
        mutate((d) => {
          delete d.layers[2].bias;
        }),
      /argument 'json.layers\[2\].bias' must be an array of 2 numbers/,
    ],
    [
      'non-finite weight (JSON null)',
      () => json.replace(/"weight":\[[^,]+/, '"weight":[null'),
      /argument 'json.layers\[0\].weight\[0\]' must be a finite number; got null/,
    ],
    [
      'hidden width disagreeing with the weights',
      () =>
        mutate((d) => {
          d.architecture.hiddenWidths[0] = 9;
        }),
      /json.layers\[0\].weight' must be an array of 72 numbers \(8 × 9\); got array of length 64/,
    ],
  ])('rejects %s with an error naming the problem', (_name, make, message) => {
    const text = (make as () => string)();
    expect(() => loadScoreNetwork(text)).toThrow(ScoreNetworkFormatError);
    expect(() => loadScoreNetwork(text)).toThrow(message as RegExp);
  });

  test('rejects non-string input and non-networks', () => {
    expect(() => loadScoreNetwork(42 as unknown as string)).toThrow(/argument 'json' must be a JSON string/);
    expect(() => saveScoreNetwork({} as never)).toThrow(/argument 'network' must be a ScoreNetwork/);
  });
});

export { pseudoRandomBatch, ShapeMismatchError };

describe('float32 network', () => {
  const net = createScoreNetwork({ dim: 3, hiddenWidths: [16, 9], timeFrequencyCount: 4, seed: 7, dtype: 'float32' });
  net.layouts.forEach((layer, l) => {
    for (let j = 0; j < layer.outDim; j++) net.parameters[layer.biasOffset + j] = 0.1 * Math.sin(j + l);
  });
  net.syncWeights();
  const doc = documentOf(net);
  const EPS32 = 2 ** -23;

  test('saves its float32 weights with dtype "float32"; reloads and rebuilds from spec bit-identically', () => {
    expect(doc.dtype).toBe('float32');
    expect(doc.layers.every((l) => l.weight.every((w) => Math.fround(w) === w))).toBe(true);
    const x = pseudoRandomBatch(41, 3, 4);
    const [a, b, c] = [batch(41, 3), batch(41, 3), batch(41, 3)];
    net.evaluate(0.3, x, a);
    const loaded = loadScoreNetwork(saveScoreNetwork(net));
    expect(loaded.dtype).toBe('float32');
    loaded.evaluate(0.3, x, b);
    scoreNetworkFromSpec(structuredClone(net.spec)).evaluate(0.3, x, c);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).toEqual(Array.from(a.data));
  });

  /**
   * First-order bound on the float32 forward error, propagated layer by layer from the float64 definition:
   * a layer's sum of k products plus bias errs by ≤ (k + 2)·eps32·(|b| + Σ|h||w|) plus Σ|w|·(input error);
   * SiLU has |silu'| ≤ 1.1 and its output is rounded once (eps32·|h|). Returns the bound on |s_θ|'s error.
   */
  function float32ErrorBound(t: number, x: readonly number[]): number[] {
    let h = [...x];
    let err = x.map((v) => EPS32 * Math.abs(v));
    for (const w of doc.timeFeatures.frequencies) {
      h.push(Math.sin(w * Math.log(t)), Math.cos(w * Math.log(t)));
      err.push(0, 0);
    }
    doc.layers.forEach((layer, l) => {
      const k = h.length,
        outDim = layer.bias.length,
        last = l === doc.layers.length - 1;
      const z = layer.bias.slice(),
        zErr = new Array<number>(outDim).fill(0),
        magnitude = layer.bias.map(Math.abs);
      for (let j = 0; j < outDim; j++)
        for (let i = 0; i < k; i++) {
          const w = layer.weight[i * outDim + j]!;
          z[j] += h[i]! * w;
          magnitude[j] += Math.abs(h[i]! * w);
          zErr[j] += Math.abs(w) * err[i]!;
        }
      for (let j = 0; j < outDim; j++) zErr[j] += (k + 2) * EPS32 * magnitude[j]!;
      h = last ? z : z.map((v) => v / (1 + Math.exp(-v)));
      err = last ? zErr : zErr.map((e, j) => 1.1 * e + EPS32 * Math.abs(h[j]!));
    });
    const sigma = Math.sqrt(-Math.expm1(-2 * t));
    return err.map((e, j) => (e + EPS32 * Math.abs(h[j]!)) / sigma);
  }

  test('evaluate agrees with the float64 definition on its weights within the propagated float32 rounding bound', () => {
    const x = pseudoRandomBatch(37, 3, 1, 2);
    const out = batch(37, 3);
    for (const t of [1e-3, 0.1, 1, 7]) {
      net.evaluate(t, x, out);
      for (let i = 0; i < 37; i++) {
        const point = Array.from(x.data.subarray(3 * i, 3 * i + 3));
        const ref = referenceScore(doc, t, point);
        const bound = float32ErrorBound(t, point);
        // × 2 covers the second-order (eps32²) terms the first-order bound leaves out.
        for (let j = 0; j < 3; j++) expect(Math.abs(out.data[3 * i + j]! - ref[j]!)).toBeLessThanOrEqual(2 * bound[j]!);
      }
    }
  });

  test('any split of a batch into calls, and either input dtype, give bit-identical rows', () => {
    const n = 2 * EVALUATION_CHUNK_ROWS + 13;
    const x = pseudoRandomBatch(n, 3, 2);
    const x32: Batch = { ...x, data: Float32Array.from(x.data) };
    for (const network of [net, createScoreNetwork({ dim: 3, hiddenWidths: [16, 9], seed: 8 })]) {
      for (const input of [x, x32]) {
        const dtype = input.data instanceof Float32Array ? 'float32' : 'float64';
        const whole = batch(n, 3, dtype);
        network.evaluate(0.5, input, whole);
        for (const chunk of [1, 7, 300, EVALUATION_CHUNK_ROWS + 1]) {
          const pieces = batch(n, 3, dtype);
          for (let start = 0; start < n; start += chunk) {
            const rows = Math.min(chunk, n - start);
            const view: Batch = { data: input.data, shape: [rows, 3], stride: [3, 1], offset: 3 * start };
            const part: Batch = { data: pieces.data, shape: [rows, 3], stride: [3, 1], offset: 3 * start };
            network.evaluate(0.5, view, part);
          }
          expect(Array.from(pieces.data)).toEqual(Array.from(whole.data));
        }
      }
    }
  });

  test('its gradient matches central finite differences of its float64 twin to float32 accuracy', () => {
    const twin = loadScoreNetwork(saveScoreNetwork(net).replace('"dtype":"float32"', '"dtype":"float64"'));
    expect(twin.dtype).toBe('float64');
    const n = 12;
    const x = pseudoRandomBatch(n, 3, 5),
      z = pseudoRandomBatch(n, 3, 6);
    const times = Float64Array.from({ length: n }, (_, i) => 0.01 * 2 ** i);
    const g32 = new Float64Array(net.parameters.length),
      g64 = new Float64Array(net.parameters.length);
    const l32 = denoisingLoss(net, x, times, z, g32),
      l64 = denoisingLoss(twin, x, times, z, g64);
    expect(Math.abs(l32 - l64)).toBeLessThan(1e-5 * l64);
    let norm = 0,
      diff = 0;
    for (let i = 0; i < g64.length; i++) {
      norm += g64[i]! ** 2;
      diff += (g32[i]! - g64[i]!) ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-5);
  });

  test('bad dtype is refused with a typed error', () => {
    expect(() => createScoreNetwork({ dim: 2, dtype: 'float16' as 'float32' })).toThrow(
      /createScoreNetwork: argument 'options.dtype' must be 'float64' or 'float32'; got "float16"/,
    );
  });

  test('version-1 files (no dtype field) still load, as float64', () => {
    const v1 = JSON.parse(saveScoreNetwork(createScoreNetwork({ dim: 2, hiddenWidths: [4], seed: 1 })));
    v1.version = 1;
    delete v1.dtype;
    const loaded = loadScoreNetwork(JSON.stringify(v1));
    expect(loaded.dtype).toBe('float64');
    expect(Array.from(loaded.parameters)).toEqual(
      v1.layers.flatMap((l: { weight: number[]; bias: number[] }) => [...l.weight, ...l.bias]),
    );
  });
});
