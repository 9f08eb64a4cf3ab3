/**
 * The denoising score matching loss in its noise-prediction form.
 *
 * With x_t = e^{−t}x₀ + σ_t z, the DSM target is ∇ln q_t(x_t | x₀) = −z/σ_t. With weight
 * λ(t) = σ_t² and s_θ = −ε_θ/σ_t, λ(t)·|s_θ(t, x_t) + z/σ_t|² = |ε_θ(t, x_t) − z|², so the
 * loss over a batch of n rows is L = (1/n) Σ_i |ε_θ(t_i, x_i) − z_i|².
 * @packageDocumentation
 */
import {
  DTypeMismatchError,
  InvalidArgumentError,
  ShapeMismatchError,
  dtypeOf,
  expectBatch,
  expectPositive,
  type Batch,
} from '@sgmkit/tensor';
import { CLDScoreNetwork } from './cld-network.js';
import { trainingPerturbation } from './perturbation.js';
import {
  backwardTraining,
  createTrainingWorkspace,
  forwardTraining,
  networkArray,
  type MlpModel,
  type NetworkArray,
  type TrainingWorkspace,
} from './mlp-kernels.js';
import { clipToResidualBox, skipTarget, type ScoreNetwork } from './network.js';
import { noiseScale, writeTimeFeatures } from './time-features.js';

/**
 * Loss `(1/B)Σ|ε_θ − z|²` over `rows` rows given the outputs in `ws.output` and targets
 * `noise[0 … rows·d)`; writes `∂L/∂output = (2/B)(ε_θ − z)` into the last delta buffer. The sum is
 * in float64 for either dtype. `B = batchRows` (default `rows`) is the minibatch the rows belong
 * to, e.g. of a micro-shard.
 */
export function noisePredictionLoss(
  ws: TrainingWorkspace,
  noise: Float64Array,
  rows: number,
  d: number,
  batchRows = rows,
): number {
  const output = ws.output;
  const delta = ws.deltas[ws.deltas.length - 1]!;
  const scale = 2 / batchRows;
  let sum = 0;
  for (let i = 0; i < rows * d; i++) {
    const residual = output[i]! - noise[i]!;
    sum += residual * residual;
    delta[i] = scale * residual;
  }
  return sum / batchRows;
}

/**
 * `noisePredictionLoss` of rows `[first, first + rows)` of the workspace (outputs and deltas; the
 * noise of workspace row r is row `noiseRowOffset + r` of `noise`): the loss term `(1/B)Σ|ε_θ − z|²`
 * of one micro-shard of a minibatch processed whole, with the same arithmetic as the micro-shard on its own.
 */
export function noisePredictionLossOfRows(
  ws: TrainingWorkspace,
  noise: Float64Array,
  noiseRowOffset: number,
  first: number,
  rows: number,
  d: number,
  batchRows: number,
): number {
  const output = ws.output;
  const delta = ws.deltas[ws.deltas.length - 1]!;
  const scale = 2 / batchRows;
  const noiseShift = noiseRowOffset * d;
  let sum = 0;
  for (let i = first * d; i < (first + rows) * d; i++) {
    const residual = output[i]! - noise[noiseShift + i]!;
    sum += residual * residual;
    delta[i] = scale * residual;
  }
  return sum / batchRows;
}

/** Writes row r of the first-layer input: `[x, sin(ω ln t), cos(ω ln t), …]`. */
export function writeInputRow(
  ws: TrainingWorkspace,
  r: number,
  width: number,
  t: number,
  frequencies: Float64Array,
  d: number,
): void {
  writeTimeFeatures(t, frequencies, ws.input, r * width + d);
}

/** Loss and (when `gradient` is given) its gradient for prepared inputs already in the workspace. */
export function lossAndGradient(
  model: MlpModel,
  ws: TrainingWorkspace,
  noise: Float64Array,
  rows: number,
  d: number,
  gradient?: NetworkArray,
): number {
  forwardTraining(model, ws, rows);
  const loss = noisePredictionLoss(ws, noise, rows, d);
  if (gradient) {
    gradient.fill(0);
    backwardTraining(model, ws, rows, gradient);
  }
  return loss;
}

/**
 * The DSM loss `(1/n) Σ_i |ε_θ(t_i, x_i) − z_i|²` of a network on given noisy points x_i,
 * their times t_i and the noise z_i that produced them; writes `∂L/∂θ` into `gradient`
 * (same layout as `network.parameters`) when given. Allocates a workspace per call: for
 * validation and tests, not for the training loop. A float32 network computes in float32 (its
 * gradient is computed in float32 and widened into `gradient`).
 */
export function denoisingLoss(
  network: ScoreNetwork,
  noisy: Batch,
  times: Float64Array,
  noise: Batch,
  gradient?: Float64Array,
): number {
  const fn = 'denoisingLoss';
  const d = network.dim;
  const [n] = expectBatch(fn, 'noisy', noisy, d);
  expectBatch(fn, 'noise', noise, d, n);
  if (dtypeOf(noisy) !== 'float64') throw new DTypeMismatchError(fn, 'noisy', noisy, 'of dtype float64');
  if (dtypeOf(noise) !== 'float64') throw new DTypeMismatchError(fn, 'noise', noise, 'of dtype float64');
  if (!(times instanceof Float64Array) || times.length !== n)
    throw new ShapeMismatchError(fn, 'times', times, `a Float64Array of length ${n}`);
  times.forEach((t, i) => expectPositive(fn, `times[${i}]`, t));
  if (
    gradient !== undefined &&
    (!(gradient instanceof Float64Array) || gradient.length !== network.parameters.length)
  ) {
    throw new ShapeMismatchError(fn, 'gradient', gradient, `a Float64Array of length ${network.parameters.length}`);
  }
  network.syncWeights();
  let z = (noise.data as Float64Array).subarray(noise.offset, noise.offset + n * d);
  if (network.skip) {
    // ε_θ = −σ_t·s_G + F_θ: the MLP's target is z + σ_t·s_G(t, x) (see training.ts).
    z = Float64Array.from(z);
    const x = Float64Array.from({ length: n * d }, (_, i) => noisy.data[noisy.offset + i]!);
    for (let r = 0; r < n; r++) skipTarget(times[r]!, network.skip, x, r * d, z, r * d, noiseScale(times[r]!), d);
  }
  // Beyond the residual horizon ε_θ = −σ_t·s_G exactly: the row's term is |z + σ_t·s_G|², with no gradient.
  const used: number[] = [];
  let beyond = 0;
  for (let r = 0; r < n; r++) {
    if (times[r]! <= network.residualHorizon) used.push(r);
    else for (let j = 0; j < d; j++) beyond += z[r * d + j]! ** 2;
  }
  if (used.length === 0) {
    gradient?.fill(0);
    return beyond / n;
  }
  const m = used.length;
  const ws = createTrainingWorkspace(network.model.layouts, m, network.dtype);
  const width = network.model.layouts[0]!.inDim;
  const frequencies = Float64Array.from(network.architecture.timeFeatures.frequencies);
  const target = m === n ? z : new Float64Array(m * d);
  used.forEach((r, k) => {
    for (let j = 0; j < d; j++) ws.input[k * width + j] = noisy.data[noisy.offset + r * d + j]!;
    writeInputRow(ws, k, width, times[r]!, frequencies, d);
    if (network.skip && network.residualBox !== Infinity)
      clipToResidualBox(times[r]!, network.residualBox, network.skip, ws.input, k * width, d);
    if (target !== z) for (let j = 0; j < d; j++) target[k * d + j] = z[r * d + j]!;
  });
  const narrow = gradient && network.dtype !== 'float64' ? networkArray(network.dtype, gradient.length) : gradient;
  forwardTraining(network.model, ws, m);
  const loss = noisePredictionLoss(ws, target, m, d, n) + beyond / n;
  if (narrow) {
    narrow.fill(0);
    backwardTraining(network.model, ws, m, narrow);
    if (narrow !== gradient) gradient!.set(narrow);
  }
  return loss;
}

/**
 * The hybrid score-matching loss of a CLD network (Dockhorn et al. 2022, weight `ℓ_t²`):
 * `(1/n) Σ_i ℓ_{t_i}² |s_θ(t_i, x_i, v_i) − ∇_v ln p(x_i, v_i | x₀ᵢ)|² = (1/n) Σ_i |ε_θ − ε_v,i|²`, where
 * `(x_i, v_i)` is formed from the clean point `x₀ᵢ` (row i of `clean`) and the normals
 * `(ε_x,i, ε_v,i)` (row i of `normals`, n × 2d) as in training (`cld-network.ts`). Writes `∂L/∂θ` into
 * `gradient` when given. Allocates per call: for validation and tests, not for the training loop.
 */
export function hybridScoreMatchingLoss(
  network: CLDScoreNetwork,
  clean: Batch,
  times: Float64Array,
  normals: Batch,
  gradient?: Float64Array,
): number {
  const fn = 'hybridScoreMatchingLoss';
  if (!(network instanceof CLDScoreNetwork))
    throw new InvalidArgumentError(fn, 'network', network, 'a CLDScoreNetwork');
  const d = network.dim;
  const [n] = expectBatch(fn, 'clean', clean, d);
  expectBatch(fn, 'normals', normals, 2 * d, n);
  if (dtypeOf(clean) !== 'float64') throw new DTypeMismatchError(fn, 'clean', clean, 'of dtype float64');
  if (dtypeOf(normals) !== 'float64') throw new DTypeMismatchError(fn, 'normals', normals, 'of dtype float64');
  if (!(times instanceof Float64Array) || times.length !== n)
    throw new ShapeMismatchError(fn, 'times', times, `a Float64Array of length ${n}`);
  times.forEach((t, i) => expectPositive(fn, `times[${i}]`, t));
  if (
    gradient !== undefined &&
    (!(gradient instanceof Float64Array) || gradient.length !== network.parameters.length)
  ) {
    throw new ShapeMismatchError(fn, 'gradient', gradient, `a Float64Array of length ${network.parameters.length}`);
  }
  network.syncWeights();
  const ws = createTrainingWorkspace(network.model.layouts, n, network.dtype);
  const width = network.model.layouts[0]!.inDim;
  const frequencies = Float64Array.from(network.architecture.timeFeatures.frequencies);
  const perturbation = trainingPerturbation(network);
  const target = new Float64Array(n * d);
  const z = normals.data as Float64Array;
  for (let r = 0; r < n; r++) {
    perturbation.perturbRow(
      times[r]!,
      clean.data,
      clean.offset + r * d,
      z,
      normals.offset + r * 2 * d,
      ws.input,
      r * width,
      target,
      r * d,
    );
    writeInputRow(ws, r, width, times[r]!, frequencies, 2 * d);
  }
  if (!gradient || network.dtype === 'float64') return lossAndGradient(network.model, ws, target, n, d, gradient);
  const narrow = networkArray(network.dtype, gradient.length);
  const loss = lossAndGradient(network.model, ws, target, n, d, narrow);
  gradient.set(narrow);
  return loss;
}
