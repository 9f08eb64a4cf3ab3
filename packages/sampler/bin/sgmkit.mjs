#!/usr/bin/env node
// The `sgmkit` binary's launcher. It is committed (not built) so that package managers link the
// binary at install time, before `dist/` exists; it loads the compiled CLI.
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    process.stderr.write('sgmkit: the CLI is not built yet; run `npx -y pnpm@10 build` first\n');
    process.exitCode = 1;
  } else {
    throw error;
  }
}
