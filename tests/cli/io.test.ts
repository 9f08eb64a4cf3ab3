import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArray, toArray } from '@sgmkit/tensor';
import {
  samplesToCsv,
  samplesToJson,
  parsePointCloudCsv,
  parsePointCloudJson,
  DataFileError,
} from '@sgmkit/sampler/io';
import { readPointCloud, writeSamples } from '@sgmkit/sampler/node';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-io-'));

function message(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(DataFileError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('sample files', () => {
  const awkward = [
    [0.1 + 0.2, -1e-300],
    [Math.PI, 1 / 3],
    [-0, 123456789.123],
  ];

  test('CSV and JSON round-trip float64 values bit for bit', () => {
    const samples = fromArray(awkward);
    for (const name of ['s.csv', 's.json']) {
      const path = join(dir, 'nested', name);
      writeSamples(path, samples, { seed: 7 });
      expect(toArray(readPointCloud(path))).toEqual(awkward.map((r) => r.map((v) => (Object.is(v, -0) ? -0 : v))));
    }
    expect(JSON.parse(readFileSync(join(dir, 'nested', 's.json'), 'utf8'))).toMatchObject({ shape: [3, 2], seed: 7 });
    expect(
      samplesToCsv(
        fromArray([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe('x0,x1\n1,2\n3,4\n');
    expect(JSON.parse(samplesToJson(fromArray([[1], [2]])))).toEqual({ shape: [2, 1], samples: [[1], [2]] });
  });

  test('CSV reader: optional header, comments and blank lines', () => {
    expect(toArray(parsePointCloudCsv('# made by hand\nx,y\n\n1,2\n 3 , 4 \r\n'))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(toArray(parsePointCloudCsv('1\n2\n'))).toEqual([[1], [2]]);
  });

  test('JSON reader: arrays of points, 1-D numbers, or {samples}/{points}', () => {
    expect(toArray(parsePointCloudJson('[[1,2],[3,4]]'))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(toArray(parsePointCloudJson('[1,2,3]'))).toEqual([[1], [2], [3]]);
    expect(toArray(parsePointCloudJson('{"points":[[5,6]]}'))).toEqual([[5, 6]]);
  });

  test('malformed files get one-line errors naming the file, line and problem', () => {
    expect(message(() => parsePointCloudCsv('x,y\n1,2\n3\n', 'a.csv'))).toBe(
      'a.csv: line 3: expected 2 values like the first data row; got 1',
    );
    expect(message(() => parsePointCloudCsv('1,2\n3,abc\n', 'a.csv'))).toBe(
      'a.csv: line 2, column 2: expected a finite number; got "abc"',
    );
    expect(message(() => parsePointCloudCsv('1,2\nNaN,1\n', 'a.csv'))).toBe(
      'a.csv: line 2, column 1: expected a finite number; got "NaN"',
    );
    expect(message(() => parsePointCloudCsv('x,y\n', 'a.csv'))).toMatch(/^a\.csv: no data rows/);
    expect(message(() => parsePointCloudJson('[[1,2],[3]]', 'b.json'))).toBe(
      'b.json: point 1: expected an array of 2 numbers like point 0; got [3]',
    );
    expect(message(() => parsePointCloudJson('[[1,null]]', 'b.json'))).toBe(
      'b.json: point 0, coordinate 1: expected a finite number; got null',
    );
    expect(message(() => parsePointCloudJson('{"x":1}', 'b.json'))).toMatch(/^b\.json: expected an array of points/);
    expect(message(() => parsePointCloudJson('[[1,2]', 'b.json'))).toMatch(/^b\.json: invalid JSON/);
    expect(message(() => parsePointCloudJson('[]', 'b.json'))).toBe('b.json: no points');
    expect(message(() => readPointCloud(join(dir, 'missing.csv')))).toMatch(/missing\.csv: cannot read: no such file$/);
    expect(message(() => readPointCloud(dir + '/x.txt'))).toMatch(/unknown point-cloud file type '\.txt'/);
    expect(message(() => writeSamples(join(dir, 'x.npy'), fromArray([[1]])))).toMatch(
      /unknown sample file type '\.npy'/,
    );
    writeFileSync(join(dir, 'dir.csv.d'), '');
    expect(message(() => readPointCloud(dir + '/'))).toMatch(/unknown point-cloud file type/);
  });
});
