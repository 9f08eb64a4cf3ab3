/**
 * Preloaded (`node --import`) into each benchmark file by `sgmkit bench --quick`:
 * shortens benchmark.js's sampling so a whole run takes seconds. The numbers
 * are noisier; the full run is the one to publish.
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

const directory = process.env['SGMKIT_BENCH_DIR'];
if (directory) {
  let Benchmark: { options: Record<string, number> } | undefined;
  try {
    // Resolve benchmark.js from the benchmarks package, so this is the instance the files import.
    Benchmark = createRequire(join(directory, 'package.json'))('benchmark') as { options: Record<string, number> };
  } catch {
    Benchmark = undefined; // a benchmark directory without benchmark.js: nothing to shorten
  }
  if (Benchmark) {
    Benchmark.options['maxTime'] = 0.3;
    Benchmark.options['minSamples'] = 3;
    Benchmark.options['initCount'] = 1;
  }
}
