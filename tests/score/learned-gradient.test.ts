// The micro-shard gradient: its sum equals the full-batch DSM gradient (to rounding), and its
// summation order is the one contract every evaluator shares.
import {
  InProcessGradientEvaluator,
  MICRO_SHARD_ROWS,
  MicroShardGradients,
  SUM_GROUP_SHARDS,
  createScoreNetwork,
  denoisingLoss,
  microShardCount,
  sumMicroShards,
  trainDenoisingScoreMatching,
  type ScoreNetwork,
} from '@sgmkit/score';
import { InvalidArgumentError, RandomStream, batch, setGemmBackend } from '@sgmkit/tensor';

/** A minibatch as the training loop holds it: input rows [x, φ(t)], and the noise; plus the same as batches. */
function minibatch(network: ScoreNetwork, rows: number, seed: number) {
  const d = network.dim;
  const frequencies = network.architecture.timeFeatures.frequencies;
  const width = d + 2 * frequencies.length;
  const rng = new RandomStream(seed);
  const noisy = batch(rows, d);
  const noise = batch(rows, d);
  rng.fillNormal(noisy.data);
  rng.fillNormal(noise.data);
  const times = new Float64Array(rows).map(() => 1e-3 + 2 * rng.uniform());
  const input = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < d; j++) input[r * width + j] = noisy.data[r * d + j]!;
    frequencies.forEach((w, f) => {
      input[r * width + d + 2 * f] = Math.sin(w * Math.log(times[r]!));
      input[r * width + d + 2 * f + 1] = Math.cos(w * Math.log(times[r]!));
    });
  }
  return { input, noise, noisy, times };
}

test('micro-shards are 32 rows, the last one shorter', () => {
  expect(MICRO_SHARD_ROWS).toBe(32);
  expect([1, 32, 33, 100, 256].map(microShardCount)).toEqual([1, 1, 2, 4, 8]);
});

test.each([8, 100, 256])('the micro-shard sum is the full-batch gradient and loss (B = %i)', (rows) => {
  const network = createScoreNetwork({ dim: 3, hiddenWidths: [24, 16], seed: 4 });
  const { input, noise, noisy, times } = minibatch(network, rows, 11);
  const full = new Float64Array(network.parameters.length);
  const fullLoss = denoisingLoss(network, noisy, times, noise, full);
  const sharded = new Float64Array(network.parameters.length);
  const loss = new InProcessGradientEvaluator(network.architecture, network.parameters).lossAndGradient(
    input,
    noise.data as Float64Array,
    rows,
    sharded,
  );
  // Only the order of the row sums differs: rounding-level agreement (a wrong 1/B scaling would be off by a factor).
  const scale = Math.max(...Array.from(full, Math.abs));
  let worst = 0;
  for (let i = 0; i < full.length; i++) worst = Math.max(worst, Math.abs(sharded[i]! - full[i]!));
  expect(worst).toBeLessThan(1e-12 * rows * scale);
  expect(Math.abs(loss - fullLoss)).toBeLessThan(1e-12 * rows * fullLoss);
});

test.each([70, 200, 300])(
  'sumMicroShards adds the shards left to right in sum groups of 4, as the in-process evaluator does (B = %i)',
  (rows) => {
    expect(SUM_GROUP_SHARDS).toBe(4);
    const network = createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 1 });
    const { input, noise } = minibatch(network, rows, 3);
    const z = noise.data as Float64Array;
    const shards = new MicroShardGradients(network.architecture, network.parameters);
    const count = microShardCount(rows);
    const partials = Array.from({ length: count }, () => new Float64Array(shards.size));
    const losses = new Float64Array(count).map((_, s) => shards.shard(input, z, rows, s, partials[s]!));
    const summed = new Float64Array(shards.size);
    const loss = sumMicroShards(partials, losses, count, summed);
    const inProcess = new Float64Array(shards.size);
    expect(
      new InProcessGradientEvaluator(network.architecture, network.parameters).lossAndGradient(
        input,
        z,
        rows,
        inProcess,
      ),
    ).toBe(loss);
    expect(Array.from(inProcess)).toEqual(Array.from(summed));
    // By hand: each group of 4 micro-shards summed left to right from its first, the groups then added left to right.
    const byHand = new Float64Array(shards.size);
    for (let g = 0; g < count; g += 4) {
      const group = Float64Array.from(partials[g]!);
      for (let s = g + 1; s < Math.min(count, g + 4); s++)
        for (let i = 0; i < group.length; i++) group[i] += partials[s]![i]!;
      for (let i = 0; i < group.length; i++) byHand[i] = g === 0 ? group[i]! : byHand[i]! + group[i]!;
    }
    expect(Array.from(summed)).toEqual(Array.from(byHand));
    // With more than one group, the grouping is visible in the bits: a plain left-to-right sum differs somewhere.
    if (count > 4) {
      const plain = Float64Array.from(partials[0]!);
      for (let s = 1; s < count; s++) for (let i = 0; i < plain.length; i++) plain[i] += partials[s]![i]!;
      expect(Array.from(summed)).not.toEqual(Array.from(plain));
    }
  },
);

// The in-process evaluator runs the minibatch whole (one GEMM per product) and reduces by micro-shards: it must
// give the bits of the micro-shards computed one by one (what the worker threads do), for both network dtypes and
// both GEMM backends (a float32 network on the scalar backend takes the micro-shard path itself).
describe.each(['wasm', 'scalar'] as const)('in-process evaluator on the %s GEMM backend', (backend) => {
  afterEach(() => setGemmBackend('auto'));
  test.each([
    ['float64', 70],
    ['float64', 256],
    ['float32', 100],
    ['float32', 256],
    ['float64', 20],
  ] as const)('%s network, B = %i: bit-identical to the micro-shard sum', (dtype, rows) => {
    setGemmBackend(backend);
    const network = createScoreNetwork({ dim: 5, hiddenWidths: [40, 36], seed: 6, dtype });
    const { input: input64, noise } = minibatch(network, rows, 9);
    const input = dtype === 'float32' ? Float32Array.from(input64) : input64;
    const z = noise.data as Float64Array;
    const weights = network.model.parameters;
    const shards = new MicroShardGradients(network.architecture, weights);
    const count = microShardCount(rows);
    const partials = Array.from({ length: count }, () =>
      dtype === 'float32' ? new Float32Array(shards.size) : new Float64Array(shards.size),
    );
    const losses = new Float64Array(count).map((_, s) => shards.shard(input, z, rows, s, partials[s]!));
    const summed = dtype === 'float32' ? new Float32Array(shards.size) : new Float64Array(shards.size);
    const loss = sumMicroShards(partials, losses, count, summed);
    const evaluator = new InProcessGradientEvaluator(network.architecture, weights);
    const inProcess =
      dtype === 'float32' ? new Float32Array(shards.size).fill(NaN) : new Float64Array(shards.size).fill(NaN);
    // Twice, the second time over a gradient full of the first result: the evaluator overwrites, it does not add.
    for (let pass = 0; pass < 2; pass++) {
      expect(evaluator.lossAndGradient(input, z, rows, inProcess)).toBe(loss);
      expect(Array.from(inProcess)).toEqual(Array.from(summed));
    }
  });
});

test('training takes a gradient evaluator, validated, and gives the same weights with the in-process one given explicitly', () => {
  const data = batch(50, 2);
  new RandomStream(2).fillNormal(data.data);
  const a = createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 1 });
  const b = createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 1 });
  trainDenoisingScoreMatching(a, data, { steps: 5, batchSize: 40, seed: 3 });
  trainDenoisingScoreMatching(b, data, {
    steps: 5,
    batchSize: 40,
    seed: 3,
    gradientEvaluator: new InProcessGradientEvaluator(b.architecture, b.parameters),
  });
  expect(Array.from(b.parameters)).toEqual(Array.from(a.parameters));
  for (const bad of [null, 3, {}, { lossAndGradient: 1 }]) {
    expect(() => trainDenoisingScoreMatching(a, data, { steps: 1, gradientEvaluator: bad as never })).toThrow(
      InvalidArgumentError,
    );
  }
});

/** The expected slot of each piece of the range [first, first + count): see `MicroShardGradients.rangeInto`. */
function expectedPieces(single: NetworkArrayLike[], first: number, count: number) {
  const pieces = new Map<number, NetworkArrayLike>();
  for (let s = first; s < first + count;) {
    const groupStart = s - (s % 4);
    const end = groupStart >= first ? Math.min(first + count, s + 4) : s + 1;
    const sum = single[s]!.slice();
    for (let t = s + 1; t < end; t++) for (let i = 0; i < sum.length; i++) sum[i] += single[t]![i]!;
    pieces.set(s, sum);
    s = end;
  }
  return pieces;
}

type NetworkArrayLike = Float64Array | Float32Array;

describe("MicroShardGradients.rangeInto: a worker thread's range of micro-shards at once", () => {
  test.each([
    ['wasm', 'float64'],
    ['wasm', 'float32'],
    ['scalar', 'float64'],
    ['scalar', 'float32'],
  ] as const)(
    '%s GEMM, %s network: every range gives, piece by piece, the bits of shard() on each summed by the contract',
    (backend, dtype) => {
      setGemmBackend(backend);
      try {
        for (const rows of [256, 300, 100, 33]) {
          const network = createScoreNetwork({ dim: 5, hiddenWidths: [24, 16], seed: 2, dtype });
          const { input: input64, noise } = minibatch(network, rows, 7);
          const input = dtype === 'float32' ? Float32Array.from(input64) : input64;
          const shards = microShardCount(rows);
          const one = new MicroShardGradients(network.architecture, network.model.parameters);
          const range = new MicroShardGradients(network.architecture, network.model.parameters);
          const make = () => (dtype === 'float32' ? new Float32Array(one.size) : new Float64Array(one.size));
          const singleLosses = new Float64Array(shards);
          const single = Array.from({ length: shards }, (_, s) => {
            const out = make();
            singleLosses[s] = one.shard(input, noise.data, rows, s, out);
            return out;
          });
          for (const [first, count] of [
            [0, shards],
            [1, shards - 1],
            [shards - 1, 1],
            [2, shards - 2],
            [Math.floor(shards / 2), shards - Math.floor(shards / 2)],
          ] as const) {
            if (count < 1 || first < 0) continue;
            const outs = Array.from({ length: count }, () => make().fill(NaN));
            const losses = new Float64Array(shards);
            range.rangeInto(input, noise.data, rows, first, count, outs, losses);
            for (let s = first; s < first + count; s++) expect(losses[s]).toBe(singleLosses[s]);
            for (const [start, sum] of expectedPieces(single, first, count))
              expect(Array.from(outs[start - first]!)).toEqual(Array.from(sum));
          }
        }
      } finally {
        setGemmBackend('auto');
      }
    },
  );
});
