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

function run(
  command: string,
  args: string[],
  cwd: string,
  timeout = 40_000,
): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** What each package's dist imports (checked against the built files below), plus @types for its declarations. */
const RUNTIME_DEPENDENCIES: Record<string, string[]> = {
  tensor: ['@types/ndarray', 'ndarray'],
  score: ['@sgmkit/tensor'],
  sampler: ['@sgmkit/score', '@sgmkit/tensor'],
};

/** Package names of the bare `import … from '…'` specifiers in a built file (not node: builtins, not relative paths). */
function bareImports(source: string): string[] {
  const names = [
    ...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm),
  ].map((m) => (m[1] ?? m[2])!);
  return names
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

const NODE_CHECK = `
import { batchMean, fromArray } from '@sgmkit/tensor';
import { gaussianScore, type Score } from '@sgmkit/score';
import { sampleDDPM, exactDDPMLaw, uniformGrid, type SampleResult } from '@sgmkit/sampler';
import { nodeWorkerBackend, readPointCloud } from '@sgmkit/sampler/node';
import { figure, scatterPanel } from '@sgmkit/sampler/plot';
import { samplesToCsv } from '@sgmkit/sampler/io';

const score: Score = gaussianScore({ mean: [1], covariance: [[2]] });
const result: SampleResult = await sampleDDPM(score, { T: 4, steps: 20, n: 100, seed: 1, workers: 2, backend: nodeWorkerBackend() });
const law = exactDDPMLaw({ mean: Float64Array.of(1), covariance: fromArray([[2]]) }, { T: 4, grid: uniformGrid(4, 20), method: 'exponential-integrator' });
export const matrix: Float32Array = fromArray([1, 2], [1, 2], 'float32').data;
export const summary: [number, number, number] = [batchMean(result.samples)[0]!, law.mean[0]!, result.workers];
export const reader: (path: string) => unknown = readPointCloud;
export const svg: string = figure([scatterPanel({ points: { x: [0, 1], y: [1, 0] } })]);
export const csv: string = samplesToCsv(result.samples);
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
    const dependencies = Object.fromEntries(
      PACKAGES.map((name) => [
        `@sgmkit/${name}`,
        `file:tarballs/${files.find((f) => f.startsWith(`sgmkit-${name}-`))}`,
      ]),
    );
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }),
    );
    // ~15 s on the development machine; the generous timeouts only keep a loaded machine from failing the suite
    const install = run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      project,
      80_000,
    );
    if (install.status !== 0) throw new Error(`npm install of the tarballs failed:\n${install.output}`);
    installed = true;
  }, 100_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test('the tarballs hold dist and metadata, not tests or build info', () => {
    for (const name of PACKAGES) {
      const dir = join(project, 'node_modules/@sgmkit', name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(Object.keys(manifest)).toEqual(
        expect.arrayContaining(['description', 'keywords', 'repository', 'engines', 'exports', 'files', 'license']),
      );
      expect(manifest.exports['.'].types).toBe('./dist/index.d.ts');
      expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
      const entries = readdirSync(dir, { recursive: true }).map(String);
      // no tests, build info, sources or source maps (the maps would point at sources that are not shipped)
      expect(
        entries.filter(
          (p) => p.includes('.test.') || p.endsWith('.tsbuildinfo') || p.endsWith('.map') || p.startsWith('src'),
        ),
      ).toEqual([]);
      expect(entries).toEqual(expect.arrayContaining([join('dist', 'index.js'), 'README.md', 'LICENSE']));
      // runtime dependencies: exactly the bare specifiers that dist imports (+ the @types its .d.ts files need)
      expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(RUNTIME_DEPENDENCIES[name]);
      const imported = new Set(
        entries.filter((p) => p.endsWith('.js')).flatMap((p) => bareImports(readFileSync(join(dir, p), 'utf8'))),
      );
      expect([...imported].filter((p) => p !== `@sgmkit/${name}`).sort()).toEqual(
        RUNTIME_DEPENDENCIES[name]!.filter((p) => !p.startsWith('@types/')),
      );
    }
    expect(installed).toBe(true);
  });

  test.each(PACKAGES)('publint (strict) and are-the-types-wrong accept the %s tarball', (name) => {
    const tarball = join(
      project,
      'tarballs',
      readdirSync(join(project, 'tarballs')).find((f) => f.startsWith(`sgmkit-${name}-`))!,
    );
    const lint = run(join(ROOT, 'node_modules/.bin/publint'), ['run', tarball, '--strict'], project);
    expect(lint.output).toContain('All good!');
    expect(lint.status).toBe(0);
    // ESM only, on purpose: require() loads it on Node >= 20.19 (tested below), and one build keeps one copy of
    // the registries (score types, worker backend) instead of the dual-package hazard of a second CJS build.
    const types = run(
      join(ROOT, 'node_modules/.bin/attw'),
      [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii'],
      project,
    );
    expect(types.output).not.toMatch(/💀|❌|Resolution failed/);
    expect(types.status).toBe(0);
  });

  test('CommonJS: require() every entry and sample on two worker threads (Node >= 20.19 loads ES modules)', () => {
    const script = `
      const { fromArray } = require('@sgmkit/tensor');
      const { ringMixture } = require('@sgmkit/score');
      const { sampleDDPM } = require('@sgmkit/sampler');
      const { readPointCloud } = require('@sgmkit/sampler/node');
      require('@sgmkit/sampler/package.json');
      sampleDDPM(ringMixture(), { T: 5, steps: 20, n: 200, seed: 4, workers: 2 })
        .then((r) => console.log(JSON.stringify({ workers: r.workers, finite: r.samples.data.every(Number.isFinite), read: typeof readPointCloud, shape: fromArray([[1]]).shape })));
    `;
    const result = run(process.execPath, ['--no-warnings', '--input-type=commonjs', '-e', script], project);
    expect(result.output).toContain('{"workers":2,"finite":true,"read":"function","shape":[1,1]}');
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
    [
      'node16',
      {
        module: 'node16',
        moduleResolution: 'node16',
        lib: ['ES2022'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
      },
      NODE_CHECK,
    ],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [] }, BROWSER_CHECK],
    // the README's quickstart, verbatim, as TypeScript (strict, without noUncheckedIndexedAccess, which strict does not include)
    [
      'quickstart',
      {
        module: 'node16',
        moduleResolution: 'node16',
        lib: ['ES2022'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        noUncheckedIndexedAccess: false,
      },
      readFileSync(join(ROOT, 'examples/quickstart.mjs'), 'utf8'),
    ],
  ])('TypeScript, strict, %s: no errors', (name, options, source) => {
    const dir = join(project, `ts-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'check.ts'), source);
    const compilerOptions = {
      target: 'ES2022',
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      ...options,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
    // the project's package.json (type: module) is the nearest one, so node16 treats check.ts as ESM
    const result = run(process.execPath, [TSC, '-p', dir], project);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('esbuild bundles the main entries and the worker script for platform browser', async () => {
    const result = await build({
      stdin: {
        contents:
          "export * from '@sgmkit/tensor'; export * from '@sgmkit/score'; export * from '@sgmkit/sampler'; import '@sgmkit/sampler/web-worker';",
        resolveDir: project,
        loader: 'js',
      },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
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
    // bench runs a checkout's benchmarks/: an installed bin does not offer it, and says why when asked
    expect(result.output).not.toMatch(/\bbench\b/);
    const bench = run('npx', ['--no-install', 'sgmkit', 'bench'], project);
    expect(bench.status).toBe(2);
    expect(bench.output).toMatch(/unknown command "bench".*runs the benchmarks of a checkout/);
  });
});
