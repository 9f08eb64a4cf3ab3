import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './run';

const CLI = join(ROOT, 'packages', 'sampler', 'dist', 'cli', 'main.js');
const examples = readdirSync(join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.mjs'))
  .sort();

describe('examples stay runnable', () => {
  test('there is an example for each public entry-point family', () => {
    for (const name of [
      'quickstart.mjs',
      'kernels.mjs',
      'scores.mjs',
      'sampling.mjs',
      'analysis.mjs',
      'training.mjs',
      'plots.mjs',
    ])
      expect(examples).toContain(name);
  });

  test.each(examples)('node examples/%s exits 0', (file) => {
    const run = spawnSync(process.execPath, [join('examples', file)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`examples/${file} exited ${run.status}:\n${run.stderr}`);
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  test.each(['tensor', 'score', 'sampler'])('the js example in packages/%s/README.md runs', (name) => {
    const readme = readFileSync(join(ROOT, 'packages', name, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', blocks[0]!], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0)
      throw new Error(`the example in packages/${name}/README.md exited ${run.status}:\n${run.stderr}`);
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  test('examples/data/moons.csv is exactly what examples/data/make-moons.mjs writes', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sgmkit-moons-')), 'moons.csv');
    const run = spawnSync(process.execPath, [join('examples', 'data', 'make-moons.mjs'), out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (run.status !== 0) throw new Error(run.stderr);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(ROOT, 'examples', 'data', 'moons.csv'), 'utf8'));
  });

  test("every data file that a command's --help names exists, and the --points example runs", () => {
    const named = new Set<string>();
    for (const command of ['sample', 'train', 'plot', 'verify']) {
      const help = spawnSync(process.execPath, [CLI, command, '--help'], { cwd: ROOT, encoding: 'utf8' }).stdout;
      for (const match of help.matchAll(/examples\/data\/[\w.-]+/g)) named.add(match[0]);
    }
    expect(named.size).toBeGreaterThan(0);
    for (const file of named) expect(existsSync(join(ROOT, file))).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'sgmkit-points-'));
    const run = spawnSync(
      process.execPath,
      [
        CLI,
        'sample',
        '--points',
        'examples/data/moons.csv',
        '--delta',
        '1e-2',
        '--schedule',
        'early-stopping',
        '--steps',
        '200',
        '-n',
        '500',
        '--out',
        join(out, 's.csv'),
        '--no-plot',
        '-q',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    if (run.status !== 0) throw new Error(run.stderr);
    expect(readFileSync(join(out, 's.csv'), 'utf8').trim().split('\n')).toHaveLength(501);
  });

  test('the README embeds examples/quickstart.mjs verbatim, and it is about 20 lines', () => {
    const quickstart = readFileSync(join(ROOT, 'examples', 'quickstart.mjs'), 'utf8').trim();
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(quickstart);
    expect(quickstart.split('\n').length).toBeLessThanOrEqual(25);
  });
});
