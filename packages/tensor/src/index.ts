/**
 * `@sgmkit/tensor`: the typed-array tensor core, random streams, fused
 * in-place step kernels and the small linear algebra sgmkit needs.
 * @packageDocumentation
 */
export * from './errors.js';
export * from './validate.js';
export * from './tensor.js';
export * from './linalg/index.js';
export * from './random/index.js';
export * from './kernels/index.js';
export { exp, expm1, integerPower, log, log1p, turnPoint } from './math/portable.js';
export { cos, sin, sinCosInto } from './math/trig.js';
export { kernelExp, kernelExpF32, EXP2_FRACTION_TABLE } from './math/kernel-exp.js';
