// Plots and sample files: write samples to CSV and JSON, read them back bit for bit,
// and draw them next to their density as an SVG (no dependency; open it in a browser).
import { mkdirSync, writeFileSync } from 'node:fs';
import { batch, RandomStream, toArray } from '@sgmkit/tensor';
import { columnsXY, densityGrid, figure, heatmapPanel, histogramPanel, scatterPanel } from '@sgmkit/sampler/plot';
import { readPointCloud, writeSamples } from '@sgmkit/sampler/node';

const n = 2000;
const samples = batch(n, 2);
new RandomStream(5).fillNormal(samples.data); // N(0, I)

writeSamples('out/examples/normal.csv', samples);
writeSamples('out/examples/normal.json', samples, { note: 'standard normal' });
for (const file of ['out/examples/normal.csv', 'out/examples/normal.json']) {
  const back = readPointCloud(file);
  if (back.data.some((v, i) => !Object.is(v, samples.data[i]))) throw new Error(`${file} did not round-trip`);
}

const density = (x, y) => Math.exp(-(x * x + y * y) / 2) / (2 * Math.PI);
const grid = densityGrid(density, [-4, 4], [-4, 4]);
const svg = figure(
  [
    heatmapPanel({ grid, title: 'N(0, I) density', xLabel: 'x0', yLabel: 'x1' }),
    scatterPanel({ points: columnsXY(samples.data, n, 2), xDomain: [-4, 4], yDomain: [-4, 4], title: `${n} samples` }),
    histogramPanel({
      values: toArray(samples).map((r) => r[0]),
      domain: [-4, 4],
      density: (x) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI),
      title: 'first coordinate',
    }),
  ],
  { title: 'standard normal' },
);
mkdirSync('out/examples', { recursive: true });
writeFileSync('out/examples/normal.svg', svg);
console.log(`wrote out/examples/normal.{csv,json,svg} (${svg.length} bytes of SVG)`);
