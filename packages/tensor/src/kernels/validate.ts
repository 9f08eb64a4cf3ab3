/**
 * Boundary checks shared by the public step functions: validate everything,
 * then run the unchecked kernel (never a half-updated state on bad input).
 * @packageDocumentation
 */
import type { Batch } from '../tensor.js';
import { expectBatch, expectSameDType } from '../tensor.js';

/**
 * Checks a state batch and a same-shaped, same-dtype operand batch (score,
 * drift, …). Returns `[n, d]`.
 */
export function expectStateAndOperand(fn: string, stateName: string, state: Batch, operandName: string, operand: Batch): [number, number] {
  const [n, d] = expectBatch(fn, stateName, state);
  expectBatch(fn, operandName, operand, d, n);
  expectSameDType(fn, operandName, state, operand);
  return [n, d];
}
