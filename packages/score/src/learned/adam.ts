/**
 * Adam (Kingma & Ba 2015) and an exponential moving average of the weights, in place over
 * flat parameter vectors. Moments and the master weights are float64 for either network dtype;
 * a float32 network's gradient is read as float32 and its compute weights are rewritten as the
 * float32 rounding of the master weights in the same pass.
 * @packageDocumentation
 */
import type { FloatArray } from '@sgmkit/tensor';

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
  parameters: Float64Array, gradient: FloatArray, state: AdamState, options: AdamOptions, computeWeights?: Float32Array,
): void {
  const { learningRate, beta1, beta2, epsilon } = options;
  state.step += 1;
  const firstCorrection = 1 / (1 - Math.pow(beta1, state.step));
  const secondCorrection = 1 / (1 - Math.pow(beta2, state.step));
  const m = state.firstMoment;
  const v = state.secondMoment;
  for (let i = 0; i < parameters.length; i++) {
    const g = gradient[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    parameters[i] = parameters[i]! - (learningRate * mi * firstCorrection) / (Math.sqrt(vi * secondCorrection) + epsilon);
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
