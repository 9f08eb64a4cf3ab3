/**
 * The error raised for unreadable or malformed data files.
 * @packageDocumentation
 */
import { SgmkitError } from '@sgmkit/tensor';

/**
 * A data file could not be read or is malformed. The message starts with the file and, when known, the line.
 *
 * @example
 * ```ts
 * import { DataFileError, parsePointCloudCsv } from '@sgmkit/sampler';
 * try { parsePointCloudCsv('1,2\n3\n', 'a.csv'); } catch (e) { e instanceof DataFileError; e.message; // 'a.csv: line 2: expected 2 values like the first data row; got 1'
 * }
 * ```
 */
export class DataFileError extends SgmkitError {
  /** The file (or source name) that failed. */
  readonly source: string;
  constructor(source: string, detail: string) {
    super(`${source}: ${detail}`, 'ERR_DATA_FILE');
    this.source = source;
  }
}
