import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './run';

describe('the sgmkit binary', () => {
  test('package.json links a committed launcher that runs the built CLI', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/sampler/package.json'), 'utf8'));
    const launcher = join(ROOT, 'packages/sampler', pkg.bin.sgmkit);
    expect(readFileSync(launcher, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const run = spawnSync(process.execPath, [launcher, '--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
    expect(
      readFileSync(join(ROOT, 'packages/sampler/dist/cli/main.js'), 'utf8').startsWith('#!/usr/bin/env node\n'),
    ).toBe(true);
  });

  test('before the build, the launcher says so in one line', () => {
    const unbuilt = mkdtempSync(join(tmpdir(), 'sgmkit-unbuilt-'));
    mkdirSync(join(unbuilt, 'bin'));
    copyFileSync(join(ROOT, 'packages/sampler/bin/sgmkit.mjs'), join(unbuilt, 'bin', 'sgmkit.mjs'));
    const run = spawnSync(process.execPath, [join(unbuilt, 'bin', 'sgmkit.mjs'), 'sample'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('sgmkit: the CLI is not built yet; run `npx -y pnpm@10 build` first\n');
  });
});
