// The micro-shard gradient: its sum equals the full-batch DSM gradient (to rounding), and its
// summation order is the one contract every evaluator shares.
import {
  InProcessGradientEvaluator,
  MICRO_SHARD_ROWS,
  MicroShardGradients,
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

test('sumMicroShards adds the shards left to right, as the in-process evaluator does', () => {
  const network = createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 1 });
  const rows = 70;
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
    new InProcessGradientEvaluator(network.architecture, network.parameters).lossAndGradient(input, z, rows, inProcess),
  ).toBe(loss);
  expect(Array.from(inProcess)).toEqual(Array.from(summed));
  const byHand = Float64Array.from(partials[0]!);
  for (let s = 1; s < count; s++) for (let i = 0; i < byHand.length; i++) byHand[i] += partials[s]![i]!;
  expect(Array.from(summed)).toEqual(Array.from(byHand));
});

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

describe("MicroShardGradients.shardRange: a worker thread's range of micro-shards at once", () => {
  test.each([
    ['wasm', 'float64'],
    ['wasm', 'float32'],
    ['scalar', 'float64'],
    ['scalar', 'float32'],
  ] as const)(
    '%s GEMM, %s network: every range gives, shard by shard, the bits of shard() on each',
    (backend, dtype) => {
      setGemmBackend(backend);
      try {
        for (const rows of [256, 100, 33]) {
          const network = createScoreNetwork({ dim: 5, hiddenWidths: [24, 16], seed: 2, dtype });
          const { input: input64, noise } = minibatch(network, rows, 7);
          const input = dtype === 'float32' ? Float32Array.from(input64) : input64;
          const shards = microShardCount(rows);
          const one = new MicroShardGradients(network.architecture, network.model.parameters);
          const range = new MicroShardGradients(network.architecture, network.model.parameters);
          const make = () => (dtype === 'float32' ? new Float32Array(one.size) : new Float64Array(one.size));
          for (const [first, count] of [
            [0, shards],
            [1, shards - 1],
            [shards - 1, 1],
            [Math.floor(shards / 2), shards - Math.floor(shards / 2)],
          ] as const) {
            if (count < 1) continue;
            const outs = Array.from({ length: count }, make);
            const losses = new Float64Array(shards);
            range.shardRange(input, noise.data, rows, first, count, outs, losses);
            for (let s = 0; s < count; s++) {
              const reference = make();
              const loss = one.shard(input, noise.data, rows, first + s, reference);
              expect(losses[first + s]).toBe(loss);
              expect(Array.from(outs[s]!)).toEqual(Array.from(reference));
            }
          }
        }
      } finally {
        setGemmBackend('auto');
      }
    },
  );
});
