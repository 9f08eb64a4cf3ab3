/**
 * Line charts with linear or log axes and a legend: error against step size
 * on log-log axes, and training loss curves.
 * @packageDocumentation
 */
import { element, text } from './svg.js';
import { SERIES_COLORS } from './colormap.js';
import { axes, clipTo, DEFAULT_FRAME, nextClipId, plotArea, type AxisLabels, type Frame, type Panel } from './panel.js';
import { extent, linearScale, logDomain, logScale, niceDomain, type Scale } from './scale.js';

/** One polyline. Non-finite points (and non-positive ones on a log axis) are skipped. */
export interface Series {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Dashed lines mark references such as fitted slopes or bounds. */
  readonly dashed?: boolean;
  /** Draw a marker at each point. */
  readonly markers?: boolean;
  readonly color?: string;
}

/** Options of {@link linePanel}. */
export interface LineOptions extends AxisLabels {
  readonly series: readonly Series[];
  readonly xScale?: 'linear' | 'log';
  readonly yScale?: 'linear' | 'log';
  /** Corner for the legend (default top-left); bottom-right suits rising curves. */
  readonly legend?: 'top-left' | 'bottom-right';
  readonly frame?: Frame;
}

function usable(kind: 'linear' | 'log', v: number): boolean {
  return Number.isFinite(v) && (kind === 'linear' || v > 0);
}

function axisScale(kind: 'linear' | 'log', values: number[], range: readonly [number, number]): Scale {
  const e = extent(values, kind === 'log') ?? (kind === 'log' ? [1, 10] : [0, 1]);
  return kind === 'log' ? logScale(logDomain(e[0], e[1]), range) : linearScale(niceDomain(e[0], e[1]), range);
}

function seriesMarks(series: Series, color: string, xs: Scale, ys: Scale): string {
  let d = '';
  let pen = 'M';
  const markers: string[] = [];
  for (let i = 0; i < series.x.length; i++) {
    const [x, y] = [series.x[i]!, series.y[i]!];
    if (!usable(xs.kind, x) || !usable(ys.kind, y)) {
      pen = 'M'; // a gap, not a line through the missing point
      continue;
    }
    d += `${pen}${xs.map(x).toFixed(2)},${ys.map(y).toFixed(2)}`;
    pen = 'L';
    if (series.markers) markers.push(element('circle', { cx: xs.map(x), cy: ys.map(y), r: 3, fill: color }));
  }
  const path = element('path', {
    d,
    fill: 'none',
    stroke: color,
    'stroke-width': 1.8,
    'stroke-dasharray': series.dashed ? '6 4' : undefined,
  });
  return element('g', { class: 'series' }, [path, ...markers]);
}

function legend(
  frame: Frame,
  series: readonly Series[],
  colors: readonly string[],
  corner: 'top-left' | 'bottom-right',
): string {
  const area = plotArea(frame);
  const width = 8 + 6.5 * Math.max(...series.map((s) => s.label.length)) + 28;
  const height = 15 * series.length + 6;
  const x = corner === 'top-left' ? area.x[0] + 8 : area.x[1] - 8 - width;
  const top = corner === 'top-left' ? area.y[1] + 4 : area.y[0] - 8 - height;
  const rows = series.map((s, k) => {
    const y = top + 12 + 15 * k;
    const line = element('line', {
      x1: x + 4,
      y1: y - 4,
      x2: x + 22,
      y2: y - 4,
      stroke: colors[k]!,
      'stroke-width': 2,
      'stroke-dasharray': s.dashed ? '5 3' : undefined,
    });
    return line + text(x + 28, y, s.label, { 'font-size': 11 });
  });
  const box = element('rect', { x, y: top, width, height, fill: 'white', 'fill-opacity': 0.85, stroke: '#ccc' });
  return element('g', { class: 'legend' }, [box, ...rows]);
}

/**
 * A line chart panel with a legend.
 *
 * @example
 * ```ts
 * import { figure, linePanel } from '@sgmkit/sampler';
 * const h = [0.4, 0.2, 0.1, 0.05];
 * const svg = figure([linePanel({ series: [{ label: 'h^2', x: h, y: h.map((v) => v * v), markers: true }], xScale: 'log', yScale: 'log' })]);
 * ```
 */
export function linePanel(options: LineOptions): Panel {
  const frame = options.frame ?? DEFAULT_FRAME;
  const area = plotArea(frame);
  const all = (pick: (s: Series) => ArrayLike<number>) => options.series.flatMap((s) => Array.from(pick(s)));
  const xs = axisScale(
    options.xScale ?? 'linear',
    all((s) => s.x),
    area.x,
  );
  const ys = axisScale(
    options.yScale ?? 'linear',
    all((s) => s.y),
    area.y,
  );
  const colors = options.series.map((s, k) => s.color ?? SERIES_COLORS[k % SERIES_COLORS.length]!);
  const marks = options.series.map((s, k) => seriesMarks(s, colors[k]!, xs, ys)).join('');
  const { under, over } = axes(frame, xs, ys, options);
  return {
    width: frame.width,
    height: frame.height,
    body:
      under +
      clipTo(frame, nextClipId(), marks) +
      over +
      legend(frame, options.series, colors, options.legend ?? 'top-left'),
  };
}

/** Options of {@link lossCurvePanel}. */
export interface LossCurveOptions extends AxisLabels {
  /** Loss per training step. */
  readonly losses: ArrayLike<number>;
  /** Window of the moving average drawn over the raw curve (default: 1% of the steps, at least 1). */
  readonly window?: number;
  readonly frame?: Frame;
}

/**
 * Trailing moving average over `window` values.
 *
 * @example
 * ```ts
 * import { movingAverage } from '@sgmkit/sampler';
 * Array.from(movingAverage([1, 2, 3, 4], 2)); // [1, 1.5, 2.5, 3.5]
 * ```
 */
export function movingAverage(values: ArrayLike<number>, window: number): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    out[i] = sum / Math.min(i + 1, window);
  }
  return out;
}

/**
 * A training loss curve: the raw per-step loss and its moving average, on a
 * log y axis when every loss is positive.
 *
 * @example
 * ```ts
 * import { figure, lossCurvePanel } from '@sgmkit/sampler';
 * const svg = figure([lossCurvePanel({ losses: [4, 3, 2.5, 2.2, 2.1, 2] })]);
 * ```
 */
export function lossCurvePanel(options: LossCurveOptions): Panel {
  const n = options.losses.length;
  const steps = Float64Array.from({ length: n }, (_, i) => i + 1);
  const window = options.window ?? Math.max(1, Math.round(n / 100));
  const positive = Array.from(options.losses).every((v) => v > 0);
  return linePanel({
    title: options.title ?? 'training loss',
    xLabel: options.xLabel ?? 'step',
    yLabel: options.yLabel ?? 'loss',
    xScale: 'linear',
    yScale: positive ? 'log' : 'linear',
    frame: options.frame,
    series: [
      { label: 'loss per step', x: steps, y: options.losses, color: '#bab0ac' },
      {
        label: `moving average (${window} steps)`,
        x: steps,
        y: movingAverage(options.losses, window),
        color: '#4e79a7',
      },
    ],
  });
}
