/**
 * How the ziggurat tables are derived from first principles, in double
 * precision. The tables themselves are literals in `ziggurat-tables.ts`
 * (written by `packages/tensor/scripts/write-ziggurat-tables.mjs` from this
 * code), so that importing the library solves nothing and every engine gets
 * the same bits; a test re-derives them here and compares bit for bit.
 *
 * The right edge `r` of the base layer is found by bisection so that the
 * layers, all of area `v(r) = r·f(r) + ∫_r^∞ f`, exactly tile
 * `f(x) = exp(−x²/2)`. Everything here uses the library's portable `exp` and
 * `log` and IEEE-exact operations, so the derivation itself is engine-independent.
 * @packageDocumentation
 */
import { erfc } from './special.js';
import { exp, log } from '../math/portable.js';

const SQRT_HALF_PI = 1.2533141373155003;

/**
 * Added to each squeeze bound: covers the rounding of the chord and of `g` (whose
 * height difference `f(X[i+1]) − f(X[i])` is ≥ 7e-4, so `g` is good to about
 * 1e-13), at the cost of sending a fraction 2e-9 more of the draws to `f`.
 */
export const SQUEEZE_MARGIN = 1e-9;

/** The unnormalised normal density `f(x) = exp(−x²/2)`. */
export function zigguratDensity(x: number): number {
  return exp(-0.5 * x * x);
}

/** Area of each layer when the base layer's right edge is `r`: the base rectangle plus the tail. */
function layerArea(r: number): number {
  return r * zigguratDensity(r) + SQRT_HALF_PI * erfc(r / Math.SQRT2);
}

/**
 * Layer edges `X[0..L]` for right edge `r`: `X[0] = v/f(r)` (the base layer's
 * virtual width), `X[1] = r`, `f(X[i+1]) = f(X[i]) + v/X[i]`, `X[L] = 0`.
 * Returns the closure error `f(X[L−1]) + v/X[L−1] − 1`: zero when the layers
 * tile exactly, positive (or +Infinity) when they overshoot the top.
 */
function buildEdges(r: number, edges: Float64Array): number {
  const n = edges.length - 1;
  const v = layerArea(r);
  edges[0] = v / zigguratDensity(r);
  edges[1] = r;
  for (let i = 1; i < n - 1; i++) {
    const top = zigguratDensity(edges[i]!) + v / edges[i]!;
    if (top >= 1) return Number.POSITIVE_INFINITY;
    edges[i + 1] = Math.sqrt(-2 * log(top));
  }
  edges[n] = 0;
  return zigguratDensity(edges[n - 1]!) + v / edges[n - 1]! - 1;
}

/** The layer edges `X[0..layers]` of a ziggurat with `layers` layers, solving the closure condition for `r` by bisection. */
export function deriveZigguratEdges(layers: number): Float64Array {
  const edges = new Float64Array(layers + 1);
  let low = 3;
  let high = 5;
  for (let iteration = 0; iteration < 200; iteration++) {
    const mid = 0.5 * (low + high);
    if (mid === low || mid === high) break;
    if (buildEdges(mid, edges) > 0)
      low = mid; // too small an r overshoots the top
    else high = mid;
  }
  buildEdges(high, edges);
  return edges;
}

/**
 * The largest `g − chord` on layer `i`'s interval: `g − chord` is concave
 * (convex) where `f` is, so its one stationary point, where `x·f(x)` equals
 * the chord's slope in `f`, is found by bisection on the monotone `x·f(x)`.
 */
function chordDeviation(edges: Float64Array, i: number): number {
  const left = edges[i + 1]!,
    right = edges[i]!;
  const fRight = zigguratDensity(right),
    rise = zigguratDensity(left) - fRight;
  const g = (x: number) => (zigguratDensity(x) - fRight) / rise;
  const chord = (x: number) => (right - x) / (right - left);
  const target = rise / (right - left); // −f′(x) = x·f(x) at the stationary point
  const increasing = right <= 1;
  let low = left,
    high = right;
  for (let iteration = 0; iteration < 200 && low < high; iteration++) {
    const mid = 0.5 * (low + high);
    if (mid === low || mid === high) break;
    if (mid * zigguratDensity(mid) < target === increasing) low = mid;
    else high = mid;
  }
  return g(low) - chord(low);
}

/**
 * Squeeze bounds of the wedge test for each layer `i ≥ 1` (entry 0 unused):
 * the curve lies within `[chord − below, chord + above]` on the layer
 * (see `SQUEEZE_ABOVE` in ziggurat.ts); 2 where `f` changes curvature inside
 * the layer (no squeeze, always the exact test).
 */
export function deriveSqueezeBounds(edges: Float64Array): { below: Float64Array; above: Float64Array } {
  const layers = edges.length - 1;
  const below = new Float64Array(layers);
  const above = new Float64Array(layers);
  for (let i = 1; i < layers; i++) {
    if (edges[i + 1]! < 1 && edges[i]! > 1) {
      below[i] = above[i] = 2;
    } else if (edges[i]! <= 1) {
      above[i] = chordDeviation(edges, i) + SQUEEZE_MARGIN;
      below[i] = SQUEEZE_MARGIN;
    } else {
      below[i] = -chordDeviation(edges, i) + SQUEEZE_MARGIN;
      above[i] = SQUEEZE_MARGIN;
    }
  }
  return { below, above };
}
