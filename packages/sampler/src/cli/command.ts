/**
 * The shape of a CLI command: its spec (options, help) and a `run` that
 * returns both a human-readable text and a JSON value, so `--json` works the
 * same way for every command.
 * @packageDocumentation
 */
import type { CommandSpec, ParsedArgs } from './args.js';
import type { ProgressStream } from './progress.js';

/** What a running command may use besides its options. */
export interface CommandContext {
  /** `--json` was given: progress and notes go to stderr, stdout gets one JSON document. */
  readonly json: boolean;
  /** `--quiet` was given: no progress output. */
  readonly quiet: boolean;
  /** Where progress and notes go (stderr). */
  readonly stderr: ProgressStream;
  /** Aborted on SIGINT so long runs stop cleanly. */
  readonly signal: AbortSignal;
}

/** What a command produced: text for people, a JSON value for machines. */
export interface CommandOutput {
  readonly text: string;
  readonly json: unknown;
}

/** A subcommand of `sgmkit`. */
export interface Command {
  readonly spec: CommandSpec;
  run(args: ParsedArgs, context: CommandContext): Promise<CommandOutput>;
}
