/**
 * Boundary validation helpers: public functions check their arguments once with
 * these, then run hot loops with no checks inside.
 * @packageDocumentation
 */
import { InvalidArgumentError } from './errors.js';

/** Throws unless `value` is a finite number. */
export function expectFinite(fn: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidArgumentError(fn, argument, value, 'a finite number');
  return value;
}

/** Throws unless `value` is a finite number strictly greater than zero. */
export function expectPositive(fn: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0))
    throw new InvalidArgumentError(fn, argument, value, 'a finite number > 0');
  return value;
}

/** Throws unless `value` is a finite number greater than or equal to zero. */
export function expectNonNegative(fn: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value >= 0))
    throw new InvalidArgumentError(fn, argument, value, 'a finite number >= 0');
  return value;
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function expectInteger(
  fn: string,
  argument: string,
  value: unknown,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InvalidArgumentError(fn, argument, value, `an integer ${range}`);
  }
  return value;
}

/** Largest accepted seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffffffff;

/** Throws unless `value` is a valid seed: an integer in `[0, 2^32 - 1]`. */
export function expectSeed(fn: string, argument: string, value: unknown): number {
  return expectInteger(fn, argument, value, 0, MAX_SEED);
}

/** Throws unless every entry of `values` is finite; names the first bad index. */
export function expectAllFinite(fn: string, argument: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new InvalidArgumentError(fn, `${argument}[${i}]`, values[i], 'a finite number');
  }
}
