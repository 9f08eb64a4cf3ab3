import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sgmkit, expectOneLineError } from './run';
import { checkWellFormedXml } from '../helpers/xml';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-images-'));
// 10 images 4×4: image k lights pixel k (row-major), everything else 0.
const data = join(dir, 'images.csv');
writeFileSync(
  data,
  [
    Array.from({ length: 16 }, (_, i) => `p${i}`).join(','),
    ...Array.from({ length: 10 }, (_, k) => Array.from({ length: 16 }, (_, i) => (i === k ? 1 : 0)).join(',')),
  ].join('\n') + '\n',
);

/** Width, height and pixels of a grayscale PNG (IHDR and the inflated IDAT; the library test checks CRCs). */
function readPng(path: string): { width: number; height: number; pixels: Uint8Array } {
  const png = readFileSync(path);
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idatLength = png.readUInt32BE(33);
  expect(png.toString('latin1', 37, 41)).toBe('IDAT');
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  return { width, height, pixels };
}

describe('sgmkit plot/sample --image', () => {
  test('plot --image 4x4 --out *.png: a 4-column grid, scale 4, lit pixel k of image k is white', () => {
    const out = join(dir, 'grid.png');
    const run = sgmkit(['plot', '--in', data, '--image', '4x4', '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      plot: out,
      n: 10,
      d: 16,
      image: { height: 4, width: 4, count: 10 },
    });
    const { width, height, pixels } = readPng(out);
    const tile = 16; // 4 pixels × scale 4
    expect([width, height]).toEqual([4 * tile + 5 * 2, 3 * tile + 4 * 2]);
    for (let k = 0; k < 10; k++) {
      const left = 2 + (k % 4) * (tile + 2);
      const top = 2 + Math.floor(k / 4) * (tile + 2);
      const lit = (x: number, y: number) => pixels[(top + y * 4 + 1) * width + left + x * 4 + 1];
      expect(lit(k % 4, Math.floor(k / 4))).toBe(255);
      expect(lit((k + 1) % 4, Math.floor(((k + 1) % 16) / 4))).toBe(0);
    }
  });

  test('plot --image as SVG is well formed; sample --image draws the samples as images', () => {
    const svg = join(dir, 'grid.svg');
    expect(sgmkit(['plot', '--in', data, '--image', '4x4', '--count', '3', '--out', svg]).code).toBe(0);
    expect(checkWellFormedXml(readFileSync(svg, 'utf8')).get('rect')).toBe(2 + 3 * 16);
    const png = join(dir, 'sampled.png');
    const run = sgmkit([
      'sample',
      '--points',
      data,
      '--steps',
      '50',
      '--schedule',
      'early-stopping',
      '-n',
      '16',
      '--image',
      '4x4',
      '--range',
      '0,1',
      '--plot',
      png,
      '--out',
      join(dir, 's.csv'),
    ]);
    expect(run.code).toBe(0);
    expect(readPng(png).width).toBe(4 * 16 + 5 * 2);
  });

  test('errors: wrong size, options without --image, PNG without --image', () => {
    expectOneLineError(
      sgmkit(['plot', '--in', data, '--image', '3x3']),
      'sgmkit plot: --image 3x3 has 9 pixels; the rows have d = 16 values',
      2,
    );
    expectOneLineError(sgmkit(['plot', '--in', data, '--image', 'big']), 'sgmkit plot: --image must be', 1);
    expectOneLineError(
      sgmkit(['plot', '--in', data, '--range', '0,1']),
      'sgmkit plot: --range shapes the --image grid',
      2,
    );
    expectOneLineError(
      sgmkit(['plot', '--in', data, '--out', join(dir, 'x.png')]),
      'sgmkit plot: PNG output is for image grids',
      2,
    );
    expectOneLineError(
      sgmkit(['plot', '--in', data, '--image', '4x4', '--range', '1,0']),
      'sgmkit plot: --range must be',
      1,
    );
  });
});
