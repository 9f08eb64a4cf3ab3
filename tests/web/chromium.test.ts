// The demo page in real Chromium (Debian's, driven by puppeteer-core): a seeded sample in the browser has
// the same particles, bit for bit, as the same code in Node (analytic scores, and a network trained in the page); workers are used when the page is cross-origin
// isolated and not otherwise; the canvas shows the particles. tests/web/ensure-chromium.mjs (a step of
// `npx -y pnpm@10 test`) installs Chromium when it is missing; without it this test fails, it does not skip.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.SGMKIT_CHROMIUM || '/usr/bin/chromium';

interface DemoOptions {
  readonly [key: string]: string | number;
}
interface BrowserRun {
  hash: string;
  workers: number;
  crossOriginIsolated: boolean;
  frames: number;
  trajectoriesMatch: boolean;
  stats: { exact?: { kl: number; w2: number } };
  canvas: { drawn: number; colours: number; pixels: number };
  status: string;
  errors: string[];
  screenshotBytes: number;
}
interface DemoModule {
  DEFAULTS: DemoOptions;
  runDemo(options: DemoOptions): Promise<{ hash: string; workers: number; trajectoriesMatch: boolean }>;
}

const demo = (await import(pathToFileURL(join(ROOT, 'examples/web/demo.js')).href)) as DemoModule;
const base = { ...demo.DEFAULTS, workers: 2 };
const CASES: { name: string; isolated: boolean; options: DemoOptions }[] = [
  {
    name: 'ring8, DDPM exponential integrator, isolated',
    isolated: true,
    options: { ...base, target: 'ring8', steps: 100, n: 3000, seed: 11 },
  },
  {
    name: 'Gaussian, CLD SSCS, isolated',
    isolated: true,
    options: { ...base, target: 'gaussian', sampler: 'cld', method: 'sscs', steps: 60, n: 2001, seed: 5 },
  },
  {
    name: 'points (CSV), DDPM Euler-Maruyama, early stopping, isolated',
    isolated: true,
    options: { ...base, target: 'points', method: 'euler-maruyama', delta: 0.01, steps: 80, n: 1500, seed: 3 },
  },
  {
    name: 'ring8, CLD exponential integrator, isolated',
    isolated: true,
    options: { ...base, target: 'ring8', sampler: 'cld', steps: 60, n: 1500, seed: 9 },
  },
  {
    name: 'grid25, DDPM ancestral, not isolated',
    isolated: false,
    options: { ...base, target: 'grid25', method: 'ancestral', steps: 50, n: 1200, seed: 7 },
  },
  // training in the page, then sampling the network: Adam, the time features (sin, cos, log) and SiLU agree across engines
  {
    name: 'network trained in the page, DDPM exponential integrator, isolated',
    isolated: true,
    options: { ...base, target: 'learned', T: 6, delta: 0.01, steps: 60, n: 1500, seed: 4 },
  },
  {
    name: 'network trained in the page, CLD exponential integrator, not isolated',
    isolated: false,
    options: { ...base, target: 'learned', sampler: 'cld', T: 6, delta: 0.01, steps: 60, n: 1500, seed: 6 },
  },
];

describe('the demo page in Chromium', () => {
  let runs: BrowserRun[];

  beforeAll(() => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: run \`node tests/web/ensure-chromium.mjs\` (as root it installs Debian's chromium; \`npx -y pnpm@10 test\` runs it first)`,
      );
    }
    const outdir = mkdtempSync(join(tmpdir(), 'sgmkit-web-'));
    const child = spawnSync(
      process.execPath,
      [join(ROOT, 'tests/web/chromium-run.mjs'), outdir, JSON.stringify(CASES)],
      { cwd: ROOT, encoding: 'utf8', timeout: 50_000 },
    );
    if (child.status !== 0)
      throw new Error(`the Chromium driver failed (${child.status ?? child.signal}):\n${child.stderr}`);
    runs = JSON.parse(child.stdout) as BrowserRun[];
  }, 60_000);

  test.each(CASES.map((c, i) => [c.name, i] as const))('%s: same particles as Node', async (_name, i) => {
    const { isolated, options } = CASES[i]!;
    const run = runs[i]!;
    expect(run.errors).toEqual([]);
    // Node: the same module, on the calling thread
    const node = await demo.runDemo({ ...options, workers: 1 });
    expect(node.workers).toBe(1);
    expect(run.hash).toBe(node.hash);
    expect(run.crossOriginIsolated).toBe(isolated);
    // workers when the page may share memory, the calling thread otherwise
    expect(run.workers).toBe(isolated ? 2 : 1);
    expect(run.trajectoriesMatch).toBe(true);
    expect(run.status).toContain(run.hash);
  });

  test('the exact output law is shown for Gaussian targets', () => {
    const exact = runs[1]!.stats.exact!; // the Gaussian case
    expect(exact.kl).toBeGreaterThan(0);
    expect(exact.w2).toBeGreaterThan(0);
    expect(runs[0]!.stats.exact).toBeUndefined();
  });

  test('the canvas shows the particles and the screenshot is not blank', () => {
    for (const run of runs) {
      expect(run.canvas.drawn).toBeGreaterThan(500);
      expect(run.canvas.drawn).toBeLessThan(run.canvas.pixels);
      expect(run.canvas.colours).toBeGreaterThan(3);
      expect(run.screenshotBytes).toBeGreaterThan(10_000);
      expect(run.frames).toBeGreaterThan(40);
    }
  });
});
