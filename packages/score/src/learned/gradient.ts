/**
 * The minibatch gradient of the DSM loss as a fixed sum of micro-shard gradients, and the
 * pluggable evaluator that computes it.
 *
 * Every minibatch of B rows is split into micro-shards of `MICRO_SHARD_ROWS` rows (the last
 * may be shorter), and the micro-shards into sum groups of `SUM_GROUP_SHARDS` (the last may be
 * shorter). The gradient of each micro-shard is computed on its own, from zero; each group's
 * gradient is the sum of its micro-shards' taken left to right; and the minibatch gradient is the
 * sum of the groups' taken left to right (`sumMicroShards`). The loss is the sum of the
 * micro-shards' loss terms, left to right. None of this depends on how many threads compute, so
 * any evaluator that computes micro-shards with `MicroShardGradients` and sums them this way
 * gives bit-identical gradients, and training bit-identical weights, whatever the number of
 * threads: the in-process evaluator here, and the worker-thread one of the sampler's Node entry,
 * which hands contiguous ranges of micro-shards to threads. The groups are what lets a thread
 * whose range starts at a group boundary sum its micro-shards in place and hand over one vector
 * per group instead of one per micro-shard.
 * @packageDocumentation
 */
import { SgmkitError, gemmBackend } from '@sgmkit/tensor';
import type { ScoreNetworkArchitecture } from './architecture.js';
import { layerLayouts } from './architecture.js';
import {
  backwardTraining,
  backwardTrainingSegments,
  createTrainingWorkspace,
  forwardTraining,
  mlpModel,
  networkArray,
  type GradientSegment,
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
 * Micro-shards per sum group. Part of the reproducibility contract: 4 micro-shards (128 rows) give the default
 * batch of 256 two groups, one per thread of a 2-thread run.
 */
export const SUM_GROUP_SHARDS = 4;

/** The first micro-shard of the sum group of micro-shard `shard`. */
export function sumGroupStart(shard: number): number {
  return shard - (shard % SUM_GROUP_SHARDS);
}

/**
 * Where micro-shard `shard` of a thread whose range starts at micro-shard `rangeStart` goes: into the in-place
 * sum of its group's piece (true) when its group starts inside the range, or its own vector (false) otherwise.
 */
export function foldedIntoGroupPiece(shard: number, rangeStart: number): boolean {
  return sumGroupStart(shard) >= rangeStart;
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
   * Micro-shards `firstShard … firstShard + count − 1` of a `batchSize`-row minibatch at once, as a worker thread
   * computes its range: each piece of the range into `slots[p − firstShard]` (overwritten), p the piece's first
   * micro-shard, and the loss terms into `losses[firstShard …]`. A piece is either the range's micro-shards of a sum
   * group that starts inside the range, summed left to right in place, or one micro-shard whose group started before
   * the range, alone (`foldedIntoGroupPiece`). The forward pass and the deltas run over all the rows in one GEMM per
   * product; only the weight and bias gradients go piece by piece.
   */
  rangeInto(
    input: NetworkArray,
    noise: Float64Array,
    batchSize: number,
    firstShard: number,
    count: number,
    slots: readonly NetworkArray[],
    losses: Float64Array,
  ): void {
    this.segmentCount = 0;
    const end = firstShard + count;
    for (let s = firstShard; s < end;) {
      const pieceEnd = foldedIntoGroupPiece(s, firstShard) ? Math.min(end, s + SUM_GROUP_SHARDS) : s + 1;
      this.pushSegment(s - firstShard, pieceEnd - s, slots[s - firstShard]!);
      s = pieceEnd;
    }
    this.computeSegments(input, noise, batchSize, firstShard, count, losses);
  }

  /**
   * The first `count` micro-shards of a `batchSize`-row minibatch, as the thread that owns the leading range (or the
   * whole minibatch) computes them: the sum groups they complete, summed into `gradient` (overwritten) by the contract
   * (group 0 in place, each later one in `scratch` and then added); when `count` ends inside a later group, that
   * group's piece goes into `tail` (inside group 0, it stays in `gradient`, which is then that group's running sum).
   * The loss terms go into `losses[0 …]`; returns their sum.
   */
  leadingRangeInto(
    input: NetworkArray,
    noise: Float64Array,
    batchSize: number,
    count: number,
    gradient: NetworkArray,
    losses: Float64Array,
    tail?: NetworkArray,
  ): number {
    this.segmentCount = 0;
    const shards = microShardCount(batchSize);
    // The groups [0, complete) are whole; a group that count cuts (unless it is group 0) is a tail piece.
    const complete = count === shards || count % SUM_GROUP_SHARDS === 0 ? count : sumGroupStart(count);
    this.pushSegment(0, complete === 0 ? count : complete, gradient);
    if (complete > 0 && complete < count) {
      if (!tail)
        throw new SgmkitError(
          `MicroShardGradients.leadingRangeInto: ${count} micro-shards end inside a sum group; pass a tail vector`,
          'ERR_INTERNAL',
        );
      this.pushSegment(complete, count - complete, tail);
    }
    this.computeSegments(input, noise, batchSize, 0, count, losses);
    let loss = losses[0]!;
    for (let s = 1; s < count; s++) loss += losses[s]!;
    return loss;
  }

  /** The pieces of the current call, as backward segments (reused objects: nothing allocated per step). */
  private readonly segments: GradientSegment[] = [];
  private segmentCount = 0;

  /** Appends a piece of `shardCount` micro-shards from the range's micro-shard `localShard`. */
  private pushSegment(localShard: number, shardCount: number, target: NetworkArray): void {
    const segment = (this.segments[this.segmentCount++] ??= { firstRow: 0, rows: 0, target });
    segment.firstRow = localShard * MICRO_SHARD_ROWS;
    segment.rows = shardCount * MICRO_SHARD_ROWS; // clipped to the range's rows in computeSegments
    segment.target = target;
  }

  /** Loss terms and the pieces' gradients of micro-shards `firstShard … firstShard + count − 1`. */
  private computeSegments(
    input: NetworkArray,
    noise: Float64Array,
    batchSize: number,
    firstShard: number,
    count: number,
    losses: Float64Array,
  ): void {
    if (this.model.dtype === 'float32' && gemmBackend() === 'scalar') {
      this.segmentsShardByShard(input, noise, batchSize, firstShard, losses);
      return;
    }
    const first = firstShard * MICRO_SHARD_ROWS;
    const rows = Math.min(batchSize, (firstShard + count) * MICRO_SHARD_ROWS) - first;
    const ws = this.rangeWorkspaceFor(rows);
    copyRange(input, first * this.inputWidth, ws.input, rows * this.inputWidth);
    forwardTraining(this.model, ws, rows);
    for (let s = 0; s < count; s++) {
      const local = s * MICRO_SHARD_ROWS;
      const shardRows = Math.min(MICRO_SHARD_ROWS, rows - local);
      losses[firstShard + s] = noisePredictionLossOfRows(ws, noise, first, local, shardRows, this.dim, batchSize);
    }
    for (let i = 0; i < this.segmentCount; i++) {
      const segment = this.segments[i]!;
      segment.rows = Math.min(segment.rows, rows - segment.firstRow);
    }
    backwardTrainingSegments(
      this.model,
      ws,
      rows,
      MICRO_SHARD_ROWS,
      SUM_GROUP_SHARDS,
      this.segments,
      this.segmentCount,
      this.columnScratch(),
    );
  }

  /**
   * The same pieces from `shard()` on each micro-shard, added left to right (a float32 network on the scalar GEMM
   * backend, whose float32 products are summed in float64 before rounding: no whole-range identity there).
   */
  private segmentsShardByShard(
    input: NetworkArray,
    noise: Float64Array,
    batchSize: number,
    firstShard: number,
    losses: Float64Array,
  ): void {
    const end = microShardCount(batchSize);
    for (let i = 0; i < this.segmentCount; i++) {
      const { firstRow, rows, target } = this.segments[i]!;
      const first = firstShard + firstRow / MICRO_SHARD_ROWS;
      const last = Math.min(end, first + Math.ceil(rows / MICRO_SHARD_ROWS));
      for (let group = first; group < last; group += SUM_GROUP_SHARDS) {
        // the first group's micro-shards straight into the target, each later group's into its own sum first
        const sum = group === first ? target : this.groupScratch();
        for (let s = group; s < Math.min(last, group + SUM_GROUP_SHARDS); s++) {
          const out = s === group ? sum : this.shardScratch();
          losses[s] = this.shard(input, noise, batchSize, s, out);
          if (s !== group) addInto(sum, out);
        }
        if (sum !== target) addInto(target, sum);
      }
    }
  }

  private shardGradient: NetworkArray | undefined;

  private shardScratch(): NetworkArray {
    this.shardGradient ??= networkArray(this.model.dtype, this.size);
    return this.shardGradient;
  }

  private groupGradient: NetworkArray | undefined;

  private groupScratch(): NetworkArray {
    this.groupGradient ??= networkArray(this.model.dtype, this.size);
    return this.groupGradient;
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
 * The one summation every evaluator uses, on every micro-shard's own gradient: each sum group's gradient is its
 * micro-shards' added left to right, `gradient` (overwritten) the groups' added left to right; returns
 * `losses[0] + losses[1] + …` (left to right). A reference (it allocates a group vector when there are several groups).
 */
export function sumMicroShards(
  partials: readonly NetworkArray[],
  losses: Float64Array,
  count: number,
  gradient: NetworkArray,
): number {
  gradient.set(partials[0]!);
  let loss = losses[0]!;
  for (let s = 1; s < count; s++) loss += losses[s]!;
  for (let s = 1; s < Math.min(count, SUM_GROUP_SHARDS); s++) addInto(gradient, partials[s]!);
  if (count <= SUM_GROUP_SHARDS) return loss;
  const group = networkArray(gradient instanceof Float32Array ? 'float32' : 'float64', gradient.length);
  for (let g = SUM_GROUP_SHARDS; g < count; g += SUM_GROUP_SHARDS) {
    group.set(partials[g]!);
    for (let s = g + 1; s < Math.min(count, g + SUM_GROUP_SHARDS); s++) addInto(group, partials[s]!);
    addInto(gradient, group);
  }
  return loss;
}

/** `sum[i] += term[i]`, element by element. */
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
  /** Per-micro-shard loss terms (the sum is what is returned), sized on first use and when a larger minibatch comes. */
  private losses = new Float64Array(0);

  /** For a network's compute weights (`network.model.parameters`: float32 for a float32 network). */
  constructor(architecture: ScoreNetworkArchitecture, parameters: NetworkArray) {
    this.shards = new MicroShardGradients(architecture, parameters);
  }

  /** The whole minibatch is the leading range of all its micro-shards (`MicroShardGradients.leadingRangeInto`). */
  lossAndGradient(input: NetworkArray, noise: Float64Array, batchSize: number, gradient: NetworkArray): number {
    const count = microShardCount(batchSize);
    if (this.losses.length < count) this.losses = new Float64Array(count);
    return this.shards.leadingRangeInto(input, noise, batchSize, count, gradient, this.losses);
  }
}
