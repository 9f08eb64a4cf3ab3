/**
 * `sgmkit plot`: a picture of a sample or point-cloud file (for example one
 * written by `sgmkit sample --out`), without sampling again.
 * @packageDocumentation
 */
import type { CommandSpec } from '../args.js';
import type { Command } from '../command.js';
import { readPointCloud, writeTextFile } from '../../node/files.js';
import { samplesFigure } from '../figures.js';
import { MissingOptionError, UsageError } from '../errors.js';
import { IMAGE_OPTIONS, imageGridOptions, writeImageGrid } from '../images.js';

const spec: CommandSpec = {
  name: 'plot',
  summary: 'draw an SVG picture of a sample or point-cloud file (CSV or JSON), or a grid of its rows as images',
  description:
    'Two or more dimensions: a 2-D histogram (as a density) and a scatter plot of the first two coordinates.\n' +
    'One dimension: a histogram normalised as a density.\n' +
    'With --image HxW: the first rows as H×W grayscale images (row-major pixels), as PNG (--out *.png) or SVG.',
  options: [
    { name: 'in', kind: 'string', valueName: '<file.csv|file.json>', description: 'the samples to draw (required)' },
    {
      name: 'out',
      kind: 'string',
      valueName: '<file.svg|png>',
      description: 'where to write the picture (PNG only with --image)',
      defaultText: '<in>.svg',
    },
    { name: 'title', kind: 'string', valueName: '<text>', description: 'figure title', defaultText: 'the file name' },
    ...IMAGE_OPTIONS,
  ],
  examples: [
    'sgmkit plot --in out/samples.csv --out out/samples.svg',
    'sgmkit plot --in digits.csv --image 8x8 --range 0,1 --out out/digits.png',
  ],
};

/** The `plot` command. */
export const plotCommand: Command = {
  spec,
  async run(args) {
    const input = args.string('in');
    if (input === undefined) throw new MissingOptionError('in');
    const out = args.string('out', input.replace(/\.(csv|json)$/i, '') + '.svg');
    const samples = readPointCloud(input);
    const [n, d] = samples.shape as [number, number];
    const grid = imageGridOptions(args, d, n);
    if (grid !== undefined) {
      writeImageGrid(out, samples, grid, args.string('title', input));
      return {
        text: `wrote ${out} (${grid.count} of ${n} rows as ${grid.height}×${grid.width} images)\n`,
        json: { plot: out, n, d, image: { height: grid.height, width: grid.width, count: grid.count } },
      };
    }
    if (/\.png$/i.test(out)) throw new UsageError('PNG output is for image grids: give --image HxW, or write an .svg');
    writeTextFile(out, samplesFigure(samples, { title: args.string('title', input) }));
    return { text: `wrote ${out} (${n} points in ${d} dimension${d === 1 ? '' : 's'})\n`, json: { plot: out, n, d } };
  },
};
