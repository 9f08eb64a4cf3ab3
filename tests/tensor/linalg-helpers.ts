// Deterministic test matrices (mulberry32), independent of the library's own RNG.
import { get2, type Tensor } from '@sgmkit/tensor';

export function uniformSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (((z ^ (z >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export function randomMatrix(
  rows: number,
  cols: number,
  seed: number,
  dtype: 'float64' | 'float32' = 'float64',
): Tensor {
  const next = uniformSource(seed);
  const data = dtype === 'float64' ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = next();
  return { data, shape: [rows, cols], stride: [cols, 1], offset: 0 };
}

/** Random SPD matrix B Bᵀ + d·I with exact symmetry. */
export function randomSpd(d: number, seed: number): Tensor<Float64Array> {
  const b = randomMatrix(d, d, seed);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = i === j ? d : 0;
      for (let k = 0; k < d; k++) s += b.data[i * d + k]! * b.data[j * d + k]!;
      out[i * d + j] = out[j * d + i] = s;
    }
  }
  return { data: out, shape: [d, d], stride: [d, 1], offset: 0 };
}

/**
 * Naive triple loop in double, plus the magnitude |α|Σ|a||b| + |β||c| that bounds rounding error:
 * recursive summation of k products, then α and β·C, errs by at most (k+2)·u·magnitude (u the unit
 * roundoff of the working precision).
 */
export function naiveGemm(ta: boolean, tb: boolean, alpha: number, a: Tensor, b: Tensor, beta: number, c: Tensor) {
  const m = c.shape[0]!,
    n = c.shape[1]!,
    k = ta ? a.shape[0]! : a.shape[1]!;
  const value = new Float64Array(m * n),
    magnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0,
        mag = 0;
      for (let p = 0; p < k; p++) {
        const prod = (ta ? get2(a, p, i) : get2(a, i, p)) * (tb ? get2(b, j, p) : get2(b, p, j));
        s += prod;
        mag += Math.abs(prod);
      }
      const cij = beta === 0 ? 0 : get2(c, i, j);
      value[i * n + j] = alpha * s + beta * cij;
      magnitude[i * n + j] = Math.abs(alpha) * mag + Math.abs(beta * cij);
    }
  return { value, magnitude, k };
}
