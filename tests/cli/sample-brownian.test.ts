import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gaussianScore } from '@sgmkit/score';
import { sampleDDPM, uniformGrid, type DDPMMethod } from '@sgmkit/sampler';
import { expectOneLineError, sgmkit } from './run';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sgmkit-brownian-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mean = [1, -1];
const covariance = [
  [1, 0.3],
  [0.3, 0.5],
];
const target = ['--target', 'gaussian', '--mean', '1,-1', '--cov', '1,0.3;0.3,0.5', '--T', '2', '--steps', '8'];

function csvValues(path: string): number[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .flatMap((line) => line.split(',').map(Number));
}

describe('sgmkit sample --brownian-levels', () => {
  test.each(['exponential-integrator', 'euler-maruyama', 'stochastic-heun'] as const)(
    '%s: the samples of sampleDDPM with brownianLevels, bit for bit, on 1 or 2 workers',
    async (method: DDPMMethod) => {
      const files = [1, 2].map((workers) => {
        const out = join(dir, `${method}-${workers}.csv`);
        const run = sgmkit([
          'sample',
          ...target,
          '--method',
          method,
          '--brownian-levels',
          '2',
          '-n',
          '300',
          '--seed',
          '5',
          '--workers',
          String(workers),
          '--no-plot',
          '-q',
          '--json',
          '--out',
          out,
        ]);
        expect(run.code).toBe(0);
        expect(JSON.parse(run.stdout).brownianLevels).toBe(2);
        return out;
      });
      const api = await sampleDDPM(gaussianScore({ mean, covariance }), {
        T: 2,
        grid: uniformGrid(2, 8),
        n: 300,
        seed: 5,
        method,
        brownianLevels: 2,
      });
      const values = csvValues(files[0]!);
      expect(values).toEqual(Array.from(api.samples.data));
      expect(readFileSync(files[1]!, 'utf8')).toBe(readFileSync(files[0]!, 'utf8'));
      // level 0 (the default) is the ordinary run: another path
      const plain = join(dir, `${method}-plain.csv`);
      expect(
        sgmkit(['sample', ...target, '--method', method, '-n', '300', '--seed', '5', '--no-plot', '-q', '--out', plain])
          .code,
      ).toBe(0);
      expect(csvValues(plain)).not.toEqual(values);
    },
  );

  test('refused with one line naming the option', () => {
    const e = (args: string[], code: number) =>
      expectOneLineError(
        sgmkit(['sample', '--no-plot', '--out', join(dir, 'never.csv'), ...args]),
        'sgmkit sample: ',
        code,
      );
    expect(e(['--method', 'probability-flow', '--brownian-levels', '1'], 1)).toBe(
      'sgmkit sample: --brownian-levels must be 0 for --method probability-flow (refined Brownian paths support exponential-integrator, euler-maruyama, stochastic-heun); got "1"',
    );
    expect(e(['--method', 'dpmpp-2m', '--brownian-levels', '3'], 1)).toMatch(
      /--brownian-levels must be 0 for --method dpmpp-2m/,
    );
    expect(e(['--sampler', 'cld', '--brownian-levels', '1'], 2)).toBe(
      'sgmkit sample: --brownian-levels is for --sampler ddpm (refined Brownian paths)',
    );
    expect(e(['--corrector-steps', '1', '--brownian-levels', '1'], 2)).toMatch(
      /--brownian-levels needs --corrector-steps 0/,
    );
    expect(e(['--brownian-levels', '17'], 1)).toMatch(/^sgmkit sample: --brownian-levels must be an integer .*16/);
    expect(e(['--brownian-levels', '-1'], 1)).toMatch(/^sgmkit sample: --brownian-levels must be an integer/);
    expect(e(['--brownian-levels', '1.5'], 1)).toMatch(/^sgmkit sample: --brownian-levels must be an integer/);
    expect(e(['--steps', '1025', '--brownian-levels', '16'], 1)).toMatch(
      /--brownian-levels must be a level with --steps × 2\^level ≤ 67108864/,
    );
  });
});
