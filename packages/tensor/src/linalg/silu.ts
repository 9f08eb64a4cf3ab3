/**
 * SiLU activation kernels, `silu(z) = z·σ(z)`, in place over row-major blocks of either dtype: the
 * scalar reference (and fallback) of the WebAssembly ones (`wasm/activation-module.ts`), which
 * compute the same operations in the same order, so both give the same bits. The exponential is
 * `kernelExp` (deterministic, no `Math.exp`) and the arithmetic double, except for float32 outputs:
 * there the bias is rounded to float32 and every operation is a float32 one (`kernelExpF32`), as
 * a float32 network's layers compute in float32 (and the f32x4 kernel does four at a time).
 * @packageDocumentation
 */
import { kernelExp, kernelExpF32 } from '../math/kernel-exp.js';
import type { FloatArray } from '../tensor.js';

/**
 * For a `rows × width` row-major block: `z = pre + bias` (bias from `bias[biasOffset]`), stored back
 * into `pre`, `post = silu(z)` and, when given, `sigmoid = σ(z)`, in one pass while the row is in cache.
 * A float32 `post` takes the float32 arithmetic (`biasSiluRowsF32`).
 */
export function biasSiluRows(
  pre: FloatArray,
  post: FloatArray,
  sigmoid: FloatArray | undefined,
  rows: number,
  width: number,
  bias: FloatArray,
  biasOffset: number,
): void {
  if (post instanceof Float32Array) {
    biasSiluRowsF32(pre, post, sigmoid, rows, width, bias, biasOffset);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const row = r * width;
    for (let j = 0; j < width; j++) {
      const z = pre[row + j]! + bias[biasOffset + j]!;
      const denominator = 1 + kernelExp(-z);
      pre[row + j] = z;
      post[row + j] = z / denominator;
      if (sigmoid) sigmoid[row + j] = 1 / denominator;
    }
  }
}

/**
 * `biasSiluRows` in float32 arithmetic: `z = pre + fl32(bias)`, `d = 1 + e^{−z}`, `post = z/d`, `σ = 1/d`, each
 * operation rounded to float32 (`pre` holds float32 values: a float32 array, or float32 values in a float64 one).
 */
function biasSiluRowsF32(
  pre: FloatArray,
  post: Float32Array,
  sigmoid: FloatArray | undefined,
  rows: number,
  width: number,
  bias: FloatArray,
  biasOffset: number,
): void {
  const f = Math.fround;
  for (let r = 0; r < rows; r++) {
    const row = r * width;
    for (let j = 0; j < width; j++) {
      const z = f(f(pre[row + j]!) + f(bias[biasOffset + j]!));
      const denominator = f(1 + kernelExpF32(-z));
      pre[row + j] = z;
      post[row + j] = f(z / denominator);
      if (sigmoid) sigmoid[row + j] = f(1 / denominator);
    }
  }
}

/** `g[i] *= silu'(z[i]) = σ·(1 + z·(1 − σ))` from stored `σ(z)`: turns ∂L/∂h into ∂L/∂z. */
export function siluBackwardFromSigmoid(z: FloatArray, sigmoid: FloatArray, g: FloatArray, count: number): void {
  for (let i = 0; i < count; i++) {
    const zi = z[i]!;
    const s = sigmoid[i]!;
    g[i] = g[i]! * s * (1 + zi * (1 - s));
  }
}
