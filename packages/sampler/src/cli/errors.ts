/**
 * Errors raised by the command line itself. Both print as one line
 * `sgmkit <command>: <message>`; they differ only in the exit code.
 * @packageDocumentation
 */
import { SgmkitError } from '@sgmkit/tensor';

/** Exit code for a bad option value, a bad data file or any sgmkit error. */
export const EXIT_FAILURE = 1;
/** Exit code for a malformed command line (unknown command or option, missing value, repeated option). */
export const EXIT_USAGE = 2;

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** The command line is malformed: unknown command or option, an option without its value or given twice. */
export class UsageError extends SgmkitError {
  constructor(message: string) {
    super(message, 'ERR_USAGE');
  }
}

/** An option was given a value of the wrong type or range, e.g. `--steps abc`. */
export class OptionValueError extends SgmkitError {
  /** The option's long name without dashes. */
  readonly option: string;
  constructor(option: string, value: string, expected: string) {
    super(`--${option} must be ${expected}; got ${JSON.stringify(value)}`, 'ERR_OPTION_VALUE');
    this.option = option;
  }
}

/** An option was given more than once, e.g. `--steps 10 --steps 20`; no option accumulates values. */
export class RepeatedOptionError extends UsageError {
  /** The option's long name without dashes. */
  readonly option: string;
  constructor(option: string, first: string, second: string) {
    super(`option --${option} given twice: ${JSON.stringify(first)} and ${JSON.stringify(second)} (give it once)`);
    this.option = option;
  }
}

/** A required option is missing. */
export class MissingOptionError extends UsageError {
  constructor(option: string, hint = '') {
    super(`--${option} is required${hint ? ` (${hint})` : ''}`);
  }
}
