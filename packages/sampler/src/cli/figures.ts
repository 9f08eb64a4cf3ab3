/**
 * The pictures the commands write: samples next to the target's density
 * (2-D heatmaps and scatter, or a 1-D histogram with the density curve).
 * @packageDocumentation
 */
import type { Batch } from '@sgmkit/tensor';
import {
  columnsXY,
  densityGrid,
  figure,
  gridMax,
  heatmapPanel,
  histogramGrid,
  histogramPanel,
  scatterPanel,
  type Grid2D,
  type Panel,
  type PointsXY,
} from '../plot/index.js';

/** What is known about the target for drawing: its density (of the first one or two coordinates) or its data points. */
export interface TargetPicture {
  /** Short description, e.g. `'8 Gaussians on a ring'`. */
  readonly label: string;
  /** Marginal density of the first coordinate (1-D plots). */
  readonly density1d?: (x: number) => number;
  /** Marginal density of the first two coordinates (plots of d ≥ 2). */
  readonly density2d?: (x: number, y: number) => number;
  /** The data points, when the target is a point cloud. */
  readonly points?: Batch;
}

/** Options of {@link samplesFigure}. */
export interface SamplesFigureOptions {
  readonly title: string;
  readonly target?: TargetPicture;
}

function quantiles(values: ArrayLike<number>, lo: number, hi: number): [number, number] {
  const sorted = Float64Array.from(values).filter(Number.isFinite).sort();
  if (sorted.length === 0) return [-1, 1];
  return [sorted[Math.floor(lo * (sorted.length - 1))]!, sorted[Math.ceil(hi * (sorted.length - 1))]!];
}

/** A plotting interval covering 99.8% of the values (so a few outliers do not squash the picture), padded by 10%. */
export function robustDomain(...sets: ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of sets) {
    const [a, b] = quantiles(values, 0.001, 0.999);
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  const pad = hi > lo ? 0.1 * (hi - lo) : 1;
  return [lo - pad, hi + pad];
}

function firstColumn(samples: Batch): Float64Array {
  const [n, d] = samples.shape as [number, number];
  return Float64Array.from({ length: n }, (_, i) => samples.data[samples.offset + i * d]!);
}

function onePanelFigure(samples: Batch, options: SamplesFigureOptions): string {
  const values = firstColumn(samples);
  const domain = robustDomain(values);
  const panel = histogramPanel({
    values,
    domain,
    bins: Math.min(80, Math.max(10, Math.round(Math.sqrt(values.length)))),
    density: options.target?.density1d,
    title: `samples (n = ${values.length})`,
    xLabel: 'x',
    barLabel: 'samples',
    curveLabel: 'target density',
  });
  return figure([panel], { title: options.title });
}

function xy(batch: Batch): PointsXY {
  const [n, d] = batch.shape as [number, number];
  return columnsXY(batch.data.subarray(batch.offset, batch.offset + n * d), n, d);
}

function targetPanel(
  target: TargetPicture | undefined,
  xDomain: [number, number],
  yDomain: [number, number],
): { panel?: Panel; grid?: Grid2D } {
  if (target?.density2d) {
    const grid = densityGrid(target.density2d, xDomain, yDomain);
    return {
      grid,
      panel: heatmapPanel({
        grid,
        title: `target density: ${target.label}`,
        xLabel: 'x0',
        yLabel: 'x1',
        colorLabel: 'density',
      }),
    };
  }
  if (target?.points) {
    return {
      panel: scatterPanel({
        points: xy(target.points),
        xDomain,
        yDomain,
        color: '#4e79a7',
        title: `data points (m = ${target.points.shape[0]})`,
        xLabel: 'x0',
        yLabel: 'x1',
      }),
    };
  }
  return {};
}

function twoDimensionalFigure(samples: Batch, options: SamplesFigureOptions): string {
  const points = xy(samples);
  const targetXY = options.target?.points ? xy(options.target.points) : undefined;
  const xDomain = robustDomain(points.x, ...(targetXY ? [targetXY.x] : []));
  const yDomain = robustDomain(points.y, ...(targetXY ? [targetXY.y] : []));
  const target = targetPanel(options.target, xDomain, yDomain);
  const histogramCells = histogramGrid(points, xDomain, yDomain, 60, 60);
  const maxValue = target.grid ? gridMax(target.grid) : gridMax(histogramCells);
  const n = samples.shape[0]!;
  const panels: Panel[] = [
    ...(target.panel ? [target.panel] : []),
    heatmapPanel({
      grid: histogramCells,
      maxValue,
      title: `sample density (n = ${n})`,
      xLabel: 'x0',
      yLabel: 'x1',
      colorLabel: 'density',
    }),
    scatterPanel({
      points,
      xDomain,
      yDomain,
      title: n > 4000 ? `samples (4000 of ${n} drawn)` : 'samples',
      xLabel: 'x0',
      yLabel: 'x1',
      maxPoints: 4000,
    }),
  ];
  return figure(panels, { title: options.title });
}

/**
 * The picture of a sample: for d = 1 a density histogram with the target's
 * density curve; for d ≥ 2, the first two coordinates as the target's density
 * (or data points), the samples' 2-D histogram on the same colour scale, and
 * a scatter plot.
 */
export function samplesFigure(samples: Batch, options: SamplesFigureOptions): string {
  return samples.shape[1] === 1 ? onePanelFigure(samples, options) : twoDimensionalFigure(samples, options);
}
