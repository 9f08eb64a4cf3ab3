/**
 * `--image HxW` of `sgmkit plot` and `sgmkit sample`: a grid of the samples as
 * grayscale images, written as PNG (deflated with node:zlib) or SVG by the
 * file's extension.
 * @packageDocumentation
 */
import { deflateSync } from 'node:zlib';
import type { Batch } from '@sgmkit/tensor';
import { encodePng } from '../plot/png.js';
import { imageGrid, imageGridSvg, type ImageGridOptions } from '../plot/images.js';
import { writeBinaryFile, writeTextFile } from '../node/files.js';
import { OptionValueError, UsageError } from './errors.js';
import type { OptionSpec, ParsedArgs } from './args.js';

/** The options that shape an image grid. */
export const IMAGE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'image',
    kind: 'string',
    valueName: '<HxW>',
    description: 'draw the rows as H×W grayscale images in a grid (PNG or SVG by the --plot/--out extension)',
  },
  {
    name: 'range',
    kind: 'string',
    valueName: '<lo,hi>',
    description: 'values drawn black and white (with --image)',
    defaultText: 'min and max of the drawn values',
  },
  {
    name: 'count',
    kind: 'integer',
    min: 1,
    valueName: '<k>',
    description: 'images in the grid (with --image)',
    defaultText: '64',
  },
];

/** `HxW` → `[H, W]`. */
export function parseImageSize(text: string, d: number): [number, number] {
  const match = /^(\d+)[x×](\d+)$/i.exec(text.trim());
  if (!match) throw new OptionValueError('image', text, "'HxW' with positive integers H and W, e.g. 8x8");
  const h = Number(match[1]);
  const w = Number(match[2]);
  if (!(h >= 1 && w >= 1)) throw new OptionValueError('image', text, "'HxW' with positive integers H and W, e.g. 8x8");
  if (h * w !== d) throw new UsageError(`--image ${text} has ${h * w} pixels; the rows have d = ${d} values`);
  return [h, w];
}

/** The grid options from `--image`, `--range` and `--count` (undefined without `--image`). */
export function imageGridOptions(args: ParsedArgs, d: number, n: number): ImageGridOptions | undefined {
  const size = args.string('image');
  if (size === undefined) {
    for (const option of ['range', 'count'])
      if (args.has(option)) throw new UsageError(`--${option} shapes the --image grid: give --image HxW too`);
    return undefined;
  }
  const [height, width] = parseImageSize(size, d);
  const rangeText = args.string('range');
  let range: [number, number] | undefined;
  if (rangeText !== undefined) {
    const parts = rangeText.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0]! < parts[1]!))
      throw new OptionValueError('range', rangeText, "'lo,hi' with finite lo < hi");
    range = [parts[0]!, parts[1]!];
  }
  return { height, width, range, count: Math.min(n, args.number('count', 64)) };
}

/** Writes the grid to `path`: PNG for `.png`, else SVG. */
export function writeImageGrid(path: string, samples: Batch, options: ImageGridOptions, title: string): void {
  if (/\.png$/i.test(path))
    writeBinaryFile(
      path,
      encodePng(imageGrid(samples, options), (data) => deflateSync(data)),
    );
  else writeTextFile(path, imageGridSvg(samples, { ...options, title }));
}
