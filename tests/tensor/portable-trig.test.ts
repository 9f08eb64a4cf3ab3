// sin and cos: deterministic replacements for Math.sin/cos (implementation-defined), which feed every learned
// sample through the networks' time features. fdlibm's algorithm, so in Node (V8 ships the same port) they equal
// Math.* bit for bit wherever fdlibm's own argument reduction runs (|x| ≤ 2^19·π/2); beyond that the reduction is
// exact BigInt arithmetic, which may round the last bit differently from fdlibm's __kernel_rem_pio2.
import { cos, sin, sinCosInto } from '@sgmkit/tensor';

const scratch = new Float64Array(1);
const bits = new BigInt64Array(scratch.buffer);
function ulps(a: number, b: number): number {
  scratch[0] = a;
  const x = bits[0]!;
  scratch[0] = b;
  return Number(x > bits[0]! ? x - bits[0]! : bits[0]! - x);
}

function inputs(count: number, scale: (u: number) => number): number[] {
  let state = 0x2545f491;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return scale(state / 2 ** 32);
  });
}

const MEDIUM_LIMIT = 2 ** 19 * (Math.PI / 2);

describe('deterministic sin and cos', () => {
  test('special values: signed zeros, NaN for NaN and ±∞', () => {
    expect([Object.is(sin(-0), -0), Object.is(sin(0), 0), cos(0), cos(-0), sin(1e-300), cos(1e-300)]).toEqual([
      true,
      true,
      1,
      1,
      1e-300,
      1,
    ]);
    for (const x of [NaN, Infinity, -Infinity]) {
      expect(sin(x)).toBeNaN();
      expect(cos(x)).toBeNaN();
    }
  });

  test('odd and even: sin(−x) = −sin(x), cos(−x) = cos(x) bit for bit', () => {
    for (const x of inputs(20_000, (u) => u * 10 ** (12 * u))) {
      expect(sin(-x)).toBe(-sin(x));
      expect(cos(-x)).toBe(cos(x));
    }
  });

  test("equal to V8's Math.sin/cos (the same fdlibm port) on every reduction path up to 2^19·π/2", () => {
    const ranges = [Math.PI / 4, (3 * Math.PI) / 4, 10, 1000, 1e5, MEDIUM_LIMIT];
    let mismatches = 0;
    for (const range of ranges) {
      for (const x of inputs(40_000, (u) => (2 * u - 1) * range)) {
        if (sin(x) !== Math.sin(x) || cos(x) !== Math.cos(x)) mismatches++;
      }
    }
    // the arguments closest to multiples of π/2, where the reduction cancels most
    for (let n = 1; n < 2000; n++) {
      const x = n * (Math.PI / 2);
      for (const y of [x, x * (1 + 2 ** -52), x * (1 - 2 ** -52)])
        if (sin(y) !== Math.sin(y) || cos(y) !== Math.cos(y)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  test('sinCosInto writes the bits of sin and cos, on every reduction path and at special values, into either dtype', () => {
    const xs = [0, -0, NaN, Infinity, -Infinity, 1e-300, Math.PI / 4, 2 ** 19 * (Math.PI / 2) * 3, 1e22, -1e300];
    for (const range of [Math.PI / 4, 10, 1e5, MEDIUM_LIMIT, 1e30])
      xs.push(...inputs(5000, (u) => (2 * u - 1) * range));
    const out = new Float64Array(3).fill(7);
    const out32 = new Float32Array(2);
    for (const x of xs) {
      sinCosInto(x, out, 1);
      expect([Object.is(out[1], sin(x)), Object.is(out[2], cos(x)), out[0]]).toEqual([true, true, 7]);
      sinCosInto(x, out32, 0);
      expect([Object.is(out32[0], Math.fround(sin(x))), Object.is(out32[1], Math.fround(cos(x)))]).toEqual([
        true,
        true,
      ]);
    }
  });

  test('huge arguments (exact BigInt reduction): within 2 ulp of Math.* (each within 1 ulp of the truth)', () => {
    let worst = 0;
    for (const x of inputs(20_000, (u) => MEDIUM_LIMIT * 10 ** (300 * u))) {
      worst = Math.max(worst, ulps(sin(x), Math.sin(x)), ulps(cos(x), Math.cos(x)));
    }
    expect(worst).toBeLessThanOrEqual(2);
    // sin(10^22), the classic argument-reduction check (10^22 is exact in double)
    expect(sin(1e22)).toBe(-0.8522008497671888);
    expect(cos(Number.MAX_VALUE)).toBe(-0.9999876894265599);
  });
});
