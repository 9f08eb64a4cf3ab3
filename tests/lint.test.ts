// eslint over the whole tree (eslint.config.js) and prettier's check (.prettierrc.json: 120 columns; hand-laid
// kernels and tables are listed in .prettierignore) are part of `pnpm test`: a rule broken or a file not formatted
// anywhere fails the suite, with the tool's own report as the failure message. `pnpm lint` and `pnpm format:check`
// run the same checks alone; `npx prettier --write .` formats.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('eslint . reports no errors', () => {
  const run = spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', '.', '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`eslint . exited ${run.status}:\n${run.stdout}${run.stderr}`);
  expect(run.status).toBe(0);
});

test('prettier --check . reports every file formatted', () => {
  const run = spawnSync(process.execPath, ['node_modules/prettier/bin/prettier.cjs', '--check', '.'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`prettier --check . exited ${run.status}:\n${run.stdout}${run.stderr}`);
  expect(run.status).toBe(0);
});
