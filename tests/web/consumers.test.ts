// The three packages as a user gets them: `pnpm pack` tarballs installed with npm into a fresh project outside
// the workspace, then imported from ESM (with worker threads), type-checked from strict TypeScript under
// moduleResolution node16 and bundler, bundled for the browser with esbuild, and the installed `sgmkit` bin run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['tensor', 'score', 'sampler'];
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** pnpm as the test command was started (`npx -y pnpm@10 test` sets npm_execpath), else through npx. */
function pnpm(args: string[], cwd: string): string {
  const execpath = process.env.npm_execpath ?? '';
  const [command, prefix] = execpath.includes('pnpm') ? [process.execPath, [execpath]] : ['npx', ['-y', 'pnpm@10']];
  return execFileSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function run(command: string, args: string[], cwd: string, timeout = 40_000): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const NODE_CHECK = `
import { batchMean, fromArray } from '@sgmkit/tensor';
import { gaussianScore, type Score } from '@sgmkit/score';
import { sampleDDPM, exactDDPMLaw, uniformGrid, type SampleResult } from '@sgmkit/sampler';
import { nodeWorkerBackend, readPointCloud } from '@sgmkit/sampler/node';

const score: Score = gaussianScore({ mean: [1], covariance: [[2]] });
const result: SampleResult = await sampleDDPM(score, { T: 4, steps: 20, n: 100, seed: 1, workers: 2, backend: nodeWorkerBackend() });
// (fromArray([[2]]) would not do: it is typed Tensor<FloatArray>, issue 16)
const law = exactDDPMLaw({ mean: Float64Array.of(1), covariance: { data: Float64Array.of(2), shape: [1, 1], stride: [1, 1], offset: 0 } }, { T: 4, grid: uniformGrid(4, 20), method: 'exponential-integrator' });
export const matrix = fromArray([[2]]);
export const summary: [number, number, number] = [batchMean(result.samples)[0]!, law.mean[0]!, result.workers];
export const reader: (path: string) => unknown = readPointCloud;
`;

const BROWSER_CHECK = `
import { batch } from '@sgmkit/tensor';
import { ringMixture } from '@sgmkit/score';
import { sampleDDPM, setWorkerBackend, webWorkerBackend } from '@sgmkit/sampler';

setWorkerBackend(webWorkerBackend({ url: new URL('./sgmkit-worker.js', location.href) }));
export const run = sampleDDPM(ringMixture(), { T: 5, steps: 10, n: 10, seed: 1, workers: 2 }).then((r) => r.samples.shape[0]! + batch(1, 1).shape[1]!);
`;

describe('consumers of the packed packages', () => {
  const project = mkdtempSync(join(tmpdir(), 'sgmkit-consumer-'));
  let installed = false;

  beforeAll(() => {
    const tarballs = join(project, 'tarballs');
    mkdirSync(tarballs);
    for (const name of PACKAGES) pnpm(['pack', '--pack-destination', tarballs], join(ROOT, 'packages', name));
    const files = readdirSync(tarballs);
    const dependencies = Object.fromEntries(PACKAGES.map((name) => [`@sgmkit/${name}`, `file:tarballs/${files.find((f) => f.startsWith(`sgmkit-${name}-`))}`]));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }));
    // ~15 s on the development machine; the generous timeouts only keep a loaded machine from failing the suite
    const install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project, 80_000);
    if (install.status !== 0) throw new Error(`npm install of the tarballs failed:\n${install.output}`);
    installed = true;
  }, 100_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test('the tarballs hold dist and metadata, not tests or build info', () => {
    for (const name of PACKAGES) {
      const dir = join(project, 'node_modules/@sgmkit', name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(Object.keys(manifest)).toEqual(expect.arrayContaining(['description', 'keywords', 'repository', 'engines', 'exports', 'files', 'license']));
      expect(manifest.exports['.'].types).toBe('./dist/index.d.ts');
      expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
      const entries = readdirSync(dir, { recursive: true }).map(String);
      expect(entries.some((p) => p.includes('.test.') || p.endsWith('.tsbuildinfo'))).toBe(false);
      expect(entries).toContain(join('dist', 'index.js'));
    }
    expect(installed).toBe(true);
  });

  test('ESM: import every entry and sample on two worker threads from node_modules', () => {
    const script = `
      import { ringMixture } from '@sgmkit/score';
      import { sampleDDPM } from '@sgmkit/sampler';
      import { readPointCloud } from '@sgmkit/sampler/node';
      import { fromArray } from '@sgmkit/tensor';
      const one = await sampleDDPM(ringMixture(), { T: 5, steps: 20, n: 500, seed: 4 });
      const two = await sampleDDPM(ringMixture(), { T: 5, steps: 20, n: 500, seed: 4, workers: 2 });
      const same = one.samples.data.every((v, i) => Object.is(v, two.samples.data[i]));
      console.log(JSON.stringify({ workers: two.workers, same, read: typeof readPointCloud, tensor: fromArray([[1]]).shape }));
    `;
    const result = run(process.execPath, ['--input-type=module', '-e', script], project);
    expect(result.output).toContain('"workers":2,"same":true,"read":"function","tensor":[1,1]');
  });

  test.each([
    ['node16', { module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] }, NODE_CHECK],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] }, BROWSER_CHECK],
  ])('TypeScript, strict, moduleResolution %s: no errors', (name, options, source) => {
    const dir = join(project, `ts-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'check.ts'), source);
    const compilerOptions = { ...options, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
    // the project's package.json (type: module) is the nearest one, so node16 treats check.ts as ESM
    const result = run(process.execPath, [TSC, '-p', dir], project);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('esbuild bundles the main entries and the worker script for platform browser', async () => {
    const result = await build({
      stdin: { contents: "export * from '@sgmkit/tensor'; export * from '@sgmkit/score'; export * from '@sgmkit/sampler'; import '@sgmkit/sampler/web-worker';", resolveDir: project, loader: 'js' },
      bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('node_modules/@sgmkit/sampler/dist/index.js'))).toBe(true);
    expect(inputs.filter((p) => p.includes('/node/') || p.startsWith('node:'))).toEqual([]);
  });

  test('npx sgmkit --help runs the installed bin', () => {
    const result = run('npx', ['--no-install', 'sgmkit', '--help'], project);
    expect(result.status).toBe(0);
    expect(result.output).toMatch(/sample/);
    expect(result.output).toMatch(/verify/);
  });
});
