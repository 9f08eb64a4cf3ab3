/**
 * The exact laws are affine recursions in double precision: a grid with a huge horizon or step (e.g. T = 2^53)
 * overflows their coefficients (`e^{2h}` from h ≈ 354.9) and would return NaN moments. They refuse instead.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';

/** Largest step `t_k − t_{k+1}` of a decreasing grid. */
function largestStep(grid: Float64Array): number {
  let largest = 0;
  for (let k = 0; k + 1 < grid.length; k++) largest = Math.max(largest, grid[k]! - grid[k + 1]!);
  return largest;
}

function finite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/** Returns `law` when its mean and covariance are finite; else throws, blaming the grid (the only unbounded input). */
export function expectFiniteLaw<
  L extends { readonly mean: ArrayLike<number>; readonly covariance: { readonly data: ArrayLike<number> } },
>(fn: string, law: L, grid: Float64Array): L {
  if (finite(law.mean) && finite(law.covariance.data)) return law;
  throw new InvalidArgumentError(
    fn,
    'options.grid',
    grid,
    `a grid whose exact law is finite in double precision; with T = ${grid[0]} and a largest step of ${largestStep(grid)} the affine coefficients overflow`,
  );
}
