/**
 * SiLU activation kernels, `silu(z) = z·σ(z)`, in place over flat arrays.
 * @packageDocumentation
 */

/** `h[i] = silu(z[i])` for i < count; `h` may be `z`. */
export function siluForward(z: Float64Array, h: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const zi = z[i]!;
    h[i] = zi / (1 + Math.exp(-zi));
  }
}

/** `g[i] *= silu'(z[i])` where `silu'(z) = σ(z)·(1 + z·(1 − σ(z)))`: turns ∂L/∂h into ∂L/∂z. */
export function siluBackward(z: Float64Array, g: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const zi = z[i]!;
    const sigmoid = 1 / (1 + Math.exp(-zi));
    g[i] = g[i]! * sigmoid * (1 + zi * (1 - sigmoid));
  }
}
