import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './run';

const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.mjs')).sort();

describe('examples stay runnable', () => {
  test('there is an example for each public entry-point family', () => {
    for (const name of ['quickstart.mjs', 'kernels.mjs', 'scores.mjs', 'sampling.mjs', 'analysis.mjs', 'training.mjs', 'plots.mjs']) expect(examples).toContain(name);
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
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', blocks[0]!], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`the example in packages/${name}/README.md exited ${run.status}:\n${run.stderr}`);
    expect(run.stdout.length).toBeGreaterThan(0);
  });

  test('the README embeds examples/quickstart.mjs verbatim, and it is about 20 lines', () => {
    const quickstart = readFileSync(join(ROOT, 'examples', 'quickstart.mjs'), 'utf8').trim();
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(quickstart);
    expect(quickstart.split('\n').length).toBeLessThanOrEqual(25);
  });
});
