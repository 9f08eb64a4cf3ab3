// Malformed input files (issue 14): every one is rejected with one line naming the file and the problem,
// exit status 1, no stack trace, memory and time in proportion to the file (absurd sizes fail before allocating).
import { mkdtempSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScoreNetwork, saveScoreNetwork } from '@sgmkit/score';
import { DataFileError } from '@sgmkit/sampler/io';
import { MAX_TEXT_FILE_BYTES, readScoreNetworkFile } from '@sgmkit/sampler/node';
import { expectOneLineError, sgmkit } from './run';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-malformed-'));
const network = JSON.parse(saveScoreNetwork(createScoreNetwork({ dim: 2, hiddenWidths: [8, 8], seed: 1 })));

function networkFile(name: string, edit: (doc: typeof network) => void): string {
  const doc = structuredClone(network);
  edit(doc);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

function textFile(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const NETWORKS: [string, () => string, RegExp][] = [
  ['truncated', () => textFile('truncated.json', JSON.stringify(network).slice(0, 500)), /valid JSON/],
  ['empty', () => textFile('empty.json', ''), /valid JSON/],
  [
    'binary garbage',
    () => textFile('garbage.json', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256))),
    /valid JSON/,
  ],
  [
    'a wrong version',
    () =>
      networkFile('version.json', (d) => {
        d.version = 99;
      }),
    /json\.version.*supported format version/,
  ],
  [
    'a NaN weight (null in JSON)',
    () =>
      networkFile('nan.json', (d) => {
        d.layers[1].weight[3] = null;
      }),
    /layers\[1\]\.weight\[3\].*finite number/,
  ],
  [
    'a weight array of the wrong shape',
    () =>
      networkFile('shape.json', (d) => {
        d.layers[0].weight.pop();
      }),
    /layers\[0\]\.weight.*array of \d+ numbers/,
  ],
  [
    'absurd widths (10^9)',
    () =>
      networkFile('absurd.json', (d) => {
        d.architecture.hiddenWidths = [1e9, 1e9];
      }),
    /layers\[0\]\.weight.*got array of length/,
  ],
  [
    'a negative dimension',
    () =>
      networkFile('dim.json', (d) => {
        d.architecture.dim = -3;
      }),
    /architecture\.dim.*positive integer/,
  ],
  [
    'the wrong format',
    () =>
      networkFile('format.json', (d) => {
        d.format = 'something-else';
      }),
    /json\.format/,
  ],
];

const POINTS: [string, () => string, RegExp][] = [
  [
    'garbage in a cell',
    () => textFile('garbage.csv', 'x0,x1\n1,abc\n'),
    /line 2, column 2: expected a finite number; got "abc"/,
  ],
  ['ragged rows', () => textFile('ragged.csv', 'x0,x1\n1,2\n3\n'), /line 3: expected 2 values/],
  ['an overflowing value', () => textFile('huge.csv', 'x0,x1\n1,1e309\n'), /expected a finite number; got "1e309"/],
  ['no rows', () => textFile('none.csv', ''), /no data rows/],
  [
    'binary garbage',
    () => textFile('binary.csv', Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256))),
    /expected a finite number/,
  ],
  [
    'JSON of the wrong shape',
    () => textFile('shape.json', JSON.stringify({ samples: [[1, 2], [3]] })),
    /point 1: expected an array of 2 numbers like point 0; got \[3\]/,
  ],
  [
    'a file larger than 512 MiB (sparse)',
    () => {
      const p = textFile('large.csv', '');
      truncateSync(p, MAX_TEXT_FILE_BYTES + 1);
      return p;
    },
    /is 536870913 bytes; sgmkit reads text files of at most/,
  ],
];

describe('malformed files get one line naming the file and the problem', () => {
  test.each(NETWORKS)('sample --network: %s', (_, make, problem) => {
    const path = make();
    const line = expectOneLineError(
      sgmkit(['sample', '--network', path, '-n', '10', '--steps', '20', '--no-plot', '--out', join(dir, 'o.csv')]),
      `sgmkit sample: ${path}: `,
      1,
    );
    expect(line).toMatch(problem);
    expect(() => readScoreNetworkFile(path)).toThrow(DataFileError);
  });

  test.each(POINTS)('sample --points: %s', (_, make, problem) => {
    const path = make();
    const line = expectOneLineError(
      sgmkit(['sample', '--points', path, '-n', '10', '--steps', '20', '--no-plot', '--out', join(dir, 'o.csv')]),
      `sgmkit sample: ${path}: `,
      1,
    );
    expect(line).toMatch(problem);
  });

  test('a byte-order mark before the header is accepted', () => {
    const path = textFile('bom.csv', '\ufeffx0,x1\n0,1\n1,0\n2,2\n');
    const run = sgmkit([
      'sample',
      '--points',
      path,
      '-n',
      '10',
      '--steps',
      '20',
      '--no-plot',
      '-q',
      '--out',
      join(dir, 'bom-out.csv'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
