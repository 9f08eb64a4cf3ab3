// Builds the demo page into static files with esbuild: index.html, app.js and the sampler's
// Web Worker script sgmkit-worker.js (default out/web/). Needs `npx -y pnpm@10 build` first.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_OUTDIR = fileURLToPath(new URL('../../out/web/', import.meta.url));

/** Bundles the page for browsers into `outdir` and returns it. */
export async function buildDemo(outdir = DEFAULT_OUTDIR) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { app: join(HERE, 'app.js'), 'sgmkit-worker': join(HERE, 'worker.js') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(join(HERE, 'index.html'), join(outdir, 'index.html'));
  return outdir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`built the demo into ${await buildDemo(process.argv[2])}`);
}
