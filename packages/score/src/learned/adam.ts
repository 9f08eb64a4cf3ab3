/**
 * Adam (Kingma & Ba 2015) and an exponential moving average of the weights, in place over
 * flat parameter vectors. Moments and the master weights are float64 for either network dtype;
 * a float32 network's gradient is read as float32 and its compute weights are rewritten as the
 * float32 rounding of the master weights in the same pass.
 * @packageDocumentation
 */
import { FusedAdam, gemmBackend, integerPower, type FloatArray } from '@sgmkit/tensor';
import { networkArray, type NetworkArray } from './mlp-kernels.js';
import type { NetworkDType } from './architecture.js';

/** Adam hyper-parameters. */
export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** First and second moment estimates, one entry per parameter. */
export interface AdamState {
  readonly firstMoment: Float64Array;
  readonly secondMoment: Float64Array;
  /** Number of updates applied so far (for the bias correction). */
  step: number;
}

export function createAdamState(size: number): AdamState {
  return { firstMoment: new Float64Array(size), secondMoment: new Float64Array(size), step: 0 };
}

/**
 * One Adam update `θ ← θ − lr·m̂/(√v̂ + ε)` with bias-corrected moments; when `computeWeights`
 * is a separate (float32) array it receives the rounded new θ.
 */
export function adamUpdate(
  parameters: Float64Array,
  gradient: FloatArray,
  state: AdamState,
  options: AdamOptions,
  computeWeights?: Float32Array,
): void {
  const { learningRate, beta1, beta2, epsilon } = options;
  state.step += 1;
  const firstCorrection = 1 / (1 - integerPower(beta1, state.step));
  const secondCorrection = 1 / (1 - integerPower(beta2, state.step));
  const m = state.firstMoment;
  const v = state.secondMoment;
  for (let i = 0; i < parameters.length; i++) {
    const g = gradient[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    parameters[i] =
      parameters[i]! - (learningRate * mi * firstCorrection) / (Math.sqrt(vi * secondCorrection) + epsilon);
  }
  if (computeWeights) roundInto(parameters, computeWeights);
}

/** `out[i] = fround(values[i])`. */
export function roundInto(values: Float64Array, out: Float32Array): void {
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
}

/** `average ← decay·average + (1 − decay)·θ`. */
export function emaUpdate(average: Float64Array, parameters: Float64Array, decay: number): void {
  for (let i = 0; i < average.length; i++) average[i] = decay * average[i]! + (1 - decay) * parameters[i]!;
}

/**
 * The optimiser of one training run: Adam on the master weights plus, when asked, the EMA of the
 * weights. On the wasm GEMM backend the state lives in WebAssembly memory and each step is one
 * fused SIMD pass (`FusedAdam`); otherwise the scalar loops above. Both give the same bits.
 */
export interface AdamRun {
  /** Where each step's gradient is to be written (the network's dtype). */
  readonly gradient: NetworkArray;
  /** The EMA of the weights, when kept (an array of its own, current after every step). */
  readonly average: Float64Array | undefined;
  /**
   * One update of `parameters` (the network's master weights) from `gradient`, then of the EMA with
   * `decay`; a float32 network's `computeWeights` receive the rounded weights.
   */
  step(parameters: Float64Array, options: AdamOptions, decay: number, computeWeights: Float32Array | undefined): void;
  /** The optimiser's state after the last step (copies), for a checkpoint. */
  save(): AdamSnapshot;
  /** Continues from `snapshot`; `parameters` are the master weights saved with it (already in the network). */
  restore(snapshot: AdamSnapshot, parameters: Float64Array): void;
}

/** What a checkpoint keeps of the optimiser: the step count, both moments and the EMA of the weights. */
export interface AdamSnapshot {
  readonly steps: number;
  readonly firstMoment: Float64Array;
  readonly secondMoment: Float64Array;
  readonly average?: Float64Array;
}

/** Adam for `parameters` (their current values start the EMA, when kept). */
export function createAdamRun(parameters: Float64Array, dtype: NetworkDType, keepAverage: boolean): AdamRun {
  return gemmBackend() === 'wasm'
    ? new FusedAdamRun(parameters, dtype, keepAverage)
    : new ScalarAdamRun(parameters, dtype, keepAverage);
}

class ScalarAdamRun implements AdamRun {
  readonly gradient: NetworkArray;
  readonly average: Float64Array | undefined;
  private readonly state: AdamState;

  constructor(parameters: Float64Array, dtype: NetworkDType, keepAverage: boolean) {
    this.gradient = networkArray(dtype, parameters.length);
    this.average = keepAverage ? Float64Array.from(parameters) : undefined;
    this.state = createAdamState(parameters.length);
  }

  step(parameters: Float64Array, options: AdamOptions, decay: number, computeWeights: Float32Array | undefined): void {
    adamUpdate(parameters, this.gradient, this.state, options, computeWeights);
    if (this.average) emaUpdate(this.average, parameters, decay);
  }

  save(): AdamSnapshot {
    const { firstMoment, secondMoment, step } = this.state;
    return {
      steps: step,
      firstMoment: firstMoment.slice(),
      secondMoment: secondMoment.slice(),
      ...(this.average ? { average: this.average.slice() } : {}),
    };
  }

  restore(snapshot: AdamSnapshot, _parameters: Float64Array): void {
    this.state.step = snapshot.steps;
    this.state.firstMoment.set(snapshot.firstMoment);
    this.state.secondMoment.set(snapshot.secondMoment);
    if (this.average) this.average.set(snapshot.average!);
  }
}

class FusedAdamRun implements AdamRun {
  readonly gradient: NetworkArray;
  readonly average: Float64Array | undefined;
  private readonly fused: FusedAdam;
  private steps = 0;
  private readonly update = {
    learningRate: 0,
    beta1: 0,
    beta2: 0,
    epsilon: 0,
    firstCorrection: 0,
    secondCorrection: 0,
    decay: 0,
  };

  constructor(parameters: Float64Array, dtype: NetworkDType, keepAverage: boolean) {
    this.fused = new FusedAdam(parameters.length, dtype, keepAverage);
    this.fused.parameters.set(parameters);
    this.fused.average?.set(parameters);
    this.gradient = this.fused.gradient;
    // Its own array (the result's EMA network keeps it), refreshed from wasm memory after every step.
    this.average = keepAverage ? Float64Array.from(parameters) : undefined;
  }

  step(parameters: Float64Array, options: AdamOptions, decay: number, computeWeights: Float32Array | undefined): void {
    this.steps += 1;
    const u = this.update;
    u.learningRate = options.learningRate;
    u.beta1 = options.beta1;
    u.beta2 = options.beta2;
    u.epsilon = options.epsilon;
    // The same bias corrections as adamUpdate's.
    u.firstCorrection = 1 / (1 - integerPower(options.beta1, this.steps));
    u.secondCorrection = 1 / (1 - integerPower(options.beta2, this.steps));
    u.decay = decay;
    this.fused.update(u);
    parameters.set(this.fused.parameters);
    if (computeWeights) computeWeights.set(this.fused.weights32!);
    if (this.average) this.average.set(this.fused.average!);
  }

  save(): AdamSnapshot {
    const { firstMoment, secondMoment } = this.fused;
    return {
      steps: this.steps,
      firstMoment: firstMoment.slice(),
      secondMoment: secondMoment.slice(),
      ...(this.average ? { average: this.average.slice() } : {}),
    };
  }

  restore(snapshot: AdamSnapshot, parameters: Float64Array): void {
    this.steps = snapshot.steps;
    this.fused.parameters.set(parameters);
    this.fused.firstMoment.set(snapshot.firstMoment);
    this.fused.secondMoment.set(snapshot.secondMoment);
    if (this.fused.weights32) this.fused.weights32.set(parameters);
    if (this.average) {
      this.average.set(snapshot.average!);
      this.fused.average!.set(snapshot.average!);
    }
  }
}
