// Runs every benchmarks/*.bench.mjs in turn (alphabetical), each in its own Node process so one
// benchmark's JIT state and heap never colour another's timings. Drop a file in to add a benchmark.
//   npx -y pnpm@10 bench
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  const run = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.log(`${file} failed with exit code ${run.status}`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
