// The @example blocks of the data samplers are run as written, against the built package,
// and each `console.log(...) // expected` line must print what its comment says.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sources = ['gaussian', 'mixture', 'point-cloud', 'forward'].map((name) => `packages/score/src/data/${name}.ts`);

/** The code of every ```ts block inside an @example tag of a TSDoc comment, leading ` * ` removed. */
function examplesOf(source: string): string[] {
  const blocks = [...source.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g)];
  return blocks.map((b) =>
    b[1]!
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''))
      .join('\n'),
  );
}

describe.each(sources)('%s', (path) => {
  const examples = examplesOf(readFileSync(`${root}/${path}`, 'utf8'));

  test('has an @example', () => expect(examples.length).toBeGreaterThan(0));

  test.each(examples.map((code, k) => [k, code]))('example %i runs and prints what its comments say', (_, code) => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', code as string], {
      cwd: root,
      encoding: 'utf8',
    });
    const expected = (code as string)
      .split('\n')
      .filter((l) => l.startsWith('console.log('))
      .map((l) => l.split(' // ')[1]!.trim());
    expect(
      output
        .trim()
        .split('\n')
        .map((l) => l.trim()),
    ).toEqual(expected);
  });
});
