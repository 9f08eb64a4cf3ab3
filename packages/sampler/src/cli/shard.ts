/**
 * `--shard i/k` for `sgmkit sample`, and the shard files `sgmkit merge` joins.
 *
 * A shard file is the sample file of its rows, with where they belong: CSV files
 * start with a comment line `# sgmkit-shard {…}`, JSON files carry a `"shard"`
 * member. The record holds the shard's index, the shard count, its rows, the
 * global `n` and the run's settings, so that `merge` can refuse shards of
 * different runs, a missing or repeated shard, or a file cut short. The merged
 * file is byte for byte the file a single process writes.
 * @packageDocumentation
 */
import { fromArray, type Batch } from '@sgmkit/tensor';
import { shardRows, type ShardRows } from '../samplers/shard.js';
import { DataFileError } from '../io/errors.js';
import { parsePointCloudJson } from '../io/read.js';
import { samplesToCsv, samplesToJson, sampleFileFormat } from '../io/write.js';
import { OptionValueError, UsageError } from './errors.js';

/** Which shard of how many this process computes. */
export interface ShardChoice {
  readonly index: number;
  readonly count: number;
}

/** What a shard file records about itself. */
export interface ShardRecord extends ShardRows {
  readonly index: number;
  readonly count: number;
  /** Particles in the whole run. */
  readonly n: number;
  /** The run's settings (target, sampler, method, grid, seed, dtype, …): equal in every shard of one run. */
  readonly run: Readonly<Record<string, unknown>>;
}

/** The placeholder in `--out` (and in `merge --in`) that stands for the shard index. */
export const SHARD_PLACEHOLDER = '{shard}';

const CSV_MARKER = '# sgmkit-shard ';

function nonNegativeInteger(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

/** The shard index a scheduler gives this process: a Kubernetes Indexed Job, or a Slurm job array. */
function schedulerIndex(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): { index: number; count?: number; source: string } {
  const kubernetes = nonNegativeInteger(env.JOB_COMPLETION_INDEX);
  if (kubernetes !== undefined) return { index: kubernetes, source: 'JOB_COMPLETION_INDEX' };
  const task = nonNegativeInteger(env.SLURM_ARRAY_TASK_ID);
  if (task !== undefined) {
    const min = nonNegativeInteger(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const step = nonNegativeInteger(env.SLURM_ARRAY_TASK_STEP) ?? 1;
    return {
      index: (task - min) / Math.max(step, 1),
      count: nonNegativeInteger(env.SLURM_ARRAY_TASK_COUNT),
      source: 'SLURM_ARRAY_TASK_ID',
    };
  }
  throw new OptionValueError(
    'shard',
    text,
    'i/k, or auto inside a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or a Slurm job array (SLURM_ARRAY_TASK_ID); neither variable is set',
  );
}

/**
 * `--shard i/k`, `auto/k` or `auto`: `auto` reads the index from `JOB_COMPLETION_INDEX` (Kubernetes Indexed
 * Job) or `SLURM_ARRAY_TASK_ID` (minus `SLURM_ARRAY_TASK_MIN`, over `SLURM_ARRAY_TASK_STEP`), and the count
 * from `/k` or `SLURM_ARRAY_TASK_COUNT` (Kubernetes tells a pod its index, not the completion count).
 */
export function parseShardOption(text: string, env: Readonly<Record<string, string | undefined>>): ShardChoice {
  const match = /^(auto|\d+)(?:\/(\d+))?$/.exec(text.trim());
  if (match === null) throw new OptionValueError('shard', text, 'i/k (0 <= i < k), auto/k or auto');
  const given = match[2] === undefined ? undefined : Number(match[2]);
  let index: number;
  let count = given;
  if (match[1] === 'auto') {
    const fromScheduler = schedulerIndex(text, env);
    index = fromScheduler.index;
    count ??= fromScheduler.count;
    if (count === undefined)
      throw new OptionValueError(
        'shard',
        text,
        `auto/k with the number of shards k (${fromScheduler.source} gives only the index)`,
      );
    if (!Number.isSafeInteger(index) || index >= count) {
      throw new OptionValueError(
        'shard',
        text,
        `a shard index in [0, ${count}); ${fromScheduler.source} gives ${index}`,
      );
    }
  } else {
    index = Number(match[1]);
    if (count === undefined) throw new OptionValueError('shard', text, 'i/k with the number of shards k');
  }
  if (!(count >= 1 && count <= Number.MAX_SAFE_INTEGER))
    throw new OptionValueError('shard', text, 'a shard count k >= 1');
  if (!(index < count)) throw new OptionValueError('shard', text, `an index i in [0, k = ${count})`);
  return { index, count };
}

/** The record of shard `choice` of a run of `n` particles; a UsageError when that shard would be empty. */
export function shardRecord(choice: ShardChoice, n: number, run: Readonly<Record<string, unknown>>): ShardRecord {
  const rows = shardRows(n, choice.index, choice.count);
  if (rows.rows === 0)
    throw new UsageError(
      `--shard ${choice.index}/${choice.count} has no rows: -n ${n} is smaller than the number of shards`,
    );
  return { index: choice.index, count: choice.count, ...rows, n, run };
}

/** `--out` with `{shard}` replaced by the shard index. */
export function shardPath(pattern: string, index: number): string {
  return pattern.split(SHARD_PLACEHOLDER).join(String(index));
}

/** A shard's sample file: the CSV with its record as the first (comment) line, or the JSON with a `"shard"` member. */
export function shardFileText(
  path: string,
  samples: Batch,
  record: ShardRecord,
  metadata: Readonly<Record<string, unknown>>,
): string {
  if (sampleFileFormat(path) === 'csv') return `${CSV_MARKER}${JSON.stringify(record)}\n${samplesToCsv(samples)}`;
  return samplesToJson(samples, { ...metadata, shard: record });
}

/** One shard file, read: its record and its content without the record. */
interface ReadShard {
  readonly path: string;
  readonly record: ShardRecord;
  /** CSV: the header line and the data lines. JSON: the parsed rows and the other metadata. */
  readonly csv?: { readonly header: string; readonly body: string };
  readonly json?: { readonly samples: Batch; readonly metadata: Record<string, unknown> };
}

function expectRecord(path: string, value: unknown): ShardRecord {
  const r = value as Partial<ShardRecord> | null;
  const integers =
    r !== null &&
    typeof r === 'object' &&
    [r.index, r.count, r.firstRow, r.rows, r.n].every((v) => Number.isSafeInteger(v) && (v as number) >= 0);
  if (!integers || typeof r.run !== 'object' || r.run === null)
    throw new DataFileError(path, 'not an sgmkit shard file: its shard record is malformed');
  const expected = shardRows(r.n!, r.index!, r.count!);
  if (expected.firstRow !== r.firstRow || expected.rows !== r.rows) {
    throw new DataFileError(
      path,
      `shard ${r.index}/${r.count} of n = ${r.n} holds rows [${expected.firstRow}, ${expected.firstRow + expected.rows}); the record says [${r.firstRow}, ${r.firstRow! + r.rows!})`,
    );
  }
  return r as ShardRecord;
}

function readCsvShard(path: string, text: string): ReadShard {
  const firstBreak = text.indexOf('\n');
  if (!text.startsWith(CSV_MARKER) || firstBreak < 0)
    throw new DataFileError(
      path,
      `not an sgmkit shard file: the first line is not "${CSV_MARKER.trim()} {…}" (write shards with sgmkit sample --shard)`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(CSV_MARKER.length, firstBreak));
  } catch {
    throw new DataFileError(path, 'not an sgmkit shard file: its shard record is not JSON');
  }
  const record = expectRecord(path, parsed);
  const rest = text.slice(firstBreak + 1);
  const headerEnd = rest.indexOf('\n');
  const body = headerEnd < 0 ? '' : rest.slice(headerEnd + 1);
  const lines = body === '' ? 0 : body.split('\n').length - 1;
  if (!body.endsWith('\n') && body !== '')
    throw new DataFileError(path, 'the file is cut short (no newline after its last row)');
  if (lines !== record.rows)
    throw new DataFileError(path, `holds ${lines} rows; shard ${record.index}/${record.count} has ${record.rows}`);
  return { path, record, csv: { header: rest.slice(0, headerEnd), body } };
}

function readJsonShard(path: string, text: string): ReadShard {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new DataFileError(path, 'not JSON (cut short?)');
  }
  if (parsed === null || typeof parsed !== 'object' || !('shard' in parsed))
    throw new DataFileError(
      path,
      'not an sgmkit shard file: no "shard" member (write shards with sgmkit sample --shard)',
    );
  const record = expectRecord(path, parsed.shard);
  const samples = parsePointCloudJson(text, path);
  if (samples.shape[0] !== record.rows)
    throw new DataFileError(
      path,
      `holds ${samples.shape[0]} rows; shard ${record.index}/${record.count} has ${record.rows}`,
    );
  const { shape: _shape, shard: _shard, samples: _samples, ...metadata } = parsed;
  return { path, record, json: { samples, metadata } };
}

/** Reads shard file `path` (text already loaded). */
export function readShardFile(path: string, text: string): ReadShard {
  return sampleFileFormat(path) === 'csv' ? readCsvShard(path, text) : readJsonShard(path, text);
}

/** Refuses shards that are not exactly shards 0 … k − 1 of one run, in order. */
function expectOneRun(shards: readonly ReadShard[]): void {
  const first = shards[0]!;
  const runText = JSON.stringify(first.record.run);
  shards.forEach((shard, i) => {
    const { record } = shard;
    if (record.count !== first.record.count || record.n !== first.record.n || JSON.stringify(record.run) !== runText) {
      throw new DataFileError(
        shard.path,
        `is shard ${record.index}/${record.count} of another run than ${first.path} (settings, n or shard count differ)`,
      );
    }
    if (record.index !== i) throw new DataFileError(shard.path, `is shard ${record.index}; expected shard ${i} here`);
    if (shard.csv !== undefined && shard.csv.header !== first.csv!.header)
      throw new DataFileError(shard.path, `its column header differs from ${first.path}'s`);
  });
  if (shards.length !== first.record.count)
    throw new UsageError(`got ${shards.length} shard files; the run has ${first.record.count} shards`);
}

/** The single-process sample file of a run, from all its shards in index order. */
export function mergeShards(shards: readonly ReadShard[]): string {
  if (shards.length === 0) throw new UsageError('no shard files to merge');
  expectOneRun(shards);
  const first = shards[0]!;
  if (first.csv !== undefined) {
    if (shards.some((s) => s.csv === undefined)) throw new UsageError('cannot merge CSV and JSON shards together');
    return `${first.csv.header}\n${shards.map((s) => s.csv!.body).join('')}`;
  }
  if (shards.some((s) => s.json === undefined)) throw new UsageError('cannot merge CSV and JSON shards together');
  const d = first.json!.samples.shape[1]!;
  const all = new Float64Array(first.record.n * d);
  for (const shard of shards)
    all.set(shard.json!.samples.data.subarray(0, shard.record.rows * d), shard.record.firstRow * d);
  return samplesToJson(fromArray(all, [first.record.n, d]), first.json!.metadata);
}
