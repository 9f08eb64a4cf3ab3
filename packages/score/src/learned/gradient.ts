/**
 * The minibatch gradient of the DSM loss as a fixed sum of micro-shard gradients, and the
 * pluggable evaluator that computes it.
 *
 * Every minibatch of B rows is split into micro-shards of `MICRO_SHARD_ROWS` rows (the last
 * may be shorter). The gradient of each micro-shard is computed on its own, from zero, and the
 * minibatch gradient is their sum taken in micro-shard order; the loss likewise. The split does
 * not depend on how many threads compute, so any evaluator that computes micro-shards with
 * `MicroShardGradients` and sums them with `sumMicroShards` gives bit-identical gradients, and
 * training bit-identical weights, whatever the number of threads: the in-process evaluator
 * here, and the worker-thread one of the sampler's Node entry, which hands contiguous ranges of
 * micro-shards to threads.
 * @packageDocumentation
 */
import { gemmBackend } from '@sgmkit/tensor';
import type { ScoreNetworkArchitecture } from './architecture.js';
import { layerLayouts } from './architecture.js';
import {
  backwardTraining,
  backwardTrainingByMicroShards,
  backwardTrainingShardPartials,
  createTrainingWorkspace,
  forwardTraining,
  mlpModel,
  networkArray,
  type MlpModel,
  type NetworkArray,
  type TrainingWorkspace,
} from './mlp-kernels.js';
import { noisePredictionLoss, noisePredictionLossOfRows } from './loss.js';

/**
 * Rows per micro-shard. Part of the reproducibility contract (the summation order of the
 * gradient depends on it): 32 rows keep the GEMMs long enough to run at speed and give 8
 * micro-shards for the default batch of 256, enough to balance up to 8 threads.
 */
export const MICRO_SHARD_ROWS = 32;

/** Number of micro-shards of a minibatch of `batchSize` rows. */
export function microShardCount(batchSize: number): number {
  return Math.ceil(batchSize / MICRO_SHARD_ROWS);
}

/**
 * Computes the DSM loss of a minibatch (`(1/B)Σ|ε_θ − z|²`) and its gradient for a network
 * whose inputs `[x_t, φ(t)]` and noise z are already drawn, e.g. `trainDenoisingScoreMatching`'s
 * per-step minibatch, at the network's current parameters (the evaluator was made for that
 * network). An evaluator may compute on other threads, but must sum micro-shard gradients
 * exactly as `sumMicroShards` does, so that training stays bit-identical.
 */
export interface GradientEvaluator {
  /**
   * Writes `∂L/∂θ` into `gradient` and returns L, for the `batchSize` input rows in `input`
   * (row-major, first-layer width) and the noise rows in `noise` (`batchSize × d`). `input` and
   * `gradient` have the network's dtype (a float32 network computes its gradient in float32).
   */
  lossAndGradient(input: NetworkArray, noise: Float64Array, batchSize: number, gradient: NetworkArray): number;
}

/**
 * Loss and gradient of single micro-shards for one copy of a network's compute weights (float64 or
 * float32; they may be rewritten between calls, e.g. a shared buffer the training thread broadcasts into).
 */
export class MicroShardGradients {
  readonly model: MlpModel;
  /** Entries of a gradient (the number of parameters). */
  readonly size: number;
  private readonly workspace: TrainingWorkspace;
  private readonly noise: Float64Array;
  private readonly inputWidth: number;
  private readonly dim: number;

  constructor(architecture: ScoreNetworkArchitecture, parameters: NetworkArray) {
    const layouts = layerLayouts(architecture);
    this.model = mlpModel(parameters, layouts);
    this.size = parameters.length;
    this.workspace = createTrainingWorkspace(layouts, MICRO_SHARD_ROWS, this.model.dtype);
    this.noise = new Float64Array(MICRO_SHARD_ROWS * architecture.dim);
    this.inputWidth = layouts[0]!.inDim;
    this.dim = architecture.dim;
  }

  /**
   * Writes the gradient of micro-shard `shard` of a `batchSize`-row minibatch into `out`
   * (`size` entries, overwritten) and returns its loss term `(1/B) Σ_{rows of the shard} |ε_θ − z|²`.
   */
  shard(input: NetworkArray, noise: Float64Array, batchSize: number, shard: number, out: NetworkArray): number {
    const ws = this.workspace;
    const first = shard * MICRO_SHARD_ROWS;
    const rows = Math.min(MICRO_SHARD_ROWS, batchSize - first);
    copyRange(input, first * this.inputWidth, ws.input, rows * this.inputWidth);
    copyRange(noise, first * this.dim, this.noise, rows * this.dim);
    forwardTraining(this.model, ws, rows);
    const loss = noisePredictionLoss(ws, this.noise, rows, this.dim, batchSize);
    out.fill(0);
    backwardTraining(this.model, ws, rows, out);
    return loss;
  }

  /**
   * Micro-shards `firstShard … firstShard + count − 1` of a `batchSize`-row minibatch at once: their gradients into
   * `outs[0 … count − 1]` and their loss terms into `losses[firstShard …]`, the bits of calling `shard` on each.
   * The forward pass and the deltas run over all their rows in one GEMM per product (what makes a worker thread's
   * share as fast as the calling thread's whole minibatch); only the weight and bias gradients go shard by shard.
   * A float32 network on the scalar GEMM backend (no such identity there) computes them one by one.
   */
  shardRange(
    input: NetworkArray,
    noise: Float64Array,
    batchSize: number,
    firstShard: number,
    count: number,
    outs: readonly NetworkArray[],
    losses: Float64Array,
  ): void {
    if (this.model.dtype === 'float32' && gemmBackend() === 'scalar') {
      for (let s = 0; s < count; s++)
        losses[firstShard + s] = this.shard(input, noise, batchSize, firstShard + s, outs[s]!);
      return;
    }
    const first = firstShard * MICRO_SHARD_ROWS;
    const rows = Math.min(batchSize, (firstShard + count) * MICRO_SHARD_ROWS) - first;
    const ws = this.rangeWorkspaceFor(rows);
    copyRange(input, first * this.inputWidth, ws.input, rows * this.inputWidth);
    forwardTraining(this.model, ws, rows);
    const rangeNoise = noise.subarray(first * this.dim, (first + rows) * this.dim);
    for (let s = 0; s < count; s++) {
      const local = s * MICRO_SHARD_ROWS;
      losses[firstShard + s] = noisePredictionLossOfRows(
        ws,
        rangeNoise,
        local,
        Math.min(MICRO_SHARD_ROWS, rows - local),
        this.dim,
        batchSize,
      );
    }
    backwardTrainingShardPartials(this.model, ws, rows, MICRO_SHARD_ROWS, outs);
  }

  /**
   * The first `count` micro-shards of a `batchSize`-row minibatch, summed in place: writes (overwrites) into `gradient`
   * the left-to-right sum of their gradients, the bits `sumMicroShards` gives over their `shard()` results, and their
   * loss terms into `losses[0 …]`. The thread that owns the leading range does this (a left-to-right sum can start in
   * place only at micro-shard 0); the others' ranges come as separate partials (`shardRange`). Returns their loss sum.
   */
  leadingRangeInto(
    input: NetworkArray,
    noise: Float64Array,
    batchSize: number,
    count: number,
    gradient: NetworkArray,
    losses: Float64Array,
    scratch: NetworkArray,
  ): number {
    if (this.model.dtype === 'float32' && gemmBackend() === 'scalar') {
      let loss = (losses[0] = this.shard(input, noise, batchSize, 0, gradient));
      for (let s = 1; s < count; s++) {
        loss += losses[s] = this.shard(input, noise, batchSize, s, scratch);
        addInto(gradient, scratch);
      }
      return loss;
    }
    const rows = Math.min(batchSize, count * MICRO_SHARD_ROWS);
    const ws = this.rangeWorkspaceFor(rows);
    copyRange(input, 0, ws.input, rows * this.inputWidth);
    forwardTraining(this.model, ws, rows);
    let loss = 0;
    for (let s = 0; s < count; s++) {
      const first = s * MICRO_SHARD_ROWS;
      losses[s] = noisePredictionLossOfRows(
        ws,
        noise,
        first,
        Math.min(MICRO_SHARD_ROWS, rows - first),
        this.dim,
        batchSize,
      );
      loss = s === 0 ? losses[s]! : loss + losses[s]!;
    }
    backwardTrainingByMicroShards(this.model, ws, rows, MICRO_SHARD_ROWS, gradient, this.columnScratch());
    return loss;
  }

  private columns: NetworkArray | undefined;

  private columnScratch(): NetworkArray {
    this.columns ??= networkArray(this.model.dtype, Math.max(...this.model.layouts.map((layer) => layer.outDim)));
    return this.columns;
  }

  private rangeWorkspace: TrainingWorkspace | undefined;

  private rangeWorkspaceFor(rows: number): TrainingWorkspace {
    if (!this.rangeWorkspace || this.rangeWorkspace.capacity < rows) {
      this.rangeWorkspace = createTrainingWorkspace(this.model.layouts, rows, this.model.dtype);
    }
    return this.rangeWorkspace;
  }
}

function copyRange(from: NetworkArray, start: number, to: NetworkArray, count: number): void {
  for (let i = 0; i < count; i++) to[i] = from[start + i]!;
}

/**
 * `gradient ← partials[0] + partials[1] + …` (left to right, element by element) over the
 * `count` micro-shards, and returns `losses[0] + losses[1] + …` in the same order: the one
 * summation every evaluator uses.
 */
export function sumMicroShards(
  partials: readonly NetworkArray[],
  losses: Float64Array,
  count: number,
  gradient: NetworkArray,
): number {
  gradient.set(partials[0]!);
  let loss = losses[0]!;
  for (let s = 1; s < count; s++) {
    addInto(gradient, partials[s]!);
    loss += losses[s]!;
  }
  return loss;
}

function addInto(sum: NetworkArray, term: NetworkArray): void {
  for (let i = 0; i < sum.length; i++) sum[i] += term[i]!;
}

/**
 * The evaluator of the calling thread. It runs the minibatch through the network whole (one GEMM
 * per product, see `backwardTrainingByMicroShards`) and reduces loss and gradient micro-shard by
 * micro-shard, which gives the same bits as computing every micro-shard on its own and summing
 * with `sumMicroShards`. Where that identity does not hold (a float32 network on the scalar GEMM
 * backend, whose float32 products are summed in float64 before rounding), it computes the
 * micro-shards in turn instead, each added into the running sum as soon as it is computed.
 */
export class InProcessGradientEvaluator implements GradientEvaluator {
  private readonly shards: MicroShardGradients;
  private readonly partial: NetworkArray;
  /** Per-micro-shard loss terms (the sum is what is returned), sized on first use and when a larger minibatch comes. */
  private losses = new Float64Array(0);

  /** For a network's compute weights (`network.model.parameters`: float32 for a float32 network). */
  constructor(architecture: ScoreNetworkArchitecture, parameters: NetworkArray) {
    this.shards = new MicroShardGradients(architecture, parameters);
    this.partial = networkArray(this.shards.model.dtype, this.shards.size);
  }

  /** The whole minibatch is the leading range of all its micro-shards (`MicroShardGradients.leadingRangeInto`). */
  lossAndGradient(input: NetworkArray, noise: Float64Array, batchSize: number, gradient: NetworkArray): number {
    const count = microShardCount(batchSize);
    if (this.losses.length < count) this.losses = new Float64Array(count);
    return this.shards.leadingRangeInto(input, noise, batchSize, count, gradient, this.losses, this.partial);
  }
}
