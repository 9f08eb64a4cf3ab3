/**
 * Scores learned on standardised data (`Score.normalization`): the samplers run
 * in the standardised space `y` and map each final sample to data space,
 * `x = mean + scale ⊙ y` (affine) or `x = mean + matrix · y` (whitening), in the
 * chunk runner, so the mapping is the same code on every thread.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { DataNormalization } from '@sgmkit/score';

function finiteVector(fn: string, argument: string, value: unknown, length: number): Float64Array {
  if (!(value instanceof Float64Array) || value.length !== length || !value.every(Number.isFinite)) {
    throw new InvalidArgumentError(fn, argument, value, `a Float64Array of ${length} finite numbers`);
  }
  return value;
}

/**
 * Validates a score's normalisation for dimension `d` (undefined passes).
 * @throws InvalidArgumentError naming the bad field
 */
export function expectNormalization(
  fn: string,
  argument: string,
  normalization: unknown,
  d: number,
): DataNormalization | undefined {
  if (normalization === undefined) return undefined;
  if (normalization === null || typeof normalization !== 'object')
    throw new InvalidArgumentError(fn, argument, normalization, "an object { kind: 'affine' | 'whitening', … }");
  const n = normalization as DataNormalization;
  finiteVector(fn, `${argument}.mean`, n.mean, d);
  if (n.kind === 'affine') finiteVector(fn, `${argument}.scale`, n.scale, d);
  else if (n.kind === 'whitening') finiteVector(fn, `${argument}.matrix`, n.matrix, d * d);
  else throw new InvalidArgumentError(fn, `${argument}.kind`, (n as { kind: unknown }).kind, "'affine' or 'whitening'");
  return n;
}

/**
 * Maps the rows of the contiguous batch `b` from the standardised space to data
 * space in place. `scratch` (length ≥ d) holds one row for the whitening
 * product. Each row is computed on its own, in a fixed order, so the result
 * does not depend on how the rows are split.
 */
export function toDataSpace(b: Batch, normalization: DataNormalization, scratch: Float64Array): void {
  const [n, d] = b.shape as [number, number];
  const data = b.data;
  const mean = normalization.mean;
  if (normalization.kind === 'affine') {
    const scale = normalization.scale;
    for (let row = 0; row < n; row++) {
      const start = b.offset + row * d;
      for (let i = 0; i < d; i++) data[start + i] = mean[i]! + scale[i]! * data[start + i]!;
    }
    return;
  }
  const matrix = normalization.matrix;
  for (let row = 0; row < n; row++) {
    const start = b.offset + row * d;
    for (let i = 0; i < d; i++) scratch[i] = data[start + i]!;
    for (let i = 0; i < d; i++) {
      let sum = mean[i]!;
      for (let j = 0; j < d; j++) sum += matrix[i * d + j]! * scratch[j]!;
      data[start + i] = sum;
    }
  }
}

/** Coordinate `i` of a data-space value in the standardised space of an affine normalisation: `(x − mean_i) / scale_i`. */
export function affineToStandardised(
  value: number,
  i: number,
  normalization: DataNormalization & { kind: 'affine' },
): number {
  return (value - normalization.mean[i]!) / normalization.scale[i]!;
}
