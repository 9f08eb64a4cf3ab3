/**
 * The error raised for unreadable or malformed data files.
 * @packageDocumentation
 */
import { SgmkitError } from '@sgmkit/tensor';

/** A data file could not be read or is malformed. The message starts with the file and, when known, the line. */
export class DataFileError extends SgmkitError {
  /** The file (or source name) that failed. */
  readonly source: string;
  constructor(source: string, detail: string) {
    super(`${source}: ${detail}`, 'ERR_DATA_FILE');
    this.source = source;
  }
}
