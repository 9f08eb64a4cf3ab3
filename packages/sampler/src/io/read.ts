/**
 * Point-cloud readers for CSV and JSON, with errors that name the file, the
 * line and what is wrong.
 * @packageDocumentation
 */
import { fromArray, type Batch } from '@sgmkit/tensor';
import { DataFileError } from './errors.js';

// Decimal numbers as written by numeric tools; rejects '', 'NaN', '0x1f'.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseField(field: string): number | undefined {
  const t = field.trim();
  if (!DECIMAL.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

function dataLines(text: string): { line: number; fields: string[] }[] {
  return text
    .split(/\r?\n/)
    .map((raw, k) => ({ line: k + 1, raw: raw.trim() }))
    .filter(({ raw }) => raw !== '' && !raw.startsWith('#'))
    .map(({ line, raw }) => ({ line, fields: raw.split(',') }));
}

/**
 * Parses CSV text into an `m × d` float64 batch. Blank lines and lines
 * starting with `#` are ignored; the first row may be a header of names.
 * Every other row must hold the same number of finite numbers.
 *
 * @example
 * ```ts
 * import { parsePointCloudCsv } from '@sgmkit/sampler';
 * parsePointCloudCsv('x,y\n0,1\n2,3\n').shape; // [2, 2]
 * ```
 */
export function parsePointCloudCsv(text: string, source = 'csv'): Batch {
  const lines = dataLines(text);
  if (lines.length > 0 && lines[0]!.fields.some((f) => parseField(f) === undefined)) lines.shift();
  if (lines.length === 0)
    throw new DataFileError(source, 'no data rows (expected one point per line, coordinates separated by commas)');
  const d = lines[0]!.fields.length;
  const rows = lines.map(({ line, fields }) => {
    if (fields.length !== d)
      throw new DataFileError(
        source,
        `line ${line}: expected ${d} values like the first data row; got ${fields.length}`,
      );
    return fields.map((f, j) => {
      const v = parseField(f);
      if (v === undefined)
        throw new DataFileError(
          source,
          `line ${line}, column ${j + 1}: expected a finite number; got ${JSON.stringify(f.trim())}`,
        );
      return v;
    });
  });
  return fromArray(rows);
}

function rowsOf(value: unknown, source: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') {
    for (const key of ['samples', 'points', 'data']) {
      const inner = (value as Record<string, unknown>)[key];
      if (Array.isArray(inner)) return inner;
    }
  }
  throw new DataFileError(source, 'expected an array of points, or an object with a "samples" or "points" array');
}

function toRow(entry: unknown, index: number, d: number, source: string): number[] {
  const row = typeof entry === 'number' ? [entry] : entry;
  if (!Array.isArray(row) || row.length !== d) {
    throw new DataFileError(
      source,
      `point ${index}: expected an array of ${d} numbers like point 0; got ${JSON.stringify(entry)?.slice(0, 60)}`,
    );
  }
  row.forEach((v, j) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new DataFileError(
        source,
        `point ${index}, coordinate ${j}: expected a finite number; got ${JSON.stringify(v)}`,
      );
  });
  return row as number[];
}

/**
 * Parses JSON text into an `m × d` float64 batch. Accepts an array of points
 * (`[[x, y], …]`, or numbers for 1-D data) or an object holding one under
 * `"samples"`, `"points"` or `"data"` (what {@link samplesToJson} writes).
 *
 * @example
 * ```ts
 * import { parsePointCloudJson } from '@sgmkit/sampler';
 * parsePointCloudJson('{"samples": [[0, 1], [2, 3]]}').shape; // [2, 2]
 * ```
 */
export function parsePointCloudJson(text: string, source = 'json'): Batch {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataFileError(source, `invalid JSON (${(error as Error).message})`);
  }
  const entries = rowsOf(value, source);
  if (entries.length === 0) throw new DataFileError(source, 'no points');
  const first = entries[0];
  const d = typeof first === 'number' ? 1 : Array.isArray(first) ? first.length : 0;
  if (d === 0)
    throw new DataFileError(
      source,
      `point 0: expected a non-empty array of numbers; got ${JSON.stringify(first)?.slice(0, 60)}`,
    );
  return fromArray(entries.map((e, i) => toRow(e, i, d, source)));
}
