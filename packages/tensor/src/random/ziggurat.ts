/**
 * Standard normals by Marsaglia and Tsang's ziggurat with 1024 layers, 50-bit
 * mantissas and an exact tail (Marsaglia's method), built for an integer-only
 * fast path.
 *
 * One xoroshiro128+ transition gives 64 bits `(high, low)`. The top 11 bits of
 * `high` select the layer `i` (10 bits) and the sign (1 bit):
 * `index = high >>> 21`. The mantissa is the 50-bit integer
 * `m = (high & 0x1fffff)·2^29 + (low >>> 3)`: the three weakest low bits of
 * xoroshiro128+ are dropped. The candidate is `x = m·2^-50·X[i]`. It is
 * accepted at once when `m < K[i] = ⌊2^50·X[i+1]/X[i]⌋`; hot loops test the
 * sufficient integer condition `(high & 0x1fffff) < ⌊K[i]/2^29⌋` and leave
 * everything else (0.43% of draws: wedges, the tail, the rare equal leading
 * words) to {@link slowNormal}, which completes the draw exactly with
 * randomness from the block's auxiliary generator, after the loop.
 *
 * 1024 rather than the classic 256 layers: the slow path costs tens of
 * nanoseconds in JS, and 1024 layers make it 3.5× rarer (0.43% against 1.49%)
 * for 24 KB of tables.
 *
 * Tables are computed here in double precision from first principles: the
 * right edge `r` of the base layer is found by bisection so that the layers,
 * all of area `v(r) = r·f(r) + ∫_r^∞ f`, exactly tile `f(x) = exp(−x²/2)`.
 * @packageDocumentation
 */
import { AUX } from './seeding.js';
import { erfc } from './special.js';
import { advance, uniformFromWords } from './xoroshiro.js';

/** Number of ziggurat layers; hot loops hard-code the matching bit layout (`>>> 21`, `& 0x1fffff`). */
export const ZIGGURAT_LAYERS = 1024;

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
 * `(mantissaHigh + (low >>> 3)·2^-29) · SIGNED_SCALE[index]`: `±X[i]·2^-21`.
 */
export const SIGNED_SCALE = new Float64Array(2 * ZIGGURAT_LAYERS);
/** `⌊ACCEPT_MANTISSA[i] / 2^29⌋` indexed by `index`: the hot loops' integer acceptance bound. */
export const ACCEPT_HIGH = new Int32Array(2 * ZIGGURAT_LAYERS);
/** `2^-29`: weight of the low mantissa word against the high one. */
export const LOW_MANTISSA_WEIGHT = 1 / TWO_POW_29;

for (let i = 0; i < ZIGGURAT_LAYERS; i++) {
  ACCEPT_MANTISSA[i] = Math.floor((TWO_POW_50 * ZIGGURAT_EDGES[i + 1]!) / ZIGGURAT_EDGES[i]!);
  LAYER_SCALE[i] = ZIGGURAT_EDGES[i]! / TWO_POW_50;
  for (let sign = 0; sign < 2; sign++) {
    const scale = ZIGGURAT_EDGES[i]! / TWO_POW_21;
    SIGNED_SCALE[(i << 1) | sign] = sign === 1 ? -scale : scale;
    ACCEPT_HIGH[(i << 1) | sign] = Math.floor(ACCEPT_MANTISSA[i]! / TWO_POW_29);
  }
}

/**
 * Walker–Vose alias table over the layers, weighted by the number of leading
 * mantissa words that fail the fast test, `2^21 − ACCEPT_HIGH`: picking a
 * layer from it, then a uniform mantissa among the failing ones, samples a
 * candidate from exactly the conditional law of a candidate that failed the
 * fast test. Hot loops use this to finish their slow draws after the loop
 * without keeping the failed candidate's bits (see {@link slowNormal}).
 */
const ALIAS_PROBABILITY = new Float64Array(ZIGGURAT_LAYERS);
const ALIAS_OTHER = new Int32Array(ZIGGURAT_LAYERS);

function buildAliasTable(): void {
  const n = ZIGGURAT_LAYERS;
  const weight = Array.from({ length: n }, (_, i) => TWO_POW_21 - ACCEPT_HIGH[i << 1]!);
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
 * Finishes a draw whose fast test failed, from its main-stream bits
 * `(index, mantissaHigh, low)`: exact acceptance, the tail of layer 0, the
 * wedge test of the other layers, and fresh candidates after a rejection. All
 * extra randomness comes from the auxiliary generator `state[AUX .. AUX+4)`,
 * so the main generator advances by exactly one transition per normal.
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

/** One standard normal from the block state `state` (cold-path form; hot loops inline the fast path). */
export function nextNormal(state: Int32Array): number {
  const high = advance(state, 0, lowWord);
  const index = high >>> 21;
  const mantissaHigh = high & 0x1fffff;
  if (mantissaHigh < ACCEPT_HIGH[index]!) return (mantissaHigh + (lowWord[0]! >>> 3) * LOW_MANTISSA_WEIGHT) * SIGNED_SCALE[index]!;
  return slowNormal(state);
}

/**
 * A standard normal drawn entirely from the auxiliary generator, given that
 * the main stream's candidate for it failed the fast test: a fresh candidate
 * from the same conditional law (layer from the alias table, sign, leading
 * mantissa word uniform among the failing ones by exact rejection), finished
 * by {@link zigguratSlowPath}. Distributed exactly as finishing the failed
 * candidate itself, so the normal is exactly N(0, 1).
 */
export function slowNormal(state: Int32Array): number {
  const high = advance(state, AUX, lowWord);
  const column = high >>> 22;
  const sign = (high >>> 21) & 1;
  const coin = uniformFromWords(advance(state, AUX, lowWord), lowWord[0]!);
  const layer = coin < ALIAS_PROBABILITY[column]! ? column : ALIAS_OTHER[column]!;
  const first = ACCEPT_HIGH[layer << 1]!;
  const range = TWO_POW_21 - first;
  const mask = range > 1 ? -1 >>> Math.clz32(range - 1) : 0;
  let offset: number;
  do offset = advance(state, AUX, lowWord) & mask;
  while (offset >= range);
  return zigguratSlowPath(state, (layer << 1) | sign, first + offset, lowWord[0]!);
}
