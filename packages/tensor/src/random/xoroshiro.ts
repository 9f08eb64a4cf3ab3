/**
 * The xoroshiro128+ generator of pure-rand, in the state layout pure-rand uses
 * (`[s01, s00, s11, s10]`: high and low words of `s0`, then of `s1`), stepped on
 * an `Int32Array` for the cold paths. Hot loops inline the same transition on
 * local variables (see `fill.ts`, `kernels/affine.ts`); tests check both bit
 * for bit against pure-rand's `xoroshiro128plusFromState(state).next()`.
 *
 * pure-rand's `next()` returns only the low word `s00 + s10 | 0` of the 64-bit
 * sum `s0 + s1`. We also take the high word (with the carry out of the low
 * word) from the same transition, so one transition yields 64 bits, and the
 * ziggurat makes two normals of them, one per 32-bit word (see `ziggurat.ts`).
 * The lowest bits of xoroshiro128+ are its weak ones (bit `k` of the sum is a
 * polynomial of degree `k + 1` in the state bits, so the lowest few have low
 * linear complexity): every word's layer and sign come from its top bits, and
 * the low word's three lowest bits are never used.
 * @packageDocumentation
 */

/** `2^-53`: scales a 53-bit integer to a double in `[0, 1)`. */
export const TWO_POW_MINUS_53 = 1.1102230246251565e-16;

/**
 * Steps the generator whose words are `state[at .. at+4)`. Returns the high
 * word of the 64-bit output `s0 + s1` and leaves the low word (pure-rand's
 * `next()` value) in `low[0]`.
 */
export function advance(state: Int32Array, at: number, low: Int32Array): number {
  const s01 = state[at]!;
  const s00 = state[at + 1]!;
  const s11 = state[at + 2]!;
  const s10 = state[at + 3]!;
  const sumLow = (s00 + s10) | 0;
  low[0] = sumLow;
  const a0 = s10 ^ s00;
  const a1 = s11 ^ s01;
  state[at + 1] = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
  state[at] = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
  state[at + 3] = (a1 << 5) ^ (a0 >>> 27);
  state[at + 2] = (a0 << 5) ^ (a1 >>> 27);
  // The low word wrapped iff it is (unsigned) smaller than an addend: that is the carry.
  return (s01 + s11 + +(sumLow >>> 0 < s00 >>> 0)) | 0;
}

/** The top 53 of the 64 output bits `(high, low)` as a double in `[0, 1)`. */
export function uniformFromWords(high: number, low: number): number {
  return ((high >>> 5) * 67108864 + (low >>> 6)) * TWO_POW_MINUS_53;
}
