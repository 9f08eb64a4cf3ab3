import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built binary, run exactly as users run it. */
export const MAIN = fileURLToPath(new URL('../../packages/sampler/dist/cli/main.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `sgmkit ...args` to completion (non-TTY stderr, so progress prints plain lines). */
export function sgmkit(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...process.env, SGMKIT_DEBUG: '', ...options.env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Asserts the run failed with exactly one stderr line `sgmkit <cmd>: <message>` and no stack trace. */
export function expectOneLineError(run: Run, prefix: string, code: number): string {
  const lines = run.stderr.split('\n').filter((l) => l !== '' && !/^\w+: \d+\/\d+ /.test(l));
  if (run.code !== code || lines.length !== 1 || !lines[0]!.startsWith(prefix) || /\n\s+at /.test(run.stderr)) {
    throw new Error(
      `expected exit ${code} and one line starting ${JSON.stringify(prefix)}; got exit ${run.code}, stderr:\n${run.stderr}`,
    );
  }
  return lines[0]!;
}
