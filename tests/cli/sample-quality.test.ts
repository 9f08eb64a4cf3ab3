import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batch, fillParticleNormals } from '@sgmkit/tensor';
import { sgmkit, expectOneLineError } from './run';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-quality-'));

function writeNormals(path: string, n: number, d: number, seed: number): void {
  const b = batch(n, d);
  fillParticleNormals(b, seed, 0, 0);
  const rows = Array.from({ length: n }, (_, r) =>
    Array.from(b.data.subarray(r * d, r * d + d), (v) => (1 + 2 * v).toString()).join(','),
  );
  writeFileSync(path, [Array.from({ length: d }, (_, i) => `x${i}`).join(','), ...rows].join('\n') + '\n');
}

const train = join(dir, 'train.csv');
const heldOut = join(dir, 'heldout.csv');
writeNormals(train, 300, 5, 1);
writeNormals(heldOut, 200, 5, 2);
const base = [
  'sample',
  '--points',
  train,
  '--reference',
  heldOut,
  '-n',
  '1000',
  '--steps',
  '100',
  '--schedule',
  'early-stopping',
  '--no-plot',
  '--out',
  join(dir, 's.csv'),
];

describe('sgmkit sample --reference: the quality report', () => {
  test('the exact empirical score at small δ copies its points: memorisation ratio ≪ 1, table and JSON', () => {
    // At δ = 1e-4 each sample is a training point plus N(0, 1 − e^{−2δ}) noise (std 0.014 per coordinate, ≈ 0.03 in d = 5),
    // while held-out rows of N(1, 4 I) lie O(1) from their nearest of 300 training rows.
    const run = sgmkit([...base, '--delta', '1e-4']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`quality: against the held-out rows of ${heldOut}, training rows ${train}`);
    expect(run.stdout).toMatch(/training \(noise floor\)\s+300/);
    const json = JSON.parse(sgmkit([...base, '--delta', '1e-4', '--json']).stdout);
    expect(json.quality).toMatchObject({
      reference: heldOut,
      train,
      droppedNonFinite: 0,
      samples: { rows: 300 },
      noiseFloor: { rows: 300 },
    });
    expect(json.quality.memorisationRatio).toBeLessThan(0.2);
    expect(json.quality.closerThanHeldOut).toBeGreaterThan(0.95);
    expect(json.quality.nearestTraining.samples.median).toBeLessThan(0.1);
  });

  test('data with repeated rows: the memorisation ratio is n/a (not inf) and the pair statistic is printed', () => {
    // Two-level data, 16 distinct rows: every held-out row repeats a training row (median distance 0).
    const bits = (r: number) => [0, 1, 2, 3].map((j) => (r >> j) & 1);
    const atomsTrain = join(dir, 'atoms-train.csv');
    const atomsHeld = join(dir, 'atoms-held.csv');
    writeFileSync(
      atomsTrain,
      ['a,b,c,d', ...Array.from({ length: 64 }, (_, r) => bits(r % 16).join(','))].join('\n') + '\n',
    );
    writeFileSync(
      atomsHeld,
      ['a,b,c,d', ...Array.from({ length: 16 }, (_, r) => bits((r * r + 3) % 16).join(','))].join('\n') + '\n',
    );
    const args = [
      'sample',
      '--points',
      atomsTrain,
      '--reference',
      atomsHeld,
      '-n',
      '300',
      '--steps',
      '50',
      '--schedule',
      'early-stopping',
      '--no-plot',
      '--out',
      join(dir, 'atoms.csv'),
    ];
    const run = sgmkit(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('memorisation ratio n/a: 100.0% of the held-out rows repeat a training row');
    expect(run.stdout).toMatch(
      /closer to the training rows than held-out rows: [\d.]+% of \(sample, held-out row\) pairs/,
    );
    expect(run.stdout).not.toMatch(/memorisation ratio (inf|Infinity)/);
    const json = JSON.parse(sgmkit([...args, '--json']).stdout);
    expect(json.quality).toMatchObject({ memorisationRatio: null, heldOutRepeats: 1 });
    expect(json.quality.closerThanHeldOut).toBeGreaterThanOrEqual(0);
  });

  test('without training rows: the distances to the reference alone, and a hint', () => {
    const run = sgmkit([
      'sample',
      '--target',
      'gaussian',
      '--dim',
      '5',
      '--mean',
      '1,1,1,1,1',
      '--cov',
      '4',
      '-n',
      '500',
      '--steps',
      '50',
      '--reference',
      heldOut,
      '--no-plot',
      '--out',
      join(dir, 'g.csv'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/quality: samples against 200 rows of .* in data units: sliced W2 [\d.e-]+, MMD² /);
    expect(run.stdout).toContain('pass --train');
  });

  test('--clip: a range, the training range, and its errors', () => {
    const clipped = JSON.parse(sgmkit([...base, '--delta', '1e-2', '--clip', 'train', '--json']).stdout);
    expect(clipped.ok).toBe(true);
    expect(clipped.clip.lower).toHaveLength(5);
    expect(JSON.parse(sgmkit([...base, '--delta', '1e-2', '--clip', '-1,3', '--json']).stdout).clip.upper).toEqual([
      3, 3, 3, 3, 3,
    ]);
    expectOneLineError(sgmkit([...base, '--clip', '3,1']), 'sgmkit sample: --clip must be', 1);
    expectOneLineError(
      sgmkit(['sample', '--target', 'gaussian', '--dim', '2', '--clip', 'train', '--no-plot']),
      'sgmkit sample: --clip train takes the range of the training rows',
      2,
    );
    expectOneLineError(
      sgmkit(['sample', '--sampler', 'cld', '--target', 'gaussian', '--dim', '2', '--clip', '0,1', '--no-plot']),
      'sgmkit sample: --clip clips the DDPM',
      2,
    );
  });

  test('a reference of the wrong width and --train without --reference are errors', () => {
    const narrow = join(dir, 'narrow.csv');
    writeNormals(narrow, 10, 3, 3);
    expectOneLineError(
      sgmkit([...base.slice(0, 3), '--reference', narrow, '--no-plot', '--out', join(dir, 'x.csv')]),
      'sgmkit sample: --reference',
      2,
    );
    expectOneLineError(
      sgmkit(['sample', '--target', 'gaussian', '--dim', '5', '--train', train, '--no-plot']),
      'sgmkit sample: --train is used by the quality report',
      2,
    );
  });
});
