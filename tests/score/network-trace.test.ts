// ScoreNetwork.jacobianTraceInto / jacobianDiagonalInto on the GEMM kernels (tangent-kernels.ts), against
// (1) a plain row-by-row forward-mode reference written here (the previous implementation's loops, in float64
// with the network's compute weights) and (2) central differences of a float64 evaluation of the same weights.
import { InvalidArgumentError, batch, type Batch } from '@sgmkit/tensor';
import { ScoreNetwork, createScoreNetwork, type NetworkDType, type Parameterisation } from '@sgmkit/score';
import { expectArgumentError } from '../helpers/errors';
import { centralDifferenceDiagonal, points } from '../helpers/differences';

/**
 * `∂s_i/∂x_i` for every row, by pushing the d basis tangents through the layers one row at a time in plain
 * loops (the input is `[x, sin ω ln t, cos ω ln t, …]`; silu'(z) = σ(1 + z(1 − σ))).
 */
function referenceDiagonal(network: ScoreNetwork, t: number, x: Batch): Float64Array {
  const { layouts, parameters: w } = network.model;
  const d = network.dim;
  const n = x.shape[0]!;
  const frequencies = network.architecture.timeFeatures.frequencies;
  const sigma = Math.sqrt(-Math.expm1(-2 * t));
  const out = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const input = [...Array.from(x.data.subarray(x.offset + r * d, x.offset + r * d + d))];
    for (const f of frequencies) input.push(Math.sin(f * Math.log(t)), Math.cos(f * Math.log(t)));
    let value: number[] = input;
    // tangent[i][k]: derivative of the current layer's k-th value along e_i
    let tangent: number[][] = Array.from({ length: d }, (_, i) => input.map((_v, k) => (k === i ? 1 : 0)));
    for (let l = 0; l < layouts.length; l++) {
      const { inDim, outDim, weightOffset, biasOffset } = layouts[l]!;
      const z = Array.from({ length: outDim }, (_, j) => w[biasOffset + j]!);
      const dz = tangent.map(() => new Array<number>(outDim).fill(0));
      for (let p = 0; p < inDim; p++) {
        for (let j = 0; j < outDim; j++) {
          const wpj = w[weightOffset + p * outDim + j]!;
          z[j] += value[p]! * wpj;
          for (let i = 0; i < d; i++) dz[i]![j] += tangent[i]![p]! * wpj;
        }
      }
      if (l === layouts.length - 1) {
        for (let i = 0; i < d; i++) out[r * d + i] = -dz[i]![i]! / sigma;
        break;
      }
      const sig = z.map((zj) => 1 / (1 + Math.exp(-zj)));
      value = z.map((zj, j) => zj * sig[j]!);
      tangent = dz.map((row) => row.map((v, j) => v * sig[j]! * (1 + z[j]! * (1 - sig[j]!))));
    }
    if (network.skip) {
      const moments = network.dataMoments;
      for (let i = 0; i < d; i++) {
        const variance = moments ? moments.std[i]! ** 2 : 1;
        out[r * d + i] -= 1 / (Math.exp(-2 * t) * variance - Math.expm1(-2 * t));
      }
    }
  }
  return out;
}

/** A network with perturbed weights and biases (every layer inside SiLU's curved range) and, for skip, data moments. */
function perturbedNetwork(
  dim: number,
  hiddenWidths: number[],
  parameterisation: Parameterisation,
  dtype: NetworkDType,
  seed: number,
): ScoreNetwork {
  const base = createScoreNetwork({ dim, hiddenWidths, parameterisation, seed });
  const parameters = base.parameters;
  const perturbation = points(1, parameters.length, seed + 100, 0.3).data;
  for (let i = 0; i < parameters.length; i++) parameters[i] += perturbation[i]!;
  const moments =
    parameterisation === 'noise-prediction-skip'
      ? {
          mean: Float64Array.from({ length: dim }, (_, i) => 0.1 * i - 0.2),
          std: Float64Array.from({ length: dim }, (_, i) => 0.5 + 0.05 * i),
        }
      : undefined;
  return new ScoreNetwork(base.architecture, parameters, dtype, moments ? { dataMoments: moments } : {});
}

/** The float64 network computing with `network`'s compute weights (a float32 network's, exactly). */
function float64Twin(network: ScoreNetwork): ScoreNetwork {
  return new ScoreNetwork(network.architecture, Float64Array.from(network.model.parameters), 'float64', {
    ...(network.dataMoments ? { dataMoments: network.dataMoments } : {}),
  });
}

function rowSums(diagonal: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) out[r] += diagonal[r * d + i]!;
  return out;
}

// (d, hidden widths, rows): odd row counts that cross the forward blocks (⌊512/d⌋ rows) and, for d = 64, the
// 256-wide layers of the benchmark.
const SHAPES: [number, number[], number][] = [
  [1, [16, 12], 1031],
  [2, [32, 32], 257],
  [5, [24, 16, 8], 211],
  [64, [256, 256], 19],
];

describe('network Jacobian diagonal and trace on the GEMM kernels', () => {
  const worst = { reference: 0, differences: 0 };
  afterAll(() =>
    console.log(
      `network trace: max |GEMM − reference| / (1 + Σ|diag|) = ${worst.reference.toExponential(2)}, max |GEMM − central differences| / (1 + |diag|) = ${worst.differences.toExponential(2)}`,
    ),
  );

  for (const [d, hiddenWidths, n] of SHAPES) {
    for (const parameterisation of ['noise-prediction', 'noise-prediction-skip'] as const) {
      for (const dtype of ['float64', 'float32'] as const) {
        test(`d = ${d}, widths ${hiddenWidths.join('×')}, ${n} rows, ${parameterisation}, ${dtype}`, () => {
          const network = perturbedNetwork(d, hiddenWidths, parameterisation, dtype, 7 + d);
          const x = points(n, d, 3 + d, 1.2);
          for (const t of [0.01, 0.4, 2]) {
            const diagonal = new Float64Array(n * d);
            network.jacobianDiagonalInto(t, x, diagonal);
            const trace = new Float64Array(n);
            network.jacobianTraceInto(t, x, trace);
            // the trace is the diagonal's row sum, in the same order
            expect(trace).toEqual(rowSums(diagonal, n, d));
            // (1) the row-by-row reference: the same float64 quantity summed in another order
            const reference = referenceDiagonal(network, t, x);
            const referenceTrace = rowSums(reference, n, d);
            for (let r = 0; r < n; r++) {
              let scale = 1;
              for (let i = 0; i < d; i++) scale += Math.abs(reference[r * d + i]!);
              const error = Math.abs(trace[r]! - referenceTrace[r]!) / scale;
              worst.reference = Math.max(worst.reference, error);
              expect(error).toBeLessThanOrEqual(1e-12);
            }
            // (2) central differences of the float64 evaluation of the same weights, a few rows (cost 2d evaluations)
            const sample = batch(Math.min(n, 9), d);
            sample.data.set(x.data.subarray(0, sample.data.length));
            const differences = centralDifferenceDiagonal(float64Twin(network), t, sample);
            for (let k = 0; k < differences.length; k++) {
              const error = Math.abs(diagonal[k]! - differences[k]!) / (1 + Math.abs(differences[k]!));
              worst.differences = Math.max(worst.differences, error);
              expect(error).toBeLessThanOrEqual(1e-6);
            }
          }
        });
      }
    }
  }

  test('each row depends only on that row: any split of the batch gives the same bits, also for d > the pair block', () => {
    for (const [d, widths] of [
      [3, [16, 16]],
      [600, [8]],
    ] as const) {
      const network = perturbedNetwork(d, [...widths], 'noise-prediction-skip', 'float64', 3);
      const n = d === 600 ? 3 : 700;
      const x = points(n, d, 5, 1);
      const whole = new Float64Array(n);
      network.jacobianTraceInto(0.2, x, whole);
      for (const first of [0, 1, n - 1]) {
        const rows = Math.min(n - first, 171);
        const part = batch(rows, d);
        part.data.set(x.data.subarray(first * d, (first + rows) * d));
        const out = new Float64Array(rows);
        network.jacobianTraceInto(0.2, part, out);
        expect(out).toEqual(whole.subarray(first, first + rows));
      }
      if (d === 600) {
        // direction blocks of 512 pairs split a row: still the reference's value
        const reference = referenceDiagonal(network, 0.2, x);
        const referenceTrace = rowSums(reference, n, d);
        for (let r = 0; r < n; r++) {
          let scale = 1;
          for (let i = 0; i < d; i++) scale += Math.abs(reference[r * d + i]!);
          expect(Math.abs(whole[r]! - referenceTrace[r]!)).toBeLessThanOrEqual(1e-12 * scale);
        }
      }
    }
  });

  test('a float32 batch gives the float64 batch of the same values', () => {
    const network = perturbedNetwork(3, [16], 'noise-prediction', 'float32', 2);
    const x = points(11, 3, 1, 1);
    const x32 = batch(11, 3, 'float32');
    x32.data.set(x.data);
    const x64 = batch(11, 3);
    x64.data.set(x32.data);
    const a = new Float64Array(11);
    const b = new Float64Array(11);
    network.jacobianTraceInto(0.3, x32, a);
    network.jacobianTraceInto(0.3, x64, b);
    expect(a).toEqual(b);
  });

  test('bad arguments', () => {
    const network = createScoreNetwork({ dim: 2, hiddenWidths: [4] });
    const x = points(3, 2, 1, 1);
    expectArgumentError(() => network.jacobianDiagonalInto(0, x, new Float64Array(6)), InvalidArgumentError, 't');
    expectArgumentError(() => network.jacobianDiagonalInto(1, x, new Float64Array(5)), InvalidArgumentError, 'out');
    expectArgumentError(
      () => network.jacobianDiagonalInto(1, points(3, 3, 1, 1), new Float64Array(9)),
      InvalidArgumentError,
      'x',
    );
  });
});
