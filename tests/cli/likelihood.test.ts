import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromArray } from '@sgmkit/tensor';
import { gaussianMixtureScore, gaussianScore } from '@sgmkit/score';
import { earlyStoppingGrid, exactPFODELikelihood, logLikelihood, uniformGrid } from '@sgmkit/sampler';
import { expectOneLineError, sgmkit } from './run';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sgmkit-likelihood-'));
  writeFileSync(join(dir, 'points.csv'), 'x0,x1\n0,0\n1,-1\n2,0.5\n-1.5,3\n');
  writeFileSync(join(dir, 'one-column.csv'), 'x0\n0\n1\n');
  writeFileSync(join(dir, 'broken.csv'), 'x0,x1\n0,zero\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rows = [
  [0, 0],
  [1, -1],
  [2, 0.5],
  [-1.5, 3],
];

interface LikelihoodJson {
  ok: boolean;
  rows: number;
  divergence: string;
  probes: number;
  mean: { nats: number; standardError: number; bitsPerDim: number; bitsPerDimStandardError: number };
  closedForm: { nats: number; maxRelativeDifference: number } | null;
  logLikelihood: number[];
  standardError: number[] | null;
}

function runJson(args: string[]): LikelihoodJson {
  const run = sgmkit(['likelihood', '--data', join(dir, 'points.csv'), '--json', ...args]);
  if (run.code !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as LikelihoodJson;
}

describe('sgmkit likelihood', () => {
  test('gaussian target: the exact-divergence likelihood of every row, equal to the API and to the closed form', () => {
    const out = runJson(['--target', 'gaussian', '--mean', '1,-1', '--cov', '1,0.5;0.5,2', '--steps', '100']);
    const score = gaussianScore({
      mean: [1, -1],
      covariance: [
        [1, 0.5],
        [0.5, 2],
      ],
    });
    const api = logLikelihood(score, fromArray(rows), { T: 10, steps: 100 });
    const closed = exactPFODELikelihood(score, fromArray(rows), { T: 10, grid: uniformGrid(10, 100) });
    expect(out.divergence).toBe('exact');
    expect(out.rows).toBe(4);
    expect(out.logLikelihood).toEqual(Array.from(api.logLikelihood));
    out.logLikelihood.forEach((l, i) =>
      expect(Math.abs(l - closed.logLikelihood[i]!)).toBeLessThanOrEqual(1e-9 * Math.abs(l)),
    );
    expect(out.closedForm!.maxRelativeDifference).toBeLessThanOrEqual(1e-9);
    expect(out.mean.bitsPerDim).toBeCloseTo(-out.mean.nats / (2 * Math.LN2), 12);
  });

  test('mixture target: exact divergence by default (closed-form Jacobian trace), close to coordinate-wise; Hutchinson with --probes reports standard errors', () => {
    const exact = runJson(['--target', 'ring8', '--delta', '1e-3', '--steps', '60']);
    expect(exact.divergence).toBe('exact');
    expect(exact.standardError).toBeNull();
    const fd = runJson(['--target', 'ring8', '--delta', '1e-3', '--steps', '60', '--divergence', 'finite-difference']);
    expect(fd.divergence).toBe('finite-difference');
    // central differences are ≈ 1e-10 relative per stage (FINITE_DIFFERENCE_STEP): the two agree far below the
    // integrator's own error
    fd.logLikelihood.forEach((l, i) =>
      expect(Math.abs(l - exact.logLikelihood[i]!)).toBeLessThanOrEqual(1e-7 * Math.abs(l)),
    );
    const grid = earlyStoppingGrid(10, 1e-3, 60);
    const ring = gaussianMixtureScore({
      weights: new Array(8).fill(1 / 8),
      means: Array.from({ length: 8 }, (_, k) => [
        4 * Math.cos((2 * Math.PI * k) / 8),
        4 * Math.sin((2 * Math.PI * k) / 8),
      ]),
      covariances: new Array(8).fill(0.25),
    });
    const api = logLikelihood(ring, fromArray(rows), { T: 10, grid, divergence: 'finite-difference' });
    fd.logLikelihood.forEach((l, i) =>
      expect(Math.abs(l - api.logLikelihood[i]!)).toBeLessThanOrEqual(1e-9 * Math.abs(l)),
    );
    const h = runJson([
      '--target',
      'ring8',
      '--delta',
      '1e-3',
      '--steps',
      '60',
      '--divergence',
      'hutchinson',
      '--probes',
      '6',
      '--seed',
      '3',
    ]);
    expect(h.probes).toBe(6);
    expect(h.standardError).toHaveLength(4);
    const again = runJson([
      '--target',
      'ring8',
      '--delta',
      '1e-3',
      '--steps',
      '60',
      '--divergence',
      'hutchinson',
      '--probes',
      '6',
      '--seed',
      '3',
    ]);
    expect(again.logLikelihood).toEqual(h.logLikelihood);
  });

  test('text report names nats, bits per dimension and the closed form', () => {
    const run = sgmkit([
      'likelihood',
      '--data',
      join(dir, 'points.csv'),
      '--target',
      'gaussian',
      '--dim',
      '2',
      '--steps',
      '20',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/log-likelihood: .* nats per row/);
    expect(run.stdout).toMatch(/bits per dimension: /);
    expect(run.stdout).toMatch(/closed form of the discretised model/);
  });

  test.each([
    // Usage errors exit 2, bad values and bad files 1 (the CLI's convention).
    [['--target', 'gaussian'], '--data is required', 2],
    [['--data', 'ONE', '--target', 'gaussian'], 'has 1 columns; the target has d = 2', 2],
    [['--data', 'BROKEN', '--target', 'gaussian'], 'line 2, column 2: expected a finite number', 1],
    [['--data', 'POINTS', '--target', 'gaussian', '--probes', '3'], '--probes is for --divergence hutchinson', 2],
    [['--data', 'POINTS', '--target', 'gaussian', '--delta', '20'], '--delta must be a number in [0, T = 10)', 1],
    [
      ['--data', 'POINTS', '--target', 'gaussian', '--schedule', 'early-stopping'],
      '--schedule must be uniform when δ = 0',
      1,
    ],
    [['--data', 'POINTS', '--target', 'gaussian', '--steps', '0'], '--steps must be an integer >= 1', 1],
  ] as [string[], string, number][])('bad input %j fails with one line', (args, fragment, code) => {
    const files: Record<string, string> = { ONE: 'one-column.csv', BROKEN: 'broken.csv', POINTS: 'points.csv' };
    const run = sgmkit(['likelihood', ...args.map((a) => (files[a] ? join(dir, files[a]!) : a))]);
    const line = expectOneLineError(run, 'sgmkit likelihood: ', code);
    expect(line).toContain(fragment);
  });
});
