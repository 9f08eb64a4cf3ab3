/**
 * SiLU activation kernels, `silu(z) = z·σ(z)`, in place over flat arrays. They use the
 * package's `fastExp` (within ~2 ulp of `Math.exp`, about 1.6× faster): one exp per hidden
 * unit per row is a visible share of a forward pass.
 * @packageDocumentation
 */
import { fastExp } from '../analytic/fast-exp.js';

/** `h[i] = silu(z[i])` for i < count; `h` may be `z`. */
export function siluForward(z: Float64Array, h: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const zi = z[i]!;
    h[i] = zi / (1 + fastExp(-zi));
  }
}

/** `g[i] *= silu'(z[i])` where `silu'(z) = σ(z)·(1 + z·(1 − σ(z)))`: turns ∂L/∂h into ∂L/∂z. */
export function siluBackward(z: Float64Array, g: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const zi = z[i]!;
    const sigmoid = 1 / (1 + fastExp(-zi));
    g[i] = g[i]! * sigmoid * (1 + zi * (1 - sigmoid));
  }
}
