// Outputs are never half-written (issue 14): every file the CLI writes goes through writeTextFile/writeBinaryFile,
// which write beside the target and rename into place. A failed write, or a run killed at any moment, leaves the
// previous file intact or the complete new one.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError } from '@sgmkit/sampler/io';
import { writeBinaryFile, writeSamples, writeTextFile } from '@sgmkit/sampler/node';
import { fromArray } from '@sgmkit/tensor';
import { MAIN, ROOT } from './run';

const OLD = 'x0,x1\n1,2\n';

describe('atomic writes', () => {
  test('a write replaces the file and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgmkit-atomic-'));
    const path = join(dir, 'nested', 'out.csv');
    writeTextFile(path, OLD);
    writeSamples(
      path,
      fromArray([
        [3, 4],
        [5, 6],
      ]),
    );
    expect(readFileSync(path, 'utf8')).toBe('x0,x1\n3,4\n5,6\n');
    writeBinaryFile(join(dir, 'image.png'), Uint8Array.of(1, 2, 3));
    expect([...readFileSync(join(dir, 'image.png'))]).toEqual([1, 2, 3]);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['out.csv']);
  });

  test('a write that fails is a DataFileError naming the file, and removes its temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgmkit-atomic-'));
    const target = join(dir, 'taken');
    mkdirSync(join(target, 'inside'), { recursive: true }); // a non-empty directory cannot be renamed over
    expect(() => writeTextFile(target, OLD)).toThrow(DataFileError);
    expect(() => writeTextFile(target, OLD)).toThrow(/taken: cannot write: .*previous file is unchanged/);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(target)).toEqual(['inside']);
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => writeTextFile(join(dir, 'file', 'below.csv'), OLD)).toThrow(/below\.csv: cannot write/);
  });

  /** Starts `sgmkit sample` writing ~1e6 rows over `path` and sends `signal` as soon as the write starts. */
  function interruptMidWrite(
    dir: string,
    signal: NodeJS.Signals,
  ): Promise<{ caughtMidWrite: boolean; code: number | null }> {
    const path = join(dir, 's.csv');
    const child = spawn(
      process.execPath,
      [MAIN, 'sample', '-n', '1000000', '--steps', '10', '--out', path, '--no-plot', '-q'],
      { cwd: ROOT, stdio: 'ignore' },
    );
    return new Promise((done) => {
      let caughtMidWrite = false;
      const poll = setInterval(() => {
        // the write has started: its temporary file exists, or (were writes not atomic) the target changed
        const writing =
          readdirSync(dir).some((f) => f.endsWith('.tmp')) || readFileSync(path, 'utf8').length !== OLD.length;
        if (writing && !caughtMidWrite) {
          caughtMidWrite = readdirSync(dir).some((f) => f.endsWith('.tmp'));
          child.kill(signal);
        }
      }, 2);
      child.on('exit', (code) => {
        clearInterval(poll);
        done({ caughtMidWrite, code });
      });
    });
  }

  test.each(['SIGKILL', 'SIGINT'] as const)(
    '%s during the write of 10^6 samples leaves the previous file intact or the complete new one',
    async (signal) => {
      let midWrite = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        const dir = mkdtempSync(join(tmpdir(), 'sgmkit-kill-'));
        writeFileSync(join(dir, 's.csv'), OLD);
        const { caughtMidWrite } = await interruptMidWrite(dir, signal);
        const text = readFileSync(join(dir, 's.csv'), 'utf8');
        if (text !== OLD) {
          // the rename had happened: then the file must be whole
          expect(text.endsWith('\n')).toBe(true);
          expect(text.split('\n')).toHaveLength(1_000_002);
        }
        if (signal === 'SIGKILL' && caughtMidWrite) expect(text).toBe(OLD);
        expect(existsSync(join(dir, 's.csv'))).toBe(true);
        if (caughtMidWrite && ++midWrite === 1) break;
      }
      // The test is only worth something if a signal landed mid-write at least once.
      expect(midWrite).toBeGreaterThan(0);
    },
    120_000,
  );
});
