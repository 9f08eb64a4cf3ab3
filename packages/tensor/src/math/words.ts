/**
 * Word access to an IEEE double (the fdlibm `GET_HIGH_WORD`/`INSERT_WORDS` macros),
 * shared by the portable transcendental functions.
 * @packageDocumentation
 */

// Word access to a double: words[HIGH] holds sign, exponent and the top 20 mantissa bits.
const scratch = new Float64Array(1);
const words = new Int32Array(scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = 1 - HIGH;

export function highWord(x: number): number {
  scratch[0] = x;
  return words[HIGH]!;
}

export function lowWord(x: number): number {
  scratch[0] = x;
  return words[LOW]! >>> 0;
}

export function fromWords(high: number, low: number): number {
  words[HIGH] = high;
  words[LOW] = low;
  return scratch[0]!;
}

export function withHighWord(x: number, high: number): number {
  scratch[0] = x;
  words[HIGH] = high;
  return scratch[0]!;
}

export function withLowWord(x: number, low: number): number {
  scratch[0] = x;
  words[LOW] = low;
  return scratch[0]!;
}
