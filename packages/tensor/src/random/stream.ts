/**
 * Sequential random numbers for everything that is not addressed by particle:
 * training minibatches, initial weights, shuffles.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '../errors.js';
import type { FloatArray } from '../tensor.js';
import { expectInteger, expectSeed } from '../validate.js';
import { SEGMENT_CAPACITY } from './blocks.js';
import { fillNormalSegment } from './fill.js';
import { SEQUENTIAL_DOMAIN, STATE_WORDS, deriveBlockKey, deriveBlockState, deriveKey } from './seeding.js';
import { advance, uniformFromWords } from './xorshift.js';
import { nextNormal } from './ziggurat.js';

const TWO_POW_MINUS_24 = 5.960464477539063e-8;

/** Checks a typed array and an `(offset, length)` range of it; returns the resolved length. */
function expectRange(fn: string, out: unknown, offset: unknown, length: unknown): number {
  if (!(out instanceof Float64Array || out instanceof Float32Array)) {
    throw new InvalidArgumentError(fn, 'out', out, 'a Float64Array or Float32Array');
  }
  const start = expectInteger(fn, 'offset', offset, 0, out.length);
  return length === undefined ? out.length - start : expectInteger(fn, 'length', length, 0, out.length - start);
}

/** Where a {@link RandomStream} is in its sequence: enough to continue it bit for bit (e.g. from a training checkpoint). */
export interface RandomStreamState {
  readonly seed: number;
  readonly stream: number;
  /** The generator words (signed 32-bit integers): main and auxiliary generators, then the pending low word. */
  readonly words: readonly number[];
}

/**
 * A sequential xorshift128+ stream (pure-rand's generator) seeded by a hash
 * of `(seed, stream)`, separate from the particle-addressed noise of the same
 * seed. Same `(seed, stream)` gives the same sequence on every run.
 *
 * @example
 * const rng = new RandomStream(42);
 * const minibatch = Math.floor(rng.uniform() * datasetSize);
 */
export class RandomStream {
  readonly seed: number;
  readonly stream: number;
  /**
   * Main then auxiliary generator, each in pure-rand's `[s01, s00, s11, s10]`
   * order, then the pending low word of the main generator (see `seeding.ts`).
   */
  private readonly state = new Int32Array(STATE_WORDS);
  private readonly low = new Int32Array(1);

  constructor(seed: number, stream = 0) {
    this.seed = expectSeed('RandomStream', 'seed', seed);
    this.stream = expectSeed('RandomStream', 'stream', stream);
    const key = new Int32Array(8);
    deriveKey(seed, stream, SEQUENTIAL_DOMAIN, key);
    deriveBlockKey(key, 0, key);
    deriveBlockState(key, 0, this.state);
  }

  /** The stream's position now (a copy): {@link RandomStream.fromState} continues from it, bit for bit. */
  saveState(): RandomStreamState {
    return { seed: this.seed, stream: this.stream, words: [...this.state, this.low[0]!] };
  }

  /**
   * A stream that continues from a saved position.
   * @throws InvalidArgumentError unless `state` is what `saveState` returns
   */
  static fromState(state: RandomStreamState): RandomStream {
    const fn = 'RandomStream.fromState';
    if (state === null || typeof state !== 'object')
      throw new InvalidArgumentError(fn, 'state', state, 'an object from RandomStream.saveState()');
    const words = state.words;
    if (
      !Array.isArray(words) ||
      words.length !== STATE_WORDS + 1 ||
      words.some((w) => !Number.isInteger(w) || w < -(2 ** 31) || w >= 2 ** 31)
    ) {
      throw new InvalidArgumentError(fn, 'state.words', words, `${STATE_WORDS + 1} signed 32-bit integers`);
    }
    const stream = new RandomStream(state.seed, state.stream);
    stream.state.set(words.slice(0, STATE_WORDS));
    stream.low[0] = words[STATE_WORDS]!;
    return stream;
  }

  /** A uniform unsigned 32-bit integer: the strong high word of one 64-bit output. */
  uint32(): number {
    return advance(this.state, 0, this.low) >>> 0;
  }

  /** A uniform double in `[0, 1)` with 53 random bits. */
  uniform(): number {
    const high = advance(this.state, 0, this.low);
    return uniformFromWords(high, this.low[0]!);
  }

  /**
   * A standard normal (ziggurat, two per transition of the main generator, as
   * the particle-addressed normals; see `ziggurat.ts` for the precision).
   * `normal()` and `fillNormal` draw from one sequence; `uint32`/`uniform`
   * calls in between leave a pending low half in place.
   */
  normal(): number {
    return nextNormal(this.state);
  }

  /** Fills `out[offset, offset + length)` with standard normals and returns `out`. */
  fillNormal<A extends FloatArray>(out: A, offset = 0, length?: number): A {
    const count = expectRange('RandomStream.fillNormal', out, offset, length);
    for (let done = 0; done < count; done += SEGMENT_CAPACITY) {
      fillNormalSegment(this.state, out, offset + done, Math.min(SEGMENT_CAPACITY, count - done));
    }
    return out;
  }

  /**
   * Fills `out[offset, offset + length)` with uniforms in `[0, 1)` and returns
   * `out`. Float32 targets get 24-bit uniforms, since rounding a 53-bit value to
   * float32 could give 1.
   */
  fillUniform<A extends FloatArray>(out: A, offset = 0, length?: number): A {
    const count = expectRange('RandomStream.fillUniform', out, offset, length);
    const end = offset + count;
    if (out instanceof Float32Array) {
      for (let k = offset; k < end; k++) out[k] = (advance(this.state, 0, this.low) >>> 8) * TWO_POW_MINUS_24;
    } else {
      for (let k = offset; k < end; k++) out[k] = this.uniform();
    }
    return out;
  }
}
