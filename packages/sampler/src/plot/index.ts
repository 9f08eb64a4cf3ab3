/**
 * `@sgmkit/sampler/plot` (platform-neutral). Dependency-free SVG plots: scatter plots, density heatmaps, histograms
 * with a density overlay, line charts on linear or log axes, loss curves.
 * Each `*Panel` function renders one chart; {@link figure} lays panels out
 * side by side and returns the SVG document as a string.
 * @packageDocumentation
 */
export {
  figure,
  type Panel,
  type Frame,
  type Margins,
  type AxisLabels,
  type FigureOptions,
  DEFAULT_FRAME,
} from './panel.js';
export { scatterPanel, columnsXY, subsetIndices, type PointsXY, type ScatterOptions } from './scatter.js';
export { heatmapPanel, densityGrid, histogramGrid, gridMax, type Grid2D, type HeatmapOptions } from './heatmap.js';
export { histogramPanel, histogram, type Histogram, type HistogramOptions } from './histogram.js';
export {
  linePanel,
  lossCurvePanel,
  movingAverage,
  type Series,
  type LineOptions,
  type LossCurveOptions,
} from './lines.js';
export { viridis } from './colormap.js';
export { escapeXml } from './svg.js';
export { imageGrid, imageGridSvg, type ImageGridOptions } from './images.js';
export { encodePng, crc32, adler32, zlibStored, PNG_SIGNATURE, type GrayImage } from './png.js';
