import { inflateSync, deflateSync } from 'node:zlib';
import { InvalidArgumentError, fromArray } from '@sgmkit/tensor';
import { PNG_SIGNATURE, adler32, crc32, encodePng, imageGrid, imageGridSvg, zlibStored } from '@sgmkit/sampler/plot';
import type { GrayImage } from '@sgmkit/sampler/plot';
import { checkWellFormedXml } from '../helpers/xml';

const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Parses a PNG independently: checks signature, every chunk's CRC, IHDR; inflates IDAT with node:zlib and removes filter bytes. */
function decodeGrayPng(png: Uint8Array): GrayImage {
  expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let at = 8; at < png.length;) {
    const length = u32(png, at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    expect(u32(png, at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data });
    at += 12 + length;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0]!.data;
  const [width, height] = [u32(ihdr, 0), u32(ihdr, 4)];
  expect(Array.from(ihdr.subarray(8))).toEqual([8, 0, 0, 0, 0]); // depth 8, grayscale, deflate, filter 0, no interlace
  const raw = inflateSync(chunks[1]!.data);
  expect(raw.length).toBe(height * (width + 1));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels };
}

describe('PNG encoder', () => {
  test('CRC-32 and Adler-32 known values', () => {
    const ascii = new TextEncoder().encode('123456789');
    expect(crc32(ascii)).toBe(0xcbf43926); // the standard check value
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082); // every PNG's IEND CRC
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
  });

  test('stored zlib (several 64 KiB blocks) and node:zlib deflate both decode to the pixels', () => {
    const width = 300;
    const height = 500; // 150 500 bytes of scanlines: three stored blocks
    const pixels = new Uint8Array(width * height).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
    const image = { width, height, pixels };
    expect(inflateSync(zlibStored(pixels))).toEqual(Buffer.from(pixels));
    for (const png of [encodePng(image), encodePng(image, (d) => deflateSync(d))]) {
      expect(Array.from(png.subarray(0, 8))).toEqual(Array.from(PNG_SIGNATURE));
      const decoded = decodeGrayPng(png);
      expect([decoded.width, decoded.height]).toEqual([width, height]);
      expect(decoded.pixels).toEqual(pixels);
    }
  });

  test('typed errors', () => {
    expect(() => encodePng({ width: 0, height: 1, pixels: new Uint8Array(0) })).toThrow(/image\.width/);
    expect(() => encodePng({ width: 2, height: 2, pixels: new Uint8Array(3) })).toThrow(
      /image\.pixels' must be a Uint8Array of width·height = 4 bytes/,
    );
    expect(() => encodePng(null as never)).toThrow(InvalidArgumentError);
  });
});

describe('image grids', () => {
  // two 2×3 images: a ramp and its reverse
  const samples = fromArray([
    [0, 0.2, 0.4, 0.6, 0.8, 1],
    [1, 0.8, 0.6, 0.4, 0.2, 0],
  ]);

  test('raster: tile layout, scale, gap, gray levels round(255 (v − lo)/(hi − lo)) clamped', () => {
    const image = imageGrid(samples, { height: 2, width: 3, columns: 2, scale: 2, gap: 1, range: [0, 0.8] });
    expect([image.width, image.height]).toEqual([2 * 6 + 3, 4 + 2]);
    const at = (x: number, y: number) => image.pixels[y * image.width + x];
    expect(at(0, 0)).toBe(128); // gap
    expect(at(1, 1)).toBe(0); // image 0, pixel (0, 0) = 0
    expect(at(3, 1)).toBe(Math.round((255 * 0.2) / 0.8)); // pixel (0, 1) = 0.2
    expect(at(5, 4)).toBe(255); // pixel (1, 2) = 1 > hi: clamped
    expect(at(8, 1)).toBe(255); // image 1, pixel (0, 0) = 1
    expect(at(7, 1)).toBe(128); // gap between tiles
    const round = decodeGrayPng(encodePng(image));
    expect(round.pixels).toEqual(image.pixels);
  });

  test('default range: the min and max of the drawn values; non-finite values are black', () => {
    const withNaN = fromArray([[2, 4, Number.NaN, 3]]);
    const image = imageGrid(withNaN, { height: 2, width: 2, scale: 1, gap: 0 });
    expect(Array.from(image.pixels)).toEqual([0, 255, 0, 128]);
  });

  test('SVG: well formed, one rect per image pixel, caption with the range', () => {
    const svg = imageGridSvg(samples, { height: 2, width: 3, title: 'ramps <&>' });
    const counts = checkWellFormedXml(svg);
    expect(counts.get('rect')).toBe(2 + 12); // background, grid backdrop, 2 × 6 pixels
    expect(svg).toContain('fill="rgb(255,255,255)"');
    expect(svg).toContain('2 images 2×3; black = 0.000, white = 1.000');
    expect(svg).toContain('ramps &lt;&amp;&gt;');
  });

  test('typed errors', () => {
    expect(() => imageGrid(samples, { height: 2, width: 2 })).toThrow(/height·width = d = 6/);
    expect(() => imageGrid(samples, { height: 2, width: 3, range: [1, 1] })).toThrow(/options\.range/);
    expect(() => imageGrid(samples, { height: 2, width: 3, count: 3 })).toThrow(/options\.count/);
    expect(() => imageGrid(samples, { height: 2.5, width: 3 } as never)).toThrow(/options\.height/);
    expect(() => imageGridSvg(samples, { height: 2, width: 3, scale: 0 })).toThrow(/options\.scale/);
  });
});
