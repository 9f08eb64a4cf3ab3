// Deterministic test batches for the kernel tests.
import { batch, type Batch, type DType } from '@sgmkit/tensor';

/** A new `n × d` batch whose flat element `k` is `f(k)`. */
export function filled(n: number, d: number, dtype: DType, f: (k: number) => number): Batch {
  const t = batch(n, d, dtype);
  for (let k = 0; k < n * d; k++) t.data[k] = f(k);
  return t;
}
