import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sgmkit, expectOneLineError, MAIN } from './run';
import { checkWellFormedXml } from '../helpers/xml';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-sample-'));
const csvRows = (path: string) => readFileSync(path, 'utf8').trim().split('\n').length - 1;
const panels = (svg: string) => (svg.match(/class="panel"/g) ?? []).length;

describe('sgmkit sample', () => {
  test('no arguments: the default job (ring8, DDPM EI, n = 10^4) writes out/samples.csv and out/samples.svg', () => {
    const run = sgmkit(['sample'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ring8');
    expect(run.stdout).toContain('exponential-integrator');
    expect(csvRows(join(dir, 'out', 'samples.csv'))).toBe(10_000);
    const svg = readFileSync(join(dir, 'out', 'samples.svg'), 'utf8');
    checkWellFormedXml(svg);
    expect(panels(svg)).toBe(3); // target density, sample density, scatter
    expect(run.stderr).toMatch(/^sample: \d+\/1000 steps/m); // plain progress lines off a TTY
  });

  test('Gaussian target: --json, and the samples match the exact output law within 5 standard errors', () => {
    const out = join(dir, 'g.json');
    const run = sgmkit([
      'sample',
      '--target',
      'gaussian',
      '--mean',
      '1,-1',
      '--cov',
      '1,0.5;0.5,2',
      '--steps',
      '40',
      '-n',
      '20000',
      '--seed',
      '3',
      '--out',
      out,
      '--no-plot',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      ok: true,
      command: 'sample',
      target: 'gaussian',
      sampler: 'ddpm',
      n: 20000,
      steps: 40,
      reference: 'exact-output-law',
      plot: null,
    });
    for (const m of report.moments) {
      expect(Math.abs(m.meanZ)).toBeLessThan(5);
      expect(Math.abs(m.varianceZ)).toBeLessThan(5);
    }
    expect(report.exactOutputLaw.kl).toBeGreaterThan(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.shape).toEqual([20000, 2]);
    expect(file.samples).toHaveLength(20000);
  });

  test('CLD on a Gaussian, every method, within 5 standard errors of its exact law', () => {
    for (const method of ['exponential-integrator', 'euler-maruyama', 'sscs']) {
      const run = sgmkit([
        'sample',
        '--sampler',
        'cld',
        '--method',
        method,
        '--dim',
        '2',
        '--cov',
        '0.5',
        '--T',
        '6',
        '--steps',
        '30',
        '-n',
        '10000',
        '--out',
        join(dir, `cld-${method}.csv`),
        '--no-plot',
        '--json',
      ]);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.sampler).toBe('cld');
      for (const m of report.moments) expect(Math.abs(m.meanZ)).toBeLessThan(5);
      for (const m of report.moments) expect(Math.abs(m.varianceZ)).toBeLessThan(5);
    }
  });

  test('CLD on every analytic target and a point cloud, every method: samples of the right shape, finite', () => {
    const points = join(dir, 'cld-cloud.csv');
    writeFileSync(
      points,
      'x,y\n' + Array.from({ length: 30 }, (_, i) => `${Math.cos(i / 5) * 3},${Math.sin(i / 5) * 3}`).join('\n'),
    );
    const targets = [
      ['--target', 'ring8'],
      ['--target', 'grid25'],
      ['--target', 'bimodal'],
      ['--points', points],
    ];
    for (const target of targets) {
      for (const method of ['ei', 'em', 'sscs']) {
        const out = join(dir, `cld-${target[1]!.length}-${method}.csv`);
        const run = sgmkit([
          'sample',
          '--sampler',
          'cld',
          ...target,
          '--method',
          method,
          '--steps',
          '60',
          '-n',
          '300',
          '--out',
          out,
          '--no-plot',
          '--json',
        ]);
        expect(run.code).toBe(0);
        const report = JSON.parse(run.stdout);
        expect(report).toMatchObject({ sampler: 'cld', n: 300, scoreEvaluations: 60 });
        const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
        expect(rows).toHaveLength(300);
        for (const row of rows) for (const v of row.split(',')) expect(Number.isFinite(Number(v))).toBe(true);
      }
    }
  });

  test('CLD with a velocity corrector on a Gaussian: within 5 standard errors of the exact law with the corrector', () => {
    const run = sgmkit([
      'sample',
      '--sampler',
      'cld',
      '--method',
      'sscs',
      '--dim',
      '2',
      '--cov',
      '0.5',
      '--T',
      '6',
      '--steps',
      '30',
      '--corrector-steps',
      '2',
      '--corrector-size',
      '0.2',
      '-n',
      '20000',
      '--seed',
      '4',
      '--out',
      join(dir, 'cld-corrector.csv'),
      '--no-plot',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      reference: 'exact-output-law',
      corrector: { steps: 2, stepSize: 0.2 },
      scoreEvaluations: 90,
    });
    for (const m of report.moments) {
      expect(Math.abs(m.meanZ)).toBeLessThan(5);
      expect(Math.abs(m.varianceZ)).toBeLessThan(5);
    }
  });

  test('CLD output is bit-identical for 1, 2 and 3 workers (ring8 with the corrector, and a point cloud)', () => {
    const points = join(dir, 'cld-workers-cloud.csv');
    writeFileSync(points, 'x,y\n' + Array.from({ length: 20 }, (_, i) => `${i % 5},${Math.floor(i / 5)}`).join('\n'));
    for (const target of [
      ['--target', 'ring8', '--method', 'sscs', '--corrector-steps', '1'],
      ['--points', points],
    ]) {
      const files = [1, 2, 3].map((workers) => {
        const out = join(dir, `cld-w${workers}-${target.length}.csv`);
        expect(
          sgmkit([
            'sample',
            '--sampler',
            'cld',
            ...target,
            '-n',
            '3001',
            '--steps',
            '40',
            '--seed',
            '9',
            '--workers',
            String(workers),
            '--no-plot',
            '-q',
            '--out',
            out,
          ]).code,
        ).toBe(0);
        return readFileSync(out, 'utf8');
      });
      expect(files[1]).toBe(files[0]);
      expect(files[2]).toBe(files[0]);
    }
  });

  test('--workers 2 gives the same file as one worker', () => {
    const args = ['sample', '-n', '3000', '--steps', '30', '--seed', '9', '--no-plot', '-q'];
    expect(sgmkit([...args, '--workers', '1', '--out', join(dir, 'w1.csv')]).code).toBe(0);
    expect(sgmkit([...args, '--workers', '2', '--out', join(dir, 'w2.csv')]).code).toBe(0);
    expect(readFileSync(join(dir, 'w2.csv'), 'utf8')).toBe(readFileSync(join(dir, 'w1.csv'), 'utf8'));
  });

  test('1-D target: a histogram with the density curve', () => {
    const plot = join(dir, 'b.svg');
    expect(
      sgmkit([
        'sample',
        '--target',
        'bimodal',
        '--method',
        'em',
        '--T',
        '8',
        '--steps',
        '50',
        '-n',
        '2000',
        '--out',
        join(dir, 'b.csv'),
        '--plot',
        plot,
        '-q',
      ]).code,
    ).toBe(0);
    const svg = readFileSync(plot, 'utf8');
    checkWellFormedXml(svg);
    expect(svg).toContain('class="bars"');
    expect(svg).toContain('class="density"');
  });

  test('point-cloud target: early stopping, data points drawn next to the samples', () => {
    const points = join(dir, 'cloud.csv');
    writeFileSync(
      points,
      'x,y\n' + Array.from({ length: 50 }, (_, i) => `${Math.cos(i / 8) * 3},${Math.sin(i / 8) * 3}`).join('\n'),
    );
    const plot = join(dir, 'cloud.svg');
    const run = sgmkit([
      'sample',
      '--points',
      points,
      '--delta',
      '0.01',
      '--schedule',
      'early-stopping',
      '--steps',
      '60',
      '-n',
      '1000',
      '--out',
      join(dir, 'cloud-samples.csv'),
      '--plot',
      plot,
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      target: 'points',
      delta: 0.01,
      schedule: 'early-stopping',
      reference: null,
    });
    expect(readFileSync(plot, 'utf8')).toContain('data points (m = 50)');
    expect(csvRows(join(dir, 'cloud-samples.csv'))).toBe(1000);
  });

  test('data targets default to the early-stopping grid under DDPM (uniform for analytic targets and CLD); too few --steps for it is refused with both fixes named', () => {
    const points = join(dir, 'default-grid-cloud.csv');
    writeFileSync(points, 'x,y\n' + Array.from({ length: 40 }, (_, i) => `${Math.cos(i)},${Math.sin(i)}`).join('\n'));
    const scheduleOf = (args: string[]): string => {
      const run = sgmkit([
        'sample',
        ...args,
        '-n',
        '50',
        '--steps',
        '30',
        '--no-plot',
        '--json',
        '--out',
        join(dir, 'grid.csv'),
      ]);
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout).schedule;
    };
    expect(scheduleOf(['--points', points])).toBe('early-stopping');
    expect(scheduleOf(['--points', points, '--schedule', 'uniform'])).toBe('uniform');
    expect(scheduleOf(['--target', 'ring8'])).toBe('uniform');
    expect(scheduleOf(['--sampler', 'cld', '--points', points])).toBe('uniform');
    // 10 early-stopping steps from T = 10 put 6 uniform steps of h = 1.5 above t = 1: past EI's limit ln 3
    const few = sgmkit([
      'sample',
      '--points',
      points,
      '--steps',
      '10',
      '-n',
      '50',
      '--no-plot',
      '--out',
      join(dir, 'few.csv'),
    ]);
    expect(few.code).toBe(2);
    expect(few.stderr.trim()).toBe(
      'sgmkit sample: --steps 10 is too few for the early-stopping grid that --points/--network use by default: its largest step is h = 1.5, at or above the exponential-integrator stability limit 1.099; give more --steps or --schedule uniform',
    );
    const uniform = sgmkit([
      'sample',
      '--points',
      points,
      '--steps',
      '10',
      '--schedule',
      'uniform',
      '-n',
      '50',
      '--no-plot',
      '--out',
      join(dir, 'few.csv'),
    ]);
    expect(uniform.code).toBe(0);
  });

  test('Ctrl-C stops a run cleanly: one line, exit 130, no output file', async () => {
    const out = join(dir, 'interrupted.csv');
    const child = spawn(
      process.execPath,
      [MAIN, 'sample', '--steps', '100000', '-n', '20000', '--no-plot', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // Interrupt once the run has started (its first progress line).
    await new Promise<void>((started) => child.stderr.on('data', () => started()));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(code).toBe(130);
    expect(stderr.trim().split('\n').at(-1)).toBe('sgmkit sample: interrupted');
    expect(existsSync(out)).toBe(false);
  });

  test('bad input: one line naming the option, no stack trace, non-zero exit', () => {
    const e = (args: string[], code: number) =>
      expectOneLineError(
        sgmkit(['sample', '--no-plot', '--out', join(dir, 'never.csv'), ...args]),
        'sgmkit sample: ',
        code,
      );
    expect(e(['--steps', 'abc'], 1)).toBe('sgmkit sample: --steps must be an integer >= 1; got "abc"');
    expect(e(['-n', '0'], 1)).toBe('sgmkit sample: --n must be an integer >= 1; got "0"');
    expect(e(['--T', '0'], 1)).toBe('sgmkit sample: --T must be a finite number > 0; got "0"');
    expect(e(['--method', 'sscs'], 1)).toBe(
      'sgmkit sample: --method must be one of exponential-integrator, euler-maruyama, ancestral, probability-flow, heun, exponential-heun, stochastic-heun, dpmpp-2m, deis-1, deis-2, deis-3 for --sampler ddpm; got "sscs"',
    );
    expect(e(['--method', 'rk4'], 1)).toMatch(/^sgmkit sample: --method must be one of /);
    expect(e(['--corrector-size', '0.1'], 2)).toBe('sgmkit sample: --corrector-size needs --corrector-steps >= 1');
    expect(e(['--corrector-steps', '1', '--corrector-size', '2'], 1)).toMatch(
      /--corrector-size must be a step size ε < 2/,
    );
    expect(e(['--target', 'ring8', '--mean', '1,2'], 2)).toMatch(/--mean, --cov and --dim describe --target gaussian/);
    expect(e(['--mean', '1,2', '--cov', '1,2,3'], 1)).toBe(
      'sgmkit sample: --cov must be a diagonal of length d = 2; got "1,2,3"',
    );
    expect(e(['--mean', '0,0', '--cov', '1,2;2,1'], 1)).toMatch(/positive definite/);
    expect(e(['--points', join(dir, 'missing.csv')], 1)).toMatch(/missing\.csv: cannot read: no such file$/);
    expect(e(['--points', join(dir, 'cloud.csv'), '--delta', '0'], 1)).toMatch(
      /--delta must be > 0 for a points target/,
    );
    expect(e(['--delta', '20'], 1)).toBe('sgmkit sample: --delta must be less than --T (10); got "20"');
    expect(e(['--steps', '5'], 1)).toMatch(/stability limit/); // h = 2 > ln 3 for the exponential integrator
    // (e already passes --out, and an option may be given only once)
    expect(
      expectOneLineError(sgmkit(['sample', '--no-plot', '--out', join(dir, 'x.txt')]), 'sgmkit sample: ', 1),
    ).toMatch(/unknown sample file type '\.txt'/);
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
  });
});
