/**
 * The `sgmkit` entry point as a function: dispatches to a command, prints its
 * output, and turns every error into one line on stderr and an exit code.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import '../node/install.js'; // the CLI's --workers use worker_threads
import { SgmkitError } from '@sgmkit/tensor';
import { formatHelp, parseArgs } from './args.js';
import type { Command, CommandContext } from './command.js';
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, UsageError } from './errors.js';
import { COMMANDS } from './commands.js';
import { BENCH_NOT_INSTALLED } from './commands/bench.js';

/** Where `runCli` writes; `process.stdout`/`process.stderr` by default. */
export interface CliStreams {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The top-level help: the commands and how to get help on each. */
export function topLevelHelp(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length)) + 2;
  return [
    'Usage: sgmkit <command> [options]',
    '',
    'Samplers for score-based generative models (Chen, Chewi, Li, Li, Salim, Zhang, arXiv 2209.11215).',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'Run `sgmkit <command> --help` for the options of a command; `sgmkit --version` for the version.',
    '',
  ].join('\n');
}

function isSgmkitError(error: unknown): error is SgmkitError {
  // Matches by code as well as class, in case two copies of @sgmkit/tensor are loaded.
  if (error instanceof SgmkitError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_') && !('errno' in error);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** Prints one line for an error and returns the exit code; the stack only with `SGMKIT_DEBUG=1`. */
function reportError(error: unknown, commandName: string | undefined, json: boolean, streams: CliStreams): number {
  const prefix = `sgmkit${commandName ? ' ' + commandName : ''}: `;
  const usage = error instanceof UsageError;
  const known = usage || isSgmkitError(error);
  const message = error instanceof Error ? firstLine(error.message) : String(error);
  const line = known ? message : `unexpected error: ${message} (set SGMKIT_DEBUG=1 for details)`;
  streams.stderr.write(prefix + line + '\n');
  if (process.env['SGMKIT_DEBUG'] === '1' && error instanceof Error && error.stack)
    streams.stderr.write(error.stack + '\n');
  if (json) {
    const code = known ? (error as SgmkitError).code : 'ERR_UNEXPECTED';
    streams.stdout.write(JSON.stringify({ ok: false, error: { code, message: line } }) + '\n');
  }
  return usage ? EXIT_USAGE : EXIT_FAILURE;
}

function findCommand(name: string, commands: readonly Command[]): Command {
  const command = commands.find((c) => c.spec.name === name);
  if (!command) {
    const why = name === 'bench' ? ` (${BENCH_NOT_INSTALLED})` : '';
    throw new UsageError(
      `unknown command ${JSON.stringify(name)}; commands: ${commands.map((c) => c.spec.name).join(', ')}${why}`,
    );
  }
  return command;
}

async function runCommand(
  command: Command,
  argv: readonly string[],
  streams: CliStreams,
  signal: AbortSignal,
): Promise<number> {
  const args = parseArgs(command.spec, argv);
  if (args.flag('help')) {
    streams.stdout.write(formatHelp(command.spec));
    return 0;
  }
  const context: CommandContext = {
    json: args.flag('json'),
    quiet: args.flag('quiet'),
    stderr: streams.stderr,
    signal,
  };
  const output = await command.run(args, context);
  const exitCode = output.exitCode ?? 0;
  streams.stdout.write(
    context.json
      ? JSON.stringify({ ok: exitCode === 0, command: command.spec.name, ...(output.json as object) }) + '\n'
      : output.text,
  );
  return exitCode;
}

/**
 * Runs `sgmkit` with the given arguments (without `node` and the script) and
 * returns the exit code: 0 on success, 1 on a failed run or bad option
 * value, 2 on a malformed command line.
 *
 * @example
 * ```ts
 * // packages/sampler/src/cli/main.ts, the whole binary:
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(
  argv: readonly string[],
  streams: CliStreams = process,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  const abort = new AbortController();
  const onInterrupt = (): void => abort.abort();
  if (commands.find((c) => c.spec.name === name)?.interruptible) process.once('SIGINT', onInterrupt);
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      if (name === 'help' && rest[0]) streams.stdout.write(formatHelp(findCommand(rest[0], commands).spec));
      else streams.stdout.write(topLevelHelp(commands));
      return 0;
    }
    if (name === '--version' || name === '-v') {
      streams.stdout.write(version() + '\n');
      return 0;
    }
    if (name.startsWith('-'))
      throw new UsageError(
        `expected a command before ${name}; commands: ${commands.map((c) => c.spec.name).join(', ')}`,
      );
    return await runCommand(findCommand(name, commands), rest, streams, abort.signal);
  } catch (error) {
    if (abort.signal.aborted) {
      streams.stderr.write(`sgmkit ${name}: interrupted\n`);
      return EXIT_INTERRUPTED;
    }
    return reportError(
      error,
      name && !name.startsWith('-') && commands.some((c) => c.spec.name === name) ? name : undefined,
      json,
      streams,
    );
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}
