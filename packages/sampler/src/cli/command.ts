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
  /** Non-zero when the command printed its report but something it ran failed (default 0). */
  readonly exitCode?: number;
}

/** A subcommand of `sgmkit`. */
export interface Command {
  readonly spec: CommandSpec;
  /**
   * The command awaits between chunks of work and honours `context.signal`, so
   * Ctrl-C is caught and the run stops cleanly. Synchronous commands leave
   * Ctrl-C to its default (immediate exit), since a handler could not run.
   */
  readonly interruptible?: boolean;
  run(args: ParsedArgs, context: CommandContext): Promise<CommandOutput>;
}
