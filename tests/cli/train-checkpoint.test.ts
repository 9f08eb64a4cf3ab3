// `sgmkit train --checkpoint-every N` and `--resume` (issue 14): a run killed with SIGKILL after a checkpoint resumes
// to the same network file, byte for byte, as a run that was never interrupted; bad checkpoint options are one-line errors.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, ROOT, expectOneLineError, sgmkit } from './run';

const RUN = [
  'train',
  '--target',
  'ring8',
  '--data-size',
  '2000',
  '--steps',
  '600',
  '--hidden',
  '32,32',
  '--no-plot',
  '--quiet',
  '--checkpoint-every',
  '50',
];

/** Starts `sgmkit …args` and kills it with SIGKILL once `file` exists; resolves when it has died. */
function killAfterFileAppears(args: string[], file: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    const timer = setInterval(() => {
      if (existsSync(file)) child.kill('SIGKILL');
    }, 5);
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve(signal);
    });
  });
}

describe('train --checkpoint-every and --resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sgmkit-checkpoint-'));

  test('killed with SIGKILL after a checkpoint, then resumed: the network file of an uninterrupted run, byte for byte', async () => {
    expect(sgmkit([...RUN, '--out', join(dir, 'whole.json'), '--checkpoint', join(dir, 'whole-ck.json')]).code).toBe(0);
    const checkpoint = join(dir, 'ck.json');
    const signal = await killAfterFileAppears(
      [...RUN, '--out', join(dir, 'killed.json'), '--checkpoint', checkpoint],
      checkpoint,
    );
    expect(signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'killed.json'))).toBe(false);
    const step = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { step: number }).step;
    expect(step % 50).toBe(0);
    expect(step).toBeLessThan(600);
    const resumed = sgmkit([
      ...RUN,
      '--out',
      join(dir, 'resumed.json'),
      '--checkpoint',
      join(dir, 'ck2.json'),
      '--resume',
      checkpoint,
      '--json',
    ]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ steps: 600, resumedFrom: checkpoint });
    expect(readFileSync(join(dir, 'resumed.json'), 'utf8')).toBe(readFileSync(join(dir, 'whole.json'), 'utf8'));
  });

  test('a checkpoint of another run, a malformed one, and --checkpoint alone are one-line errors', () => {
    const checkpoint = join(dir, 'whole-ck.json');
    expectOneLineError(
      sgmkit([...RUN, '--seed', '1', '--out', join(dir, 'x.json'), '--resume', checkpoint]),
      "sgmkit train: trainDenoisingScoreMatching: argument 'options.resumeFrom' must be a checkpoint of this run",
      1,
    );
    writeFileSync(join(dir, 'cut.json'), readFileSync(checkpoint, 'utf8').slice(0, 100));
    expectOneLineError(
      sgmkit([...RUN, '--out', join(dir, 'x.json'), '--resume', join(dir, 'cut.json')]),
      `sgmkit train: parseTrainingCheckpoint: argument '${join(dir, 'cut.json')}: (text)' must be JSON`,
      1,
    );
    expectOneLineError(
      sgmkit(['train', '--steps', '5', '--no-plot', '--checkpoint', join(dir, 'y.json')]),
      'sgmkit train: --checkpoint names the file --checkpoint-every writes',
      2,
    );
  });
});
