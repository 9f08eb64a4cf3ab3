/**
 * Cached typed-array ranges for the WebAssembly drivers (GEMM, mixture kernels), which stage data into and out of
 * a module's memory with `TypedArray.set` and so need `subarray` views of the caller's arrays every call.
 * @packageDocumentation
 */
import type { FloatArray } from '../../tensor.js';

/**
 * `array.subarray(start, start + length)`, made once per (array, start, length) and kept while the array lives:
 * the block copies ask for the same few ranges every step, so steady-state training and sampling allocate nothing.
 * A module view is replaced when the memory grows, so its ranges are made afresh for the new view. At most
 * `MAX_CACHED_RANGES` starts per array (a caller walking through many offsets of one array starts the cache afresh).
 */
const MAX_CACHED_RANGES = 64;

const subarrays = new WeakMap<FloatArray, Map<number, Map<number, FloatArray>>>();

export function cachedSubarray(array: FloatArray, start: number, length: number): FloatArray {
  let starts = subarrays.get(array);
  if (!starts) subarrays.set(array, (starts = new Map()));
  // keyed by start, then length: small-integer keys, so a lookup allocates nothing
  let lengths = starts.get(start);
  if (!lengths) {
    if (starts.size >= MAX_CACHED_RANGES) starts.clear();
    starts.set(start, (lengths = new Map()));
  }
  let range = lengths.get(length);
  if (!range) lengths.set(length, (range = array.subarray(start, start + length)));
  return range;
}
