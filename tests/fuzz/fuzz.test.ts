// The README's test command runs 2,000 seeded fuzz configurations (tests/fuzz/run.mjs) and fails on any untyped
// exception, non-finite success, crash or hang. `npx -y pnpm@10 run fuzz -- --configs 100000` is the full run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./run.mjs', import.meta.url));

test('2,000 fuzz configurations (seed 1): no untyped exception, non-finite success, crash or hang', () => {
  const run = spawnSync(process.execPath, [RUNNER, '--configs', '2000', '--seed', '1', '--json'], {
    encoding: 'utf8',
    timeout: 110_000,
  });
  const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
  expect(summary.configs).toBe(2000);
  expect(summary.failures).toEqual([]);
  // the harness really exercises both sides: valid calls that succeed and invalid ones that are refused
  expect(summary.counts['finite success']).toBeGreaterThan(500);
  expect(summary.counts['typed error']).toBeGreaterThan(500);
  expect(Object.keys(summary.byCase).length).toBeGreaterThanOrEqual(20);
  expect(run.status).toBe(0);
}, 120_000);

test('the harness reports a failure: an untyped exception planted through --plant makes the run fail', () => {
  const run = spawnSync(process.execPath, [RUNNER, '--configs', '50', '--seed', '1', '--json', '--plant'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const summary = JSON.parse(run.stdout.trim().split('\n').pop()!);
  expect(summary.counts['untyped exception']).toBeGreaterThan(0);
  expect(summary.counts['crash']).toBeGreaterThan(0);
  expect(run.status).toBe(1);
}, 60_000);
