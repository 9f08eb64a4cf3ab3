/**
 * Reading and writing sample and point-cloud files (Node only: `node:fs`).
 * The text formats themselves are platform-neutral (`../io/`).
 * @packageDocumentation
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Batch } from '@sgmkit/tensor';
import { DataFileError } from '../io/errors.js';
import { parsePointCloudCsv, parsePointCloudJson } from '../io/read.js';
import { extensionOf, sampleFileFormat, samplesToCsv, samplesToJson } from '../io/write.js';

/**
 * Reads a whole text file, turning file-system failures into a one-line {@link DataFileError}.
 *
 * @example
 * ```ts
 * import { readTextFile } from '@sgmkit/sampler/node';
 * const text = readTextFile('out/samples.csv'); // DataFileError 'out/samples.csv: cannot read: no such file' if absent
 * ```
 */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code ?? (error as Error).message;
    throw new DataFileError(path, `cannot read: ${reason}`);
  }
}

/**
 * Reads a point cloud from a `.csv` or `.json` file into an `m × d` float64 batch.
 *
 * @example
 * ```ts
 * import { readPointCloud } from '@sgmkit/sampler/node';
 * const points = readPointCloud('out/samples.csv'); // as written by `sgmkit sample`
 * ```
 */
export function readPointCloud(path: string): Batch {
  const ext = extensionOf(path);
  if (ext !== '.csv' && ext !== '.json') throw new DataFileError(path, `unknown point-cloud file type '${ext || '(none)'}'; use .csv or .json`);
  const text = readTextFile(path);
  return ext === '.csv' ? parsePointCloudCsv(text, path) : parsePointCloudJson(text, path);
}

/**
 * Writes text to a file, creating its directory first.
 *
 * @example
 * ```ts
 * import { writeTextFile } from '@sgmkit/sampler/node';
 * writeTextFile('out/notes/run.txt', 'hello\n'); // creates out/notes/ first
 * ```
 */
export function writeTextFile(path: string, content: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  } catch (error) {
    throw new DataFileError(path, `cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Writes samples to `path` as CSV or JSON, chosen by the extension (`.csv` or `.json`).
 * Metadata goes into JSON files only.
 *
 * @example
 * ```ts
 * import { fromArray } from '@sgmkit/tensor';
 * import { writeSamples } from '@sgmkit/sampler/node';
 * writeSamples('out/points.csv', fromArray([[0, 1], [2, 3]]));
 * ```
 */
export function writeSamples(path: string, samples: Batch, metadata: Readonly<Record<string, unknown>> = {}): void {
  const format = sampleFileFormat(path);
  writeTextFile(path, format === 'csv' ? samplesToCsv(samples) : samplesToJson(samples, metadata));
}
