/**
 * `sgmkit bench`: runs the repository's benchmark files (`benchmarks/*.bench.mjs`),
 * relays their output, and summarises the throughputs (benchmark.js lines) and
 * the ratios against the C and NumPy baselines that the files found on the machine.
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandSpec } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { formatTable } from '../format.js';
import { formatDuration, formatRate } from '../progress.js';

const spec: CommandSpec = {
  name: 'bench',
  summary:
    'run the kernel benchmarks; print throughputs and ratios against the C and NumPy baselines found on the machine',
  description:
    'Runs every benchmarks/*.bench.mjs of an sgmkit checkout (build first: npx -y pnpm@10 build). Baselines need\n' +
    'a C compiler (cc) and python3 with NumPy; a benchmark skips the ones it cannot find and says so.\n' +
    '--quick shortens benchmark.js sampling (and sets SGMKIT_BENCH_QUICK=1 for the files): noisier, for a smoke run.',
  options: [
    { name: 'quick', kind: 'boolean', description: 'short sampling (noisier numbers)' },
    {
      name: 'filter',
      kind: 'string',
      valueName: '<text>',
      description: 'run only benchmark files whose name contains this',
    },
    {
      name: 'dir',
      kind: 'string',
      valueName: '<path>',
      description: 'the benchmarks directory',
      defaultText: 'benchmarks/ of this checkout',
    },
    { name: 'list', kind: 'boolean', description: 'list the benchmark files and exit' },
  ],
  examples: ['sgmkit bench', 'sgmkit bench --quick --filter mixture', 'sgmkit bench --json > bench.json'],
};

/** One benchmark.js result line: `name x 1,234 ops/sec ±1.2% (50 runs sampled)`. */
export interface Throughput {
  readonly name: string;
  readonly opsPerSecond: number;
  readonly rmePercent: number;
  readonly runs: number;
}

/** A ratio line printed by a benchmark, e.g. `throughput ratio sgmkit / NumPy: 2.31x`. */
export interface Ratio {
  readonly label: string;
  readonly ratio: number;
}

/** What one benchmark file produced. */
export interface BenchFileResult {
  readonly file: string;
  readonly exitCode: number | null;
  readonly wallTimeMs: number;
  readonly throughputs: Throughput[];
  readonly ratios: Ratio[];
  /** Lines saying a baseline was skipped or failed. */
  readonly notes: string[];
}

const THROUGHPUT = /^(.*?) x ([\d,]+(?:\.\d+)?) ops\/sec [±+-]+([\d.]+)% \((\d+) runs? sampled\)/;
const RATIO = /^(.*\bratio\b.*?):\s*([\d.]+(?:e[+-]?\d+)?)\s*(?:x|×)/i;
const NOTE = /\b(skipped|not available|not found|failed)\b/i;

/** Extracts throughputs, ratios and notes from a benchmark's output. */
export function parseBenchOutput(output: string): Pick<BenchFileResult, 'throughputs' | 'ratios' | 'notes'> {
  const throughputs: Throughput[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.trim();
    const t = THROUGHPUT.exec(line);
    const r = RATIO.exec(line);
    if (t)
      throughputs.push({
        name: t[1]!,
        opsPerSecond: Number(t[2]!.replace(/,/g, '')),
        rmePercent: Number(t[3]),
        runs: Number(t[4]),
      });
    else if (r) ratios.push({ label: r[1]!.trim(), ratio: Number(r[2]) });
    else if (NOTE.test(line)) notes.push(line);
  }
  return { throughputs, ratios, notes };
}

function defaultDirectory(): string {
  // dist/cli/commands/bench.js → the checkout's benchmarks/
  return resolve(fileURLToPath(new URL('../../../../../benchmarks', import.meta.url)));
}

/**
 * True when this CLI runs from a checkout of the sgmkit repository, whose `benchmarks/`
 * (the `@sgmkit/benchmarks` workspace package) is what `sgmkit bench` runs. An installed
 * bin has no benchmarks beside it, so it does not offer the command at all.
 */
export function benchmarksCheckoutAvailable(): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(defaultDirectory(), 'package.json'), 'utf8')) as { name?: unknown };
    return manifest.name === '@sgmkit/benchmarks';
  } catch {
    return false;
  }
}

/** Why an installed `sgmkit` has no `bench` command, for the unknown-command error. */
export const BENCH_NOT_INSTALLED =
  'sgmkit bench runs the benchmarks of a checkout of the sgmkit repository (npx -y pnpm@10 bench there); an installed sgmkit has no benchmarks';

function benchFiles(directory: string, filter?: string): string[] {
  if (!existsSync(directory))
    throw new UsageError(
      `no benchmarks directory at ${directory} (sgmkit bench runs from a checkout of the sgmkit repository; see --dir)`,
    );
  const files = readdirSync(directory)
    .filter((f) => f.endsWith('.bench.mjs') && (!filter || f.includes(filter)))
    .sort();
  if (files.length === 0)
    throw new UsageError(`no benchmarks/*.bench.mjs files${filter ? ` matching "${filter}"` : ''} in ${directory}`);
  return files;
}

function runFile(directory: string, file: string, quick: boolean, context: CommandContext): Promise<BenchFileResult> {
  const preload = new URL('../bench-quick.js', import.meta.url).href;
  const args = [...(quick ? ['--import', preload] : []), join(directory, file)];
  const env = { ...process.env, SGMKIT_BENCH_DIR: directory, ...(quick ? { SGMKIT_BENCH_QUICK: '1' } : {}) };
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: directory, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const relay = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!context.quiet) context.stderr.write(chunk.toString());
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', fail);
    const stop = (): void => void child.kill('SIGINT');
    context.signal.addEventListener('abort', stop, { once: true });
    child.on('close', (code) => {
      context.signal.removeEventListener('abort', stop);
      done({ file, exitCode: code, wallTimeMs: performance.now() - started, ...parseBenchOutput(output) });
    });
  });
}

function summary(results: readonly BenchFileResult[]): string {
  const throughputRows = results.flatMap((r) =>
    r.throughputs.map((t) => [r.file, t.name, `${formatRate(t.opsPerSecond)}/s`, `±${t.rmePercent}%`]),
  );
  const ratioRows = results.flatMap((r) => r.ratios.map((x) => [r.file, x.label, `${x.ratio}x`]));
  const status = results.map((r) => [
    r.file,
    r.exitCode === 0 ? 'ok' : `exit ${r.exitCode}`,
    formatDuration(r.wallTimeMs),
  ]);
  const parts = ['Benchmark files:', formatTable(['file', 'status', 'time'], status)];
  if (throughputRows.length)
    parts.push(
      'Throughput (benchmark.js, operations per second):',
      formatTable(['file', 'benchmark', 'ops', 'rme'], throughputRows),
    );
  if (ratioRows.length)
    parts.push(
      'Ratios against the baselines found on this machine:',
      formatTable(['file', 'ratio', 'value'], ratioRows),
    );
  const notes = results.flatMap((r) => r.notes.map((n) => `  ${r.file}: ${n}`));
  if (notes.length) parts.push('Notes:', notes.join('\n') + '\n');
  return parts.join('\n');
}

/** The `bench` command. */
export const benchCommand: Command = {
  spec,
  interruptible: true,
  async run(args, context) {
    const directory = resolve(args.string('dir', defaultDirectory()));
    const files = benchFiles(directory, args.string('filter'));
    if (args.flag('list')) return { text: files.join('\n') + '\n', json: { directory, files } };
    const results: BenchFileResult[] = [];
    for (const file of files) {
      if (!context.quiet) context.stderr.write(`\n== ${file}\n`);
      results.push(await runFile(directory, file, args.flag('quick'), context));
    }
    const failed = results.filter((r) => r.exitCode !== 0).map((r) => r.file);
    if (failed.length) context.stderr.write(`sgmkit bench: ${failed.join(', ')} failed (see the output above)\n`);
    return {
      text: summary(results),
      json: { directory, quick: args.flag('quick'), results },
      exitCode: failed.length ? 1 : 0,
    };
  },
};
