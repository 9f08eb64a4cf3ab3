/**
 * Axis scales and tick choice: linear scales with "nice" 1-2-5 ticks, and
 * log scales with decade ticks.
 * @packageDocumentation
 */

/** Maps data values to pixels along one axis. */
export interface Scale {
  readonly kind: 'linear' | 'log';
  /** Data interval `[lo, hi]`, lo < hi (and lo > 0 for log). */
  readonly domain: readonly [number, number];
  /** Pixel interval the domain maps onto (may be decreasing, as for y). */
  readonly range: readonly [number, number];
  /** The pixel position of a data value. */
  map(value: number): number;
  /** Tick positions inside the domain. */
  ticks(): number[];
}

/** A step of the form {1, 2, 5}·10^k close to `span / count`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10) * power;
}

/** Ticks at multiples of a nice step inside `[lo, hi]`. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  const step = niceStep(hi - lo, count);
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

// Exact decimal powers: 10 ** -4 is 0.00009999999999999999 in floating point, Number('1e-4') is not.
function pow10(k: number): number {
  return Number(`1e${k}`);
}

/** Powers of ten inside `[lo, hi]`; with fewer than three, adds 2× and 5× multiples. */
export function logTicks(lo: number, hi: number): number[] {
  const decades: number[] = [];
  for (let k = Math.ceil(Math.log10(lo) - 1e-9); pow10(k) <= hi * (1 + 1e-9); k++) decades.push(pow10(k));
  if (decades.length >= 3) return decades;
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); pow10(k) <= hi; k++) {
    for (const m of [1, 2, 5]) {
      const v = m * pow10(k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(Number(v.toPrecision(12)));
    }
  }
  return ticks;
}

/** The domain widened to the nearest ticks, with a fallback for a zero-width interval. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    return [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, count);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

/** The domain widened to whole decades. */
export function logDomain(lo: number, hi: number): [number, number] {
  const a = pow10(Math.floor(Math.log10(lo) + 1e-9));
  const b = pow10(Math.ceil(Math.log10(hi) - 1e-9));
  return b > a ? [a, b] : [a, a * 10];
}

/** A linear scale from `domain` onto `range`. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number], tickCount = 5): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const slope = (r1 - r0) / (d1 - d0);
  return {
    kind: 'linear',
    domain,
    range,
    map: (v) => r0 + (v - d0) * slope,
    ticks: () => linearTicks(d0, d1, tickCount),
  };
}

/** A base-10 logarithmic scale from `domain` (positive) onto `range`. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [l0, l1] = [Math.log10(domain[0]), Math.log10(domain[1])];
  const [r0, r1] = range;
  const slope = (r1 - r0) / (l1 - l0);
  return {
    kind: 'log',
    domain,
    range,
    map: (v) => r0 + (Math.log10(v) - l0) * slope,
    ticks: () => logTicks(domain[0], domain[1]),
  };
}

/** Tick label: exponent form (`1e-4`) for very small or large values, otherwise at most 4 significant digits. */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-3 || abs >= 1e5) {
    const [mantissa, exponent] = value.toExponential().split('e');
    return `${Number(Number(mantissa).toPrecision(3))}e${Number(exponent)}`;
  }
  return String(Number(value.toPrecision(4)));
}

/** `[min, max]` of the finite values, or undefined when there are none. */
export function extent(values: ArrayLike<number>, positiveOnly = false): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || (positiveOnly && !(v > 0))) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}
