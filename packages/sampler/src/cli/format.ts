/**
 * Text output helpers: aligned tables and number formatting for the
 * human-readable (non `--json`) mode.
 * @packageDocumentation
 */

/** A cell: numbers are formatted with {@link formatNumber}. */
export type Cell = string | number;

/** Four significant digits, exponent form outside [1e-3, 1e5); `'-'` for non-finite. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value === Infinity ? 'inf' : '-';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e5) return value.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(4)));
}

// Pre-formatted numbers (e.g. exponents as "2.00") align like numbers; '-' marks a missing value.
const NUMERAL = /^(-?\d+(\.\d+)?(e[+-]?\d+)?|-|inf)$/;

/**
 * Renders rows under a header as a column-aligned table: text left-aligned,
 * numbers right-aligned, a rule under the header.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => row.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const numeric = header.map(
    (_, j) => rows.length > 0 && rows.every((row) => typeof row[j] === 'number' || NUMERAL.test(row[j] as string)),
  );
  const widths = header.map((h, j) => Math.max(h.length, ...text.map((row) => row[j]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, j) => (numeric[j] ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n') + '\n';
}
