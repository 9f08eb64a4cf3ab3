/**
 * Forward and backward passes of the MLP on preallocated workspaces, built on the tensor
 * core's raw GEMM kernels. No validation and no allocation here: callers size the
 * workspace once and pass row counts up to its capacity.
 *
 * The same code runs a float64 network (Float64Array weights and activations: the f64x2 GEMM
 * kernel) and a float32 one (Float32Array weights, activations, deltas and gradient: the f32x4
 * kernel, twice the lanes). Each hidden layer is one `gemmBiasSilu` (on the wasm backend the bias
 * and SiLU run as a SIMD epilogue on each GEMM block in the kernel's memory); the output layer is
 * one overwriting GEMM and a bias pass.
 * @packageDocumentation
 */
import {
  gemmAccumulate, gemmAccumulateDepthBlocks, gemmBiasSilu, gemmKernel, siluBackwardFromSigmoid, type FloatArray, type MatrixOperand,
} from '@sgmkit/tensor';
import { weightOperand, type LayerLayout, type NetworkDType } from './architecture.js';

/** A typed array of the network's dtype. */
export type NetworkArray = Float64Array | Float32Array;

export function networkArray(dtype: NetworkDType, length: number): NetworkArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/** The parameters with their layer layouts and prebuilt weight operands (W and Wᵀ per layer). */
export interface MlpModel {
  /** The weights the GEMMs read: the float64 parameters themselves, or their float32 rounding. */
  readonly parameters: NetworkArray;
  readonly dtype: NetworkDType;
  readonly layouts: readonly LayerLayout[];
  readonly weights: readonly MatrixOperand[];
  readonly weightsTransposed: readonly MatrixOperand[];
}

export function mlpModel(parameters: NetworkArray, layouts: readonly LayerLayout[]): MlpModel {
  return {
    parameters,
    dtype: parameters instanceof Float32Array ? 'float32' : 'float64',
    layouts,
    weights: layouts.map((layer) => weightOperand(parameters, layer)),
    weightsTransposed: layouts.map((layer) => weightOperand(parameters, layer, true)),
  };
}

/** A GEMM operand whose fields are rewritten in place (e.g. to point at the next chunk of x). */
export interface MutableOperand {
  data: FloatArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

/** Buffers for `capacity` rows: one pre- and post-activation matrix per hidden layer, plus their operands. */
export interface MlpWorkspace {
  readonly capacity: number;
  /** Pre-activations `z_l` of each hidden layer (`capacity × width_l`). */
  readonly pre: NetworkArray[];
  /** Post-activations `h_l = silu(z_l)`. */
  readonly post: NetworkArray[];
  readonly postOperands: MatrixOperand[];
  readonly postTransposedOperands: MatrixOperand[];
}

/** Buffers the training step needs on top of the forward workspace. */
export interface TrainingWorkspace extends MlpWorkspace {
  /** First-layer input rows `[x_t, time features]`. */
  readonly input: NetworkArray;
  readonly inputOperand: MatrixOperand;
  readonly inputTransposedOperand: MatrixOperand;
  /** Network output (predicted noise), `capacity × d`. */
  readonly output: NetworkArray;
  /** `∂L/∂z_l` for every layer, the last one being `∂L/∂output`. */
  readonly deltas: NetworkArray[];
  /** `σ(z_l)` of each hidden layer, kept by the forward pass for the backward one. */
  readonly sigmoid: NetworkArray[];
  readonly deltaOperands: MatrixOperand[];
}

function rowMajorOperand(data: NetworkArray, width: number, transposed: boolean): MatrixOperand {
  return { data, offset: 0, rowStride: transposed ? 1 : width, colStride: transposed ? width : 1 };
}

export function createMlpWorkspace(layouts: readonly LayerLayout[], capacity: number, dtype: NetworkDType): MlpWorkspace {
  const hidden = layouts.slice(0, -1);
  const pre = hidden.map((layer) => networkArray(dtype, capacity * layer.outDim));
  const post = hidden.map((layer) => networkArray(dtype, capacity * layer.outDim));
  return {
    capacity,
    pre,
    post,
    postOperands: post.map((h, l) => rowMajorOperand(h, hidden[l]!.outDim, false)),
    postTransposedOperands: post.map((h, l) => rowMajorOperand(h, hidden[l]!.outDim, true)),
  };
}

export function createTrainingWorkspace(layouts: readonly LayerLayout[], capacity: number, dtype: NetworkDType): TrainingWorkspace {
  const inWidth = layouts[0]!.inDim;
  const input = networkArray(dtype, capacity * inWidth);
  const deltas = layouts.map((layer) => networkArray(dtype, capacity * layer.outDim));
  return {
    ...createMlpWorkspace(layouts, capacity, dtype),
    input,
    inputOperand: rowMajorOperand(input, inWidth, false),
    inputTransposedOperand: rowMajorOperand(input, inWidth, true),
    output: deltas[deltas.length - 1]!.slice(),
    deltas,
    sigmoid: layouts.slice(0, -1).map((layer) => networkArray(dtype, capacity * layer.outDim)),
    deltaOperands: deltas.map((g, l) => rowMajorOperand(g, layouts[l]!.outDim, false)),
  };
}

/**
 * `out[r, :] = alpha·(input[r, :k] · W[:k, :]) + biasScale·bias` for r < rows (the bias starts at
 * `bias[biasOffset]`; out is row-major with `outDim` columns from `outOffset`): the output layer.
 */
export function denseLayer(
  rows: number, k: number, input: MatrixOperand, weight: MatrixOperand, outDim: number,
  bias: FloatArray, biasOffset: number, biasScale: number, alpha: number, out: FloatArray, outOffset: number,
): void {
  gemmKernel(rows, outDim, k, alpha, input, weight, 0, out, outOffset, outDim);
  addBias(rows, outDim, bias, biasOffset, biasScale, out, outOffset);
}

function addBias(rows: number, cols: number, bias: FloatArray, biasOffset: number, biasScale: number, out: FloatArray, outOffset: number): void {
  for (let r = 0; r < rows; r++) {
    const row = outOffset + r * cols;
    for (let j = 0; j < cols; j++) out[row + j] = out[row + j]! + biasScale * bias[biasOffset + j]!;
  }
}

/** Hidden layer l: `pre_l = input·W_l + bias`, `post_l = silu(pre_l)`, the bias and SiLU in one pass. */
export function hiddenLayer(
  model: MlpModel, ws: MlpWorkspace, l: number, rows: number, k: number, input: MatrixOperand, bias: FloatArray, biasOffset: number,
): void {
  const width = model.layouts[l]!.outDim;
  gemmBiasSilu(rows, width, k, input, model.weights[l]!, bias, biasOffset, ws.pre[l]!, ws.post[l]!);
}

/** Hidden layers 1… (after the first, which the caller has run with `hiddenLayer`). */
export function forwardHiddenLayers(model: MlpModel, ws: MlpWorkspace, rows: number): void {
  const { parameters, layouts } = model;
  for (let l = 1; l < ws.pre.length; l++) {
    const layer = layouts[l]!;
    hiddenLayer(model, ws, l, rows, layer.inDim, ws.postOperands[l - 1]!, parameters, layer.biasOffset);
  }
}

/** Full forward pass on the training workspace: `output = MLP(input)` for `rows` rows, keeping σ(z_l). */
export function forwardTraining(model: MlpModel, ws: TrainingWorkspace, rows: number): void {
  const { parameters, layouts } = model;
  for (let l = 0; l < ws.pre.length; l++) {
    const layer = layouts[l]!;
    const input = l === 0 ? ws.inputOperand : ws.postOperands[l - 1]!;
    gemmBiasSilu(rows, layer.outDim, layer.inDim, input, model.weights[l]!, parameters, layer.biasOffset, ws.pre[l]!, ws.post[l]!, ws.sigmoid[l]!);
  }
  const lastIndex = layouts.length - 1;
  const last = layouts[lastIndex]!;
  denseLayer(rows, last.inDim, ws.postOperands[lastIndex - 1]!, model.weights[lastIndex]!, last.outDim,
    parameters, last.biasOffset, 1, 1, ws.output, 0);
}

/**
 * Backpropagation: given `deltas[last] = ∂L/∂output` for `rows` rows, adds `∂L/∂θ` into
 * `gradient` (same layout as the parameters). Uses the activations left by `forwardTraining`.
 */
export function backwardTraining(model: MlpModel, ws: TrainingWorkspace, rows: number, gradient: NetworkArray): void {
  const { layouts } = model;
  for (let l = layouts.length - 1; l >= 0; l--) {
    const layer = layouts[l]!;
    const delta = ws.deltas[l]!;
    const inputTransposed = l === 0 ? ws.inputTransposedOperand : ws.postTransposedOperands[l - 1]!;
    // ∂L/∂W_l = inputᵀ · δ_l  and  ∂L/∂b_l = Σ_rows δ_l.
    gemmAccumulate(layer.inDim, layer.outDim, rows, 1, inputTransposed, ws.deltaOperands[l]!, gradient, layer.weightOffset, layer.outDim);
    addColumnSums(delta, rows, layer.outDim, gradient, layer.biasOffset);
    if (l === 0) break;
    // δ_{l−1} = (δ_l · W_lᵀ) ⊙ silu'(z_{l−1}).
    const previous = ws.deltas[l - 1]!;
    gemmKernel(rows, layer.inDim, layer.outDim, 1, ws.deltaOperands[l]!, model.weightsTransposed[l]!, 0, previous, 0, layer.inDim);
    siluBackwardFromSigmoid(ws.pre[l - 1]!, ws.sigmoid[l - 1]!, previous, rows * layer.inDim);
  }
}

function addColumnSums(values: NetworkArray, rows: number, cols: number, out: NetworkArray, outOffset: number): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let j = 0; j < cols; j++) out[outOffset + j] += values[row + j]!;
  }
}

/**
 * A run of consecutive workspace rows whose gradient goes into `target` (overwritten): its micro-shards of
 * `shardRows` rows in sum groups of `groupShards`, the first group's micro-shards added into the target left to
 * right, each later group's summed apart and then added. See `backwardTrainingSegments` and the summation contract
 * of `gradient.ts`.
 */
export interface GradientSegment {
  firstRow: number;
  rows: number;
  target: NetworkArray;
}

/**
 * Backpropagation over `rows` rows (the activations left by `forwardTraining`, `ws.deltas[last]` set) into
 * segments: for each segment, the weight and bias gradients of its rows summed by micro-shards and sum groups (see
 * `GradientSegment`) into `segment.target`. These are the bits of running `backwardTraining` on each micro-shard
 * alone into a zeroed vector and adding the vectors in that order (the weight GEMMs sum each micro-shard's rows from
 * zero, `gemmAccumulateDepthBlocks`), with the delta GEMMs done once over all rows (row-wise: a row's delta never
 * depends on the others). Bit-identity needs the wasm GEMM backend or a float64 network (see
 * `gemmAccumulateDepthBlocks`). `columnScratch` holds ≥ the widest layer.
 */
export function backwardTrainingSegments(
  model: MlpModel, ws: TrainingWorkspace, rows: number, shardRows: number, groupShards: number,
  segments: readonly GradientSegment[], segmentCount: number, columnScratch: NetworkArray,
): void {
  const { layouts } = model;
  for (let l = layouts.length - 1; l >= 0; l--) {
    const layer = layouts[l]!;
    const inputTransposed = l === 0 ? ws.inputTransposedOperand : ws.postTransposedOperands[l - 1]!;
    const deltaOperand = ws.deltaOperands[l]!;
    for (let i = 0; i < segmentCount; i++) {
      const { firstRow, rows: segmentRows, target } = segments[i]!;
      target.fill(0, layer.weightOffset, layer.biasOffset + layer.outDim);
      // the segment's rows are columns [firstRow, firstRow + segmentRows) of inputᵀ and rows of δ
      const a = shifted(segmentA, inputTransposed, firstRow * inputTransposed.colStride);
      const b = shifted(segmentB, deltaOperand, firstRow * deltaOperand.rowStride);
      gemmAccumulateDepthBlocks(layer.inDim, layer.outDim, segmentRows, shardRows, 1, a, b, target, layer.weightOffset, layer.outDim, groupShards);
      addColumnSumsByBlocks(ws.deltas[l]!, firstRow, segmentRows, shardRows, groupShards, layer.outDim, columnScratch, target, layer.biasOffset);
    }
    if (l === 0) break;
    const previous = ws.deltas[l - 1]!;
    gemmKernel(rows, layer.inDim, layer.outDim, 1, deltaOperand, model.weightsTransposed[l]!, 0, previous, 0, layer.inDim);
    siluBackwardFromSigmoid(ws.pre[l - 1]!, ws.sigmoid[l - 1]!, previous, rows * layer.inDim);
  }
}

/** Operands rewritten per segment (no allocation per step). */
const segmentA: MutableOperand = { data: new Float64Array(0), offset: 0, rowStride: 0, colStride: 0 };
const segmentB: MutableOperand = { data: new Float64Array(0), offset: 0, rowStride: 0, colStride: 0 };

function shifted(out: MutableOperand, operand: MatrixOperand, by: number): MutableOperand {
  out.data = operand.data;
  out.offset = operand.offset + by;
  out.rowStride = operand.rowStride;
  out.colStride = operand.colStride;
  return out;
}

/**
 * `out[j] += Σ_{rows of block b} values[·, j]` for each block of `blockRows` rows of rows `[firstRow, firstRow + rows)`
 * in turn, each block summed from zero; blocks in groups of `groupBlocks`, each group after the first summed apart in
 * `scratch[0 … cols)` and then added (as `gemmAccumulateDepthBlocks` sums the weights).
 */
function addColumnSumsByBlocks(
  values: NetworkArray, firstRow: number, rows: number, blockRows: number, groupBlocks: number, cols: number,
  scratch: NetworkArray, out: NetworkArray, outOffset: number,
): void {
  const end = firstRow + rows;
  const groupRows = blockRows * groupBlocks;
  for (let group = firstRow; group < end; group += groupRows) {
    const sum = group === firstRow ? out : scratch;
    const sumOffset = group === firstRow ? outOffset : 0;
    if (sum === scratch) scratch.fill(0, 0, cols);
    for (let first = group; first < Math.min(end, group + groupRows); first += blockRows) {
      const last = Math.min(end, first + blockRows);
      if (values instanceof Float32Array) addBlockColumnSumsF32(values, first, last, cols, sum, sumOffset);
      else addBlockColumnSums(values, first, last, cols, sum, sumOffset);
    }
    if (sum === scratch) for (let j = 0; j < cols; j++) out[outOffset + j] += scratch[j]!;
  }
}

/**
 * `sum[sumOffset + j] += Σ_{r = first}^{last−1} values[r·cols + j]`, each column's block sum formed from zero in row
 * order. Four columns at a time in registers, so the block's partial sums are not stored and reloaded per row; the
 * order of the additions, and so the bits, are those of summing row after row into a zeroed float64 vector.
 */
function addBlockColumnSums(values: NetworkArray, first: number, last: number, cols: number, sum: NetworkArray, sumOffset: number): void {
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let r = first, at = first * cols + j; r < last; r++, at += cols) {
      s0 += values[at]!; s1 += values[at + 1]!; s2 += values[at + 2]!; s3 += values[at + 3]!;
    }
    sum[sumOffset + j] += s0; sum[sumOffset + j + 1] += s1; sum[sumOffset + j + 2] += s2; sum[sumOffset + j + 3] += s3;
  }
  for (; j < cols; j++) {
    let s = 0;
    for (let r = first, at = first * cols + j; r < last; r++, at += cols) s += values[at]!;
    sum[sumOffset + j] += s;
  }
}

/** `addBlockColumnSums` for a float32 network: every partial sum rounded to float32, as a float32 vector holds it. */
function addBlockColumnSumsF32(values: Float32Array, first: number, last: number, cols: number, sum: NetworkArray, sumOffset: number): void {
  const f = Math.fround;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let r = first, at = first * cols + j; r < last; r++, at += cols) {
      s0 = f(s0 + values[at]!); s1 = f(s1 + values[at + 1]!); s2 = f(s2 + values[at + 2]!); s3 = f(s3 + values[at + 3]!);
    }
    sum[sumOffset + j] += s0; sum[sumOffset + j + 1] += s1; sum[sumOffset + j + 2] += s2; sum[sumOffset + j + 3] += s3;
  }
  for (; j < cols; j++) {
    let s = 0;
    for (let r = first, at = first * cols + j; r < last; r++, at += cols) s = f(s + values[at]!);
    sum[sumOffset + j] += s;
  }
}
