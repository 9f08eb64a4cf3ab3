// `sgmkit sample --method exponential-heun --schedule geometric`: the CLI runs the library's exponential Heun on the
// geometric-in-t grid (earlyStoppingGrid with switchTime = T), bit for bit, and refuses the geometric schedule without δ.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gaussianScore } from '@sgmkit/score';
import { earlyStoppingGrid, sampleDDPM } from '@sgmkit/sampler';
import { expectOneLineError, sgmkit } from './run';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sgmkit-heun-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const target = ['--target', 'gaussian', '--mean', '1,-1', '--cov', '1,0.3;0.3,0.5', '--T', '8'];

function csvValues(path: string): number[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .flatMap((line) => line.split(',').map(Number));
}

describe('sgmkit sample --method exponential-heun --schedule geometric', () => {
  test('the samples of sampleDDPM on earlyStoppingGrid(T, δ, steps, { switchTime: T }), bit for bit', async () => {
    const out = join(dir, 'exponential-heun.csv');
    const run = sgmkit([
      'sample',
      ...target,
      '--method',
      'exponential-heun',
      '--schedule',
      'geometric',
      '--delta',
      '1e-3',
      '--steps',
      '25',
      '-n',
      '200',
      '--seed',
      '3',
      '--no-plot',
      '-q',
      '--json',
      '--out',
      out,
    ]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.method).toBe('exponential-heun');
    expect(json.schedule).toBe('geometric');
    const api = await sampleDDPM(
      gaussianScore({
        mean: [1, -1],
        covariance: [
          [1, 0.3],
          [0.3, 0.5],
        ],
      }),
      {
        T: 8,
        grid: earlyStoppingGrid(8, 1e-3, 25, { switchTime: 8 }),
        n: 200,
        seed: 3,
        method: 'exponential-heun',
      },
    );
    expect(api.scoreEvaluations).toBe(50);
    expect(csvValues(out)).toEqual(Array.from(api.samples.data));
  });

  test('--schedule geometric needs --delta > 0', () => {
    expect(
      expectOneLineError(
        sgmkit(['sample', ...target, '--schedule', 'geometric', '--no-plot', '-q']),
        'sgmkit sample: ',
        2,
      ),
    ).toBe('sgmkit sample: --schedule geometric needs --delta > 0');
  });
});
