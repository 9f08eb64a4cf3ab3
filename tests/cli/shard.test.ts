// `sgmkit sample --shard i/k` and `sgmkit merge` (issue 13): k processes, run at the same time, each compute their
// rows of one run; the merged file is byte for byte the single-process file. `--shard auto` takes the index from a
// Kubernetes Indexed Job or a Slurm array; merge refuses shards that do not make up one run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, ROOT, expectOneLineError, sgmkit } from './run';

const RUN = [
  '--target',
  'ring8',
  '-n',
  '2003',
  '--steps',
  '60',
  '--seed',
  '9',
  '--method',
  'euler-maruyama',
  '--no-plot',
  '--quiet',
];

/** Runs one `sgmkit` process per argument list, all at once; resolves when every one has exited 0. */
function runTogether(runs: { args: string[]; env?: Record<string, string> }[]): Promise<void[]> {
  return Promise.all(
    runs.map(
      ({ args, env }) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [MAIN, ...args], {
            cwd: ROOT,
            env: { ...process.env, SGMKIT_DEBUG: '', ...env },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`sgmkit ${args.join(' ')} exited ${code}: ${stderr}`)),
          );
        }),
    ),
  );
}

describe('sample --shard and merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgmkit-shard-'));

  test('3 processes at once (one on 2 workers): the merged CSV is the single-process CSV, byte for byte', async () => {
    expect(sgmkit(['sample', ...RUN, '--out', join(dir, 'single.csv')]).code).toBe(0);
    await runTogether(
      [0, 1, 2].map((i) => ({
        args: [
          'sample',
          ...RUN,
          '--shard',
          `${i}/3`,
          '--workers',
          i === 1 ? '2' : '1',
          '--out',
          join(dir, 'part-{shard}.csv'),
        ],
      })),
    );
    const merged = sgmkit(['merge', '--in', join(dir, 'part-{shard}.csv'), '--out', join(dir, 'merged.csv'), '--json']);
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ n: 2003, shards: 3 });
    expect(readFileSync(join(dir, 'merged.csv'), 'utf8')).toBe(readFileSync(join(dir, 'single.csv'), 'utf8'));
    // a shard file is itself a readable sample file (its record is a comment line)
    expect(readFileSync(join(dir, 'part-1.csv'), 'utf8').split('\n')[0]).toMatch(
      /^# sgmkit-shard \{"index":1,"count":3,"firstRow":667,"rows":668,"n":2003,/,
    );
  });

  test('--shard auto from JOB_COMPLETION_INDEX (Kubernetes) and SLURM_ARRAY_TASK_ID (Slurm): the merged JSON is the single-process JSON', async () => {
    expect(sgmkit(['sample', ...RUN, '--out', join(dir, 'single.json')]).code).toBe(0);
    await runTogether([
      {
        args: ['sample', ...RUN, '--shard', 'auto/4', '--out', join(dir, 'k8s-{shard}.json')],
        env: { JOB_COMPLETION_INDEX: '0' },
      },
      {
        args: ['sample', ...RUN, '--shard', 'auto/4', '--out', join(dir, 'k8s-{shard}.json')],
        env: { JOB_COMPLETION_INDEX: '1' },
      },
      // a Slurm array --array=10-13: the index is SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN, the count SLURM_ARRAY_TASK_COUNT
      ...[12, 13].map((id) => ({
        args: ['sample', ...RUN, '--shard', 'auto', '--out', join(dir, 'k8s-{shard}.json')],
        env: { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_COUNT: '4' },
      })),
    ]);
    expect(
      sgmkit([
        'merge',
        '--in',
        [0, 1, 2, 3].map((i) => join(dir, `k8s-${i}.json`)).join(','),
        '--out',
        join(dir, 'merged.json'),
      ]).code,
    ).toBe(0);
    expect(readFileSync(join(dir, 'merged.json'), 'utf8')).toBe(readFileSync(join(dir, 'single.json'), 'utf8'));
  });

  test('merge refuses a missing, repeated, foreign or cut-short shard, naming the file', async () => {
    await runTogether(
      [0, 1].map((i) => ({ args: ['sample', ...RUN, '--shard', `${i}/2`, '--out', join(dir, 'two-{shard}.csv')] })),
    );
    const files = [0, 1].map((i) => join(dir, `two-${i}.csv`));
    expectOneLineError(
      sgmkit(['merge', '--in', files[0]!, '--out', join(dir, 'm.csv')]),
      'sgmkit merge: got 1 shard files; the run has 2 shards',
      2,
    );
    expectOneLineError(
      sgmkit(['merge', '--in', `${files[1]},${files[0]}`, '--out', join(dir, 'm.csv')]),
      `sgmkit merge: ${files[1]}: is shard 1; expected shard 0 here`,
      1,
    );
    const foreign = join(dir, 'foreign-1.csv');
    expect(sgmkit(['sample', ...RUN.map((a) => (a === '9' ? '10' : a)), '--shard', '1/2', '--out', foreign]).code).toBe(
      0,
    ); // seed 10
    expectOneLineError(
      sgmkit(['merge', '--in', `${files[0]},${foreign}`, '--out', join(dir, 'm.csv')]),
      `sgmkit merge: ${foreign}: is shard 1/2 of another run`,
      1,
    );
    const text = readFileSync(files[1]!, 'utf8');
    writeFileSync(join(dir, 'cut-1.csv'), text.slice(0, text.length - 10));
    expectOneLineError(
      sgmkit(['merge', '--in', `${files[0]},${join(dir, 'cut-1.csv')}`, '--out', join(dir, 'm.csv')]),
      `sgmkit merge: ${join(dir, 'cut-1.csv')}: `,
      1,
    );
    expectOneLineError(
      sgmkit(['merge', '--in', join(dir, 'single.csv'), '--out', join(dir, 'm.csv')]),
      `sgmkit merge: ${join(dir, 'single.csv')}: not an sgmkit shard file`,
      1,
    );
  });

  test('bad --shard values are one-line errors', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--shard', '3/3'], {}, /--shard must be an index i in \[0, k = 3\)/],
      [['--shard', '1'], {}, /--shard must be i\/k with the number of shards k/],
      [['--shard', 'x/2'], {}, /--shard must be i\/k/],
      [['--shard', '0/0'], {}, /a shard count k >= 1/],
      [['--shard', 'auto/4'], { JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '' }, /neither variable is set/],
      [
        ['--shard', 'auto'],
        { JOB_COMPLETION_INDEX: '2', SLURM_ARRAY_TASK_ID: '' },
        /JOB_COMPLETION_INDEX gives only the index/,
      ],
      [
        ['--shard', 'auto/2'],
        { JOB_COMPLETION_INDEX: '2', SLURM_ARRAY_TASK_ID: '' },
        /index in \[0, 2\); JOB_COMPLETION_INDEX gives 2/,
      ],
      [['--shard', '0/8', '-n', '3'], {}, /--shard 0\/8 has no rows: -n 3 is smaller than the number of shards/],
    ];
    for (const [args, env, message] of cases) {
      const run = sgmkit(['sample', '--target', 'ring8', '--steps', '20', '--no-plot', ...args], { env });
      expect(expectOneLineError(run, 'sgmkit sample: ', run.code ?? -1)).toMatch(message);
      expect(run.code).not.toBe(0);
    }
  });
});
