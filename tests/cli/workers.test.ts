// --workers <k|auto>: the default uses the machine's cores when the run is large enough; the output is the same
// bytes as one thread (train) and one worker (sample).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, type CommandSpec } from '../../packages/sampler/dist/cli/args.js';
import { OptionValueError } from '../../packages/sampler/dist/cli/errors.js';
import {
  AUTO_SAMPLING_MIN_COSTLY_PARTICLES,
  AUTO_TRAINING_MIN_WORK,
  MAX_CLI_WORKERS,
  idleCores,
  parseWorkers,
  samplingThreads,
  trainingThreads,
  workersOptionSpec,
} from '../../packages/sampler/dist/cli/workers.js';
import { sgmkit } from './run';

const dir = mkdtempSync(join(tmpdir(), 'sgmkit-workers-'));
const spec: CommandSpec = { name: 'x', summary: '', options: [workersOptionSpec('doing x')], examples: [] };
const parse = (...argv: string[]) => parseWorkers(parseArgs(spec, argv));

describe('--workers <k|auto>', () => {
  test('parses auto (the default) and integers in [1, 64]; anything else is a one-line OptionValueError', () => {
    expect(parse()).toBe('auto');
    expect(parse('--workers', 'auto')).toBe('auto');
    expect(parse('--workers', '1')).toBe(1);
    expect(parse('--workers=64')).toBe(64);
    expect(parse('--workers', '1e1')).toBe(10); // the numerals of every integer option
    for (const bad of ['0', '65', '2.5', '-1', 'two', '1e2', '0x2', 'Auto']) {
      expect(() => parse('--workers', bad)).toThrow(OptionValueError);
      expect(() => parse('--workers', bad)).toThrow(
        `--workers must be an integer >= 1 and <= 64, or auto; got ${JSON.stringify(bad)}`,
      );
    }
  });

  test('idle cores: the cores less the whole part of the load average, at least one', () => {
    expect(idleCores(2, 0)).toBe(2);
    expect(idleCores(2, 0.97)).toBe(2);
    expect(idleCores(2, 1.02)).toBe(1);
    expect(idleCores(2, 6.4)).toBe(1);
    expect(idleCores(16, 3.5)).toBe(13);
    expect(idleCores(4, NaN)).toBe(4);
    expect(idleCores()).toBeGreaterThanOrEqual(1);
    expect(idleCores()).toBeLessThanOrEqual(availableParallelism());
  });

  test('auto trains on every given core once parameters × batch reaches the threshold, on one thread below it', () => {
    const batch = 256;
    const atThreshold = Math.ceil(AUTO_TRAINING_MIN_WORK / batch);
    expect(trainingThreads('auto', atThreshold, batch, 2)).toBe(2);
    expect(trainingThreads('auto', atThreshold - 1, batch, 2)).toBe(1);
    expect(trainingThreads('auto', 10 ** 6, batch, 1)).toBe(1);
    expect(trainingThreads('auto', 10 ** 6, batch, 1000)).toBe(MAX_CLI_WORKERS);
    expect(trainingThreads(3, 10, 1, 2)).toBe(3); // a given k is taken as given
  });

  test('auto samples on every given core from a size on (2048 particles for networks and point clouds), else on one', () => {
    expect(samplingThreads('auto', AUTO_SAMPLING_MIN_COSTLY_PARTICLES - 1, AUTO_SAMPLING_MIN_COSTLY_PARTICLES, 8)).toBe(
      1,
    );
    expect(samplingThreads('auto', AUTO_SAMPLING_MIN_COSTLY_PARTICLES, AUTO_SAMPLING_MIN_COSTLY_PARTICLES, 8)).toBe(8);
    expect(samplingThreads('auto', 10 ** 6, 100, 1000)).toBe(MAX_CLI_WORKERS);
    expect(samplingThreads(5, 10, 100, 8)).toBe(5);
  });

  test('sgmkit train with the default: reports its threads, and saves the same bytes as --workers 1', () => {
    // Widths 32,32 at d = 2: 1,730 parameters × 256 rows, above the threshold.
    const args = [
      'train',
      '--steps',
      '12',
      '--hidden',
      '32,32',
      '--data-size',
      '600',
      '--no-plot',
      '--quiet',
      '--json',
    ];
    const auto = sgmkit([...args, '--out', join(dir, 'auto.json')]);
    const one = sgmkit([...args, '--workers', '1', '--out', join(dir, 'one.json')]);
    expect(auto.code).toBe(0);
    expect(one.code).toBe(0);
    // auto: between 1 and the cores (how many depends on the load average at the start); the bytes never do.
    expect(JSON.parse(auto.stdout).threads).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(auto.stdout).threads).toBeLessThanOrEqual(Math.min(availableParallelism(), MAX_CLI_WORKERS));
    expect(JSON.parse(one.stdout).threads).toBe(1);
    expect(readFileSync(join(dir, 'auto.json'), 'utf8')).toBe(readFileSync(join(dir, 'one.json'), 'utf8'));
  });

  test('sgmkit sample with the default: a point cloud of 2048 particles on the idle cores, the same file as --workers 1', () => {
    const points = join(dir, 'cloud.csv');
    writeFileSync(
      points,
      'x,y\n' + Array.from({ length: 40 }, (_, i) => `${Math.cos(i)},${Math.sin(2 * i)}`).join('\n'),
    );
    const args = ['sample', '--points', points, '-n', '2048', '--steps', '20', '--seed', '4', '--no-plot', '-q'];
    const auto = sgmkit([...args, '--json', '--out', join(dir, 'auto.csv')]);
    expect(auto.code).toBe(0);
    expect(JSON.parse(auto.stdout).workers).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(auto.stdout).workers).toBeLessThanOrEqual(Math.min(availableParallelism(), MAX_CLI_WORKERS));
    const analytic = sgmkit([
      'sample',
      '-n',
      '2048',
      '--steps',
      '20',
      '--no-plot',
      '-q',
      '--json',
      '--out',
      join(dir, 'a.csv'),
    ]);
    expect(JSON.parse(analytic.stdout).workers).toBe(1); // ring8: below the library's 'auto' threshold
    expect(sgmkit([...args, '--workers', '1', '--out', join(dir, 'one.csv')]).code).toBe(0);
    expect(readFileSync(join(dir, 'auto.csv'), 'utf8')).toBe(readFileSync(join(dir, 'one.csv'), 'utf8'));
  });
});
