// Makes sure Debian's Chromium is installed for tests/web/chromium.test.ts: installs the `chromium` package
// with apt-get when /usr/bin/chromium is missing (a fresh CI machine has only Node and npm, as root), and
// fails with a clear message when it cannot. Run by `npx -y pnpm@10 test` before jest.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.SGMKIT_CHROMIUM || '/usr/bin/chromium';

function fail(reason) {
  throw new Error(
    `Chromium is needed by the browser test (tests/web/chromium.test.ts) and is missing at ${CHROMIUM}: ${reason}`,
  );
}

function run(command, args) {
  process.stderr.write(`ensure-chromium: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0)
    fail(
      `\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}${result.error ? ` (${result.error.message})` : ''}`,
    );
}

/** Returns the Chromium binary, installing Debian's package first when it is missing. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get'))
    fail('no apt-get to install it with; install Chromium and set SGMKIT_CHROMIUM to its binary');
  if (process.getuid?.() !== 0)
    fail('installing it needs root: run `apt-get update && apt-get install -y chromium` as root');
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(CHROMIUM)) fail('apt-get installed the chromium package, but the binary is not there');
  return CHROMIUM;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(`ensure-chromium: ${ensureChromium()}`);
  } catch (error) {
    console.error(`ensure-chromium: ${error.message}`);
    process.exitCode = 1;
  }
}
