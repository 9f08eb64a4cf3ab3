// A Node app bundled with esbuild (ESM and CommonJS), run from a directory that holds nothing but the
// bundle: there is no pool-worker.js next to it, so the pool must start its workers from the source
// inlined at build time. Sampling and training on 2 workers must give the bits of one thread.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// Samples and trains with 1 and with 2 threads in the bundled app, and prints what it found.
const app = `
import { createScoreNetwork, ringMixture } from '@sgmkit/score';
import { sampleDDPM } from '@sgmkit/sampler';
import { trainDenoisingScoreMatchingOnWorkers } from '@sgmkit/sampler/node';
import { RandomStream, batch } from '@sgmkit/tensor';

const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
async function main() {
  const options = { T: 5, steps: 20, n: 500, seed: 9 };
  const one = await sampleDDPM(ringMixture(), options);
  const two = await sampleDDPM(ringMixture(), { ...options, workers: 2 });
  const data = batch(200, 2);
  new RandomStream(3).fillNormal(data.data);
  const training = { steps: 4, batchSize: 64, seed: 1 };
  const a = createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 2 });
  const b = createScoreNetwork({ dim: 2, hiddenWidths: [8], seed: 2 });
  await trainDenoisingScoreMatchingOnWorkers(a, data, training);
  await trainDenoisingScoreMatchingOnWorkers(b, data, { ...training, workers: 2 });
  console.log(JSON.stringify({
    workers: two.workers,
    samplesEqual: same(Array.from(one.samples.data), Array.from(two.samples.data)),
    weightsEqual: same(Array.from(a.parameters), Array.from(b.parameters)),
  }));
}
main();
`;

describe('a bundled Node app starts pooled workers without the worker script file', () => {
  test.each(['esm', 'cjs'] as const)(
    '%s bundle: 2 workers, the bits of one thread, and the process exits by itself',
    async (format) => {
      const dir = mkdtempSync(join(tmpdir(), `sgmkit-bundle-${format}-`));
      const entry = join(dir, 'app-source.mjs');
      writeFileSync(entry, app);
      const outfile = join(dir, format === 'esm' ? 'app.mjs' : 'app.cjs');
      await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format,
        target: 'node20',
        outfile,
        nodePaths: [join(ROOT, 'node_modules')],
        logLevel: 'silent',
      });
      // The worker's source is in the bundle; the script file is not next to it.
      expect(readFileSync(outfile, 'utf8')).toMatch(/POOL_WORKER_SOURCE = ['"]var /);
      const run = spawnSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ workers: 2, samplesEqual: true, weightsEqual: true });
    },
  );
});
