/**
 * Sample writers. Numbers are written with JavaScript's shortest round-trip
 * representation, so reading a file back gives bit-identical float64 values.
 * @packageDocumentation
 */
import { expectBatch, type Batch } from '@sgmkit/tensor';
import { DataFileError } from './errors.js';

/** The lower-cased extension of a path's last segment, with its dot (`''` when none), like `path.extname`. */
export function extensionOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

/** Shortest round-trip text of a number, keeping the sign of zero (String(-0) is "0"). */
export function formatExact(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * Default column names `x0, x1, …`.
 *
 * @example
 * ```ts
 * import { defaultColumnNames } from '@sgmkit/sampler';
 * defaultColumnNames(3); // ['x0', 'x1', 'x2']
 * ```
 */
export function defaultColumnNames(d: number): string[] {
  return Array.from({ length: d }, (_, j) => `x${j}`);
}

/**
 * A batch as CSV text: a header row of column names, then one row per particle.
 *
 * @example
 * ```ts
 * import { fromArray } from '@sgmkit/tensor';
 * import { samplesToCsv } from '@sgmkit/sampler';
 * samplesToCsv(fromArray([[1, 2], [3, 4]])); // 'x0,x1\n1,2\n3,4\n'
 * ```
 */
export function samplesToCsv(samples: Batch, columns?: readonly string[]): string {
  const [n, d] = expectBatch('samplesToCsv', 'samples', samples);
  const names = columns ?? defaultColumnNames(d);
  const lines = new Array<string>(n + 1);
  lines[0] = names.join(',');
  const { data, offset } = samples;
  for (let i = 0; i < n; i++) {
    let row = formatExact(data[offset + i * d]!);
    for (let j = 1; j < d; j++) row += ',' + formatExact(data[offset + i * d + j]!);
    lines[i + 1] = row;
  }
  return lines.join('\n') + '\n';
}

/**
 * A batch as JSON text `{"shape": [n, d], ...metadata, "samples": [[…], …]}`,
 * which {@link parsePointCloudJson} reads back.
 *
 * @example
 * ```ts
 * import { fromArray } from '@sgmkit/tensor';
 * import { samplesToJson } from '@sgmkit/sampler';
 * JSON.parse(samplesToJson(fromArray([[1, 2]]), { seed: 0 })); // { shape: [1, 2], seed: 0, samples: [[1, 2]] }
 * ```
 */
export function samplesToJson(samples: Batch, metadata: Readonly<Record<string, unknown>> = {}): string {
  const [n, d] = expectBatch('samplesToJson', 'samples', samples);
  const rows: string[] = [];
  const { data, offset } = samples;
  for (let i = 0; i < n; i++)
    rows.push('[' + Array.from(data.subarray(offset + i * d, offset + (i + 1) * d), formatExact).join(',') + ']');
  const head = JSON.stringify({ shape: [n, d], ...metadata });
  return `${head.slice(0, -1)},"samples":[\n${rows.join(',\n')}\n]}\n`;
}

/**
 * The format of a sample file from its extension; throws for anything but `.csv` and `.json` (check before a long run).
 *
 * @example
 * ```ts
 * import { sampleFileFormat } from '@sgmkit/sampler';
 * sampleFileFormat('out/s.JSON'); // 'json'; 'out/s.txt' throws DataFileError
 * ```
 */
export function sampleFileFormat(path: string): 'csv' | 'json' {
  const ext = extensionOf(path);
  if (ext !== '.csv' && ext !== '.json')
    throw new DataFileError(path, `unknown sample file type '${ext || '(none)'}'; use .csv or .json`);
  return ext === '.csv' ? 'csv' : 'json';
}
