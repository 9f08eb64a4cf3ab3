/**
 * A minimal PNG encoder for 8-bit grayscale rasters, dependency-free (runs in
 * a browser): signature, IHDR, one IDAT, IEND, each chunk with its CRC-32. The
 * zlib stream is made of stored (uncompressed) deflate blocks with an Adler-32
 * trailer unless the caller passes a compressor (Node: `zlib.deflateSync`).
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';

/** An 8-bit grayscale raster, row-major, `pixels.length = width·height`. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, polynomial 0xEDB88320) of `bytes`, as PNG chunks use it. */
export function crc32(bytes: Uint8Array, initial = 0): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~initial >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Adler-32 of `bytes` (the zlib trailer). */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored deflate blocks (no compression): valid for any inflater. */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + 5 * blocks + 4);
  out[0] = 0x78; // CMF: deflate, 32K window
  out[1] = 0x01; // FLG: (0x78·256 + 1) % 31 = 0, no dictionary
  let p = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const length = Math.min(65535, data.length - start);
    out[p++] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE = 00 (stored)
    out[p++] = length & 0xff;
    out[p++] = length >>> 8;
    out[p++] = ~length & 0xff;
    out[p++] = (~length >>> 8) & 0xff;
    out.set(data.subarray(start, start + length), p);
    p += length;
  }
  const check = adler32(data);
  out[p++] = check >>> 24;
  out[p++] = (check >>> 16) & 0xff;
  out[p++] = (check >>> 8) & 0xff;
  out[p] = check & 0xff;
  return out;
}

function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** One chunk: length, type, data, CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  writeUint32(out, 0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  writeUint32(out, 8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes a grayscale raster as a PNG file (bit depth 8, colour type 0, no
 * interlace, filter 0 on every row).
 * @param compress zlib compressor of the filtered scanlines (default: stored blocks, {@link zlibStored})
 * @throws InvalidArgumentError for bad dimensions or a pixel buffer of the wrong length
 * @example
 * ```ts
 * import { encodePng } from '@sgmkit/sampler';
 * const png = encodePng({ width: 2, height: 1, pixels: Uint8Array.of(0, 255) }); // a black and a white pixel
 * ```
 */
export function encodePng(image: GrayImage, compress: (data: Uint8Array) => Uint8Array = zlibStored): Uint8Array {
  const fn = 'encodePng';
  if (image === null || typeof image !== 'object')
    throw new InvalidArgumentError(fn, 'image', image, 'an object { width, height, pixels }');
  const { width, height, pixels } = image;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff)
      throw new InvalidArgumentError(fn, `image.${name}`, v, 'an integer in [1, 2^31 − 1]');
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height)
    throw new InvalidArgumentError(
      fn,
      'image.pixels',
      pixels,
      `a Uint8Array of width·height = ${width * height} bytes`,
    );
  const header = new Uint8Array(13);
  writeUint32(header, 0, width);
  writeUint32(header, 4, height);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  const scanlines = new Uint8Array(height * (width + 1)); // each row: filter byte 0, then the row
  for (let y = 0; y < height; y++) scanlines.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const parts = [
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', compress(scanlines)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
