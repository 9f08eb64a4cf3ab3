// The browser-facing entries (@sgmkit/tensor, @sgmkit/score, the main, plot and io entries of @sgmkit/sampler
// and its web-worker script) import nothing from Node, through the built dist, and esbuild bundles them for browsers.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = join(ROOT, 'packages');

/** The browser entries: what a bundler resolves without the `node` condition. */
const ENTRIES = {
  '@sgmkit/tensor': join(PACKAGES, 'tensor/dist/index.js'),
  '@sgmkit/score': join(PACKAGES, 'score/dist/index.js'),
  '@sgmkit/sampler': join(PACKAGES, 'sampler/dist/index.js'),
  '@sgmkit/sampler/plot': join(PACKAGES, 'sampler/dist/plot/index.js'),
  '@sgmkit/sampler/io': join(PACKAGES, 'sampler/dist/io/index.js'),
  '@sgmkit/sampler/web-worker': join(PACKAGES, 'sampler/dist/web/worker.js'),
};

const BUILTINS = new Set(builtinModules);
const isNodeBuiltin = (specifier: string): boolean =>
  specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]!);

// tsc emits one specifier per static import/export and keeps dynamic import('...') literal.
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module reachable from `entry` inside the workspace's dist folders, with the specifiers each imports. */
function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const specifiers = [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]!);
    graph.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith('.')) pending.push(resolve(dirname(file), s));
      else if (s.startsWith('@sgmkit/')) pending.push(join(PACKAGES, s.split('/')[1]!, 'dist/index.js'));
    }
  }
  return graph;
}

describe('platform-neutral entries', () => {
  test.each(Object.entries(ENTRIES))('%s imports no Node built-in, transitively through dist', (_name, entry) => {
    const graph = moduleGraph(entry);
    expect(graph.size).toBeGreaterThan(1);
    const offending = [...graph].flatMap(([file, specifiers]) =>
      specifiers.filter(isNodeBuiltin).map((s) => `${file.slice(ROOT.length)} imports ${s}`),
    );
    expect(offending).toEqual([]);
  });

  test('the graph walk sees Node imports where they are (the node entry)', () => {
    const graph = moduleGraph(join(PACKAGES, 'sampler/dist/node/index.js'));
    const builtins = new Set([...graph.values()].flat().filter(isNodeBuiltin));
    expect([...builtins].sort()).toEqual(expect.arrayContaining(['node:fs', 'node:worker_threads']));
  });

  test.each(Object.keys(ENTRIES))(
    'esbuild bundles %s for platform browser, pulling in no Node module',
    async (name) => {
      const result = await build({
        stdin: { contents: `export * from '${name}';`, resolveDir: ROOT, loader: 'js' },
        bundle: true,
        write: false,
        platform: 'browser',
        format: 'esm',
        metafile: true,
        logLevel: 'silent',
      });
      expect(result.errors).toEqual([]);
      const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
      expect(imported.filter(isNodeBuiltin)).toEqual([]);
      // it resolved the browser entry (the `default` export condition), not the Node one
      expect(Object.keys(result.metafile.inputs).some((p) => p.endsWith('index.node.js'))).toBe(false);
      expect(result.outputFiles[0]!.text.length).toBeGreaterThan(1000);
    },
  );

  test('a Node entry does not bundle for platform browser (the check can fail)', async () => {
    await expect(
      build({
        stdin: { contents: "export * from '@sgmkit/sampler/node';", resolveDir: ROOT, loader: 'js' },
        bundle: true,
        write: false,
        platform: 'browser',
        format: 'esm',
        logLevel: 'silent',
      }),
    ).rejects.toThrow(/node:/);
  });
});

// Same bits in every engine (DEVELOPING.md): what feeds a sample or a trained weight uses @sgmkit/tensor's
// exp/expm1/log/log1p/sin/cos/integerPower/turnPoint, never the implementation-defined Math functions (V8 in Node 20
// and in Chromium 156 differ on ~10% of exp arguments). Exact-law analysis, metrics, plots and the CLI report
// numbers, not samples, and may use them.
const SAMPLING_SOURCES = [
  'tensor/src',
  'score/src',
  'sampler/src/samplers',
  'sampler/src/schedules',
  'sampler/src/parallel',
  'sampler/src/web',
  'sampler/src/node',
];
const ENGINE_DEFINED =
  /Math\.(exp|expm1|log|log1p|log2|log10|pow|sin|cos|tan|sinh|cosh|tanh|asinh|acosh|atanh|asin|acos|atan|atan2|cbrt|hypot)\b/;

test('the sampling paths call no engine-defined Math function (comments aside)', () => {
  const offending: string[] = [];
  for (const folder of SAMPLING_SOURCES) {
    for (const file of readdirSync(join(PACKAGES, folder), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'))) {
      readFileSync(join(PACKAGES, folder, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.trim();
          if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return;
          if (ENGINE_DEFINED.test(code.replace(/\/\/.*$/, ''))) offending.push(`${folder}/${file}:${i + 1}: ${code}`);
        });
    }
  }
  expect(offending).toEqual([]);
});
