/**
 * Aligned views for the fused kernels: a hot loop that walks several arrays
 * with one index needs them to start at the same element, so the array whose
 * block starts later is viewed from the offset difference on.
 * @packageDocumentation
 */
import type { FloatArray } from '../tensor.js';

/** The last view made of each array by {@link shiftedView}. */
const shiftedViews = new WeakMap<FloatArray, { shift: number; view: FloatArray }>();

/**
 * `data` seen from element `shift` on (same buffer, same dtype). Cached per
 * array, so the steps of a sampler, which pass the same arrays every time,
 * allocate a view once, not once per step.
 */
export function shiftedView(data: FloatArray, shift: number): FloatArray {
  const cached = shiftedViews.get(data);
  if (cached !== undefined && cached.shift === shift) return cached.view;
  const byteOffset = data.byteOffset + shift * data.BYTES_PER_ELEMENT;
  const view =
    data instanceof Float64Array
      ? new Float64Array(data.buffer, byteOffset, data.length - shift)
      : new Float32Array(data.buffer, byteOffset, data.length - shift);
  shiftedViews.set(data, { shift, view });
  return view;
}
