/**
 * Image grids: rows of `h·w` pixel values (row-major images) drawn as a grid
 * of grayscale tiles, as a raster (for {@link encodePng}) or as an SVG with one
 * rectangle per pixel.
 * @packageDocumentation
 */
import { InvalidArgumentError, expectBatch } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { GrayImage } from './png.js';
import { element, svgDocument, text } from './svg.js';

/** Options of {@link imageGrid} and {@link imageGridSvg}. */
export interface ImageGridOptions {
  /** Image height `h` in pixels (`h·w` must equal the row length). */
  readonly height: number;
  /** Image width `w` in pixels. */
  readonly width: number;
  /** How many rows (images) to draw, from the first (default: all, at most 100). */
  readonly count?: number;
  /** Tiles per grid row (default `⌈√count⌉`). */
  readonly columns?: number;
  /** Values mapped to black and white (default: the min and max of the finite drawn values). */
  readonly range?: readonly [number, number];
  /** Screen pixels per image pixel (default 4). */
  readonly scale?: number;
  /** Screen pixels between tiles (default 2, drawn mid-gray). */
  readonly gap?: number;
}

/** A resolved layout. */
interface Layout {
  readonly h: number;
  readonly w: number;
  readonly count: number;
  readonly columns: number;
  readonly rows: number;
  readonly lo: number;
  readonly hi: number;
  readonly scale: number;
  readonly gap: number;
}

const GAP_GRAY = 128;

function positiveInteger(fn: string, argument: string, value: unknown, fallback: number, max = 1 << 16): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max)
    throw new InvalidArgumentError(fn, argument, value, `an integer in [1, ${max}]`);
  return value as number;
}

/** Min and max of the finite values of the first `count` rows (0 and 1 when there are none or all are equal). */
function dataRange(samples: Batch, count: number, d: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = samples.offset; p < samples.offset + count * d; p++) {
    const v = samples.data[p]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo < hi ? [lo, hi] : lo === hi ? [lo - 0.5, lo + 0.5] : [0, 1];
}

function layout(fn: string, samples: Batch, options: ImageGridOptions): Layout {
  const [n, d] = expectBatch(fn, 'samples', samples);
  if (n < 1) throw new InvalidArgumentError(fn, 'samples', samples, 'a batch with at least one row');
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { height, width, … }');
  const h = positiveInteger(fn, 'options.height', options.height, NaN);
  const w = positiveInteger(fn, 'options.width', options.width, NaN);
  if (h * w !== d)
    throw new InvalidArgumentError(
      fn,
      'options.height',
      `${h}x${w}`,
      `an image size with height·width = d = ${d} (the row length)`,
    );
  const count = positiveInteger(fn, 'options.count', options.count, Math.min(n, 100), n);
  const columns = positiveInteger(fn, 'options.columns', options.columns, Math.ceil(Math.sqrt(count)), count);
  let lo: number;
  let hi: number;
  if (options.range === undefined) [lo, hi] = dataRange(samples, count, d);
  else {
    const r = options.range;
    if (!Array.isArray(r) || r.length !== 2 || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || !(r[0] < r[1])) {
      throw new InvalidArgumentError(fn, 'options.range', r, '[lo, hi] with finite lo < hi');
    }
    [lo, hi] = r as [number, number];
  }
  const scale = positiveInteger(fn, 'options.scale', options.scale, 4, 64);
  const gap =
    options.gap === undefined ? 2 : options.gap === 0 ? 0 : positiveInteger(fn, 'options.gap', options.gap, 2, 64);
  return { h, w, count, columns, rows: Math.ceil(count / columns), lo, hi, scale, gap };
}

/** Gray level of a value: `round(255·(v − lo)/(hi − lo))` clamped to [0, 255]; non-finite values are black. */
function gray(value: number, lo: number, hi: number): number {
  const level = Math.round((255 * (value - lo)) / (hi - lo));
  return level >= 0 ? Math.min(255, level) : 0; // NaN fails >= 0
}

/**
 * The first `count` rows of `samples`, each an `h × w` image (row-major), as one
 * grayscale raster: tiles of `scale` screen pixels per image pixel, `gap` mid-gray
 * pixels between tiles.
 * @throws InvalidArgumentError when `h·w` is not the row length, or for bad options
 * @example
 * ```ts
 * import { fromArray } from '@sgmkit/tensor';
 * import { encodePng, imageGrid } from '@sgmkit/sampler';
 * const png = encodePng(imageGrid(fromArray([[0, 1, 1, 0], [1, 0, 0, 1]]), { height: 2, width: 2, range: [0, 1] }));
 * ```
 */
export function imageGrid(samples: Batch, options: ImageGridOptions): GrayImage {
  const g = layout('imageGrid', samples, options);
  const tileW = g.w * g.scale;
  const tileH = g.h * g.scale;
  const width = g.columns * tileW + (g.columns + 1) * g.gap;
  const height = g.rows * tileH + (g.rows + 1) * g.gap;
  const pixels = new Uint8Array(width * height).fill(GAP_GRAY);
  const d = g.h * g.w;
  for (let k = 0; k < g.count; k++) {
    const left = g.gap + (k % g.columns) * (tileW + g.gap);
    const top = g.gap + Math.floor(k / g.columns) * (tileH + g.gap);
    for (let y = 0; y < tileH; y++) {
      for (let x = 0; x < tileW; x++) {
        const value = samples.data[samples.offset + k * d + Math.floor(y / g.scale) * g.w + Math.floor(x / g.scale)]!;
        pixels[(top + y) * width + left + x] = gray(value, g.lo, g.hi);
      }
    }
  }
  return { width, height, pixels };
}

/**
 * The same grid as {@link imageGrid} as an SVG document: one `rect` per image
 * pixel (`fill` the gray level), a title and the value range in a caption.
 * @example
 * ```ts
 * const svg = imageGridSvg(samples, { height: 8, width: 8, count: 64 });
 * ```
 */
export function imageGridSvg(samples: Batch, options: ImageGridOptions & { readonly title?: string }): string {
  const g = layout('imageGridSvg', samples, options);
  const tileW = g.w * g.scale;
  const tileH = g.h * g.scale;
  const top = options.title ? 24 : 0;
  const width = Math.max(g.columns * tileW + (g.columns + 1) * g.gap, 160);
  const gridHeight = g.rows * tileH + (g.rows + 1) * g.gap;
  const height = top + gridHeight + 20;
  const d = g.h * g.w;
  const body: string[] = [];
  if (options.title) body.push(text(4, 16, options.title, { 'font-size': 13 }));
  body.push(
    element('rect', {
      x: 0,
      y: top,
      width: g.columns * tileW + (g.columns + 1) * g.gap,
      height: gridHeight,
      fill: `rgb(${GAP_GRAY},${GAP_GRAY},${GAP_GRAY})`,
    }),
  );
  for (let k = 0; k < g.count; k++) {
    const left = g.gap + (k % g.columns) * (tileW + g.gap);
    const tileTop = top + g.gap + Math.floor(k / g.columns) * (tileH + g.gap);
    const cells: string[] = [];
    for (let y = 0; y < g.h; y++) {
      for (let x = 0; x < g.w; x++) {
        const level = gray(samples.data[samples.offset + k * d + y * g.w + x]!, g.lo, g.hi);
        cells.push(
          element('rect', {
            x: left + x * g.scale,
            y: tileTop + y * g.scale,
            width: g.scale,
            height: g.scale,
            fill: `rgb(${level},${level},${level})`,
          }),
        );
      }
    }
    body.push(element('g', { class: 'image', 'shape-rendering': 'crispEdges' }, cells));
  }
  body.push(
    text(
      4,
      top + gridHeight + 14,
      `${g.count} images ${g.h}×${g.w}; black = ${g.lo.toPrecision(4)}, white = ${g.hi.toPrecision(4)}`,
      { 'font-size': 11 },
    ),
  );
  return svgDocument(width, height, body, options.title);
}
