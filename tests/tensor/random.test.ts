import { xorshift128plusFromState } from 'pure-rand/generator/xorshift128plus';
import {
  RandomStream,
  fillParticleNormals,
  batch,
  tensor,
  rows,
  transpose,
  erfc,
  standardNormalCdf,
  blockRows,
  InvalidArgumentError,
  NonContiguousError,
  ShapeMismatchError,
} from '@sgmkit/tensor';
import { advance } from '../../packages/tensor/dist/random/xorshift.js';
import {
  ACCEPT_FAST,
  CHORD_SLOPE,
  LOW_MANTISSA_MASK,
  SQUEEZE_ABOVE,
  SQUEEZE_BELOW,
  ZIGGURAT_EDGES,
  ZIGGURAT_LAYERS,
  ZIGGURAT_TAIL_START,
  finishCandidate,
} from '../../packages/tensor/dist/random/ziggurat.js';
import { fillNormalSegment } from '../../packages/tensor/dist/random/fill.js';
import {
  deriveBlockKey,
  deriveBlockState,
  deriveKey,
  PARTICLE_DOMAIN,
  STATE_WORDS,
} from '../../packages/tensor/dist/random/seeding.js';
import { K_SE, ksCriticalValue, ksStatistic, normalMomentZScores, tailZScore } from './stats';

const KS_ALPHA = 1e-6;
const N_STAT = 1_000_000;

describe('xorshift128+ against pure-rand', () => {
  test('low word equals pure-rand next(), high word is the carry-correct high half of s0 + s1', () => {
    const state = Int32Array.from([0x12345678, -0x6789abc, 0x0fedcba9, -0x1]);
    const reference = xorshift128plusFromState(Array.from(state));
    const low = new Int32Array(1);
    for (let i = 0; i < 10_000; i++) {
      const [s01, s00, s11, s10] = Array.from(state, (w) => BigInt.asUintN(32, BigInt(w)));
      const sum = BigInt.asUintN(64, ((s01! << 32n) | s00!) + ((s11! << 32n) | s10!));
      const high = advance(state, 0, low);
      expect(low[0]).toBe(reference.next());
      expect(high).toBe(Number(BigInt.asIntN(32, sum >> 32n)));
    }
    expect(Array.from(state)).toEqual(reference.getState());
  });

  test("the inlined loop walks pure-rand's states, two normals per transition, from the documented bits", () => {
    const state = new Int32Array(STATE_WORDS);
    deriveKey(1, 2, PARTICLE_DOMAIN, state); // any well-mixed 8 words will do as a block state
    const reference = xorshift128plusFromState(Array.from(state.subarray(0, 4)));
    const z = new Float64Array(4096);
    fillNormalSegment(state, z, 0, 4096);
    // Normal 2t from the high word of transition t (21-bit mantissa), 2t + 1 from its low word (bits 3..20),
    // each the midpoint of its cell when the fast test passes.
    const fast = (word: number, mantissa: number, half: number) => {
      const index = word >>> 21;
      if (mantissa >= ACCEPT_FAST[index]!) return undefined;
      const scale = ZIGGURAT_EDGES[index >>> 1]! / 2 ** 21;
      return (mantissa + half) * ((index & 1) === 1 ? -scale : scale);
    };
    let checked = 0;
    for (let t = 0; t < 2048; t++) {
      const [s01, s00, s11, s10] = reference.getState().map((w) => BigInt.asUintN(32, BigInt(w)));
      const high = Number(
        BigInt.asIntN(32, BigInt.asUintN(64, ((s01! << 32n) | s00!) + ((s11! << 32n) | s10!)) >> 32n),
      );
      const low = reference.next();
      for (const [value, expected] of [
        [z[2 * t]!, fast(high, high & 0x1fffff, 0.5)],
        [z[2 * t + 1]!, fast(low, low & 0x1ffff8, 4)],
      ] as const) {
        if (expected === undefined) continue;
        expect(value).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4000);
    expect(Array.from(state.subarray(0, 4))).toEqual(reference.getState());
  });

  test('block states are never all zero and differ across blocks, seeds, streams', () => {
    const key = new Int32Array(8);
    const seen = new Set<string>();
    for (const [seed, stream] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [0xffffffff, 0xffffffff],
    ] as const) {
      deriveKey(seed, stream, PARTICLE_DOMAIN, key);
      for (const block of [0, 1, 2, 2 ** 32, 2 ** 47]) {
        const state = new Int32Array(8);
        const blockKey = new Int32Array(8);
        deriveBlockKey(key, Math.floor(block / 2 ** 32), blockKey);
        deriveBlockState(blockKey, block >>> 0, state);
        expect(state.subarray(0, 4).some((w) => w !== 0)).toBe(true);
        seen.add(state.join(','));
      }
    }
    expect(seen.size).toBe(20);
  });
});

describe('special functions and ziggurat tables', () => {
  test('erfc matches reference values (Abramowitz & Stegun, DLMF) to 1e-14 relative', () => {
    const reference: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [1.5, 0.033894853524689274],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [-1, 1.8427007929497148],
    ];
    for (const [x, value] of reference) expect(Math.abs(erfc(x) - value) / value).toBeLessThan(1e-14);
    expect(standardNormalCdf(0)).toBe(0.5);
  });

  test('the layers tile the density: equal areas, closing at the mode', () => {
    const f = (x: number) => Math.exp(-0.5 * x * x);
    const r = ZIGGURAT_TAIL_START;
    const v = r * f(r) + Math.sqrt(Math.PI / 2) * erfc(r / Math.SQRT2);
    expect(ZIGGURAT_EDGES[0]! * f(r)).toBeCloseTo(v, 15);
    for (let i = 1; i < ZIGGURAT_LAYERS; i++) {
      const area = ZIGGURAT_EDGES[i]! * (f(ZIGGURAT_EDGES[i + 1]!) - f(ZIGGURAT_EDGES[i]!));
      expect(Math.abs(area - v) / v).toBeLessThan(1e-9);
    }
    expect(ZIGGURAT_EDGES[ZIGGURAT_LAYERS]).toBe(0);
  });
});

describe('the wedge squeeze', () => {
  test('the curve lies between chord − SQUEEZE_BELOW and chord + SQUEEZE_ABOVE in every layer (4097 points each)', () => {
    const f = (x: number) => Math.exp(-0.5 * x * x);
    let squeezed = 0;
    for (let i = 1; i < ZIGGURAT_LAYERS; i++) {
      const left = ZIGGURAT_EDGES[i + 1]!,
        right = ZIGGURAT_EDGES[i]!;
      const bottom = f(right),
        rise = f(left) - bottom;
      let worstBelow = 0,
        worstAbove = 0;
      for (let j = 0; j <= 4096; j++) {
        const x = left + ((right - left) * j) / 4096;
        const g = (f(x) - bottom) / rise;
        const chord = (right - x) * CHORD_SLOPE[i]!;
        worstAbove = Math.max(worstAbove, g - chord);
        worstBelow = Math.max(worstBelow, chord - g);
      }
      expect(worstAbove).toBeLessThanOrEqual(SQUEEZE_ABOVE[i]!);
      expect(worstBelow).toBeLessThanOrEqual(SQUEEZE_BELOW[i]!);
      // Tight: within the margin of the largest deviation seen, except in the one layer with no squeeze.
      if (SQUEEZE_ABOVE[i]! < 1) {
        expect(SQUEEZE_ABOVE[i]! - worstAbove).toBeLessThan(1e-6);
        expect(SQUEEZE_BELOW[i]! - worstBelow).toBeLessThan(1e-6);
        squeezed++;
      }
    }
    expect(squeezed).toBe(ZIGGURAT_LAYERS - 2);
  });
});

describe('finished slow draws have the exact conditional law', () => {
  test('KS (alpha = 1e-6, n = 10^5 each) of finished high and low words that failed the fast test, against (Φ − fast part)/(1 − P(fast))', () => {
    // A fast draw of index (layer i, sign) has probability 2^-11 · A_i/2^21 and (before its lattice) is uniform on
    // [0, w_i) or (−w_i, 0], w_i = A_i·X_i/2^21 (A = ACCEPT_FAST). What the slow path adds must make up N(0, 1) exactly.
    const layers = Array.from({ length: ZIGGURAT_LAYERS }, (_, i) => ({
      mass: ACCEPT_FAST[i << 1]! / 2048 / 2 ** 21,
      width: (ACCEPT_FAST[i << 1]! * ZIGGURAT_EDGES[i]!) / 2 ** 21,
    }))
      .filter((l) => l.mass > 0)
      .sort((p, q) => p.width - q.width);
    const fastTotal = 2 * layers.reduce((sum, l) => sum + l.mass, 0);
    // Fast part's CDF, piecewise linear: with widths sorted, suffix sums of mass and mass/width give it in O(log L).
    const massAbove = new Float64Array(layers.length + 1),
      slopeAbove = new Float64Array(layers.length + 1);
    for (let j = layers.length - 1; j >= 0; j--) {
      massAbove[j] = massAbove[j + 1]! + layers[j]!.mass;
      slopeAbove[j] = slopeAbove[j + 1]! + layers[j]!.mass / layers[j]!.width;
    }
    const firstWider = (t: number) => {
      // first layer with width > t
      let lo = 0,
        hi = layers.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (layers[mid]!.width > t) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const slowCdf = (x: number) => {
      const j = firstWider(Math.abs(x));
      // x ≥ 0: all negative parts done, positive parts of narrower layers done, wider ones at x/w.
      // x < 0: only wider layers' negative parts have started, at 1 + x/w = 1 − |x|/w.
      const fast =
        x >= 0
          ? fastTotal / 2 + (fastTotal / 2 - massAbove[j]!) + x * slopeAbove[j]!
          : massAbove[j]! + x * slopeAbove[j]!;
      return (standardNormalCdf(x) - fast) / (1 - fastTotal);
    };
    expect(1 - fastTotal).toBeGreaterThan(0.004);
    expect(1 - fastTotal).toBeLessThan(0.005);
    // Failed candidates as the hot loop meets them: words of the main generator that fail the fast test
    // (high words on all 21 mantissa bits, low words on bits 3..20), each finished from the auxiliary generator.
    const state = new Int32Array(STATE_WORDS);
    deriveKey(4, 5, PARTICLE_DOMAIN, state);
    const n = 100_000;
    const fromHigh = new Float64Array(n),
      fromLow = new Float64Array(n);
    const low = new Int32Array(1);
    let highs = 0,
      lows = 0;
    while (highs < n || lows < n) {
      const high = advance(state, 0, low);
      const word = low[0]!;
      if (highs < n && (high & 0x1fffff) >= ACCEPT_FAST[high >>> 21]!)
        fromHigh[highs++] = finishCandidate(state, high, false);
      if (lows < n && (word & LOW_MANTISSA_MASK) >= ACCEPT_FAST[word >>> 21]!)
        fromLow[lows++] = finishCandidate(state, word, true);
    }
    expect(ksStatistic(fromHigh, slowCdf)).toBeLessThan(ksCriticalValue(KS_ALPHA));
    expect(ksStatistic(fromLow, slowCdf)).toBeLessThan(ksCriticalValue(KS_ALPHA));
  });
});

function expectStandardNormal(values: Float64Array): void {
  const z = normalMomentZScores(values);
  for (const score of Object.values(z)) expect(Math.abs(score)).toBeLessThan(K_SE);
  // Tail frequencies against 2Φ(−t), tolerance from the binomial SE.
  for (const t of [1, 2, 3, 4]) expect(Math.abs(tailZScore(values, t))).toBeLessThan(K_SE);
  // KS at significance 1e-6: reject if √n·D exceeds the critical value.
  expect(ksStatistic(values)).toBeLessThan(ksCriticalValue(KS_ALPHA));
}

describe('distribution of the normals (n = 10^6, 5 SE, KS at alpha = 1e-6)', () => {
  test('particle-addressed normals', () => {
    const z = batch(N_STAT / 2, 2);
    fillParticleNormals(z, 2026, 7, 0);
    expectStandardNormal(z.data as Float64Array);
  });

  test('particle-addressed normals with a wide row (d = 5000, several segments per block)', () => {
    const z = batch(200, 5000);
    fillParticleNormals(z, 9, 1, 123);
    expectStandardNormal(z.data as Float64Array);
  });

  test('sequential RandomStream normals, from fillNormal and from normal()', () => {
    expectStandardNormal(new RandomStream(2026).fillNormal(new Float64Array(N_STAT)));
    const rng = new RandomStream(2027, 3);
    const values = new Float64Array(N_STAT);
    for (let i = 0; i < values.length; i++) values[i] = rng.normal();
    expectStandardNormal(values);
  });

  test('the two normals of one transition: uncorrelated (also their squares), each half with N(0, 1) tails', () => {
    // Rows of an n × 2 batch are transitions: column 0 is the high word's normal, column 1 the low word's.
    const n = N_STAT;
    const z = fillParticleNormals(batch(n, 2), 31, 4, 0).data;
    const high = new Float64Array(n),
      low = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      high[i] = z[2 * i]!;
      low[i] = z[2 * i + 1]!;
    }
    // Mean of a product against 0, SE computed from the sample.
    const productZScore = (f: (i: number) => number) => {
      let sum = 0,
        square = 0;
      for (let i = 0; i < n; i++) {
        const p = f(i);
        sum += p;
        square += p * p;
      }
      const mean = sum / n;
      return mean / Math.sqrt((square / n - mean * mean) / n);
    };
    expect(Math.abs(productZScore((i) => high[i]! * low[i]!))).toBeLessThan(K_SE);
    expect(Math.abs(productZScore((i) => (high[i]! ** 2 - 1) * (low[i]! ** 2 - 1)))).toBeLessThan(K_SE);
    for (const t of [1, 2, 3, 4]) {
      expect(Math.abs(tailZScore(high, t))).toBeLessThan(K_SE);
      expect(Math.abs(tailZScore(low, t))).toBeLessThan(K_SE);
      // The halves against each other: difference of two frequencies, SE from the exact p.
      const p = 2 * standardNormalCdf(-t);
      const count = (v: Float64Array) => v.reduce((c, x) => c + (Math.abs(x) > t ? 1 : 0), 0);
      expect(Math.abs(count(high) - count(low)) / n).toBeLessThan(K_SE * Math.sqrt((2 * p * (1 - p)) / n));
    }
    expectStandardNormal(high);
    expectStandardNormal(low);
  });

  test('consecutive normals are uncorrelated (lag-1 product mean within 5 SE)', () => {
    const z = batch(N_STAT / 2, 2);
    fillParticleNormals(z, 5, 5, 0);
    let lag1 = 0;
    for (let i = 1; i < z.data.length; i++) lag1 += z.data[i]! * z.data[i - 1]!;
    expect(Math.abs(lag1 / Math.sqrt(z.data.length - 1))).toBeLessThan(K_SE);
  });
});

describe('noise is a pure function of (seed, stream, global row, component)', () => {
  const seed = 77,
    stream = 12;
  const whole = batch(1000, 3);
  fillParticleNormals(whole, seed, stream, 0);

  test('identical across batch splits, including splits inside a block', () => {
    const pieces = batch(1000, 3);
    for (const [start, end] of [
      [0, 37],
      [37, 500],
      [500, 1000],
    ] as const)
      fillParticleNormals(rows(pieces, start, end), seed, stream, start);
    expect(Array.from(pieces.data)).toEqual(Array.from(whole.data));
    const oneByOne = batch(1000, 3);
    for (let r = 990; r < 1000; r++) fillParticleNormals(rows(oneByOne, r, r + 1), seed, stream, r);
    expect(Array.from(oneByOne.data.subarray(2970))).toEqual(Array.from(whole.data.subarray(2970)));
  });

  test("identical when a batch is split at every position of the loop's four-element stride (d = 1, 2, 3)", () => {
    for (const d of [1, 2, 3]) {
      const all = fillParticleNormals(batch(40, d), seed, stream, 3).data;
      for (let split = 1; split < 12; split++) {
        const parts = batch(40, d);
        fillParticleNormals(rows(parts, 0, split), seed, stream, 3);
        fillParticleNormals(rows(parts, split, 40), seed, stream, 3 + split);
        expect(Array.from(parts.data)).toEqual(Array.from(all));
      }
    }
  });

  test('identical for float32 storage up to rounding, and at huge row indices', () => {
    const single = batch(1000, 3, 'float32');
    fillParticleNormals(single, seed, stream, 0);
    expect(Array.from(single.data)).toEqual(Array.from(Float32Array.from(whole.data)));
    const far = 2 ** 40 + 5;
    const a = batch(100, 2);
    const b = batch(100, 2);
    fillParticleNormals(a, seed, stream, far);
    fillParticleNormals(rows(b, 0, 30), seed, stream, far);
    fillParticleNormals(rows(b, 30, 100), seed, stream, far + 30);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  test('different seeds, streams and rows give different normals', () => {
    const other = (s: number, t: number) => fillParticleNormals(batch(1000, 3), s, t, 0).data;
    for (const data of [other(seed + 1, stream), other(seed, stream + 1)]) {
      let equal = 0;
      for (let i = 0; i < data.length; i++) if (data[i] === whole.data[i]) equal++;
      expect(equal).toBe(0);
    }
    const shifted = fillParticleNormals(batch(999, 3), seed, stream, 1).data;
    expect(Array.from(shifted)).toEqual(Array.from(whole.data.subarray(3)));
    expect(shifted[0]).not.toBe(whole.data[0]);
    expect([blockRows(1), blockRows(2), blockRows(3), blockRows(512), blockRows(5000)]).toEqual([512, 256, 171, 1, 1]);
  });

  test('same seed gives bit-identical output on every call', () => {
    expect(Array.from(fillParticleNormals(batch(1000, 3), seed, stream, 0).data)).toEqual(Array.from(whole.data));
    const a = new RandomStream(1, 2),
      b = new RandomStream(1, 2);
    expect([a.uint32(), a.uniform(), a.normal()]).toEqual([b.uint32(), b.uniform(), b.normal()]);
  });
});

describe('RandomStream', () => {
  test('uniforms are in [0, 1) with the right mean and variance; float32 never rounds to 1', () => {
    const rng = new RandomStream(3);
    const u = rng.fillUniform(new Float64Array(N_STAT));
    let mean = 0,
      square = 0,
      outside = 0;
    for (const x of u) {
      if (!(x >= 0 && x < 1)) outside++;
      mean += x;
      square += x * x;
    }
    expect(outside).toBe(0);
    const n = u.length;
    expect(Math.abs(mean / n - 0.5)).toBeLessThan(K_SE * Math.sqrt(1 / 12 / n));
    expect(Math.abs(square / n - 1 / 3)).toBeLessThan(K_SE * Math.sqrt((1 / 5 - 1 / 9) / n));
    const single = rng.fillUniform(new Float32Array(100_000), 10, 99_990);
    expect(single[0]).toBe(0);
    expect(single.every((x) => x >= 0 && x < 1)).toBe(true);
    const words = Array.from({ length: 1000 }, () => rng.uint32());
    expect(words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)).toBe(true);
    expect(words.some((w) => w > 0x7fffffff)).toBe(true);
  });

  test('streams of one seed differ, and differ from the particle normals', () => {
    const a = new RandomStream(8, 0).fillNormal(new Float64Array(10));
    const b = new RandomStream(8, 1).fillNormal(new Float64Array(10));
    const p = fillParticleNormals(batch(1, 10), 8, 0, 0).data;
    expect(a.some((x, i) => x === b[i] || x === p[i])).toBe(false);
  });

  test('normal() and fillNormal() draw the same sequence, whatever the odd lengths in between', () => {
    const a = new RandomStream(21, 4);
    const one = Array.from({ length: 5000 }, () => a.normal());
    expect(Array.from(new RandomStream(21, 4).fillNormal(new Float64Array(5000)))).toEqual(one);
    const b = new RandomStream(21, 4);
    const mixed = new Float64Array(5000);
    let at = 0;
    for (const length of [1, 7, 4096, 3]) {
      b.fillNormal(mixed, at, length);
      at += length;
    }
    while (at < 5000) mixed[at++] = b.normal();
    expect(Array.from(mixed)).toEqual(one);
  });

  test('fillNormal writes only the requested range', () => {
    const out = new Float64Array(10).fill(-7);
    new RandomStream(1).fillNormal(out, 2, 5);
    expect(Array.from(out.subarray(0, 2))).toEqual([-7, -7]);
    expect(Array.from(out.subarray(7))).toEqual([-7, -7, -7]);
    expect(out.subarray(2, 7).every((x) => x !== -7)).toBe(true);
  });

  test('bad input gets typed errors naming the argument', () => {
    expect(() => new RandomStream(-1)).toThrow(
      /RandomStream: argument 'seed' must be an integer in \[0, 4294967295\]; got -1/,
    );
    expect(() => new RandomStream(1.5)).toThrow(InvalidArgumentError);
    expect(() => new RandomStream(2 ** 32)).toThrow(/argument 'seed'/);
    expect(() => new RandomStream(1, -2)).toThrow(/argument 'stream'/);
    const rng = new RandomStream(1);
    expect(() => rng.fillNormal([1, 2] as unknown as Float64Array)).toThrow(
      /argument 'out' must be a Float64Array or Float32Array/,
    );
    expect(() => rng.fillNormal(new Float64Array(4), 5)).toThrow(/argument 'offset' must be an integer in \[0, 4\]/);
    expect(() => rng.fillUniform(new Float64Array(4), 1, 4)).toThrow(
      /argument 'length' must be an integer in \[0, 3\]/,
    );
  });
});

describe('fillParticleNormals bad input', () => {
  test('typed errors naming the argument', () => {
    const z = batch(4, 2);
    expect(() => fillParticleNormals(z, -1, 0, 0)).toThrow(/fillParticleNormals: argument 'seed'/);
    expect(() => fillParticleNormals(z, 0.5, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => fillParticleNormals(z, 1, 2 ** 32, 0)).toThrow(/argument 'stream'/);
    expect(() => fillParticleNormals(z, 1, 0, -3)).toThrow(
      /argument 'firstRow' must be an integer in \[0, 9007199254740988\]; got -3/,
    );
    expect(() => fillParticleNormals(z, 1, 0, 1.5)).toThrow(/argument 'firstRow'/);
    // The last row, firstRow + 3, must stay a safe integer: beyond it two rows would get the same address.
    expect(() => fillParticleNormals(z, 1, 0, Number.MAX_SAFE_INTEGER - 2)).toThrow(
      /argument 'firstRow' must be an integer in \[0, 9007199254740988\]; got 9007199254740989/,
    );
    expect(() => fillParticleNormals(z, 1, 0, Number.MAX_SAFE_INTEGER - 3)).not.toThrow();
    expect(() => fillParticleNormals(transpose(z), 1, 0, 0)).toThrow(NonContiguousError);
    expect(() => fillParticleNormals(tensor(new Float64Array(8), [8]), 1, 0, 0)).toThrow(ShapeMismatchError);
    expect(() => fillParticleNormals({} as never, 1, 0, 0)).toThrow(/argument 'out'/);
  });
});
