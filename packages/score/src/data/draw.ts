/**
 * What every data sampler shares: validation of `n` and of the draw options,
 * and the walk over particle-addressed normals in bounded chunks.
 *
 * Row `i` of a draw is global row `firstRow + i`, and everything random in it
 * comes from the normals that `fillParticleNormals` addresses by
 * `(seed, stream, firstRow + i)`, so a row never depends on `n` or on how a
 * large draw is split.
 * @packageDocumentation
 */
import {
  batch,
  expectInteger,
  expectSeed,
  fillParticleNormals,
  InvalidArgumentError,
  standardNormalCdf,
  type Batch,
  type DType,
  type NoiseAddress,
} from '@sgmkit/tensor';

/** Options of every data sampler. */
export interface DrawOptions {
  /** uint32 seed. */
  readonly seed: number;
  /** uint32 stream id, default {@link DATA_STREAM} (`sampleForwardMarginal`: {@link FORWARD_MARGINAL_STREAM}). */
  readonly stream?: number;
  /** Global index of the first row drawn (default 0): draw a large set in pieces with the same seed. */
  readonly firstRow?: number;
  /** Element type of the returned batch (default `'float64'`); values are computed in double precision either way. */
  readonly dtype?: DType;
}

/**
 * Default stream of the data draws: 2, the first id the samplers leave unused (they take 0, 1 and
 * `64(k + 1) + slot`, see DEVELOPING.md), so data and a sampler run with the same seed are independent.
 */
export const DATA_STREAM = 2;

/**
 * Default stream of `sampleForwardMarginal`'s noise: 3, so pushing a default data draw forward with
 * the same seed does not reuse the normals that drew it (which would correlate `x_0` and `z`).
 */
export const FORWARD_MARGINAL_STREAM = 3;

/** Validates `n` (an integer ≥ 1). */
export function expectRowCount(fn: string, n: unknown): number {
  return expectInteger(fn, 'n', n, 1);
}

/** Validates `options.seed`, `options.stream` (default `defaultStream`) and `options.firstRow` for a draw of `n` rows. */
export function parseNoiseAddress(fn: string, options: unknown, n: number, defaultStream: number): NoiseAddress {
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { seed, stream?, firstRow?, dtype? }');
  const { seed, stream = defaultStream, firstRow = 0 } = options as Partial<DrawOptions>;
  return {
    seed: expectSeed(fn, 'options.seed', seed),
    stream: expectSeed(fn, 'options.stream', stream),
    // Global rows must stay exact integers.
    firstRow: expectInteger(fn, 'options.firstRow', firstRow, 0, Number.MAX_SAFE_INTEGER - n),
  };
}

/** Validates `options.dtype` (default `'float64'`). */
export function parseDType(fn: string, options: DrawOptions): DType {
  const { dtype = 'float64' } = options;
  if (dtype !== 'float64' && dtype !== 'float32')
    throw new InvalidArgumentError(fn, 'options.dtype', dtype, "'float64' or 'float32'");
  return dtype;
}

/** Validates `n` and the options together. */
export function parseDraw(
  fn: string,
  n: unknown,
  options: unknown,
): { n: number; address: NoiseAddress; dtype: DType } {
  const rows = expectRowCount(fn, n);
  const address = parseNoiseAddress(fn, options, rows, DATA_STREAM);
  return { n: rows, address, dtype: parseDType(fn, options as DrawOptions) };
}

/** Rows per chunk of normals: bounds the scratch memory. The values do not depend on it (random-stream contract). */
const CHUNK_ROWS = 1024;

/**
 * Allocates the `n × d` result and calls `writeRow(z, zStart, out, outStart)` for
 * each row, with `z[zStart .. zStart + perRow)` the row's standard normals (float64).
 */
export function drawRows(
  n: number,
  d: number,
  perRow: number,
  address: NoiseAddress,
  dtype: DType,
  writeRow: (z: Float64Array, zStart: number, out: Batch['data'], outStart: number) => void,
): Batch {
  const out = batch(n, d, dtype);
  const chunk = batch(Math.min(n, CHUNK_ROWS), perRow);
  const z = chunk.data as Float64Array;
  for (let start = 0; start < n; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, n - start);
    fillParticleNormals({ ...chunk, shape: [rows, perRow] }, address.seed, address.stream, address.firstRow + start);
    for (let r = 0; r < rows; r++) writeRow(z, r * perRow, out.data, (start + r) * d);
  }
  return out;
}

/**
 * A uniform on `[0, 1]` from a standard normal: `Φ(z)`. Since Φ is the normal
 * distribution function, `Φ(Z)` is exactly uniform, and drawing it this way keeps
 * discrete choices inside the particle-addressed normal stream.
 */
export const uniformFromNormal = standardNormalCdf;
