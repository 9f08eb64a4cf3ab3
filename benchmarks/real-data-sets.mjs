// The real data sets of the learned-score benchmarks (real-data.bench.mjs, recipe-ablation.bench.mjs):
// the tabular sets Debian's python3-sklearn ships (iris d = 4, wine d = 13, breast cancer d = 30), sklearn's
// 8×8 digits (d = 64, shipped in examples/data/digits.csv, pixels 0…16 scaled to [0, 1] as in issue 10) and the
// generated 8×8 stroke images. The sklearn CSVs are installed with apt when missing and possible; otherwise
// those sets are skipped with a message (digits and strokes need nothing).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batch } from '@sgmkit/tensor';
import { sampleStrokeImages } from '@sgmkit/score';

export const SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';
export const DIGITS_CSV = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'data', 'digits.csv');

/** sklearn's CSVs: a first line `n,d,class names…`, then rows of d features and a class label. */
export function readSklearnCsv(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const [n, d] = header.split(',').map(Number);
  if (lines.length !== n) throw new Error(`${path}: header says ${n} rows, found ${lines.length}`);
  return toBatch(
    lines.map((line) => line.split(',').slice(0, d).map(Number)),
    d,
  );
}

/** examples/data/digits.csv: a header row, then 64 pixel counts in 0…16 per image; scaled to [0, 1]. */
export function readDigits(path = DIGITS_CSV) {
  const [, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  return toBatch(
    lines.map((line) => line.split(',').map((v) => Number(v) / 16)),
    64,
  );
}

function toBatch(rows, d) {
  const out = batch(rows.length, d);
  rows.forEach((row, i) => {
    if (row.length !== d || row.some((v) => !Number.isFinite(v)))
      throw new Error(`row ${i} is not ${d} finite numbers`);
    out.data.set(row, i * d);
  });
  return out;
}

/** Makes sure the sklearn CSVs are there: apt-get install python3-sklearn when missing (root + apt only). */
export function ensureSklearnData() {
  if (existsSync(`${SKLEARN_DATA}/iris.csv`)) return true;
  const apt = spawnSync('apt-get', ['--version']);
  if (apt.error || process.getuid?.() !== 0) {
    console.log(
      `sklearn data sets skipped: ${SKLEARN_DATA} is missing and apt-get is ${apt.error ? 'absent' : 'not usable without root'} (install python3-sklearn)`,
    );
    return false;
  }
  console.log('installing python3-sklearn with apt-get (for its data sets)...');
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  const install =
    update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-sklearn'], {
          stdio: 'inherit',
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        })
      : update;
  if (install.status !== 0 || !existsSync(`${SKLEARN_DATA}/iris.csv`)) {
    console.log('sklearn data sets skipped: apt-get install python3-sklearn failed');
    return false;
  }
  return true;
}

/** Whether `name` needs the sklearn CSVs. */
export const needsSklearn = (name) => name !== 'strokes' && name !== 'digits';

/** `{ data, source }` of a set, or undefined for an sklearn set when `haveSklearn` is false. */
export function loadSet(name, haveSklearn) {
  if (name === 'strokes')
    return { data: sampleStrokeImages(2000, { seed: 1 }), source: 'sampleStrokeImages(2000, { seed: 1 })' };
  if (name === 'digits') return { data: readDigits(), source: 'examples/data/digits.csv / 16 (sklearn digits)' };
  if (!haveSklearn) return undefined;
  const file = { iris: 'iris.csv', wine: 'wine_data.csv', breast_cancer: 'breast_cancer.csv' }[name];
  if (!file) throw new Error(`unknown set ${name}`);
  return { data: readSklearnCsv(`${SKLEARN_DATA}/${file}`), source: `sklearn ${file}` };
}
