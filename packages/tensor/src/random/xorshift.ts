/**
 * The xorshift128+ generator of pure-rand (Vigna's shifts 23, 18, 5, the
 * generator behind V8's `Math.random`), in the state layout pure-rand uses
 * (`[s01, s00, s11, s10]`: high and low words of `s0`, then of `s1`), stepped
 * on an `Int32Array` for the cold paths. The hot loop inlines the same
 * transition on local variables (see `fill.ts`); tests check both bit for bit
 * against pure-rand's `xorshift128plusFromState(state).next()`.
 *
 * Why xorshift128+ rather than pure-rand's xoroshiro128+: both are F2-linear
 * generators of period 2^128 − 1 with the same `+` output scrambler, but in
 * 32-bit halves (JavaScript has no 64-bit integer arithmetic worth using in a
 * loop) xorshift128+'s three shifts cost 21 integer operations per transition
 * against 27 for xoroshiro128+'s two 64-bit rotations and shift, and need fewer
 * temporaries: the OU step is 8% faster with it (5.58 → 5.11 ms, docs/benchmarks.md).
 * What is given up: Vigna prefers xoroshiro128+ for general use. Both fail
 * only linearity tests (binary rank, linear complexity) confined to their
 * lowest output bits, which here are at most the least significant bits of a
 * mantissa; and every block of rows starts from a freshly hashed state and
 * draws about 256 transitions from it (more only when one row holds more
 * than 512 normals; see `seeding.ts`).
 *
 * pure-rand's `next()` returns only the low word `s00 + s10 | 0` of the 64-bit
 * sum `s0 + s1` of the state before the step. We also take the high word (with
 * the carry out of the low word) from the same transition, so one transition
 * yields 64 bits, and the ziggurat makes two normals of them, one per 32-bit
 * word (see `ziggurat.ts`). Bit `k` of the sum depends only on bits `0..k` of
 * `s0` and `s1`, each an F2-linear sequence, so the lowest few bits of the low
 * word are weak: every word's layer and sign come from its top bits, and the
 * low word's three lowest bits are never used.
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
  // x = s0 ^ (s0 << 23), as two words.
  const x0 = s00 ^ (s00 << 23);
  const x1 = s01 ^ ((s01 << 23) | (s00 >>> 9));
  state[at] = s11;
  state[at + 1] = s10;
  // s1' = x ^ s1 ^ (x >>> 18) ^ (s1 >>> 5), as two words.
  state[at + 2] = x1 ^ s11 ^ (x1 >>> 18) ^ (s11 >>> 5);
  state[at + 3] = x0 ^ s10 ^ ((x0 >>> 18) | (x1 << 14)) ^ ((s10 >>> 5) | (s11 << 27));
  // The low word wrapped iff it is (unsigned) smaller than an addend: that is the carry.
  return (s01 + s11 + +(sumLow >>> 0 < s00 >>> 0)) | 0;
}

/** The top 53 of the 64 output bits `(high, low)` as a double in `[0, 1)`. */
export function uniformFromWords(high: number, low: number): number {
  return ((high >>> 5) * 67108864 + (low >>> 6)) * TWO_POW_MINUS_53;
}
