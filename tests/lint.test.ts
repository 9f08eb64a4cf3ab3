// eslint over the whole tree (eslint.config.js) is part of `pnpm test`: a rule broken anywhere fails the suite,
// with eslint's own file:line report as the failure message. `pnpm lint` runs the same check alone.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('eslint . reports no errors', () => {
  const run = spawnSync(process.execPath, ['node_modules/eslint/bin/eslint.js', '.', '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`eslint . exited ${run.status}:\n${run.stdout}${run.stderr}`);
  expect(run.status).toBe(0);
});
