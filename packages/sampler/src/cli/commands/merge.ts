/**
 * `sgmkit merge`: joins the shard files of a run sharded with `sgmkit sample
 * --shard i/k` into the file a single process would have written, byte for byte.
 * @packageDocumentation
 */
import type { CommandSpec } from '../args.js';
import type { Command } from '../command.js';
import { readTextFile, writeTextFile } from '../../node/files.js';
import { sampleFileFormat } from '../../io/write.js';
import { MissingOptionError, OptionValueError } from '../errors.js';
import { SHARD_PLACEHOLDER, mergeShards, readShardFile, shardPath } from '../shard.js';

const spec: CommandSpec = {
  name: 'merge',
  summary: 'join the shard files of a run sampled with --shard i/k into the single-process sample file',
  description:
    'Checks that the files are shards 0 … k − 1 of one run (same settings, n and k), each complete, then writes\n' +
    'their rows in order: the result is byte for byte the file of the same run in one process.',
  options: [
    {
      name: 'in',
      kind: 'string',
      valueName: `<pattern with ${SHARD_PLACEHOLDER}|a.csv,b.csv,…>`,
      description: `the shard files: a path with ${SHARD_PLACEHOLDER} for the index (k is read from shard 0), or a comma-separated list in index order (required)`,
    },
    {
      name: 'out',
      kind: 'string',
      valueName: '<file.csv|json>',
      description: 'where to write the merged samples (required)',
    },
  ],
  examples: [
    'sgmkit sample --target ring8 -n 100000 --shard 0/4 --out out/part-{shard}.csv   # … and shards 1, 2, 3',
    'sgmkit merge --in out/part-{shard}.csv --out out/samples.csv',
  ],
};

/** The shard files `--in` names: a `{shard}` pattern expanded over shard 0's count, or an explicit list. */
function shardFiles(input: string): { path: string; text: string }[] {
  if (!input.includes(SHARD_PLACEHOLDER)) return input.split(',').map((path) => ({ path, text: readTextFile(path) }));
  const firstPath = shardPath(input, 0);
  const first = { path: firstPath, text: readTextFile(firstPath) };
  const { count } = readShardFile(first.path, first.text).record;
  return [
    first,
    ...Array.from({ length: count - 1 }, (_, i) => {
      const path = shardPath(input, i + 1);
      return { path, text: readTextFile(path) };
    }),
  ];
}

/** The `merge` command. */
export const mergeCommand: Command = {
  spec,
  async run(args) {
    const input = args.string('in');
    const out = args.string('out');
    if (input === undefined) throw new MissingOptionError('in');
    if (out === undefined) throw new MissingOptionError('out');
    const outFormat = sampleFileFormat(out);
    const files = shardFiles(input);
    for (const { path } of files) {
      if (sampleFileFormat(path) !== outFormat)
        throw new OptionValueError('out', out, `a .${sampleFileFormat(path)} file like the shards`);
    }
    const shards = files.map(({ path, text }) => readShardFile(path, text));
    writeTextFile(out, mergeShards(shards));
    const { n, count } = shards[0]!.record;
    return {
      text: `wrote ${out}: ${n} samples from ${count} shard${count === 1 ? '' : 's'}\n`,
      json: { out, n, shards: count, files: files.map((f) => f.path) },
    };
  },
};
