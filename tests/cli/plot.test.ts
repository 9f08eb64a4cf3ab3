import {
  figure,
  scatterPanel,
  heatmapPanel,
  histogramPanel,
  linePanel,
  lossCurvePanel,
  densityGrid,
  histogramGrid,
  histogram,
  movingAverage,
  subsetIndices,
  viridis,
  escapeXml,
} from '@sgmkit/sampler/plot';
import { linearTicks, logTicks, niceStep, formatTick, logDomain } from '../../packages/sampler/dist/plot/scale.js';
import { checkWellFormedXml } from '../helpers/xml';

const count = (counts: Map<string, number>, name: string) => counts.get(name) ?? 0;

describe('SVG plots', () => {
  test('scatter: one circle per point, at most maxPoints, distinct indices', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i);
    const y = x.map((v) => v * v);
    const svg = figure([scatterPanel({ points: { x, y }, title: 'a < b & c' })], { title: 'fig' });
    const counts = checkWellFormedXml(svg);
    expect(count(counts, 'svg')).toBe(1);
    expect(count(counts, 'circle')).toBe(100);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(count(checkWellFormedXml(figure([scatterPanel({ points: { x, y }, maxPoints: 30 })])), 'circle')).toBe(30);
    const subset = subsetIndices(1000, 200);
    expect(new Set(subset).size).toBe(200);
    expect(Math.max(...subset)).toBeLessThan(1000);
  });

  test('heatmap: one cell per grid value, colour bar, shared colour scale', () => {
    const grid = densityGrid((x, y) => Math.exp(-(x * x + y * y) / 2) / (2 * Math.PI), [-3, 3], [-3, 3], 10, 8);
    expect(grid.values).toHaveLength(80);
    const svg = figure([heatmapPanel({ grid, title: 'N(0, I)', colorLabel: 'density' })]);
    const counts = checkWellFormedXml(svg);
    expect(count(counts, 'rect')).toBeGreaterThanOrEqual(80 + 32);
    expect(svg).toContain(viridis(1)); // the peak cell gets the top colour
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
  });

  test('2-D histogram is a density: it integrates to the fraction of points inside the domain', () => {
    const x = [0.1, 0.2, 0.9, 5];
    const y = [0.1, 0.7, 0.9, 0.5];
    const grid = histogramGrid({ x, y }, [0, 1], [0, 1], 4, 4);
    const cellArea = (1 / 4) * (1 / 4);
    expect(grid.values.reduce((a, v) => a + v * cellArea, 0)).toBeCloseTo(3 / 4, 12);
  });

  test('1-D histogram is a density; the overlay curve is drawn', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => (i + 0.5) / 1000);
    const h = histogram(values, 10, [0, 1]);
    for (const v of h.density) expect(v).toBeCloseTo(1, 12);
    expect(histogram([1], 4, [0, 1]).density[3]).toBe(4); // the right edge belongs to the last bin
    const svg = figure([histogramPanel({ values, bins: 10, domain: [0, 1], density: () => 1 })]);
    const counts = checkWellFormedXml(svg);
    expect(svg).toContain('class="density"');
    expect(count(counts, 'rect')).toBeGreaterThanOrEqual(10);
  });

  test('log-log line chart: decade ticks, legend, gaps at non-positive points', () => {
    const h = [0.5, 0.25, 0.125, 0.0625];
    const svg = figure([
      linePanel({
        title: 'KL vs h',
        xLabel: 'h',
        yLabel: 'KL',
        xScale: 'log',
        yScale: 'log',
        series: [
          { label: 'ei', x: h, y: h.map((v) => v * v), markers: true },
          { label: 'bound', x: h, y: [1, 0, 0.1, 0.01], dashed: true },
        ],
      }),
    ]);
    const counts = checkWellFormedXml(svg);
    expect(count(counts, 'path')).toBe(2);
    expect(svg).toContain('>KL vs h<');
    expect(svg).toContain('>0.01<');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toMatch(/d="M[^"]*M[^"]*"/); // the zero splits the dashed series into two pieces
    expect(count(counts, 'circle')).toBe(4);
  });

  test('loss curve: raw and moving-average series', () => {
    const losses = Float64Array.from({ length: 200 }, (_, i) => 1 + 1 / (i + 1));
    const svg = figure([lossCurvePanel({ losses })]);
    checkWellFormedXml(svg);
    expect(svg).toContain('moving average (2 steps)');
    expect(Array.from(movingAverage([1, 2, 3, 4], 2))).toEqual([1, 1.5, 2.5, 3.5]);
  });

  test('figure lays panels side by side', () => {
    const panel = scatterPanel({ points: { x: [0], y: [0] } });
    const svg = figure([panel, panel, panel], { columns: 2 });
    expect(svg).toMatch(new RegExp(`<svg[^>]*width="${2 * panel.width}" height="${2 * panel.height}"`));
    expect(count(checkWellFormedXml(svg), 'g')).toBeGreaterThanOrEqual(3);
  });

  test('scales: 1-2-5 steps, decade ticks, compact labels', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(0.7, 5)).toBeCloseTo(0.1, 15);
    expect(linearTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(logTicks(1e-4, 1)).toEqual([1e-4, 1e-3, 1e-2, 1e-1, 1]);
    expect(logTicks(2, 9)).toEqual([2, 5]);
    expect(logTicks(1, 10)).toEqual([1, 2, 5, 10]);
    expect(logDomain(0.003, 0.4)).toEqual([0.001, 1]);
    expect(formatTick(1e-4)).toBe('1e-4');
    expect(formatTick(0.25)).toBe('0.25');
    expect(escapeXml('"<&>"')).toBe('&quot;&lt;&amp;&gt;&quot;');
  });

  test('the XML checker itself rejects malformed markup', () => {
    expect(() => checkWellFormedXml('<svg><g></svg>')).toThrow();
    expect(() => checkWellFormedXml('<svg a=1/>')).toThrow();
    expect(() => checkWellFormedXml('<svg>a & b</svg>')).toThrow();
    expect(() => checkWellFormedXml('<svg/><svg/>')).toThrow();
  });
});
