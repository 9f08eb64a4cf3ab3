/**
 * `sgmkit sample --reference <held-out file> [--train <training file>]`: the
 * quality report of a run (see `metrics/quality.ts` for the conventions).
 * `--train` names the rows the network was trained on (with `--points`, the
 * point cloud itself); `--reference` rows it never saw. Without `--train` only
 * the distances of the samples to the reference are reported.
 * @packageDocumentation
 */
import type { Batch } from '@sgmkit/tensor';
import { medianDistance, mmd } from '../metrics/mmd.js';
import { qualityReport, type QualityReport } from '../metrics/quality.js';
import { slicedWasserstein } from '../metrics/sliced-wasserstein.js';
import { formatNumber, formatTable } from './format.js';
import { UsageError } from './errors.js';

/** Projections of the CLI's sliced W2. */
export const CLI_PROJECTIONS = 200;

/** The finite rows of `b` (diverged non-finite samples cannot enter the metrics), as a fresh batch. */
export function finiteRows(b: Batch): Batch {
  const [n, d] = b.shape as [number, number];
  const kept: number[] = [];
  for (let r = 0; r < n; r++) {
    let finite = true;
    for (let i = 0; i < d; i++) if (!Number.isFinite(b.data[b.offset + r * d + i]!)) finite = false;
    if (finite) kept.push(r);
  }
  const data = new Float64Array(kept.length * d);
  kept.forEach((r, k) => {
    for (let i = 0; i < d; i++) data[k * d + i] = b.data[b.offset + r * d + i]!;
  });
  return { data, shape: [kept.length, d], stride: [d, 1], offset: 0 };
}

/** Lines and JSON of the quality section. */
export function qualitySection(
  samples: Batch,
  reference: { path: string; rows: Batch },
  train: { path: string; rows: Batch } | undefined,
): { lines: string[]; json: unknown } {
  const d = samples.shape[1]!;
  for (const [option, file] of [
    ['reference', reference],
    ['train', train],
  ] as const) {
    if (file !== undefined && file.rows.shape[1] !== d)
      throw new UsageError(`--${option} ${file.path} has ${file.rows.shape[1]} columns; the samples have d = ${d}`);
  }
  const finite = finiteRows(samples);
  const dropped = samples.shape[0]! - finite.shape[0]!;
  if (finite.shape[0]! < 2) return { lines: ['', 'quality: skipped (fewer than 2 finite samples)'], json: null };
  const note = dropped > 0 ? ` (${dropped} non-finite samples left out)` : '';
  if (train === undefined) {
    const sw = slicedWasserstein(finite, reference.rows, { projections: CLI_PROJECTIONS, seed: 0 });
    const rows = Math.min(finite.shape[0]!, 1000);
    const head = { ...finite, shape: [rows, d] };
    const refHead = { ...reference.rows, shape: [Math.min(reference.rows.shape[0]!, 1000), d] };
    const m = mmd(head, refHead, { bandwidth: medianDistance(head, refHead, d) });
    return {
      lines: [
        '',
        `quality: samples against ${reference.rows.shape[0]} rows of ${reference.path}${note}, in data units: sliced W2 ${formatNumber(sw.distance)}, MMD² ${formatNumber(m.squared)}`,
        '         pass --train <the training rows> for the noise floor (training vs held-out) and the memorisation check',
      ],
      json: {
        reference: reference.path,
        train: null,
        samples: { slicedW2: sw.distance, mmdSquared: m.squared },
        droppedNonFinite: dropped,
      },
    };
  }
  const report = qualityReport(finite, train.rows, reference.rows, { projections: CLI_PROJECTIONS, seed: 0 });
  return {
    lines: qualityLines(report, reference, train, note),
    json: { reference: reference.path, train: train.path, ...report, droppedNonFinite: dropped },
  };
}

function qualityLines(
  report: QualityReport,
  reference: { path: string; rows: Batch },
  train: { path: string; rows: Batch },
  note: string,
): string[] {
  const table = formatTable(
    ['set', 'rows', 'sliced W2 to held-out', 'MMD² to held-out', 'nearest training row (median)'],
    [
      [
        'samples',
        report.samples.rows,
        report.samples.slicedW2,
        report.samples.mmdSquared,
        report.nearestTraining.samples.median,
      ],
      ['training (noise floor)', report.noiseFloor.rows, report.noiseFloor.slicedW2, report.noiseFloor.mmdSquared, '-'],
      ['held-out', reference.rows.shape[0]!, '-', '-', report.nearestTraining.heldOut.median],
    ],
  );
  return [
    '',
    `quality: against the held-out rows of ${reference.path}, training rows ${train.path}${note};`,
    "         every set standardised by the training rows' mean and std (see docs/quality.md)",
    table.trimEnd(),
    `sliced-W2 ratio ${formatNumber(report.slicedW2Ratio)} (samples / noise floor; 1 is as good as fresh data)`,
    report.memorisationRatio === null
      ? `memorisation ratio n/a: ${percent(report.heldOutRepeats)} of the held-out rows repeat a training row (median distance 0); use the line below`
      : `memorisation ratio ${formatNumber(report.memorisationRatio)} (median nearest-training distance, samples / held-out; ≪ 1: samples copy training rows)`,
    `closer to the training rows than held-out rows: ${percent(report.closerThanHeldOut)} of (sample, held-out row) pairs (50% like fresh data; → 100%: copies)`,
  ];
}

function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 1)}%`;
}
