/**
 * The viridis colour map (perceptually uniform, readable in grey scale and by
 * colour-blind readers), linearly interpolated between 9 reference colours.
 * @packageDocumentation
 */

const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

function hex(channel: number): string {
  return Math.round(channel).toString(16).padStart(2, '0');
}

/**
 * The viridis colour of `fraction` in [0, 1] (clamped) as `#rrggbb`.
 *
 * @example
 * ```ts
 * import { viridis } from '@sgmkit/sampler';
 * viridis(0); // '#440154'
 * viridis(1); // '#fde725'
 * ```
 */
export function viridis(fraction: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(f));
  const w = f - k;
  const [a, b] = [VIRIDIS[k]!, VIRIDIS[k + 1]!];
  return `#${hex(a[0] + w * (b[0] - a[0]))}${hex(a[1] + w * (b[1] - a[1]))}${hex(a[2] + w * (b[2] - a[2]))}`;
}

/** Distinct colours for line series (Tableau 10). */
export const SERIES_COLORS: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
