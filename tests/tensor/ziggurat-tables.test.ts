// The ziggurat's tables are literal doubles in packages/tensor/src/random/ziggurat-tables.ts (so no engine solves
// anything at import); here they are derived again from first principles and must agree in every bit.
import {
  ZIGGURAT_EDGES,
  ZIGGURAT_LAYERS,
  SQUEEZE_ABOVE,
  SQUEEZE_BELOW,
} from '../../packages/tensor/dist/random/ziggurat.js';
import { deriveSqueezeBounds, deriveZigguratEdges } from '../../packages/tensor/dist/random/ziggurat-derivation.js';

/** Indices where two arrays differ in any bit (Object.is: also tells 0 from −0). */
function differingBits(a: Float64Array, b: Float64Array): number[] {
  expect(a.length).toBe(b.length);
  return Array.from(a.keys()).filter((i) => !Object.is(a[i], b[i]));
}

describe('literal ziggurat tables', () => {
  const edges = deriveZigguratEdges(ZIGGURAT_LAYERS);

  test('the layer edges equal a fresh derivation bit for bit', () => {
    expect(differingBits(ZIGGURAT_EDGES, edges)).toEqual([]);
    expect(ZIGGURAT_EDGES[ZIGGURAT_LAYERS]).toBe(0);
  });

  test('the squeeze bounds equal a fresh derivation bit for bit', () => {
    const squeeze = deriveSqueezeBounds(edges);
    expect(differingBits(SQUEEZE_BELOW, squeeze.below)).toEqual([]);
    expect(differingBits(SQUEEZE_ABOVE, squeeze.above)).toEqual([]);
  });

  test('the comparison sees a one-ulp change', () => {
    const nudged = Float64Array.from(edges);
    const bits = new BigUint64Array(nudged.buffer);
    bits[500] = bits[500]! + 1n;
    expect(differingBits(nudged, edges)).toEqual([500]);
  });
});
