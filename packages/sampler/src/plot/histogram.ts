/**
 * 1-D histograms normalised as densities, with an optional density curve
 * drawn over the bars (samples against the target law).
 * @packageDocumentation
 */
import { element } from './svg.js';
import { axes, clipTo, DEFAULT_FRAME, nextClipId, plotArea, type AxisLabels, type Frame, type Panel } from './panel.js';
import { linearScale, niceDomain } from './scale.js';
import { autoDomain } from './scatter.js';

/** Bin counts normalised so that the bars integrate to the fraction of values inside the domain. */
export interface Histogram {
  readonly domain: readonly [number, number];
  /** `density[k] = count_k / (n · binWidth)`. */
  readonly density: Float64Array;
}

/**
 * Bins `values` into `bins` equal bins over `domain`, normalised as a density.
 *
 * @example
 * ```ts
 * import { histogram } from '@sgmkit/sampler';
 * Array.from(histogram([0.1, 0.2, 0.7], 2, [0, 1]).density); // [1.3333333333333333, 0.6666666666666666]
 * ```
 */
export function histogram(values: ArrayLike<number>, bins: number, domain: readonly [number, number]): Histogram {
  const density = new Float64Array(bins);
  const width = (domain[1] - domain[0]) / bins;
  for (let i = 0; i < values.length; i++) {
    const k = Math.floor((values[i]! - domain[0]) / width);
    // The right edge belongs to the last bin.
    if (k >= 0 && k <= bins && values[i]! <= domain[1]) density[Math.min(k, bins - 1)] += 1;
  }
  const scale = values.length > 0 ? 1 / (values.length * width) : 0;
  for (let k = 0; k < bins; k++) density[k] *= scale;
  return { domain, density };
}

/** Options of {@link histogramPanel}. */
export interface HistogramOptions extends AxisLabels {
  readonly values: ArrayLike<number>;
  /** Number of bins (default 50). */
  readonly bins?: number;
  readonly domain?: readonly [number, number];
  /** A density to draw over the bars, e.g. the target's. */
  readonly density?: (x: number) => number;
  /** Legend text of the bars and of the curve. */
  readonly barLabel?: string;
  readonly curveLabel?: string;
  readonly frame?: Frame;
}

function curvePath(
  f: (x: number) => number,
  domain: readonly [number, number],
  xMap: (v: number) => number,
  yMap: (v: number) => number,
): string {
  const points = 400;
  let d = '';
  for (let k = 0; k <= points; k++) {
    const x = domain[0] + ((domain[1] - domain[0]) * k) / points;
    d += `${k === 0 ? 'M' : 'L'}${xMap(x).toFixed(2)},${yMap(f(x)).toFixed(2)}`;
  }
  return element('path', { d, fill: 'none', stroke: '#d62728', 'stroke-width': 2, class: 'density' });
}

function legend(frame: Frame, entries: readonly (readonly [string, string])[]): string {
  const area = plotArea(frame);
  return entries
    .map(([label, color], k) => {
      const y = area.y[1] + 14 + 16 * k;
      return (
        element('rect', { x: area.x[1] - 120, y: y - 9, width: 12, height: 10, fill: color }) +
        element('text', { x: area.x[1] - 104, y }, label)
      );
    })
    .join('');
}

function curveMax(f: (x: number) => number, domain: readonly [number, number]): number {
  let max = 0;
  for (let k = 0; k <= 400; k++) max = Math.max(max, f(domain[0] + ((domain[1] - domain[0]) * k) / 400) || 0);
  return max;
}

/**
 * A histogram panel: bars normalised as a density, optionally with a density curve.
 *
 * @example
 * ```ts
 * import { figure, histogramPanel } from '@sgmkit/sampler';
 * const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i));
 * const svg = figure([histogramPanel({ values, bins: 20, density: () => 0.5, domain: [-1, 1] })]);
 * ```
 */
export function histogramPanel(options: HistogramOptions): Panel {
  const frame = options.frame ?? DEFAULT_FRAME;
  const area = plotArea(frame);
  const domain = options.domain ?? autoDomain(options.values);
  const h = histogram(options.values, options.bins ?? 50, domain);
  const top = Math.max(...h.density, options.density ? curveMax(options.density, domain) : 0);
  const xScale = linearScale(domain, area.x);
  const yScale = linearScale(niceDomain(0, top > 0 ? top * 1.05 : 1), area.y);
  const binWidth = (domain[1] - domain[0]) / h.density.length;
  const bars = Array.from(h.density, (v, k) => {
    const x0 = xScale.map(domain[0] + k * binWidth);
    return element('rect', {
      x: x0,
      y: yScale.map(v),
      width: xScale.map(domain[0] + (k + 1) * binWidth) - x0,
      height: yScale.map(0) - yScale.map(v),
    });
  });
  const marks =
    element('g', { class: 'bars', fill: '#4e79a7', 'fill-opacity': 0.75 }, bars) +
    (options.density ? curvePath(options.density, domain, xScale.map, yScale.map) : '');
  const entries: [string, string][] = [[options.barLabel ?? 'samples', '#4e79a7']];
  if (options.density) entries.push([options.curveLabel ?? 'target density', '#d62728']);
  const { under, over } = axes(frame, xScale, yScale, { yLabel: 'density', ...options });
  return {
    width: frame.width,
    height: frame.height,
    body: under + clipTo(frame, nextClipId(), marks) + over + legend(frame, entries),
  };
}
