/**
 * Standard normals by Marsaglia and Tsang's ziggurat with 1024 layers and an
 * exact tail (Marsaglia's method), built for an integer-only fast path that
 * makes two normals from one xorshift128+ transition.
 *
 * One transition gives 64 bits as two 32-bit words `(high, low)`; each word
 * gives one normal (normal `2t` of a block from the high word of transition
 * `t`, normal `2t + 1` from its low word). A word's top 11 bits select the
 * layer `i` (10 bits) and the sign (1 bit): `index = word >>> 21`. The rest is
 * the mantissa on a grid of `2^21` cells of layer `i`'s width `X[i]`:
 * - high word: `m = high & 0x1fffff`, all 21 bits;
 * - low word: `m = low & 0x1ffff8`, 18 bits: the three lowest bits of
 *   xorshift128+ are its weak ones and are never used.
 *
 * The fast path accepts at once when `m < A[i]` ({@link ACCEPT_FAST}, the largest
 * multiple of 8 with `A[i]/2^21 ≤ X[i+1]/X[i]`, so both words fail on the same
 * set) and returns the *midpoint* of the candidate's cell,
 * `±(m + 1/2)·X[i]·2^-21` (high) or `±(m + 4)·X[i]·2^-21` (low). Everything else
 * (0.43% of draws: wedges, the tail, the top cells of each layer) is a *slow
 * draw*: the hot loop records the word and finishes it after the loop with
 * {@link finishCandidate}, which completes the candidate's mantissa to 50 bits
 * with fresh bits from the block's auxiliary generator and runs the exact
 * ziggurat test on it (exact acceptance, the tail, the wedges, fresh
 * candidates after a rejection).
 *
 * **Precision.** A fast normal is a function of 32 (high word) or 29 (low word)
 * random bits. Within layer `i` its values lie on a lattice of spacing
 * `X[i]·2^-21 ≤ 2.04e-6` (high) or `X[i]·2^-18 ≤ 1.63e-5` (low) (`X[0] = 4.273`);
 * the slow draws (0.43%) are continuous to 50 bits. The drawn law therefore
 * differs from N(0, 1) only in that the fast part of each layer and sign
 * (probability `2^-11·A[i]/2^21`, uniform on `[0, A[i]·X[i]·2^-21)`) is put on
 * its cells' midpoints. At any `x` the distribution functions of a uniform law
 * and of its cell midpoints differ by at most half a cell's probability,
 * `2^-33` (high) or `2^-30` (low), and only the 1024 layers of `x`'s sign
 * contribute, so the Kolmogorov distance from N(0, 1) is at most
 * `2^-23 ≈ 1.2e-7` for normals from high words, `2^-20 ≈ 9.5e-7` from low words
 * (≤ 5.4e-7 for their even mix). A KS test would need about 10^12 draws to see
 * 10^-6. The two normals of a transition come from disjoint bits of the
 * 64-bit output and are independent as far as xorshift128+'s output bits are.
 *
 * 1024 rather than the classic 256 layers: the slow path costs tens of
 * nanoseconds in JS, and 1024 layers make it 3.5× rarer (0.43% against 1.49%)
 * for 24 KB of tables; fewer layers would buy mantissa bits (256 layers: 23 and
 * 20) at the price of more slow draws.
 *
 * The layer edges and squeeze bounds are literal doubles (`ziggurat-tables.ts`),
 * derived from first principles by `ziggurat-derivation.ts`; a test re-derives
 * them bit for bit. Nothing is solved at import, and no engine-defined `Math.*`
 * function touches them, so every JavaScript engine draws the same normals.
 * @packageDocumentation
 */
import { AUX, HAS_PENDING, PENDING } from './seeding.js';
import { advance, uniformFromWords } from './xorshift.js';
import { log } from '../math/portable.js';
import { zigguratDensity } from './ziggurat-derivation.js';
import { SQUEEZE_ABOVE_TABLE, SQUEEZE_BELOW_TABLE, ZIGGURAT_EDGE_TABLE } from './ziggurat-tables.js';

/** Number of ziggurat layers; hot loops hard-code the matching bit layout (`>>> 21`, `& 0x1fffff`, `& 0x1ffff8`). */
export const ZIGGURAT_LAYERS = 1024;
/** Mantissa of a low word: bits 3..20 (the three weakest bits of xorshift128+ dropped). */
export const LOW_MANTISSA_MASK = 0x1ffff8;

const TWO_POW_50 = 1125899906842624;
const TWO_POW_29 = 536870912;
const TWO_POW_21 = 2097152;

/** Layer edges `X[i]`, decreasing from `X[0]` (virtual) through `X[1] = r` to `X[L] = 0`. */
export const ZIGGURAT_EDGES: Float64Array = ZIGGURAT_EDGE_TABLE;
/** Right edge `r` of the base layer, where the tail starts. */
export const ZIGGURAT_TAIL_START = ZIGGURAT_EDGES[1]!;
/** `f(X[i])` for each edge. */
const EDGE_DENSITY = ZIGGURAT_EDGES.map(zigguratDensity);
/** Exact acceptance threshold on the 50-bit mantissa of layer `i`. */
const ACCEPT_MANTISSA = new Float64Array(ZIGGURAT_LAYERS);
/** Unsigned scale `X[i]·2^-50` of layer `i`. */
const LAYER_SCALE = new Float64Array(ZIGGURAT_LAYERS);
/**
 * Signed scale indexed by `index = (layer << 1) | sign`, for the hot loops'
 * `(m + 1/2)·SIGNED_SCALE[index]` (high word) and `(m + 4)·SIGNED_SCALE[index]` (low word): `±X[i]·2^-21`.
 */
export const SIGNED_SCALE = new Float64Array(2 * ZIGGURAT_LAYERS);
/**
 * Fast acceptance bound `A[i]` on the 21-bit mantissa grid, indexed by `index`:
 * `⌊ACCEPT_MANTISSA[i] / 2^29⌋` rounded down to a multiple of 8, so a high
 * word's `m < A[i]` and a low word's `(m & ~7) < A[i]` accept the same cells.
 */
export const ACCEPT_FAST = new Int32Array(2 * ZIGGURAT_LAYERS);

for (let i = 0; i < ZIGGURAT_LAYERS; i++) {
  ACCEPT_MANTISSA[i] = Math.floor((TWO_POW_50 * ZIGGURAT_EDGES[i + 1]!) / ZIGGURAT_EDGES[i]!);
  LAYER_SCALE[i] = ZIGGURAT_EDGES[i]! / TWO_POW_50;
  for (let sign = 0; sign < 2; sign++) {
    const scale = ZIGGURAT_EDGES[i]! / TWO_POW_21;
    SIGNED_SCALE[(i << 1) | sign] = sign === 1 ? -scale : scale;
    ACCEPT_FAST[(i << 1) | sign] = Math.floor(ACCEPT_MANTISSA[i]! / TWO_POW_29) & ~7;
  }
}

/**
 * Squeeze for the wedge test of layer `i ≥ 1`, so that `exp` is rarely
 * needed. In the layer's rectangle `x ∈ [X[i+1], X[i]]`, heights
 * `f(X[i]) + u·(f(X[i+1]) − f(X[i]))`, the curve is `u = g(x)` and the chord
 * through its ends is `u = (X[i] − x)/(X[i] − X[i+1])`. `g` is above the chord
 * where `f` is concave (`x < 1`) and below it where `f` is convex (`x > 1`):
 * `SQUEEZE_BELOW[i]` and `SQUEEZE_ABOVE[i]` bound how far, so a height below
 * `chord − SQUEEZE_BELOW` is accepted and one at or above
 * `chord + SQUEEZE_ABOVE` rejected without evaluating `f`; only the band
 * between them needs the exact test.
 */
export const CHORD_SLOPE = new Float64Array(ZIGGURAT_LAYERS);
export const SQUEEZE_BELOW: Float64Array = SQUEEZE_BELOW_TABLE;
export const SQUEEZE_ABOVE: Float64Array = SQUEEZE_ABOVE_TABLE;

for (let i = 1; i < ZIGGURAT_LAYERS; i++) CHORD_SLOPE[i] = 1 / (ZIGGURAT_EDGES[i]! - ZIGGURAT_EDGES[i + 1]!);

const lowWord = new Int32Array(1);

/** A uniform in `(0, 1]` (never 0, so its logarithm is finite) from the auxiliary generator. */
function auxiliaryOpenUniform(state: Int32Array): number {
  const high = advance(state, AUX, lowWord);
  return 1 - uniformFromWords(high, lowWord[0]!);
}

/** Marsaglia's exact sampler of `|Z|` conditioned on `|Z| > r`. */
function sampleTail(state: Int32Array): number {
  const r = ZIGGURAT_TAIL_START;
  for (;;) {
    const a = -log(auxiliaryOpenUniform(state)) / r;
    const b = -log(auxiliaryOpenUniform(state));
    if (b + b >= a * a) return r + a;
  }
}

/**
 * The next 32-bit word of the block state's main stream (read `state[HAS_PENDING]`
 * first to know which half it is): the low word waiting in `state[PENDING]` if
 * there is one, else the high word of a fresh transition, whose low word is
 * then left pending.
 */
export function nextWord(state: Int32Array): number {
  if (state[HAS_PENDING] === 1) {
    state[HAS_PENDING] = 0;
    return state[PENDING]!;
  }
  const word = advance(state, 0, lowWord);
  state[PENDING] = lowWord[0]!;
  state[HAS_PENDING] = 1;
  return word;
}

/**
 * The next standard normal of the block state `state` (cold-path form; hot
 * loops inline the fast path): the low word waiting in `state[PENDING]` if
 * there is one, else the high word of a fresh main transition, whose low word
 * is then left pending.
 */
export function nextNormal(state: Int32Array): number {
  const lowHalf = state[HAS_PENDING] === 1;
  const word = nextWord(state);
  const index = word >>> 21;
  // The cell's midpoint: m + 1/2 on the 21-bit grid, m + 4 on the low word's 18-bit one (m a multiple of 8 there).
  const cell = lowHalf ? (word & LOW_MANTISSA_MASK) + 4 : (word & 0x1fffff) + 0.5;
  // cell < A ⟺ the candidate's cell lies below A (A a multiple of 8).
  if (cell < ACCEPT_FAST[index]!) return cell * SIGNED_SCALE[index]!;
  return finishCandidate(state, word, lowHalf);
}

/**
 * Finishes a main-stream candidate that failed the fast test, given its 32-bit
 * `word` (`lowHalf`: a low word, whose three weak mantissa bits were never
 * looked at), with randomness from the auxiliary generator only.
 *
 * The first auxiliary transition supplies the candidate's missing bits (the
 * three a low word dropped, from its high word, and 29 more from its low
 * word), giving a candidate uniform on its 50-bit cell: exactly as if the fast
 * test had been run on a 50-bit candidate from the start, since the fast
 * bound `A[i]` is a multiple of 8 below the exact one. Then the exact
 * ziggurat: accept below the exact bound; in the base layer, Marsaglia's tail;
 * otherwise a height from the next transition and the wedge test (squeezed,
 * see {@link SQUEEZE_ABOVE}); after a rejection, a fresh candidate from the
 * next transition (layer and sign from its high word's top 11 bits, 21
 * mantissa bits below them, 29 from its low word).
 *
 * One transition per loop pass, written out on local variables: this runs for
 * 0.43% of all normals, and as calls on the state array it cost 54 ns a draw,
 * 8% of the OU step.
 */
export function finishCandidate(state: Int32Array, word: number, lowHalf: boolean): number {
  let s01 = state[AUX]!, s00 = state[AUX + 1]!, s11 = state[AUX + 2]!, s10 = state[AUX + 3]!;
  let index = word >>> 21;
  let leading = lowHalf ? word & LOW_MANTISSA_MASK : word & 0x1fffff; // the leading 21 of 50 mantissa bits
  let fill = lowHalf ? 7 : 0; // which of them the next high word supplies
  let fresh = false; // the next transition is a whole new candidate
  let wedge = false; // the next transition is the height of the wedge test
  let layer = 0, x = 0;
  for (;;) {
    const low = (s00 + s10) | 0;
    const high = (s01 + s11 + +(low >>> 0 < s00 >>> 0)) | 0;
    const x0 = s00 ^ (s00 << 23);
    const x1 = s01 ^ ((s01 << 23) | (s00 >>> 9));
    s01 = s11; s00 = s10;
    s11 = x1 ^ s11 ^ (x1 >>> 18) ^ (s11 >>> 5);
    s10 = x0 ^ s10 ^ ((x0 >>> 18) | (x1 << 14)) ^ ((s10 >>> 5) | (s01 << 27));
    if (wedge) {
      const u = uniformFromWords(high, low);
      const chord = (ZIGGURAT_EDGES[layer]! - x) * CHORD_SLOPE[layer]!;
      if (u < chord - SQUEEZE_BELOW[layer]!) break;
      if (u < chord + SQUEEZE_ABOVE[layer]!) {
        const bottom = EDGE_DENSITY[layer]!;
        if (bottom + u * (EDGE_DENSITY[layer + 1]! - bottom) < zigguratDensity(x)) break;
      }
      wedge = false;
      fresh = true;
      continue;
    }
    if (fresh) { index = high >>> 21; leading = high & 0x1fffff; fill = 0; }
    layer = index >>> 1;
    const mantissa = (leading | (high & fill)) * TWO_POW_29 + (low >>> 3);
    x = mantissa * LAYER_SCALE[layer]!;
    if (mantissa < ACCEPT_MANTISSA[layer]!) break;
    if (layer === 0) {
      state[AUX] = s01; state[AUX + 1] = s00; state[AUX + 2] = s11; state[AUX + 3] = s10;
      const tail = sampleTail(state);
      return (index & 1) === 1 ? -tail : tail;
    }
    wedge = true;
  }
  state[AUX] = s01; state[AUX + 1] = s00; state[AUX + 2] = s11; state[AUX + 3] = s10;
  return (index & 1) === 1 ? -x : x;
}
