// sgmkit train --sampler cld: a learned CLD velocity score (hybrid score matching), saved as a kind 'cld' network,
// sampled by sample --sampler cld with every method and on workers; mismatched kinds and γ refused in one line.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sgmkit, expectOneLineError } from './run';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-train-cld-'));
const small = ['--steps', '30', '--hidden', '8,8', '--data-size', '500', '--batch-size', '32'];

describe('sgmkit train --sampler cld', () => {
  test('--sampler cld trains a CLD network (hybrid score matching) that sample --sampler cld runs with every method, on workers (SSCS on 1 and 2: same bytes)', () => {
    const out = join(dir, 'cld.json');
    const run = sgmkit(['train', '--sampler', 'cld', '--gamma', '0.5', ...small, '--out', out, '--no-plot', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: true, target: 'ring8', kind: 'cld', steps: 30, trainSize: 450 });
    // Errors against the exact CLD velocity score of the (standardised) ring and of the training points.
    expect(report.scoreError.map((c: { t: number }) => c.t)).toEqual([0.01, 0.1, 1]);
    for (const c of [...report.scoreError, ...report.empiricalScoreError]) expect(c.relativeError).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({
      version: 3,
      kind: 'cld',
      initialVelocityVariance: 0.5,
      normalization: { kind: 'affine' },
    });
    for (const method of ['exponential-integrator', 'euler-maruyama', 'sscs']) {
      const outputs = (method === 'sscs' ? [1, 2] : [1]).map((workers) => {
        const file = join(dir, `cld-${method}-${workers}.csv`);
        const sampled = sgmkit([
          'sample',
          '--sampler',
          'cld',
          '--network',
          out,
          '--method',
          method,
          '-n',
          '150',
          '--steps',
          '20',
          '--workers',
          String(workers),
          '--corrector-steps',
          '1',
          '--out',
          file,
          '--no-plot',
          '--json',
          '--max-diverged',
          '150',
        ]);
        expect(sampled.code).toBe(0);
        expect(JSON.parse(sampled.stdout)).toMatchObject({ target: 'network', sampler: 'cld', n: 150, delta: 1e-3 });
        return readFileSync(file, 'utf8');
      });
      if (outputs.length > 1) expect(outputs[1]).toBe(outputs[0]);
    }
    // Kinds must match, and γ is the network's.
    const ddpm = sgmkit(['sample', '--network', out, '--no-plot', '--out', join(dir, 'never.csv')]);
    expect(expectOneLineError(ddpm, 'sgmkit sample: ', 2)).toMatch(
      /is a CLD network \(trained with `sgmkit train --sampler cld`\): sample it with --sampler cld/,
    );
    const gamma = sgmkit([
      'sample',
      '--sampler',
      'cld',
      '--gamma',
      '1',
      '--network',
      out,
      '--no-plot',
      '--out',
      join(dir, 'never.csv'),
    ]);
    expect(expectOneLineError(gamma, 'sgmkit sample: ', 2)).toMatch(
      /is a CLD network for initial velocity variance γ = 0.5; --gamma 1 differs/,
    );
    expect(expectOneLineError(sgmkit(['train', '--gamma', '2', '--no-plot']), 'sgmkit train: ', 2)).toMatch(
      /--gamma is the CLD initial velocity variance: give it with --sampler cld/,
    );
  });
});
