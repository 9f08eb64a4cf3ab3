/**
 * Forward and backward passes of the MLP on preallocated workspaces, built on the tensor
 * core's raw GEMM kernel. No validation and no allocation here: callers size the
 * workspace once and pass row counts up to its capacity.
 * @packageDocumentation
 */
import { gemmAccumulate, type FloatArray, type MatrixOperand } from '@sgmkit/tensor';
import { siluBackward, siluForward } from './activation.js';
import { weightOperand, type LayerLayout } from './architecture.js';

/** The parameters with their layer layouts and prebuilt weight operands (W and Wᵀ per layer). */
export interface MlpModel {
  readonly parameters: Float64Array;
  readonly layouts: readonly LayerLayout[];
  readonly weights: readonly MatrixOperand[];
  readonly weightsTransposed: readonly MatrixOperand[];
}

export function mlpModel(parameters: Float64Array, layouts: readonly LayerLayout[]): MlpModel {
  return {
    parameters,
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
  readonly pre: Float64Array[];
  /** Post-activations `h_l = silu(z_l)`. */
  readonly post: Float64Array[];
  readonly postOperands: MatrixOperand[];
  readonly postTransposedOperands: MatrixOperand[];
}

/** Buffers the training step needs on top of the forward workspace. */
export interface TrainingWorkspace extends MlpWorkspace {
  /** First-layer input rows `[x_t, time features]`. */
  readonly input: Float64Array;
  readonly inputOperand: MatrixOperand;
  readonly inputTransposedOperand: MatrixOperand;
  /** Network output (predicted noise), `capacity × d`. */
  readonly output: Float64Array;
  /** `∂L/∂z_l` for every layer, the last one being `∂L/∂output`. */
  readonly deltas: Float64Array[];
  readonly deltaOperands: MatrixOperand[];
}

function rowMajorOperand(data: Float64Array, width: number, transposed: boolean): MatrixOperand {
  return { data, offset: 0, rowStride: transposed ? 1 : width, colStride: transposed ? width : 1 };
}

export function createMlpWorkspace(layouts: readonly LayerLayout[], capacity: number): MlpWorkspace {
  const hidden = layouts.slice(0, -1);
  const pre = hidden.map((layer) => new Float64Array(capacity * layer.outDim));
  const post = hidden.map((layer) => new Float64Array(capacity * layer.outDim));
  return {
    capacity,
    pre,
    post,
    postOperands: post.map((h, l) => rowMajorOperand(h, hidden[l]!.outDim, false)),
    postTransposedOperands: post.map((h, l) => rowMajorOperand(h, hidden[l]!.outDim, true)),
  };
}

export function createTrainingWorkspace(layouts: readonly LayerLayout[], capacity: number): TrainingWorkspace {
  const inWidth = layouts[0]!.inDim;
  const input = new Float64Array(capacity * inWidth);
  const deltas = layouts.map((layer) => new Float64Array(capacity * layer.outDim));
  return {
    ...createMlpWorkspace(layouts, capacity),
    input,
    inputOperand: rowMajorOperand(input, inWidth, false),
    inputTransposedOperand: rowMajorOperand(input, inWidth, true),
    output: deltas[deltas.length - 1]!.slice(),
    deltas,
    deltaOperands: deltas.map((g, l) => rowMajorOperand(g, layouts[l]!.outDim, false)),
  };
}

/**
 * `out[r, :] = biasScale·bias + alpha·(input[r, :k] · W[:k, :])` for r < rows, where the bias
 * starts at `bias[biasOffset]` and out is row-major with `layout.outDim` columns from `outOffset`.
 */
export function denseLayer(
  rows: number, k: number, input: MatrixOperand, weight: MatrixOperand, outDim: number,
  bias: Float64Array, biasOffset: number, biasScale: number, alpha: number, out: FloatArray, outOffset: number,
): void {
  for (let r = 0; r < rows; r++) {
    const row = outOffset + r * outDim;
    for (let j = 0; j < outDim; j++) out[row + j] = biasScale * bias[biasOffset + j]!;
  }
  gemmAccumulate(rows, outDim, k, alpha, input, weight, out, outOffset, outDim);
}

/** Hidden layers 1… (after the first, whose output the caller has written into `pre[0]`), then SiLU. */
export function forwardHiddenLayers(model: MlpModel, ws: MlpWorkspace, rows: number): void {
  const { parameters, layouts } = model;
  for (let l = 0; l < ws.pre.length; l++) {
    if (l > 0) {
      const layer = layouts[l]!;
      denseLayer(rows, layer.inDim, ws.postOperands[l - 1]!, model.weights[l]!, layer.outDim,
        parameters, layer.biasOffset, 1, 1, ws.pre[l]!, 0);
    }
    siluForward(ws.pre[l]!, ws.post[l]!, rows * layouts[l]!.outDim);
  }
}

/** Full forward pass on the training workspace: `output = MLP(input)` for `rows` rows. */
export function forwardTraining(model: MlpModel, ws: TrainingWorkspace, rows: number): void {
  const { parameters, layouts } = model;
  const first = layouts[0]!;
  denseLayer(rows, first.inDim, ws.inputOperand, model.weights[0]!, first.outDim,
    parameters, first.biasOffset, 1, 1, ws.pre[0]!, 0);
  forwardHiddenLayers(model, ws, rows);
  const lastIndex = layouts.length - 1;
  const last = layouts[lastIndex]!;
  denseLayer(rows, last.inDim, ws.postOperands[lastIndex - 1]!, model.weights[lastIndex]!, last.outDim,
    parameters, last.biasOffset, 1, 1, ws.output, 0);
}

/**
 * Backpropagation: given `deltas[last] = ∂L/∂output` for `rows` rows, adds `∂L/∂θ` into
 * `gradient` (same layout as the parameters). Uses the activations left by `forwardTraining`.
 */
export function backwardTraining(model: MlpModel, ws: TrainingWorkspace, rows: number, gradient: Float64Array): void {
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
    previous.fill(0, 0, rows * layer.inDim);
    gemmAccumulate(rows, layer.inDim, layer.outDim, 1, ws.deltaOperands[l]!, model.weightsTransposed[l]!, previous, 0, layer.inDim);
    siluBackward(ws.pre[l - 1]!, previous, rows * layer.inDim);
  }
}

function addColumnSums(values: Float64Array, rows: number, cols: number, out: Float64Array, outOffset: number): void {
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let j = 0; j < cols; j++) out[outOffset + j] += values[row + j]!;
  }
}
