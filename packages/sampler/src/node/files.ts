/**
 * Reading and writing sample and point-cloud files (Node only: `node:fs`).
 * The text formats themselves are platform-neutral (`../io/`).
 * @packageDocumentation
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SgmkitError, type Batch } from '@sgmkit/tensor';
import { loadAnyScoreNetwork, type AnyScoreNetwork } from '@sgmkit/score';
import { DataFileError } from '../io/errors.js';
import { parsePointCloudCsv, parsePointCloudJson } from '../io/read.js';
import { extensionOf, sampleFileFormat, samplesToCsv, samplesToJson } from '../io/write.js';

/** The largest text file {@link readTextFile} reads: 512 MiB, about V8's longest string, so memory stays bounded. */
export const MAX_TEXT_FILE_BYTES = 512 * 1024 * 1024;

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
    const bytes = statSync(path).size;
    if (bytes > MAX_TEXT_FILE_BYTES) {
      throw new DataFileError(
        path,
        `is ${bytes} bytes; sgmkit reads text files of at most ${MAX_TEXT_FILE_BYTES} bytes (512 MiB, about the longest string JavaScript engines hold)`,
      );
    }
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? (error as Error).message);
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
  if (ext !== '.csv' && ext !== '.json')
    throw new DataFileError(path, `unknown point-cloud file type '${ext || '(none)'}'; use .csv or .json`);
  const text = readTextFile(path);
  return ext === '.csv' ? parsePointCloudCsv(text, path) : parsePointCloudJson(text, path);
}

/** Distinguishes the temporary files of several writes from one process. */
let temporaryCounter = 0;

/**
 * Writes `content` to a temporary file beside `path` (same directory, so the same file system), flushes it to
 * disk and renames it over `path`. A rename within one file system is atomic, so a reader, or a run killed at
 * any moment (SIGINT, SIGKILL, a full disk), sees either the previous file, intact, or the complete new one,
 * never a truncated file. A process killed mid-write leaves its `.<name>.<pid>.<k>.tmp` file behind; a failed
 * write removes it. The new file has the default mode (as a fresh `writeFileSync` would).
 */
function writeAtomically(path: string, content: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${temporaryCounter++}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const descriptor = openSync(temporary, 'wx');
    try {
      writeFileSync(descriptor, content);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EISDIR'
        ? 'is a directory'
        : code === 'ENOSPC'
          ? 'no space left on the device'
          : (code ?? (error as Error).message);
    throw new DataFileError(path, `cannot write: ${reason} (any previous file is unchanged)`);
  }
}

/** Removes a file if it exists; a directory that could not hold it (ENOTDIR) means there is nothing to remove. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing was created there
  }
}

/**
 * Writes text to a file, creating its directory first. Atomic: the file is written beside `path` and renamed
 * into place, so an interrupted or failed write leaves any previous file intact, never a truncated one.
 *
 * @example
 * ```ts
 * import { writeTextFile } from '@sgmkit/sampler/node';
 * writeTextFile('out/notes/run.txt', 'hello\n'); // creates out/notes/ first
 * ```
 */
export function writeTextFile(path: string, content: string): void {
  writeAtomically(path, content);
}

/** Writes bytes (e.g. a PNG file) to `path`, creating its directory first; atomic like {@link writeTextFile}. */
export function writeBinaryFile(path: string, content: Uint8Array): void {
  writeAtomically(path, content);
}

/**
 * Reads a score network (DDPM or CLD) saved by `saveScoreNetwork` / `sgmkit train`. Every problem (unreadable, too large,
 * truncated or invalid JSON, unsupported version, wrong shapes, non-finite weights, absurd sizes) is one
 * {@link DataFileError} naming the file and the problem; sizes are checked against the arrays the file holds
 * before anything is allocated, so a malformed file costs memory and time in proportion to its size.
 *
 * @example
 * ```ts
 * import { readScoreNetworkFile } from '@sgmkit/sampler/node';
 * const network = readScoreNetworkFile('out/network.json'); // DataFileError 'out/network.json: …' if malformed
 * ```
 */
export function readScoreNetworkFile(path: string): AnyScoreNetwork {
  const text = readTextFile(path);
  try {
    return loadAnyScoreNetwork(text);
  } catch (error) {
    if (error instanceof SgmkitError) throw new DataFileError(path, error.message);
    throw error;
  }
}

/**
 * Writes samples to `path` as CSV or JSON, chosen by the extension (`.csv` or `.json`).
 * Metadata goes into JSON files only. Atomic like {@link writeTextFile}.
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
