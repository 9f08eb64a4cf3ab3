// Writes examples/data/moons.csv: 500 points of two interleaved half-moons with Gaussian jitter (std 0.08),
// from a fixed seed, the small 2-D data set the CLI's --points examples use.
//   npx -y pnpm@10 build && node examples/data/make-moons.mjs [out.csv]   (tests check it reproduces the committed file)
import { writeFileSync } from 'node:fs';
import { RandomStream } from '@sgmkit/tensor';

const rng = new RandomStream(2026);
const rows = ['x0,x1'];
for (let i = 0; i < 500; i++) {
  const upper = i % 2 === 0;
  const angle = Math.PI * rng.uniform();
  const [x, y] = upper ? [Math.cos(angle), Math.sin(angle)] : [1 - Math.cos(angle), 0.5 - Math.sin(angle)];
  rows.push(`${(x + 0.08 * rng.normal()).toFixed(5)},${(y + 0.08 * rng.normal()).toFixed(5)}`);
}
const out = process.argv[2] ?? new URL('./moons.csv', import.meta.url);
writeFileSync(out, rows.join('\n') + '\n');
console.log(`wrote ${out} (500 rows, 2 columns)`);
