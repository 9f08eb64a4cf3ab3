import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sgmkit, expectOneLineError } from './run';
import { checkWellFormedXml } from '../helpers/xml';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-train-'));
const small = ['--steps', '30', '--hidden', '8,8', '--data-size', '500', '--batch-size', '32'];

describe('sgmkit train', () => {
  test('trains on a preset, plots the loss, saves a network that sample --network loads', () => {
    const out = join(dir, 'net.json');
    const plot = join(dir, 'loss.svg');
    const run = sgmkit(['train', ...small, '--out', out, '--plot', plot, '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: true, command: 'train', target: 'ring8', dataSize: 500, steps: 30, out, plot });
    expect(report.losses).toHaveLength(30);
    expect(report.scoreError.map((c: { t: number }) => c.t)).toEqual([0.01, 0.1, 1]);
    for (const c of report.scoreError) expect(c.relativeError).toBeGreaterThan(0);
    // The recipe: 10% held out, held-out loss on fixed draws, score error against the training rows' empirical law.
    expect(report).toMatchObject({ trainSize: 450, heldOutSize: 50, stoppedEarly: false });
    expect(report.recipe).toMatchObject({
      normalization: 'affine',
      standardizedStd: 0.3,
      maxStandardizedRange: 1,
      residualHorizon: 1,
      residualBox: 2,
      emaDecay: 0.999,
      parameterisation: 'noise-prediction-skip',
      learningRateDecay: 'cosine',
    });
    expect(report.heldOutLoss).toBeGreaterThan(0);
    expect(report.evaluations.at(-1)).toMatchObject({ step: 30, heldOutLoss: report.heldOutLoss });
    expect(report.empiricalScoreError.map((c: { t: number }) => c.t)).toEqual([0.01, 0.1, 1]);
    for (const c of report.empiricalScoreError) expect(c.relativeError).toBeGreaterThan(0);
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved).toMatchObject({
      version: 4,
      architecture: { residualHorizon: 1, residualBox: 2 },
      normalization: { kind: 'affine' },
    });
    expect(saved.dataMoments.std).toHaveLength(2);
    expect(run.stderr).toMatch(/^train: 30\/30 steps \(100%\)/m);
    expect(run.stderr).toMatch(/^train: .*loss [0-9.]+, held-out [0-9.]+$/m);
    const svg = readFileSync(plot, 'utf8');
    checkWellFormedXml(svg);
    expect(svg).toContain('moving average');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toBeInstanceOf(Object);

    // A 30-step network is far from trained: its samples diverge, and sample says so. --max-diverged 200 accepts them here.
    const sampled = sgmkit([
      'sample',
      '--network',
      out,
      '-n',
      '200',
      '--steps',
      '20',
      '--out',
      join(dir, 'from-net.csv'),
      '--no-plot',
      '--json',
      '--max-diverged',
      '200',
    ]);
    expect(sampled.code).toBe(0);
    const sampledReport = JSON.parse(sampled.stdout);
    // a network is sampled on the early-stopping grid unless --schedule says otherwise
    expect(sampledReport).toMatchObject({ target: 'network', delta: 1e-3, n: 200, schedule: 'early-stopping' });
    expect(sampledReport.diverged.count).toBeGreaterThanOrEqual(0);
    // A DDPM network has no velocity score: --sampler cld says so in one line.
    const cld = sgmkit([
      'sample',
      '--sampler',
      'cld',
      '--network',
      out,
      '--no-plot',
      '--out',
      join(dir, 'never-cld.csv'),
    ]);
    expect(expectOneLineError(cld, 'sgmkit sample: ', 2)).toMatch(
      /--sampler cld needs a CLD velocity score; the network target has only an OU \(DDPM\) score/,
    );
  });

  test('trains on a point-cloud file (no exact score to compare against)', () => {
    const points = join(dir, 'points.json');
    writeFileSync(points, JSON.stringify(Array.from({ length: 40 }, (_, i) => [Math.cos(i), Math.sin(i)])));
    const run = sgmkit([
      'train',
      '--points',
      points,
      ...small,
      '--out',
      join(dir, 'p.json'),
      '--no-plot',
      '--json',
      '--save-split',
      join(dir, 'split'),
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      target: 'points',
      dataSize: 40,
      trainSize: 36,
      heldOutSize: 4,
      scoreError: [],
      plot: null,
    });
    // --save-split: the 36 + 4 rows, each a row of the points file, none in both.
    expect(report.split).toEqual({ train: join(dir, 'split-train.csv'), heldOut: join(dir, 'split-heldout.csv') });
    const csvRows = (path: string) =>
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter((line) => /^-?\d/.test(line));
    const trainRows = csvRows(report.split.train);
    const heldRows = csvRows(report.split.heldOut);
    expect([trainRows.length, heldRows.length]).toEqual([36, 4]);
    const all = Array.from({ length: 40 }, (_, i) => [Math.cos(i), Math.sin(i)]);
    const index = (line: string) =>
      all.findIndex(([a, b]) =>
        line
          .split(',')
          .map(Number)
          .every((v, j) => v === [a, b][j]),
      );
    const indices = [...trainRows, ...heldRows].map(index);
    expect(indices.every((i) => i >= 0)).toBe(true);
    expect(new Set(indices).size).toBe(40);
    expect(report.empiricalScoreError).toHaveLength(3);
    // The file stores its training rows' range; sample --clip train uses it when no --train file is given.
    const saved = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'));
    expect(saved.dataRange.lower).toHaveLength(2);
    for (let j = 0; j < 2; j++) {
      expect(saved.dataRange.lower[j]).toBeGreaterThanOrEqual(-1);
      expect(saved.dataRange.upper[j]).toBeLessThanOrEqual(1);
      expect(saved.dataRange.lower[j]).toBeLessThan(saved.dataRange.upper[j]);
    }
    const sampled = sgmkit([
      'sample',
      '--network',
      join(dir, 'p.json'),
      '--clip',
      'train',
      '-n',
      '50',
      '--steps',
      '20',
      '--no-plot',
      '--out',
      join(dir, 'pc.csv'),
      '--json',
      '--max-diverged',
      '50',
    ]);
    expect(sampled.code === 0 || sampled.code === 1).toBe(true);
    const out = JSON.parse(sampled.stdout);
    expect(out.clip).toEqual({ lower: saved.dataRange.lower, upper: saved.dataRange.upper });
    // Without a stored range (the field removed) --clip train needs --train, and says so.
    delete saved.dataRange;
    writeFileSync(join(dir, 'p-norange.json'), JSON.stringify(saved));
    const refused = sgmkit(['sample', '--network', join(dir, 'p-norange.json'), '--clip', 'train', '--no-plot']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('this network file stores no data range');
  });

  test.each(['float64', 'float32'])('--workers 3 saves the same %s network, byte for byte, as one thread', (dtype) => {
    const one = join(dir, `w1-${dtype}.json`);
    const three = join(dir, `w3-${dtype}.json`);
    // Batch 96: three micro-shards of 32, one per thread.
    const args = [
      'train',
      '--steps',
      '30',
      '--hidden',
      '8,8',
      '--data-size',
      '500',
      '--batch-size',
      '96',
      '--dtype',
      dtype,
      '--no-plot',
      '--quiet',
    ];
    expect(sgmkit([...args, '--workers', '3', '--out', three]).code).toBe(0);
    expect(sgmkit([...args, '--workers', '1', '--out', one]).code).toBe(0);
    expect(readFileSync(three, 'utf8')).toBe(readFileSync(one, 'utf8'));
  });

  test('--dtype float32 trains a float32 network and saves its dtype; sample --network loads it', () => {
    const out = join(dir, 'net32.json');
    const run = sgmkit(['train', ...small, '--dtype', 'float32', '--out', out, '--no-plot', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, dtype: 'float32', steps: 30 });
    const saved = JSON.parse(readFileSync(out, 'utf8'));
    expect(saved).toMatchObject({ version: 4, dtype: 'float32' });
    expect(saved.layers[0].weight.every((w: number) => Math.fround(w) === w)).toBe(true);
    // 30 training steps: its samples diverge and sample says so; --max-diverged 100 accepts them here.
    const sampled = sgmkit([
      'sample',
      '--network',
      out,
      '-n',
      '100',
      '--steps',
      '20',
      '--out',
      join(dir, 'from-net32.csv'),
      '--no-plot',
      '--json',
      '--max-diverged',
      '100',
    ]);
    expect(sampled.code).toBe(0);
    const bad = sgmkit(['train', ...small, '--dtype', 'float16', '--no-plot']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/dtype/);
  });

  test('bad input: one line, non-zero exit', () => {
    const e = (args: string[], code: number) =>
      expectOneLineError(
        sgmkit(['train', ...small, '--no-plot', '--out', join(dir, 'never.json'), ...args]),
        'sgmkit train: ',
        code,
      );
    // (small already passes --hidden, and an option may be given only once)
    expect(
      expectOneLineError(
        sgmkit(['train', '--steps', '30', '--hidden', '8,0', '--no-plot', '--out', join(dir, 'never.json')]),
        'sgmkit train: ',
        1,
      ),
    ).toBe('sgmkit train: --hidden must be a comma-separated list of integers >= 1; got "8,0"');
    expect(e(['--t-min', '20'], 1)).toBe('sgmkit train: --t-min must be less than --T (10); got "20"');
    expect(e(['--lr', '-1'], 1)).toBe('sgmkit train: --lr must be a finite number > 0; got "-1"');
    expect(e(['--ema', '1'], 1)).toMatch(/^sgmkit train: --ema must be a finite number >= 0 and <= 0.999999; got "1"$/);
    expect(e(['--workers', '0'], 1)).toMatch(
      /^sgmkit train: --workers must be an integer >= 1 and <= 64, or auto; got "0"$/,
    );
    expect(e(['--network', 'x.json'], 2)).toBe('sgmkit train: unknown option --network (see --help)');
    expect(e(['--holdout', '0.7'], 1)).toMatch(
      /^sgmkit train: --holdout must be a finite number >= 0 and <= 0.5; got "0.7"$/,
    );
    expect(e(['--holdout', '0', '--early-stopping'], 1)).toBe(
      'sgmkit train: --holdout must be > 0 with --early-stopping (it watches the held-out loss); got "0"',
    );
    expect(e(['--warmup', '31'], 1)).toBe('sgmkit train: --warmup must be at most --steps (30); got "31"');
    expect(e(['--normalization', 'pca'], 1)).toBe(
      'sgmkit train: --normalization must be one of affine, whitening, none; got "pca"',
    );
    expect(e(['--data-std', '0'], 1)).toBe('sgmkit train: --data-std must be a finite number > 0; got "0"');
    expect(e(['--max-range', '-1'], 1)).toBe('sgmkit train: --max-range must be a finite number > 0; got "-1"');
    expect(e(['--residual-horizon', '0'], 1)).toBe(
      'sgmkit train: --residual-horizon must be a finite number > 0; got "0"',
    );
    expect(e(['--residual-box', '-1'], 1)).toBe('sgmkit train: --residual-box must be a finite number > 0; got "-1"');
    expect(e(['--points', join(dir, 'none.csv')], 1)).toMatch(/none\.csv: cannot read: no such file$/);
  });

  test('sample --network rejects a malformed network file in one line', () => {
    const bad = join(dir, 'bad-net.json');
    writeFileSync(bad, '{"format": "something else"}');
    expect(
      expectOneLineError(
        sgmkit(['sample', '--network', bad, '--no-plot', '--out', join(dir, 'x.csv')]),
        'sgmkit sample: ',
        1,
      ),
    ).toMatch(/^sgmkit sample: .*bad-net\.json: loadAnyScoreNetwork: /);
  });
});
