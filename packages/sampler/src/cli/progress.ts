/**
 * Progress reporting on stderr: a redrawn bar with steps/s on a terminal, and
 * plain periodic lines otherwise (so logs and CI output stay readable).
 * @packageDocumentation
 */

/** The part of a writable stream progress needs; `process.stderr` satisfies it. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Shown first on every line, e.g. `'sample'`. */
  readonly label: string;
  /** Number of units of work, e.g. the step count. */
  readonly total: number;
  /** Unit name, plural (`'steps'`). */
  readonly unit?: string;
  /** Where to write; defaults to `process.stderr`. */
  readonly stream?: ProgressStream;
  /** Monotonic clock in milliseconds; injectable for tests. */
  readonly now?: () => number;
  /** Plain mode: minimum time between lines. */
  readonly plainIntervalMs?: number;
  /** When false, nothing is written. */
  readonly enabled?: boolean;
}

/** A progress reporter: call `update` as work completes and `finish` once at the end. */
export interface Progress {
  /** Reports that `done` of `total` units are complete; `detail` is appended (e.g. `'loss 0.91'`). */
  update(done: number, detail?: string): void;
  /** Writes the final line. Idempotent. */
  finish(detail?: string): void;
}

const TTY_REDRAW_MS = 100;
const BAR_WIDTH = 20;

/** `1234.5` → `'1.23k'`: short rates for a status line. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(3)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toPrecision(3)}k`;
  return perSecond.toPrecision(3);
}

/** Milliseconds as `'850 ms'`, `'12.3 s'` or `'2 min 5 s'`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function bar(fraction: number): string {
  const filled = Math.round(fraction * BAR_WIDTH);
  return '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
}

/** Creates a reporter that draws a bar on a TTY and plain lines elsewhere. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const unit = options.unit ?? 'steps';
  const total = Math.max(1, options.total);
  const tty = stream.isTTY === true;
  const interval = tty ? TTY_REDRAW_MS : (options.plainIntervalMs ?? 2000);
  const start = now();
  let lastWrite = -Infinity;
  let done = 0;
  let finished = options.enabled === false;

  const status = (detail: string | undefined, final: boolean): string => {
    const elapsed = now() - start;
    const rate = elapsed > 0 ? (done / elapsed) * 1000 : NaN;
    const pct = Math.floor((100 * done) / total);
    const extra = detail ? `  ${detail}` : '';
    // While running, the time left matters more than the time spent.
    const time =
      final || !(rate > 0) ? formatDuration(elapsed) : `eta ${formatDuration(((total - done) / rate) * 1000)}`;
    return `${done}/${total} ${unit} (${pct}%)  ${formatRate(rate)} ${unit}/s  ${time}${extra}`;
  };
  const draw = (detail: string | undefined, final: boolean): void => {
    if (tty) {
      const line = `${options.label} [${bar(done / total)}] ${status(detail, final)}`;
      const width = (stream.columns ?? 100) - 1;
      stream.write(`\r\x1b[K${line.slice(0, width)}${final ? '\n' : ''}`);
    } else {
      stream.write(`${options.label}: ${status(detail, final)}\n`);
    }
  };
  return {
    update(value, detail) {
      if (finished) return;
      done = Math.min(total, Math.max(0, value));
      const t = now();
      if (t - lastWrite < interval) return;
      lastWrite = t;
      draw(detail, false);
    },
    finish(detail) {
      if (finished) return;
      finished = true;
      draw(detail, true);
    },
  };
}
