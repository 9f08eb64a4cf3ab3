/**
 * Typed errors shared by every sgmkit package.
 *
 * Every error raised for bad input names the function, the argument, the value
 * received and what was expected, so a user can fix the call without reading
 * the source.
 * @packageDocumentation
 */

/** Base class of every error sgmkit throws on purpose. */
export class SgmkitError extends Error {
  /** Stable machine-readable code, e.g. `'ERR_INVALID_ARGUMENT'`. */
  readonly code: string;
  constructor(message: string, code = 'ERR_SGMKIT') {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Renders a value for an error message without dumping huge arrays. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value))
    return value.length <= 6 ? `[${value.map(describeValue).join(', ')}]` : `array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'object' && value !== null && 'shape' in value) {
    const shape = (value as { shape: unknown }).shape;
    return `tensor of shape ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)}`;
  }
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  return Object.prototype.toString.call(value);
}

/** An argument was of the wrong type, shape, range or value. */
export class InvalidArgumentError extends SgmkitError {
  /** Name of the offending argument as the caller wrote it, e.g. `'h'` or `'options.seed'`. */
  readonly argument: string;
  /** The value received. */
  readonly value: unknown;
  /** What was expected, as a phrase ("a finite number > 0"). */
  readonly expected: string;
  constructor(fn: string, argument: string, value: unknown, expected: string, code = 'ERR_INVALID_ARGUMENT') {
    super(`${fn}: argument '${argument}' must be ${expected}; got ${describeValue(value)}`, code);
    this.argument = argument;
    this.value = value;
    this.expected = expected;
  }
}

/** A tensor (or array) had the wrong shape, or two shapes disagree. */
export class ShapeMismatchError extends InvalidArgumentError {
  constructor(fn: string, argument: string, value: unknown, expected: string) {
    super(fn, argument, value, expected, 'ERR_SHAPE_MISMATCH');
  }
}

/** Two tensors that must share a dtype do not. */
export class DTypeMismatchError extends InvalidArgumentError {
  constructor(fn: string, argument: string, value: unknown, expected: string) {
    super(fn, argument, value, expected, 'ERR_DTYPE_MISMATCH');
  }
}

/** A kernel needs a contiguous row-major layout and received a strided view. */
export class NonContiguousError extends InvalidArgumentError {
  constructor(fn: string, argument: string, value: unknown) {
    super(fn, argument, value, 'a contiguous row-major tensor (copy it with toContiguous first)', 'ERR_NON_CONTIGUOUS');
  }
}

/** A matrix that must be symmetric positive definite is not. */
export class NotPositiveDefiniteError extends InvalidArgumentError {
  /** Index of the pivot at which the factorisation failed. */
  readonly pivot: number;
  /** `reason` replaces the default "pivot k is not positive" (e.g. when the matrix is not symmetric). */
  constructor(fn: string, argument: string, value: unknown, pivot: number, reason?: string) {
    super(
      fn,
      argument,
      value,
      `a symmetric positive definite matrix (${reason ?? `pivot ${pivot} is not positive`})`,
      'ERR_NOT_POSITIVE_DEFINITE',
    );
    this.pivot = pivot;
  }
}

/**
 * A size was valid but its memory could not be allocated: the JavaScript engine refused the buffer
 * (a `RangeError` from `new Float64Array`, `new SharedArrayBuffer`, …). Names the argument that set the size.
 */
export class AllocationError extends InvalidArgumentError {
  /** Bytes that were requested. */
  readonly bytes: number;
  constructor(fn: string, argument: string, value: unknown, bytes: number) {
    super(
      fn,
      argument,
      value,
      `a size whose ${bytes} bytes (${(bytes / 2 ** 30).toPrecision(3)} GiB) this JavaScript engine can allocate; it refused the buffer`,
      'ERR_ALLOCATION',
    );
    this.bytes = bytes;
  }
}

/**
 * Runs `make()` (which allocates `bytes`); the engine's `RangeError` for a buffer it cannot allocate becomes an
 * {@link AllocationError} naming `argument` and its `value` (so does an inner AllocationError). Other errors pass through.
 */
export function allocating<T>(fn: string, argument: string, value: unknown, bytes: number, make: () => T): T {
  try {
    return make();
  } catch (error) {
    // an inner allocation's error is renamed too: the caller's argument is what set the size
    if (error instanceof RangeError || error instanceof AllocationError)
      throw new AllocationError(fn, argument, value, bytes);
    throw error;
  }
}

/**
 * A computation produced a non-finite value at run time (for example a score
 * that returned NaN mid-run). Carries where it happened so no NaN result is
 * ever returned silently.
 */
export class NonFiniteValueError extends SgmkitError {
  readonly where: string;
  constructor(message: string, where: string) {
    super(message, 'ERR_NON_FINITE');
    this.where = where;
  }
}

/** A run was cancelled through its AbortSignal. */
export class AbortedError extends SgmkitError {
  constructor(message = 'the operation was aborted') {
    super(message, 'ERR_ABORTED');
  }
}
