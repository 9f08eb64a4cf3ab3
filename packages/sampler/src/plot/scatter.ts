/**
 * Scatter plots of 2-D points (the first two coordinates of a batch).
 * @packageDocumentation
 */
import { element } from './svg.js';
import { axes, clipTo, DEFAULT_FRAME, nextClipId, plotArea, type AxisLabels, type Frame, type Panel } from './panel.js';
import { extent, linearScale, niceDomain } from './scale.js';

/** Coordinates of points as two parallel arrays. */
export interface PointsXY {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

/** Options of {@link scatterPanel}. */
export interface ScatterOptions extends AxisLabels {
  readonly points: PointsXY;
  /** Data domain of the x axis; defaults to the points' extent, widened to nice ticks. */
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  /** At most this many points are drawn (evenly strided), keeping the file small. Default 5000. */
  readonly maxPoints?: number;
  readonly color?: string;
  readonly radius?: number;
  readonly opacity?: number;
  /** Already-rendered marks drawn under the points, in panel coordinates (e.g. a heatmap). */
  readonly underlay?: string;
  readonly frame?: Frame;
}

/**
 * Splits the first two columns of a row-major `n × d` array (d ≥ 2) into x and y.
 *
 * @example
 * ```ts
 * import { columnsXY } from '@sgmkit/sampler';
 * columnsXY([1, 2, 3, 4], 2, 2); // { x: Float64Array [1, 3], y: Float64Array [2, 4] }
 * ```
 */
export function columnsXY(data: ArrayLike<number>, n: number, d: number): PointsXY {
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = data[i * d]!;
    y[i] = data[i * d + 1]!;
  }
  return { x, y };
}

/**
 * `k` distinct indices out of `n` (all of them when `k >= n`), chosen by a
 * seeded partial Fisher–Yates shuffle and returned in increasing order. Random
 * rather than strided, so ordered files (e.g. sorted by mode) are not aliased.
 *
 * @example
 * ```ts
 * import { subsetIndices } from '@sgmkit/sampler';
 * subsetIndices(10_000, 3); // three distinct indices in [0, 10000), ascending, the same on every run
 * ```
 */
export function subsetIndices(n: number, k: number): Uint32Array {
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  if (k >= n) return all;
  let state = 0x9e3779b9;
  for (let i = 0; i < k; i++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; // a small fixed-seed mixer; any uniform-ish choice will do
    const j = i + (state % (n - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, k).sort();
}

/** The default domain of a set of values: their extent widened to nice ticks. */
export function autoDomain(values: ArrayLike<number>): [number, number] {
  const e = extent(values) ?? [0, 1];
  return niceDomain(e[0], e[1]);
}

/**
 * A scatter panel. Points outside the domain are clipped, not drawn over the axes.
 *
 * @example
 * ```ts
 * import { figure, scatterPanel } from '@sgmkit/sampler';
 * const svg = figure([scatterPanel({ points: { x: [0, 1, 2], y: [1, 0, 2] }, title: 'three points' })]);
 * ```
 */
export function scatterPanel(options: ScatterOptions): Panel {
  const frame = options.frame ?? DEFAULT_FRAME;
  const area = plotArea(frame);
  const xScale = linearScale(options.xDomain ?? autoDomain(options.points.x), area.x);
  const yScale = linearScale(options.yDomain ?? autoDomain(options.points.y), area.y);
  const r = options.radius ?? 1.6;
  const dots: string[] = [];
  for (const i of subsetIndices(options.points.x.length, options.maxPoints ?? 5000)) {
    const x = options.points.x[i]!;
    const y = options.points.y[i]!;
    if (Number.isFinite(x) && Number.isFinite(y))
      dots.push(element('circle', { cx: xScale.map(x), cy: yScale.map(y), r }));
  }
  const points = element(
    'g',
    { class: 'points', fill: options.color ?? '#d62728', 'fill-opacity': options.opacity ?? 0.5 },
    dots,
  );
  const { under, over } = axes(frame, xScale, yScale, options);
  return {
    width: frame.width,
    height: frame.height,
    body: under + clipTo(frame, nextClipId(), (options.underlay ?? '') + points) + over,
  };
}
