/**
 * Standard normals by Marsaglia and Tsang's ziggurat with 1024 layers and an
 * exact tail (Marsaglia's method), built for an integer-only fast path that
 * makes two normals from one xoroshiro128+ transition.
 *
 * One transition gives 64 bits as two 32-bit words `(high, low)`; each word
 * gives one normal (normal `2t` of a block from the high word of transition
 * `t`, normal `2t + 1` from its low word). A word's top 11 bits select the
 * layer `i` (10 bits) and the sign (1 bit): `index = word >>> 21`. The rest is
 * the mantissa on a grid of `2^21` cells of layer `i`'s width `X[i]`:
 * - high word: `m = high & 0x1fffff`, all 21 bits;
 * - low word: `m = low & 0x1ffff8`, 18 bits: the three lowest bits of
 *   xoroshiro128+ are its weak ones and are never used.
 *
 * The fast path accepts at once when `m < A[i]` ({@link ACCEPT_FAST}, the largest
 * multiple of 8 with `A[i]/2^21 ≤ X[i+1]/X[i]`, so both words fail on the same
 * set) and returns the *midpoint* of the candidate's cell,
 * `±(m + 1/2)·X[i]·2^-21` (high) or `±(m + 4)·X[i]·2^-21` (low). Everything else
 * (0.43% of draws: wedges, the tail, the top cells of each layer) goes to
 * {@link slowNormal}, which completes the draw exactly, with 50-bit mantissas,
 * from the block's auxiliary generator, after the loop.
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
 * 64-bit output and are independent as far as xoroshiro128+'s output bits are.
 *
 * 1024 rather than the classic 256 layers: the slow path costs tens of
 * nanoseconds in JS, and 1024 layers make it 3.5× rarer (0.43% against 1.49%)
 * for 24 KB of tables; fewer layers would buy mantissa bits (256 layers: 23 and
 * 20) at the price of more slow draws.
 *
 * Tables are computed here in double precision from first principles: the
 * right edge `r` of the base layer is found by bisection so that the layers,
 * all of area `v(r) = r·f(r) + ∫_r^∞ f`, exactly tile `f(x) = exp(−x²/2)`.
 * @packageDocumentation
 */
import { AUX, HAS_PENDING, PENDING } from './seeding.js';
import { erfc } from './special.js';
import { advance, uniformFromWords } from './xoroshiro.js';

/** Number of ziggurat layers; hot loops hard-code the matching bit layout (`>>> 21`, `& 0x1fffff`, `& 0x1ffff8`). */
export const ZIGGURAT_LAYERS = 1024;
/** Mantissa of a low word: bits 3..20 (the three weakest bits of xoroshiro128+ dropped). */
export const LOW_MANTISSA_MASK = 0x1ffff8;

const TWO_POW_50 = 1125899906842624;
const TWO_POW_29 = 536870912;
const TWO_POW_21 = 2097152;
const SQRT_HALF_PI = 1.2533141373155003;

function density(x: number): number {
  return Math.exp(-0.5 * x * x);
}

/** Area of each layer when the base layer's right edge is `r`: the base rectangle plus the tail. */
function layerArea(r: number): number {
  return r * density(r) + SQRT_HALF_PI * erfc(r / Math.SQRT2);
}

/**
 * Layer edges `X[0..L]` for right edge `r`: `X[0] = v/f(r)` (the base layer's
 * virtual width), `X[1] = r`, `f(X[i+1]) = f(X[i]) + v/X[i]`, `X[L] = 0`.
 * Returns the closure error `f(X[L−1]) + v/X[L−1] − 1`: zero when the layers
 * tile exactly, positive (or +Infinity) when they overshoot the top.
 */
function buildEdges(r: number, edges: Float64Array): number {
  const n = ZIGGURAT_LAYERS;
  const v = layerArea(r);
  edges[0] = v / density(r);
  edges[1] = r;
  for (let i = 1; i < n - 1; i++) {
    const top = density(edges[i]!) + v / edges[i]!;
    if (top >= 1) return Number.POSITIVE_INFINITY;
    edges[i + 1] = Math.sqrt(-2 * Math.log(top));
  }
  edges[n] = 0;
  return density(edges[n - 1]!) + v / edges[n - 1]! - 1;
}

/** Solves the closure condition for `r` by bisection (too small an `r` overshoots the top). */
function solveEdges(): Float64Array {
  const edges = new Float64Array(ZIGGURAT_LAYERS + 1);
  let low = 3;
  let high = 5;
  for (let iteration = 0; iteration < 200; iteration++) {
    const mid = 0.5 * (low + high);
    if (mid === low || mid === high) break;
    if (buildEdges(mid, edges) > 0) low = mid;
    else high = mid;
  }
  buildEdges(high, edges);
  return edges;
}

/** Layer edges `X[i]`, decreasing from `X[0]` (virtual) through `X[1] = r` to `X[L] = 0`. */
export const ZIGGURAT_EDGES = solveEdges();
/** Right edge `r` of the base layer, where the tail starts. */
export const ZIGGURAT_TAIL_START = ZIGGURAT_EDGES[1]!;
/** `f(X[i])` for each edge. */
const EDGE_DENSITY = ZIGGURAT_EDGES.map(density);
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
 * Walker–Vose alias table over the layers, weighted by the number of 21-bit
 * mantissa cells that fail the fast test, `2^21 − ACCEPT_FAST`: picking a
 * layer from it, then a uniform mantissa among the failing ones, samples a
 * candidate from exactly the conditional law of a candidate that failed the
 * fast test. Hot loops use this to finish their slow draws after the loop
 * without keeping the failed candidate's bits (see {@link slowNormal}).
 */
const ALIAS_PROBABILITY = new Float64Array(ZIGGURAT_LAYERS);
const ALIAS_OTHER = new Int32Array(ZIGGURAT_LAYERS);

function buildAliasTable(): void {
  const n = ZIGGURAT_LAYERS;
  const weight = Array.from({ length: n }, (_, i) => TWO_POW_21 - ACCEPT_FAST[i << 1]!);
  const total = weight.reduce((sum, w) => sum + w, 0);
  const scaled = weight.map((w) => (w * n) / total);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const less = small.pop()!;
    const more = large.pop()!;
    ALIAS_PROBABILITY[less] = scaled[less]!;
    ALIAS_OTHER[less] = more;
    scaled[more] = scaled[more]! + scaled[less]! - 1;
    (scaled[more]! < 1 ? small : large).push(more);
  }
  for (const i of [...small, ...large]) {
    ALIAS_PROBABILITY[i] = 1;
    ALIAS_OTHER[i] = i;
  }
}
buildAliasTable();

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
    const a = -Math.log(auxiliaryOpenUniform(state)) / r;
    const b = -Math.log(auxiliaryOpenUniform(state));
    if (b + b >= a * a) return r + a;
  }
}

/**
 * Finishes a draw whose fast test failed, from a 50-bit candidate
 * `(index, mantissaHigh, low)` (21 leading mantissa bits, then bits 3..31 of
 * `low`): exact acceptance, the tail of layer 0, the wedge test of the other
 * layers, and fresh 50-bit candidates after a rejection. All randomness here
 * comes from the auxiliary generator `state[AUX .. AUX+4)`, so the main
 * generator advances by exactly one transition per two normals.
 */
export function zigguratSlowPath(state: Int32Array, index: number, mantissaHigh: number, low: number): number {
  for (;;) {
    const layer = index >>> 1;
    const mantissa = mantissaHigh * TWO_POW_29 + (low >>> 3);
    const x = mantissa * LAYER_SCALE[layer]!;
    let magnitude = -1;
    if (mantissa < ACCEPT_MANTISSA[layer]!) magnitude = x;
    else if (layer === 0) magnitude = sampleTail(state);
    else {
      const bottom = EDGE_DENSITY[layer]!;
      const height = bottom + auxiliaryOpenUniform(state) * (EDGE_DENSITY[layer + 1]! - bottom);
      if (height < density(x)) magnitude = x;
    }
    if (magnitude >= 0) return (index & 1) === 1 ? -magnitude : magnitude;
    const high = advance(state, AUX, lowWord);
    index = high >>> 21;
    mantissaHigh = high & 0x1fffff;
    low = lowWord[0]!;
  }
}

/**
 * The next standard normal of the block state `state` (cold-path form; hot
 * loops inline the fast path): the low word waiting in `state[PENDING]` if
 * there is one, else the high word of a fresh main transition, whose low word
 * is then left pending.
 */
export function nextNormal(state: Int32Array): number {
  let word: number, cell: number;
  if (state[HAS_PENDING] === 1) {
    state[HAS_PENDING] = 0;
    word = state[PENDING]!;
    cell = (word & LOW_MANTISSA_MASK) + 4;
  } else {
    word = advance(state, 0, lowWord);
    state[PENDING] = lowWord[0]!;
    state[HAS_PENDING] = 1;
    cell = (word & 0x1fffff) + 0.5;
  }
  const index = word >>> 21;
  // cell < A ⟺ the candidate's cell lies below A (A a multiple of 8, cell = m + 1/2 or m + 4).
  if (cell < ACCEPT_FAST[index]!) return cell * SIGNED_SCALE[index]!;
  return slowNormal(state);
}

/**
 * A standard normal drawn entirely from the auxiliary generator, given that
 * the main stream's candidate for it (high or low word) failed the fast test:
 * a fresh candidate from the same conditional law (layer from the alias table,
 * sign, leading 21 mantissa bits uniform among the failing ones by exact
 * rejection, 29 more bits), finished by {@link zigguratSlowPath}. Distributed
 * exactly as completing the failed candidate itself with fresh bits, so the
 * slow part of the law is exactly that of N(0, 1).
 */
export function slowNormal(state: Int32Array): number {
  const high = advance(state, AUX, lowWord);
  const column = high >>> 22;
  const sign = (high >>> 21) & 1;
  const coin = uniformFromWords(advance(state, AUX, lowWord), lowWord[0]!);
  const layer = coin < ALIAS_PROBABILITY[column]! ? column : ALIAS_OTHER[column]!;
  const first = ACCEPT_FAST[layer << 1]!;
  const range = TWO_POW_21 - first;
  const mask = range > 1 ? -1 >>> Math.clz32(range - 1) : 0;
  let offset: number;
  do offset = advance(state, AUX, lowWord) & mask;
  while (offset >= range);
  return zigguratSlowPath(state, (layer << 1) | sign, first + offset, lowWord[0]!);
}
