/**
 * `sgmkit plot`: a picture of a sample or point-cloud file (for example one
 * written by `sgmkit sample --out`), without sampling again.
 * @packageDocumentation
 */
import type { CommandSpec } from '../args.js';
import type { Command } from '../command.js';
import { readPointCloud, writeTextFile } from '../../node/files.js';
import { samplesFigure } from '../figures.js';
import { MissingOptionError } from '../errors.js';

const spec: CommandSpec = {
  name: 'plot',
  summary: 'draw an SVG picture of a sample or point-cloud file (CSV or JSON)',
  description:
    'Two or more dimensions: a 2-D histogram (as a density) and a scatter plot of the first two coordinates.\n' +
    'One dimension: a histogram normalised as a density.',
  options: [
    { name: 'in', kind: 'string', valueName: '<file.csv|file.json>', description: 'the samples to draw (required)' },
    { name: 'out', kind: 'string', valueName: '<file.svg>', description: 'where to write the picture', defaultText: '<in>.svg' },
    { name: 'title', kind: 'string', valueName: '<text>', description: 'figure title', defaultText: 'the file name' },
  ],
  examples: ['sgmkit plot --in out/samples.csv --out out/samples.svg'],
};

/** The `plot` command. */
export const plotCommand: Command = {
  spec,
  async run(args) {
    const input = args.string('in');
    if (input === undefined) throw new MissingOptionError('in');
    const out = args.string('out', input.replace(/\.(csv|json)$/i, '') + '.svg');
    const samples = readPointCloud(input);
    writeTextFile(out, samplesFigure(samples, { title: args.string('title', input) }));
    const [n, d] = samples.shape as [number, number];
    return { text: `wrote ${out} (${n} points in ${d} dimension${d === 1 ? '' : 's'})\n`, json: { plot: out, n, d } };
  },
};
