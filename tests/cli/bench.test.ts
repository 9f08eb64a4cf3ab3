import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sgmkit, expectOneLineError } from './run';
import { parseBenchOutput } from '../../packages/sampler/dist/cli/commands/bench.js';

// A stand-in benchmarks directory: the command's contract is running files and reading their output.
const dir = mkdtempSync(join(tmpdir(), 'sgmkit-bench-'));
writeFileSync(join(dir, 'package.json'), '{}');
writeFileSync(
  join(dir, 'ok.bench.mjs'),
  [
    "console.log('ou step x 1,234.5 ops/sec ±1.50% (20 runs sampled)');",
    "console.log('C baseline skipped: no cc');",
    'console.log(`throughput ratio sgmkit / NumPy: 4.25x (quick ${process.env.SGMKIT_BENCH_QUICK ?? 0})`);',
  ].join('\n'),
);
writeFileSync(join(dir, 'broken.bench.mjs'), 'process.exit(3);');

describe('sgmkit bench', () => {
  test('summarises throughputs, ratios and skipped baselines; --json parses', () => {
    const run = sgmkit(['bench', '--dir', dir, '--filter', 'ok.bench', '--quick', '--json']);
    if (run.code !== 0) throw new Error(run.stderr + run.stdout);
    const out = JSON.parse(run.stdout);
    expect(out.quick).toBe(true);
    expect(out.results).toHaveLength(1);
    expect(out.results[0]).toMatchObject({
      file: 'ok.bench.mjs',
      exitCode: 0,
      throughputs: [{ name: 'ou step', opsPerSecond: 1234.5, rmePercent: 1.5, runs: 20 }],
      ratios: [{ label: 'throughput ratio sgmkit / NumPy', ratio: 4.25 }],
      notes: ['C baseline skipped: no cc'],
    });
    expect(run.stderr).toContain('(quick 1)');
  });

  test('a failing benchmark file makes the run fail after the summary', () => {
    const run = sgmkit(['bench', '--dir', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('broken.bench.mjs  exit 3');
    expect(run.stderr).toContain('sgmkit bench: broken.bench.mjs failed');
  });

  test('--list, and a missing directory is a one-line usage error', () => {
    expect(sgmkit(['bench', '--dir', dir, '--list']).stdout).toBe('broken.bench.mjs\nok.bench.mjs\n');
    expect(expectOneLineError(sgmkit(['bench', '--dir', join(dir, 'nope')]), 'sgmkit bench: ', 2)).toMatch(
      /no benchmarks directory at/,
    );
  });

  test('parser ignores unrelated lines', () => {
    expect(parseBenchOutput('hello\nratio without a number: n/a\n')).toEqual({
      throughputs: [],
      ratios: [],
      notes: [],
    });
  });
});
