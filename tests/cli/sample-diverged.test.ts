import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sgmkit } from './run';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-diverged-'));
const gaussian = [
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
  '2000',
  '--no-plot',
];

describe('sgmkit sample: the divergence count', () => {
  test('an exact Gaussian run prints 0 diverged and exits 0; --json carries the count and the box', () => {
    const text = sgmkit([...gaussian, '--out', join(dir, 'ok.csv')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^diverged: 0 of 2000 samples \(0%\) left mean ± 10 std of the data/m);
    const run = sgmkit([...gaussian, '--out', join(dir, 'ok.csv'), '--json']);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(true);
    expect(report.diverged).toMatchObject({
      count: 0,
      nonFinite: 0,
      fraction: 0,
      maxDiverged: 0,
      exceeded: false,
      region: { source: 'data-moments', k: 10 },
    });
    expect(report.diverged.region.lower).toHaveLength(2);
  });

  test('past --max-diverged: exit 1, a message saying what to do, and the samples still written', () => {
    const out = join(dir, 'bad.csv');
    // A box of 0.05 data standard deviations: most exact samples fall outside it.
    const run = sgmkit([...gaussian, '--out', out, '--divergence-k', '0.05']);
    expect(run.code).toBe(1);
    const count = Number(/^diverged: (\d+) of 2000 samples/m.exec(run.stdout)![1]);
    expect(count).toBeGreaterThan(1000);
    expect(run.stdout).toContain(
      `error:   ${count} diverged samples exceed --max-diverged 0. ${out} was still written, diverged rows included, for inspection.`,
    );
    expect(run.stdout).toMatch(/Try more --steps/);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(2001);
    const json = JSON.parse(sgmkit([...gaussian, '--out', out, '--divergence-k', '0.05', '--json']).stdout);
    expect(json).toMatchObject({ ok: false, diverged: { count, exceeded: true } });
    const tolerated = sgmkit([...gaussian, '--out', out, '--divergence-k', '0.05', '--max-diverged', String(count)]);
    expect(tolerated.code).toBe(0);
    expect(tolerated.stdout).not.toContain('error:');
  });

  test('bad option values are one-line usage errors', () => {
    expect(sgmkit([...gaussian, '--max-diverged', '-1']).code).toBe(1);
    expect(sgmkit([...gaussian, '--divergence-k', '0']).code).toBe(1);
  });
});
