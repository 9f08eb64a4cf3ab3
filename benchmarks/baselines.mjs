// Finding and running the C and NumPy baselines, shared by every benchmark. Each baseline that is absent
// or fails prints one line saying it was skipped or failed (sgmkit bench collects those lines) and
// yields undefined, so a benchmark runs on a machine with neither.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function commandWorks(command, args) {
  const probe = spawnSync(command, args, { encoding: 'utf8' });
  return !probe.error && probe.status === 0;
}

/**
 * Compiles each `{ name, source, flags }` with `-O3 -march=native` into a temporary folder, calls
 * `use(binaryPaths)` and removes the folder. Returns what `use` returns, or undefined when there is no
 * C compiler (cc, gcc or clang) or a build fails.
 */
export function withCompiledC(builds, use) {
  const compiler = ['cc', 'gcc', 'clang'].find((c) => commandWorks(c, ['--version']));
  if (!compiler) {
    console.log('C baseline skipped: no C compiler (cc, gcc or clang) found');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sgmkit-bench-'));
  try {
    const binaries = [];
    for (const { name, source, flags = [] } of builds) {
      const binary = join(dir, name);
      const build = spawnSync(compiler, ['-O3', '-march=native', ...flags, '-o', binary, source, '-lm'], {
        encoding: 'utf8',
      });
      if (build.error || build.status !== 0) {
        console.log(
          `C baseline failed to compile with ${compiler}: ${(build.stderr ?? build.error?.message ?? '').trim()}`,
        );
        return undefined;
      }
      binaries.push(binary);
    }
    return use(binaries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a compiled baseline and parses the JSON it prints. */
export function runJson(binary, args) {
  const run = spawnSync(binary, args.map(String), { encoding: 'utf8' });
  if (run.error || run.status !== 0) throw new Error((run.stderr || run.error?.message || `exit ${run.status}`).trim());
  return JSON.parse(run.stdout);
}

/**
 * Runs a NumPy baseline script with python3 and parses the JSON object on the last line it prints.
 * Returns undefined, with one line saying why, when python3 with numpy is absent or the script fails.
 */
export function runNumpyScript(script, args, env = {}) {
  if (!commandWorks('python3', ['-c', 'import numpy'])) {
    console.log('NumPy baseline skipped: python3 with numpy is not available');
    return undefined;
  }
  const run = spawnSync('python3', [script, ...args.map(String)], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (run.error || run.status !== 0) {
    console.log(`NumPy baseline failed: ${(run.stderr || run.error?.message || `exit ${run.status}`).trim()}`);
    return undefined;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop());
}
