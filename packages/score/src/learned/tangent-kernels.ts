/**
 * Forward-mode differentiation of the MLP along the `d` basis directions of its x input, on the GEMM
 * kernels: the diagonal `∂F_i/∂x_i` of the network output's Jacobian for every row (its sum is the
 * trace `ScoreNetwork.jacobianTraceInto` needs). No validation and no allocation here: the caller sizes
 * a `TangentWorkspace` once.
 *
 * For a block of rows, the forward pass keeps `z_l` and `silu'(z_l)`; then the tangents of (row r,
 * direction i) pairs are the rows of one matrix, `Ḣ_0[(r,i), :] = W_0[i, :] ⊙ silu'(z_0[r, :])`,
 * `Ḣ_l = (Ḣ_{l−1} W_l) ⊙ silu'(z_l[r, :])`: one `(pairs × width_{l−1}) · (width_{l−1} × width_l)` GEMM per
 * hidden layer with the layer's own weights, so the cost is that of `d` forward passes of the rows'
 * hidden layers. The output layer needs only column i of `W_L` for pair (r, i): a dot product per pair.
 *
 * Everything is float64, also for a float32 network: its float32 weights are read exactly by the
 * float64 GEMM (which packs them into doubles), so the result is the Jacobian of the float64 evaluation
 * of the same weights. Pairs are processed in blocks of at most `TANGENT_BLOCK_PAIRS` rows, so the
 * tangents take `2 · TANGENT_BLOCK_PAIRS · max width` doubles whatever the batch size and d.
 * @packageDocumentation
 */
import { gemmBiasSilu, gemmKernel, type FloatArray, type MatrixOperand } from '@sgmkit/tensor';
import type { LayerLayout } from './architecture.js';
import type { MlpModel, MutableOperand } from './mlp-kernels.js';

/**
 * Tangent rows (row, direction pairs) per GEMM block: 512 × 256 doubles (1 MiB) per tangent buffer for
 * the widest layers used, enough rows for the GEMM to run at speed.
 */
export const TANGENT_BLOCK_PAIRS = 512;

/** Buffers of `tangentDiagonal`, for one network shape. */
export interface TangentWorkspace {
  /** Rows per forward block: `⌊TANGENT_BLOCK_PAIRS / d⌋`, at least 1. */
  readonly rowsPerBlock: number;
  /** Tangent rows per GEMM block: `rowsPerBlock · d`, or `TANGENT_BLOCK_PAIRS` when `d` exceeds it. */
  readonly pairsPerBlock: number;
  /** Pre-activations `z_l` of each hidden layer (`rowsPerBlock × width_l`). */
  readonly pre: Float64Array[];
  /** Post-activations `silu(z_l)`, the next layer's input. */
  readonly post: Float64Array[];
  readonly postOperands: MatrixOperand[];
  /** `σ(z_l)` from the forward pass, then turned into `silu'(z_l)` in place. */
  readonly slope: Float64Array[];
  /** Two tangent matrices (`pairsPerBlock × max width`), the input and output of each hidden layer in turn. */
  readonly tangents: [Float64Array, Float64Array];
  readonly tangentOperands: [MutableOperand, MutableOperand];
  /** The first layer's input: a block of rows of x (rewritten per block). */
  readonly input: MutableOperand;
}

export function createTangentWorkspace(layouts: readonly LayerLayout[], d: number): TangentWorkspace {
  const hidden = layouts.slice(0, -1);
  const rowsPerBlock = Math.max(1, Math.floor(TANGENT_BLOCK_PAIRS / d));
  const pairsPerBlock = d <= TANGENT_BLOCK_PAIRS ? rowsPerBlock * d : TANGENT_BLOCK_PAIRS;
  const width = Math.max(...hidden.map((l) => l.outDim));
  const post = hidden.map((l) => new Float64Array(rowsPerBlock * l.outDim));
  const tangents: [Float64Array, Float64Array] = [
    new Float64Array(pairsPerBlock * width),
    new Float64Array(pairsPerBlock * width),
  ];
  return {
    rowsPerBlock,
    pairsPerBlock,
    pre: hidden.map((l) => new Float64Array(rowsPerBlock * l.outDim)),
    post,
    postOperands: post.map((h, l) => ({ data: h, offset: 0, rowStride: hidden[l]!.outDim, colStride: 1 })),
    slope: hidden.map((l) => new Float64Array(rowsPerBlock * l.outDim)),
    tangents,
    tangentOperands: [
      { data: tangents[0], offset: 0, rowStride: width, colStride: 1 },
      { data: tangents[1], offset: 0, rowStride: width, colStride: 1 },
    ],
    input: { data: new Float64Array(0), offset: 0, rowStride: d, colStride: 1 },
  };
}

/**
 * `diagonal[diagonalOffset + r·d + i] = ∂F_i/∂x_i` at row r of x for `n` rows, `F` the network output before any scaling
 * (`firstBias` is layer 0's bias with the time features folded in). Each row's values depend only on
 * that row (GEMM rows do not depend on the row count), so any split of a batch gives the same bits.
 */
export function tangentDiagonal(
  model: MlpModel,
  ws: TangentWorkspace,
  d: number,
  firstBias: Float64Array,
  x: FloatArray,
  xOffset: number,
  n: number,
  diagonal: Float64Array,
  diagonalOffset: number,
): void {
  for (let start = 0; start < n; start += ws.rowsPerBlock) {
    const rows = Math.min(ws.rowsPerBlock, n - start);
    forwardWithSlopes(model, ws, d, firstBias, x, xOffset + start * d, rows);
    const pairs = rows * d;
    for (let first = 0; first < pairs; first += ws.pairsPerBlock) {
      tangentBlock(
        model,
        ws,
        d,
        first,
        Math.min(ws.pairsPerBlock, pairs - first),
        diagonal,
        diagonalOffset + start * d,
      );
    }
  }
}

/** Forward pass of `rows` rows of x keeping `z_l` and `silu'(z_l)` of every hidden layer. */
function forwardWithSlopes(
  model: MlpModel,
  ws: TangentWorkspace,
  d: number,
  firstBias: Float64Array,
  x: FloatArray,
  xOffset: number,
  rows: number,
): void {
  const { layouts, weights, parameters } = model;
  ws.input.data = x;
  ws.input.offset = xOffset;
  for (let l = 0; l < ws.pre.length; l++) {
    const layer = layouts[l]!;
    // Layer 0 reads the x columns only (k = d): the time features are folded into firstBias.
    const input = l === 0 ? (ws.input as MatrixOperand) : ws.postOperands[l - 1]!;
    const bias = l === 0 ? firstBias : parameters;
    const biasOffset = l === 0 ? 0 : layer.biasOffset;
    gemmBiasSilu(
      rows,
      layer.outDim,
      l === 0 ? d : layer.inDim,
      input,
      weights[l]!,
      bias,
      biasOffset,
      ws.pre[l]!,
      ws.post[l]!,
      ws.slope[l]!,
    );
    siluSlopeFromSigmoid(ws.pre[l]!, ws.slope[l]!, rows * layer.outDim);
  }
}

/** `s ← silu'(z) = σ(z)(1 + z(1 − σ(z)))` in place, from `s = σ(z)`. */
function siluSlopeFromSigmoid(z: Float64Array, s: Float64Array, count: number): void {
  for (let k = 0; k < count; k++) {
    const sigmoid = s[k]!;
    s[k] = sigmoid * (1 + z[k]! * (1 - sigmoid));
  }
}

/**
 * Pairs `first … first + count − 1` of the forward block (pair q is row ⌊q/d⌋, direction q mod d): pushes
 * their tangents through the hidden layers and writes `∂F_i/∂x_i` to `diagonal[diagonalOffset + q]`.
 */
function tangentBlock(
  model: MlpModel,
  ws: TangentWorkspace,
  d: number,
  first: number,
  count: number,
  diagonal: Float64Array,
  diagonalOffset: number,
): void {
  const { layouts, weights, parameters: w } = model;
  const hiddenCount = ws.pre.length;
  const firstLayer = layouts[0]!;
  let current = 0;
  // Layer 0: the tangent along e_i is row i of W_0 times silu'(z_0) of the pair's row.
  {
    const width = firstLayer.outDim;
    const tangent = ws.tangents[0];
    const slope = ws.slope[0]!;
    for (let q = 0; q < count; q++) {
      const pair = first + q;
      const weightRow = firstLayer.weightOffset + (pair % d) * width;
      const slopeRow = Math.floor(pair / d) * width;
      const target = q * width;
      for (let j = 0; j < width; j++) tangent[target + j] = w[weightRow + j]! * slope[slopeRow + j]!;
    }
  }
  for (let l = 1; l < hiddenCount; l++) {
    const { inDim, outDim } = layouts[l]!;
    const from = ws.tangentOperands[current]!;
    const next = 1 - current;
    from.rowStride = inDim;
    gemmKernel(count, outDim, inDim, 1, from, weights[l]!, 0, ws.tangents[next]!, 0, outDim);
    scaleBySlopes(ws.tangents[next]!, ws.slope[l]!, d, first, count, outDim);
    current = next;
  }
  // Output layer: pair (r, i) needs only column i of W_L.
  const output = layouts[hiddenCount]!;
  const tangent = ws.tangents[current]!;
  const inDim = output.inDim;
  for (let q = 0; q < count; q++) {
    const i = (first + q) % d;
    const row = q * inDim;
    let sum = 0;
    for (let p = 0; p < inDim; p++) sum += tangent[row + p]! * w[output.weightOffset + p * d + i]!;
    diagonal[diagonalOffset + first + q] = sum;
  }
}

/** Tangent row q (pair `first + q`) times `silu'(z)` of the pair's row. */
function scaleBySlopes(
  tangent: Float64Array,
  slope: Float64Array,
  d: number,
  first: number,
  count: number,
  width: number,
): void {
  for (let q = 0; q < count; q++) {
    const slopeRow = Math.floor((first + q) / d) * width;
    const row = q * width;
    for (let j = 0; j < width; j++) tangent[row + j] = tangent[row + j]! * slope[slopeRow + j]!;
  }
}
