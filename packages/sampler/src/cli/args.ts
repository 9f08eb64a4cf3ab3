/**
 * Hand-written command-line parsing: `--flag value`, `--flag=value`, `-n value`,
 * booleans, and typed conversions that fail with one-line errors naming the
 * option (`--steps must be an integer >= 1; got "abc"`).
 * @packageDocumentation
 */
import { OptionValueError, RepeatedOptionError, UsageError } from './errors.js';

/**
 * How an option's text is converted: `numbers` is a comma-separated list
 * (`1,-2.5`), `matrix` is rows separated by `;` (`1,0.5;0.5,2`).
 */
export type OptionKind = 'boolean' | 'string' | 'choice' | 'number' | 'integer' | 'numbers' | 'matrix';

/** One option a command accepts. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `'steps'`. */
  readonly name: string;
  readonly kind: OptionKind;
  /** One-letter alias without the dash, e.g. `'n'`. */
  readonly short?: string;
  /** Placeholder shown in help, e.g. `'<count>'`. */
  readonly valueName?: string;
  readonly description: string;
  /** Default as shown in help; commands apply defaults themselves. */
  readonly defaultText?: string;
  /** Lower bound for `number`/`integer`. */
  readonly min?: number;
  /** When true, `min` is exclusive (`> min` rather than `>= min`). */
  readonly exclusiveMin?: boolean;
  /** Upper bound for `number`/`integer`. */
  readonly max?: number;
  /** Allowed values for `choice`. */
  readonly choices?: readonly string[];
}

/** A command's name, what it does, its options and examples: the source of its `--help`. */
export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Longer paragraphs shown under the usage line. */
  readonly description?: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
}

/** A converted option value. */
export type OptionValue = boolean | string | number | number[] | number[][];

/** Options present on the command line, already converted and range-checked. */
export class ParsedArgs {
  /** The values keyed by long option name. */
  readonly values: ReadonlyMap<string, OptionValue>;
  constructor(values: ReadonlyMap<string, OptionValue>) {
    this.values = values;
  }
  /** True when the option was given. */
  has(name: string): boolean {
    return this.values.has(name);
  }
  /** A boolean flag (false when absent). */
  flag(name: string): boolean {
    return this.values.get(name) === true;
  }
  /** A `string` or `choice` option, or the fallback. */
  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : fallback;
  }
  /** A `number` or `integer` option, or the fallback. */
  number(name: string, fallback: number): number;
  number(name: string): number | undefined;
  number(name: string, fallback?: number): number | undefined {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : fallback;
  }
  /** A `numbers` option (comma-separated list), or undefined. */
  numbers(name: string): number[] | undefined {
    const v = this.values.get(name);
    return Array.isArray(v) && !Array.isArray(v[0]) ? (v as number[]) : undefined;
  }
  /** A `matrix` option (rows separated by `;`), or undefined. */
  matrix(name: string): number[][] | undefined {
    const v = this.values.get(name);
    return Array.isArray(v) && Array.isArray(v[0]) ? (v as number[][]) : undefined;
  }
}

/** Options every command accepts. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', kind: 'boolean', description: 'print one machine-readable JSON document on stdout instead of text' },
  { name: 'quiet', kind: 'boolean', short: 'q', description: 'no progress output on stderr' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'show this help and exit' },
];

// Decimal numbers only: Number() would also accept '', ' ', '0x10' and 'Infinity'.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a decimal option value writes (`12`, `1e1`, `0.5`), or undefined for anything else. */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : undefined;
}

function boundsPhrase(spec: OptionSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`${spec.exclusiveMin ? '>' : '>='} ${spec.min}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  return parts.length ? ' ' + parts.join(' and ') : '';
}

function inBounds(spec: OptionSpec, value: number): boolean {
  if (spec.min !== undefined && (spec.exclusiveMin ? !(value > spec.min) : !(value >= spec.min))) return false;
  return spec.max === undefined || value <= spec.max;
}

function convertScalar(spec: OptionSpec, text: string): number {
  const integer = spec.kind === 'integer';
  const value = parseDecimal(text);
  const ok =
    value !== undefined && Number.isFinite(value) && (!integer || Number.isSafeInteger(value)) && inBounds(spec, value);
  if (!ok)
    throw new OptionValueError(spec.name, text, `${integer ? 'an integer' : 'a finite number'}${boundsPhrase(spec)}`);
  return value!;
}

function convertList(spec: OptionSpec, text: string, expected: string): number[] {
  const fields = text.split(',');
  const values = fields.map(parseDecimal);
  if (values.some((v) => v === undefined || !Number.isFinite(v))) throw new OptionValueError(spec.name, text, expected);
  return values as number[];
}

function convertMatrix(spec: OptionSpec, text: string): number[][] {
  const expected = 'numbers separated by "," with rows separated by ";" (e.g. "1,0.5;0.5,2")';
  const rows = text.split(';').map((row) => convertList(spec, row, expected));
  if (rows.some((row) => row.length !== rows[0]!.length))
    throw new OptionValueError(spec.name, text, `${expected} with rows of equal length`);
  return rows;
}

function convertBoolean(spec: OptionSpec, text: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new OptionValueError(spec.name, text, 'true or false');
}

/** Converts an option's text to its typed value, or throws `OptionValueError`. */
export function convertOption(spec: OptionSpec, text: string): OptionValue {
  switch (spec.kind) {
    case 'boolean':
      return convertBoolean(spec, text);
    case 'string':
      if (text === '') throw new OptionValueError(spec.name, text, 'a non-empty string');
      return text;
    case 'choice':
      if (!spec.choices!.includes(text))
        throw new OptionValueError(spec.name, text, `one of ${spec.choices!.join(', ')}`);
      return text;
    case 'number':
    case 'integer':
      return convertScalar(spec, text);
    case 'numbers':
      return convertList(spec, text, 'a comma-separated list of finite numbers (e.g. "1,-2.5")');
    case 'matrix':
      return convertMatrix(spec, text);
  }
}

function findOption(options: readonly OptionSpec[], token: string): OptionSpec {
  const isLong = token.startsWith('--');
  const name = token.slice(isLong ? 2 : 1);
  const spec = options.find((o) => (isLong ? o.name === name : o.short === name));
  if (!spec) throw new UsageError(`unknown option ${token} (see --help)`);
  return spec;
}

function splitInlineValue(token: string): [string, string | undefined] {
  const eq = token.indexOf('=');
  return eq < 0 ? [token, undefined] : [token.slice(0, eq), token.slice(eq + 1)];
}

/**
 * Parses `argv` (the arguments after the command name) against a command's
 * options plus {@link COMMON_OPTIONS}. A value is always taken from the next
 * token, even one starting with `-`, so negative numbers need no quoting.
 * Positional arguments are refused, and so is an option given twice (under
 * its long or short name, flags included): every option takes one value, and
 * lists are comma-separated (`--dims 1,4,16`), so a repeat is a mistake that
 * would otherwise silently keep the last value.
 *
 * @example
 * ```ts
 * const args = parseArgs(spec, ['--steps=100', '-n', '1e4', '--json']);
 * args.number('steps', 1000); // 100
 * ```
 */
export function parseArgs(command: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options = [...command.options, ...COMMON_OPTIONS];
  const values = new Map<string, OptionValue>();
  const texts = new Map<string, string>(); // as typed, for the repeated-option error
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('-') || token === '-' || token === '--') {
      throw new UsageError(`unexpected argument ${JSON.stringify(token)} (options start with --; see --help)`);
    }
    const [flag, inline] = splitInlineValue(token);
    const spec = findOption(options, flag);
    let text = inline;
    if (text === undefined && spec.kind !== 'boolean') {
      if (i + 1 >= argv.length)
        throw new UsageError(`option --${spec.name} needs a value${spec.valueName ? ' ' + spec.valueName : ''}`);
      text = argv[++i]!;
    }
    const given = texts.get(spec.name);
    if (given !== undefined) throw new RepeatedOptionError(spec.name, given, text ?? 'true');
    texts.set(spec.name, text ?? 'true');
    values.set(spec.name, text === undefined ? true : convertOption(spec, text));
  }
  return new ParsedArgs(values);
}

function optionLabel(spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value =
    spec.kind === 'boolean'
      ? ''
      : ` ${spec.valueName ?? (spec.kind === 'choice' ? `<${spec.choices!.join('|')}>` : '<value>')}`;
  return `${short}--${spec.name}${value}`;
}

/** The `--help` text of a command, generated from its spec. */
export function formatHelp(command: CommandSpec): string {
  const options = [...command.options, ...COMMON_OPTIONS];
  const labels = options.map(optionLabel);
  const width = Math.min(34, Math.max(...labels.map((l) => l.length)) + 2);
  const lines = [`Usage: sgmkit ${command.name} [options]`, '', command.summary];
  if (command.description) lines.push('', command.description);
  lines.push('', 'Options:');
  options.forEach((spec, k) => {
    const label = labels[k]!;
    const pad = label.length + 2 > width ? '\n' + ' '.repeat(width + 2) : ' '.repeat(width - label.length);
    lines.push(`  ${label}${pad}${spec.description}${spec.defaultText ? ` (default: ${spec.defaultText})` : ''}`);
  });
  if (command.examples.length) lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}
