import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../packages/sampler/dist/cli/run.js';
import { sgmkit, expectOneLineError } from './run';
import { checkWellFormedXml } from '../helpers/xml';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-cli-'));

function commandNames(): string[] {
  const help = sgmkit(['--help']).stdout;
  return [...help.matchAll(/^ {2}(\w+) {2,}/gm)].map((m) => m[1]!);
}

describe('sgmkit: help, version, usage errors', () => {
  test('top-level help lists the commands; every command has --help', () => {
    const top = sgmkit([]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: sgmkit <command>/);
    const names = commandNames();
    expect(names).toContain('plot');
    for (const name of names) {
      const run = sgmkit([name, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: sgmkit ${name} \\[options\\]`));
      expect(run.stdout).toContain('--json');
      expect(sgmkit(['help', name]).stdout).toBe(run.stdout);
    }
  });

  test('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../packages/sampler/package.json', import.meta.url), 'utf8'));
    expect(sgmkit(['--version']).stdout.trim()).toBe(pkg.version);
  });

  test('unknown commands and options exit 2 with one line', () => {
    expect(expectOneLineError(sgmkit(['smaple']), 'sgmkit: ', 2)).toMatch(/unknown command "smaple"; commands: /);
    expect(expectOneLineError(sgmkit(['--steps', '3']), 'sgmkit: ', 2)).toMatch(/expected a command before --steps/);
    expect(expectOneLineError(sgmkit(['plot', '--bogus']), 'sgmkit plot: ', 2)).toBe(
      'sgmkit plot: unknown option --bogus (see --help)',
    );
    expect(expectOneLineError(sgmkit(['plot']), 'sgmkit plot: ', 2)).toBe('sgmkit plot: --in is required');
  });

  test('a repeated option exits 2 with one line naming it and both values', () => {
    // small and writing to the temporary directory, so a regression fails fast without touching out/
    const steps = sgmkit([
      'sample',
      '--steps',
      '10',
      '--steps',
      '20',
      '-n',
      '10',
      '--out',
      join(dir, 'repeated.csv'),
      '--no-plot',
    ]);
    expect(expectOneLineError(steps, 'sgmkit sample: ', 2)).toBe(
      'sgmkit sample: option --steps given twice: "10" and "20" (give it once)',
    );
    expect(steps.stdout).toBe('');
    expect(
      expectOneLineError(
        sgmkit(['sample', '-n', '100', '--n=200', '--steps', '2', '--out', join(dir, 'repeated.csv'), '--no-plot']),
        'sgmkit sample: ',
        2,
      ),
    ).toBe('sgmkit sample: option --n given twice: "100" and "200" (give it once)');
    const json = sgmkit(['verify', '--T', '1', '--T=2', '--dims', '1', '--steps', '4', '--json']);
    expect(expectOneLineError(json, 'sgmkit verify: ', 2)).toBe(
      'sgmkit verify: option --T given twice: "1" and "2" (give it once)',
    );
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { code: 'ERR_USAGE', message: 'option --T given twice: "1" and "2" (give it once)' },
    });
  });
});

describe('sgmkit plot', () => {
  test('draws a sample file; --json reports what it wrote', () => {
    const csv = join(dir, 'ring.csv');
    writeFileSync(csv, 'x,y\n' + Array.from({ length: 300 }, (_, i) => `${Math.cos(i)},${Math.sin(i)}`).join('\n'));
    const out = join(dir, 'ring.svg');
    const run = sgmkit(['plot', '--in', csv, '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, command: 'plot', plot: out, n: 300, d: 2 });
    const counts = checkWellFormedXml(readFileSync(out, 'utf8'));
    expect(counts.get('circle')).toBe(300);
  });

  test('a 1-D file gives a histogram', () => {
    const csv = join(dir, 'line.csv');
    writeFileSync(csv, Array.from({ length: 100 }, (_, i) => String(i / 100)).join('\n'));
    expect(sgmkit(['plot', '--in', csv]).code).toBe(0);
    expect(readFileSync(join(dir, 'line.svg'), 'utf8')).toContain('class="bars"');
  });

  test('bad data files: one line naming file and line, exit 1, JSON error with --json', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '1,2\n3,x\n');
    expect(expectOneLineError(sgmkit(['plot', '--in', bad]), 'sgmkit plot: ', 1)).toBe(
      `sgmkit plot: ${bad}: line 2, column 2: expected a finite number; got "x"`,
    );
    const json = sgmkit(['plot', '--in', join(dir, 'none.json'), '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { code: 'ERR_DATA_FILE', message: `${join(dir, 'none.json')}: cannot read: no such file` },
    });
  });
});

describe('runCli error handling', () => {
  const sink = () => {
    const chunks: string[] = [];
    return { chunks, write: (c: string) => chunks.push(c) };
  };
  const failing = (error: unknown) => [
    {
      spec: { name: 'boom', summary: 's', options: [], examples: [] },
      run: async () => {
        throw error;
      },
    },
  ];

  test('unexpected errors: one line, no stack unless SGMKIT_DEBUG=1', async () => {
    const stdout = sink();
    const stderr = sink();
    const code = await runCli(['boom'], { stdout, stderr }, failing(new TypeError('x is not a function')));
    expect(code).toBe(1);
    expect(stderr.chunks).toEqual([
      'sgmkit boom: unexpected error: x is not a function (set SGMKIT_DEBUG=1 for details)\n',
    ]);
    process.env.SGMKIT_DEBUG = '1';
    try {
      const debug = sink();
      await runCli(['boom'], { stdout: sink(), stderr: debug }, failing(new TypeError('x')));
      expect(debug.chunks.join('')).toMatch(/\n\s+at /);
    } finally {
      delete process.env.SGMKIT_DEBUG;
    }
  });

  test('multi-line messages are cut to their first line', async () => {
    const stderr = sink();
    const error = Object.assign(new Error('first\nsecond'), { code: 'ERR_SOMETHING' });
    expect(await runCli(['boom'], { stdout: sink(), stderr }, failing(error))).toBe(1);
    expect(stderr.chunks).toEqual(['sgmkit boom: first\n']);
  });
});
