/**
 * SiLU activation kernels, `silu(z) = z·σ(z)`, in place over row-major blocks of either dtype: the
 * scalar reference (and fallback) of the WebAssembly ones (`wasm/activation-module.ts`), which
 * compute the same operations in the same order, so both give the same bits. The exponential is
 * `kernelExp` (deterministic, no `Math.exp`); the arithmetic is in double and a float32 array
 * rounds once on store.
 * @packageDocumentation
 */
import { kernelExp } from '../math/kernel-exp.js';
import type { FloatArray } from '../tensor.js';

/**
 * For a `rows × width` row-major block: `z = pre + bias` (bias from `bias[biasOffset]`), stored back
 * into `pre`, `post = silu(z)` and, when given, `sigmoid = σ(z)`, in one pass while the row is in cache.
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

/** `g[i] *= silu'(z[i]) = σ·(1 + z·(1 − σ))` from stored `σ(z)`: turns ∂L/∂h into ∂L/∂z. */
export function siluBackwardFromSigmoid(z: FloatArray, sigmoid: FloatArray, g: FloatArray, count: number): void {
  for (let i = 0; i < count; i++) {
    const zi = z[i]!;
    const s = sigmoid[i]!;
    g[i] = g[i]! * s * (1 + zi * (1 - s));
  }
}
