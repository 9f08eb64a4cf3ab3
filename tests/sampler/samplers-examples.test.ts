// Every @example of the samplers and schedules runs as written (against the built packages), in a child process.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const folders = ['packages/sampler/src/samplers', 'packages/sampler/src/schedules'];

function examples(): [string, string][] {
  const found: [string, string][] = [];
  for (const folder of folders) {
    for (const file of readdirSync(join(root, folder))
      .filter((f) => f.endsWith('.ts'))
      .sort()) {
      const text = readFileSync(join(root, folder, file), 'utf8');
      for (const match of text.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g)) {
        const code = match[1]!
          .split('\n')
          .map((line) => line.replace(/^\s*\* ?/, ''))
          .join('\n');
        const next = text.slice(match.index! + match[0].length).match(/export (?:async )?function (\w+)/);
        found.push([`${file}: ${next?.[1] ?? '?'}`, code]);
      }
    }
  }
  return found;
}

const all = examples();

test('examples were found for every public sampler and schedule function', () => {
  const names = all.map(([name]) => name.split(': ')[1]);
  for (const fn of [
    'uniformGrid',
    'earlyStoppingGrid',
    'customGrid',
    'stabilityLimit',
    'ddpmExponentialIntegrator',
    'ddpmEulerMaruyama',
    'ddpmAncestral',
    'ddpmProbabilityFlow',
    'cldExponentialIntegrator',
    'cldEulerMaruyama',
    'cldSSCS',
    'sampleDDPM',
    'sampleCLD',
  ]) {
    expect(names).toContain(fn);
  }
});

test.each(all)('%s', (_name, code) => {
  expect(() =>
    execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: 'pipe', timeout: 60_000 }),
  ).not.toThrow();
});
