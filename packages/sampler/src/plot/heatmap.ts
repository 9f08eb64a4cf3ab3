/**
 * Density heatmaps on a regular 2-D grid: an analytic density evaluated at
 * cell centres, or a normalised 2-D histogram of samples, with a colour bar.
 * @packageDocumentation
 */
import { element, text } from './svg.js';
import { viridis } from './colormap.js';
import { axes, clipTo, DEFAULT_FRAME, nextClipId, plotArea, type AxisLabels, type Frame, type Panel } from './panel.js';
import { formatTick, linearScale, linearTicks } from './scale.js';
import type { PointsXY } from './scatter.js';

/** Values on an `nx × ny` grid of cells covering `xDomain × yDomain`; `values[iy * nx + ix]`. */
export interface Grid2D {
  readonly nx: number;
  readonly ny: number;
  readonly xDomain: readonly [number, number];
  readonly yDomain: readonly [number, number];
  readonly values: Float64Array;
}

/**
 * Evaluates `density(x, y)` at every cell centre.
 *
 * @example
 * ```ts
 * import { densityGrid } from '@sgmkit/sampler';
 * const grid = densityGrid((x, y) => Math.exp(-(x * x + y * y) / 2) / (2 * Math.PI), [-3, 3], [-3, 3], 40, 40);
 * grid.values.length; // 1600
 * ```
 */
export function densityGrid(
  density: (x: number, y: number) => number,
  xDomain: readonly [number, number],
  yDomain: readonly [number, number],
  nx = 80,
  ny = 80,
): Grid2D {
  const values = new Float64Array(nx * ny);
  const dx = (xDomain[1] - xDomain[0]) / nx;
  const dy = (yDomain[1] - yDomain[0]) / ny;
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++)
      values[iy * nx + ix] = density(xDomain[0] + (ix + 0.5) * dx, yDomain[0] + (iy + 0.5) * dy);
  }
  return { nx, ny, xDomain, yDomain, values };
}

/**
 * A 2-D histogram normalised as a density: each cell holds
 * `count / (n · cellArea)`, so it is comparable with an analytic density
 * drawn on the same colour scale. Points outside the domain count in `n`.
 *
 * @example
 * ```ts
 * import { histogramGrid } from '@sgmkit/sampler';
 * const grid = histogramGrid({ x: [0.1, 0.6], y: [0.1, 0.6] }, [0, 1], [0, 1], 2, 2);
 * Array.from(grid.values); // [2, 0, 0, 2]: each occupied cell holds 1/(n·area) = 1/(2·0.25)
 * ```
 */
export function histogramGrid(
  points: PointsXY,
  xDomain: readonly [number, number],
  yDomain: readonly [number, number],
  nx = 60,
  ny = 60,
): Grid2D {
  const values = new Float64Array(nx * ny);
  const n = points.x.length;
  const dx = (xDomain[1] - xDomain[0]) / nx;
  const dy = (yDomain[1] - yDomain[0]) / ny;
  for (let i = 0; i < n; i++) {
    const ix = Math.floor((points.x[i]! - xDomain[0]) / dx);
    const iy = Math.floor((points.y[i]! - yDomain[0]) / dy);
    if (ix >= 0 && ix < nx && iy >= 0 && iy < ny) values[iy * nx + ix] += 1;
  }
  const scale = n > 0 ? 1 / (n * dx * dy) : 0;
  for (let k = 0; k < values.length; k++) values[k] *= scale;
  return { nx, ny, xDomain, yDomain, values };
}

/**
 * Largest finite value of a grid (0 when empty).
 *
 * @example
 * ```ts
 * import { densityGrid, gridMax } from '@sgmkit/sampler';
 * gridMax(densityGrid((x, y) => x * y, [0, 1], [0, 1], 2, 2)); // 0.5625 (the cell centred at (0.75, 0.75))
 * ```
 */
export function gridMax(grid: Grid2D): number {
  let max = 0;
  for (const v of grid.values) if (Number.isFinite(v) && v > max) max = v;
  return max;
}

/** Options of {@link heatmapPanel}. */
export interface HeatmapOptions extends AxisLabels {
  readonly grid: Grid2D;
  /** Value mapped to the top colour; share it between panels to compare them. Defaults to the grid's maximum. */
  readonly maxValue?: number;
  /** Label of the colour bar. */
  readonly colorLabel?: string;
  /** Marks drawn over the cells in panel coordinates (e.g. points), clipped to the plot area. */
  readonly overlay?: (xMap: (v: number) => number, yMap: (v: number) => number) => string;
  readonly frame?: Frame;
}

const HEATMAP_FRAME: Frame = {
  ...DEFAULT_FRAME,
  width: DEFAULT_FRAME.width + 50,
  margin: { ...DEFAULT_FRAME.margin, right: 66 },
};

function colorBar(frame: Frame, max: number, label?: string): string {
  const area = plotArea(frame);
  const x = area.x[1] + 12;
  const scale = linearScale([0, max > 0 ? max : 1], area.y, 4);
  const steps = 32;
  const h = (area.y[0] - area.y[1]) / steps;
  const cells = Array.from({ length: steps }, (_, k) =>
    element('rect', { x, y: area.y[0] - (k + 1) * h, width: 10, height: h + 0.5, fill: viridis((k + 0.5) / steps) }),
  );
  const ticks = linearTicks(0, max > 0 ? max : 1, 4).map((t) =>
    text(x + 13, scale.map(t) + 4, formatTick(t), { 'font-size': 9 }),
  );
  const title = label ? text(x, area.y[1] - 6, label, { 'font-size': 9 }) : '';
  return element('g', { class: 'colorbar' }, [...cells, ...ticks, title]);
}

/**
 * A heatmap panel with a colour bar.
 *
 * @example
 * ```ts
 * import { densityGrid, figure, heatmapPanel } from '@sgmkit/sampler';
 * const grid = densityGrid((x, y) => Math.exp(-(x * x + y * y) / 2) / (2 * Math.PI), [-3, 3], [-3, 3]);
 * const svg = figure([heatmapPanel({ grid, title: 'N(0, I)' })]);
 * ```
 */
export function heatmapPanel(options: HeatmapOptions): Panel {
  const frame = options.frame ?? HEATMAP_FRAME;
  const { grid } = options;
  const area = plotArea(frame);
  const xScale = linearScale(grid.xDomain, area.x);
  const yScale = linearScale(grid.yDomain, area.y);
  const max = options.maxValue ?? gridMax(grid);
  const cw = (area.x[1] - area.x[0]) / grid.nx;
  const ch = (area.y[0] - area.y[1]) / grid.ny;
  const cells: string[] = [];
  for (let iy = 0; iy < grid.ny; iy++) {
    for (let ix = 0; ix < grid.nx; ix++) {
      const fill = viridis(max > 0 ? grid.values[iy * grid.nx + ix]! / max : 0);
      // Overlap by half a pixel so anti-aliasing leaves no hairlines between cells.
      cells.push(
        element('rect', {
          x: area.x[0] + ix * cw,
          y: area.y[0] - (iy + 1) * ch,
          width: cw + 0.5,
          height: ch + 0.5,
          fill,
        }),
      );
    }
  }
  const overlay = options.overlay ? options.overlay(xScale.map, yScale.map) : '';
  const { under, over } = axes(frame, xScale, yScale, options);
  const marks = element('g', { class: 'cells', 'shape-rendering': 'crispEdges' }, cells) + overlay;
  return {
    width: frame.width,
    height: frame.height,
    body: under + clipTo(frame, nextClipId(), marks) + over + colorBar(frame, max, options.colorLabel),
  };
}
