/**
 * Panels and figures: a panel is one chart (a frame with axes and a body); a
 * figure lays panels out side by side in one SVG document.
 * @packageDocumentation
 */
import { element, svgDocument, text } from './svg.js';
import { formatTick, type Scale } from './scale.js';

/** One chart, already rendered, positioned by {@link figure}. */
export interface Panel {
  readonly width: number;
  readonly height: number;
  /** SVG markup in panel coordinates (origin at the panel's top-left corner). */
  readonly body: string;
}

/** Space around the plotting area for ticks, labels and the title. */
export interface Margins {
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
}

/** Panel size and margins; the plotting area is what the margins leave. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly margin: Margins;
}

/** Default panel geometry: 420 × 360 px with room for axis labels. */
export const DEFAULT_FRAME: Frame = { width: 420, height: 360, margin: { top: 34, right: 16, bottom: 48, left: 62 } };

/** Pixel bounds `[left, right]` and `[bottom, top]` of the plotting area (y grows downwards in SVG). */
export function plotArea(frame: Frame): { x: [number, number]; y: [number, number] } {
  const { width, height, margin } = frame;
  return { x: [margin.left, width - margin.right], y: [height - margin.bottom, margin.top] };
}

/** Labels drawn around a panel's axes. */
export interface AxisLabels {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

function xAxis(frame: Frame, scale: Scale, label?: string): string[] {
  const area = plotArea(frame);
  const y0 = area.y[0];
  const parts = scale.ticks().flatMap((t) => {
    const x = scale.map(t);
    return [
      element('line', { x1: x, y1: area.y[1], x2: x, y2: y0, stroke: '#e6e6e6' }),
      element('line', { x1: x, y1: y0, x2: x, y2: y0 + 5, stroke: '#333' }),
      text(x, y0 + 18, formatTick(t), { 'text-anchor': 'middle', class: 'tick' }),
    ];
  });
  if (label)
    parts.push(
      text((area.x[0] + area.x[1]) / 2, frame.height - 10, label, { 'text-anchor': 'middle', class: 'axis-label' }),
    );
  return parts;
}

function yAxis(frame: Frame, scale: Scale, label?: string): string[] {
  const area = plotArea(frame);
  const x0 = area.x[0];
  const parts = scale.ticks().flatMap((t) => {
    const y = scale.map(t);
    return [
      element('line', { x1: x0, y1: y, x2: area.x[1], y2: y, stroke: '#e6e6e6' }),
      element('line', { x1: x0 - 5, y1: y, x2: x0, y2: y, stroke: '#333' }),
      text(x0 - 8, y + 4, formatTick(t), { 'text-anchor': 'end', class: 'tick' }),
    ];
  });
  if (label) {
    const cy = (area.y[0] + area.y[1]) / 2;
    parts.push(
      text(14, cy, label, { 'text-anchor': 'middle', transform: `rotate(-90 14 ${cy})`, class: 'axis-label' }),
    );
  }
  return parts;
}

/** Grid lines, ticks, tick labels, axis labels and title: everything but the data. */
export function axes(frame: Frame, xScale: Scale, yScale: Scale, labels: AxisLabels): { under: string; over: string } {
  const area = plotArea(frame);
  const box = element('rect', {
    x: area.x[0],
    y: area.y[1],
    width: area.x[1] - area.x[0],
    height: area.y[0] - area.y[1],
    fill: 'none',
    stroke: '#333',
  });
  const title = labels.title
    ? text(frame.width / 2, 20, labels.title, { 'text-anchor': 'middle', 'font-weight': 'bold', class: 'title' })
    : '';
  return {
    under: [...xAxis(frame, xScale, labels.xLabel), ...yAxis(frame, yScale, labels.yLabel)].join(''),
    over: box + title,
  };
}

/** A clip path restricting data marks to the plotting area, so out-of-domain points do not spill over the axes. */
export function clipTo(frame: Frame, id: string, marks: string): string {
  const area = plotArea(frame);
  const rect = element('rect', {
    x: area.x[0],
    y: area.y[1],
    width: area.x[1] - area.x[0],
    height: area.y[0] - area.y[1],
  });
  return element('clipPath', { id }, rect) + element('g', { 'clip-path': `url(#${id})` }, marks);
}

let clipCounter = 0;
/** A fresh id for a clip path, unique within a process so figures can combine panels. */
export function nextClipId(): string {
  return `clip${++clipCounter}`;
}

/** Options of {@link figure}. */
export interface FigureOptions {
  /** Overall title above the panels. */
  readonly title?: string;
  /** Panels per row (default: all in one row). */
  readonly columns?: number;
}

/**
 * Lays panels out in a grid (one row by default) and returns a complete SVG document.
 *
 * @example
 * ```ts
 * import { figure, histogramPanel } from '@sgmkit/sampler';
 * const svg = figure([histogramPanel({ values: [0.1, 0.5, 0.4], bins: 4 })], { title: 'demo' });
 * ```
 */
export function figure(panels: readonly Panel[], options: FigureOptions = {}): string {
  const columns = Math.max(1, Math.min(panels.length, options.columns ?? panels.length));
  const titleHeight = options.title ? 30 : 0;
  const cellWidth = Math.max(...panels.map((p) => p.width));
  const cellHeight = Math.max(...panels.map((p) => p.height));
  const rowsCount = Math.ceil(panels.length / columns);
  // A long title widens the figure (about 8.5 px per character at 15 px bold) and the panels are centred.
  const width = Math.max(columns * cellWidth, options.title ? options.title.length * 8.5 + 40 : 0);
  const left = (width - columns * cellWidth) / 2;
  const placed = panels.map((p, k) =>
    element(
      'g',
      {
        transform: `translate(${left + (k % columns) * cellWidth} ${titleHeight + Math.floor(k / columns) * cellHeight})`,
        class: 'panel',
      },
      p.body,
    ),
  );
  const title = options.title
    ? text(width / 2, 21, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' })
    : '';
  return svgDocument(width, titleHeight + rowsCount * cellHeight, [title, ...placed], options.title);
}
