/**
 * Small image-like data: `h × w` grey images of one to three straight strokes, pixel values in
 * [0, 1]. Like 8×8 digit scans they are mostly 0 with correlated bright pixels and rare outliers,
 * the structure that makes learned scores diverge without standardisation, and they are made by
 * a seeded generator, so tests need no data files.
 * @packageDocumentation
 */
import { InvalidArgumentError, expectInteger, type Batch } from '@sgmkit/tensor';
import { drawRows, parseDraw, uniformFromNormal, type DrawOptions } from './draw.js';

/** Options of {@link sampleStrokeImages}. */
export interface StrokeImageOptions extends DrawOptions {
  /** Image height in pixels. Default 8. */
  readonly height?: number;
  /** Image width in pixels. Default 8. */
  readonly width?: number;
}

/** Largest number of strokes in an image. */
export const MAX_STROKES = 3;
/** Normals one image consumes: the stroke count, four endpoint coordinates per stroke, the thickness. */
const NORMALS_PER_IMAGE = 2 + 4 * MAX_STROKES;

/**
 * Draws `n` images, each a row of `height·width` pixels (row-major). Image `i` takes its
 * `2 + 4·MAX_STROKES` uniforms `Φ(z)` from the normals of global row `firstRow + i` under
 * `(seed, stream)`: the stroke count `k ∈ {1, 2, 3}`, `MAX_STROKES` segments with endpoints
 * uniform on `[0, w − 1] × [0, h − 1]` (the first `k` are drawn) and a half-width `τ ∈ [0.6, 1.2]`.
 * Pixel `(r, c)` is `max over drawn segments of max(0, 1 − dist((c, r), segment)/τ)`.
 * Same address, same image, whatever `n` or split.
 * @throws {InvalidArgumentError} bad `n`, sizes or draw options
 * @example
 * ```ts
 * import { sampleStrokeImages } from '@sgmkit/score';
 * const images = sampleStrokeImages(1000, { seed: 1 }); // 1000 × 64, values in [0, 1]
 * ```
 */
export function sampleStrokeImages(n: number, options: StrokeImageOptions): Batch {
  const fn = 'sampleStrokeImages';
  if (!options || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { seed, height?, width?, ... }');
  const height = expectInteger(fn, 'options.height', options.height ?? 8, 2, 64);
  const width = expectInteger(fn, 'options.width', options.width ?? 8, 2, 64);
  const draw = parseDraw(fn, n, options);
  return drawRows(draw.n, height * width, NORMALS_PER_IMAGE, draw.address, draw.dtype, (z, zStart, out, outStart) => {
    const u = (k: number) => uniformFromNormal(z[zStart + k]!);
    const strokes = 1 + Math.min(MAX_STROKES - 1, Math.floor(MAX_STROKES * u(0)));
    const halfWidth = 0.6 + 0.6 * u(1);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        let value = 0;
        for (let s = 0; s < strokes; s++) {
          const base = 2 + 4 * s;
          const distance = segmentDistance(
            c,
            r,
            (width - 1) * u(base),
            (height - 1) * u(base + 1),
            (width - 1) * u(base + 2),
            (height - 1) * u(base + 3),
          );
          value = Math.max(value, 1 - distance / halfWidth);
        }
        out[outStart + r * width + c] = value;
      }
    }
  });
}

/** Euclidean distance from `(px, py)` to the segment `(ax, ay)–(bx, by)`. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const [dx, dy] = [bx - ax, by - ay];
  const lengthSquared = dx * dx + dy * dy;
  const s = lengthSquared === 0 ? 0 : Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
  const [ex, ey] = [px - ax - s * dx, py - ay - s * dy];
  return Math.sqrt(ex * ex + ey * ey); // not Math.hypot: implementation-defined, and the data must be the same in every engine
}
