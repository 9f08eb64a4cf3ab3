/**
 * Emits the WebAssembly SIMD mixture-softmax kernels: the near path of the score package's CLD mixture kernels
 * (`cld-mixture-kernels.ts`), two particles per f64x2 vector (one per lane), components in order.
 *
 * Per lane, each kernel does exactly the operations of the scalar TypeScript kernel it vectorises, in the same
 * order: wasm has no fused multiply-add, so every product is rounded before it is added, as in JavaScript, and the
 * softmax sums run over the components in the scalar order (one particle per lane, never across lanes). The
 * exponential is the score package's `fastExpInRange` (= `kernelExp` on its domain, `math/kernel-exp.ts`): Cody–Waite
 * reduction by ln2/256, degree-4 polynomial, `2^{j/256}` from the table at address 0 (two scalar loads per vector:
 * wasm SIMD has no gather), and `2^m` applied as one power of two built from the exponent bits. So the scalar and
 * SIMD paths give the same bits.
 *
 * A pair of particles is handled here only when both are in the kernel's near region (a NaN coordinate is never
 * near); otherwise the pair's index is appended to the far list and the caller runs the scalar kernel on it.
 * @packageDocumentation
 */
import {
  KERNEL_EXP_FRACTION_BITS, KERNEL_EXP_INV_LN2_BY_N, KERNEL_EXP_LN2_BY_N_HI, KERNEL_EXP_LN2_BY_N_LO, KERNEL_EXP_ROUND_SHIFTER,
} from '../../math/kernel-exp.js';
import { FunctionBuilder, I32, Op, SimdOp, V128, VOID_BLOCK, encodeModule, type ModuleDescription } from './encoder.js';

/** Byte address of the `2^{j/256}` table in the mixture module's memory. */
export const EXP_TABLE_ADDRESS = 0;

/** Lane-selection masks of `i8x16.shuffle` over two f64x2 vectors A, B: `[A0, B0]` and `[A1, B1]`. */
const LOW_LANES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH_LANES = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/** A v128 constant with the same 64-bit integer in both lanes (any `bigint` in the i64 range). */
function i64x2Constant(f: FunctionBuilder, value: bigint): void {
  const lane = new Uint8Array(BigInt64Array.of(value).buffer);
  f.simd(SimdOp.v128Const, ...lane, ...lane);
}

/**
 * Loads two interleaved 2-vectors (`[a0, a1, b0, b1]` at `address`) as coordinate vectors:
 * `first = [a0, b0]`, `second = [a1, b1]`.
 */
function loadPairOfPoints(f: FunctionBuilder, address: number, first: number, second: number, scratch: [number, number]): void {
  const [a, b] = scratch;
  f.get(address).simdMemory(SimdOp.v128Load, 3, 0).set(a);
  f.get(address).simdMemory(SimdOp.v128Load, 3, 16).set(b);
  f.get(a).get(b).simd(SimdOp.i8x16Shuffle, ...LOW_LANES).set(first);
  f.get(a).get(b).simd(SimdOp.i8x16Shuffle, ...HIGH_LANES).set(second);
}

/** The inverse of `loadPairOfPoints`: stores coordinate vectors `first`, `second` as `[a0, a1, b0, b1]`. */
function storePairOfPoints(f: FunctionBuilder, address: number, first: number, second: number): void {
  f.get(address).get(first).get(second).simd(SimdOp.i8x16Shuffle, ...LOW_LANES).simdMemory(SimdOp.v128Store, 3, 0);
  f.get(address).get(first).get(second).simd(SimdOp.i8x16Shuffle, ...HIGH_LANES).simdMemory(SimdOp.v128Store, 3, 16);
}

/** Locals of `pushExpInRange`. */
interface ExpLocals {
  readonly shifted: number;
  readonly k: number;
  readonly r: number;
  readonly index: number;
}

function expLocals(f: FunctionBuilder): ExpLocals {
  return { shifted: f.local(V128), k: f.local(V128), r: f.local(V128), index: f.local(V128) };
}

/**
 * Pushes `e^x` for the f64x2 in local `x`, every lane in `[−708, 709]`, with the operations of `fastExpInRange`:
 * `k = x·(256/ln2) + S − S`, `r = x − k·HI − k·LO`, `e^r = 1 + r(1 + r(1/2 + r(1/6 + r/24)))`, then
 * `(2^{j/256} · e^r) · 2^m` with `j = k mod 256`, `m = ⌊k/256⌋`.
 * Both j and m come from the bits of `x·(256/ln2) + S` (S = 1.5·2^52): they are `0x4338…0 + k` as an integer, so the
 * low 8 bits are j, and `(bits >>> 8) << 52` is `m << 52` modulo 2^64 (the shifter's bits shift out), to which
 * `1023 << 52` adds the exponent bias: the bit pattern of 2^m. Only logical shifts (x86 has no 64-bit arithmetic one).
 */
function pushExpInRange(f: FunctionBuilder, x: number, l: ExpLocals): void {
  f.get(x).f64x2(KERNEL_EXP_INV_LN2_BY_N).simd(SimdOp.f64x2Mul).f64x2(KERNEL_EXP_ROUND_SHIFTER).simd(SimdOp.f64x2Add).tee(l.shifted);
  f.f64x2(KERNEL_EXP_ROUND_SHIFTER).simd(SimdOp.f64x2Sub).set(l.k);
  f.get(x).get(l.k).f64x2(KERNEL_EXP_LN2_BY_N_HI).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub);
  f.get(l.k).f64x2(KERNEL_EXP_LN2_BY_N_LO).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub).set(l.r);
  // 2^{j/256}: byte offsets j·8 into the table, then one scalar load per lane.
  f.get(l.shifted);
  i64x2Constant(f, BigInt((1 << KERNEL_EXP_FRACTION_BITS) - 1));
  f.simd(SimdOp.v128And).i32(3).simd(SimdOp.i64x2Shl).set(l.index);
  f.get(l.index).simd(SimdOp.i64x2ExtractLane, 1).op(Op.i32WrapI64);
  f.get(l.index).simd(SimdOp.i64x2ExtractLane, 0).op(Op.i32WrapI64).simdMemory(SimdOp.v128Load64Zero, 3, EXP_TABLE_ADDRESS);
  f.simdMemory(SimdOp.v128Load64Lane, 3, EXP_TABLE_ADDRESS).op(1);
  // · e^r, Horner from the innermost term.
  f.get(l.r).f64x2(1 / 24).simd(SimdOp.f64x2Mul).f64x2(1 / 6).simd(SimdOp.f64x2Add);
  for (const coefficient of [0.5, 1, 1]) f.get(l.r).simd(SimdOp.f64x2Mul).f64x2(coefficient).simd(SimdOp.f64x2Add);
  f.simd(SimdOp.f64x2Mul);
  // · 2^m.
  f.get(l.shifted).i32(KERNEL_EXP_FRACTION_BITS).simd(SimdOp.i64x2ShrU).i32(52).simd(SimdOp.i64x2Shl);
  i64x2Constant(f, 1023n << 52n);
  f.simd(SimdOp.i64x2Add).simd(SimdOp.f64x2Mul);
}

/** Pushes the f64x2 `[v, v]` for the double at byte `address + offset`. */
function pushSplat(f: FunctionBuilder, address: number, offset: number): void {
  f.get(address).simdMemory(SimdOp.load64Splat, 3, offset);
}

/** `a·b + c·d` for f64x2 locals, rounded as in JavaScript (two products, then the sum). */
function pushDot2(f: FunctionBuilder, a: number, b: number, c: number, d: number): void {
  f.get(a).get(b).simd(SimdOp.f64x2Mul).get(c).get(d).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add);
}

/** Locals and parameters the pair loop hands to a kernel's body. */
interface PairLoop {
  readonly out: number;
  readonly x0: number;
  readonly x1: number;
  readonly v0: number;
  readonly v1: number;
  /** All ones in the lanes whose particle is in the near region (`|x|² + |v|² ≤ near`; never for NaN). */
  readonly nearMask: number;
  /** Emits: append this pair's index to the far list (the caller's scalar kernel will redo both particles). */
  readonly appendFar: () => void;
}

/**
 * The loop over particle pairs shared by the kernels: parameters 0–4 are `pairs` (≥ 0), byte addresses `x`, `v`,
 * `out` (each `pairs·32` bytes, two interleaved 2-vectors per pair) and `far` (the far list, i32 pair indices);
 * `params` is the byte address of the f64 parameters, the first of which is the near region's squared radius
 * (doubles go through memory, not as call arguments: a JavaScript caller would box each one). For each pair, loads x0, x1, v0, v1 (lane =
 * particle) and the near mask (`|x|² + |v|² ≤ near`, summed left to right as in the scalar kernels), then emits
 * `body` inside a block that `br 0` leaves (to the next pair). Leaves the far count on the stack (the result).
 */
function pairLoop(f: FunctionBuilder, params: number, body: (loop: PairLoop) => void): void {
  const [pairs, x, v, out, far] = [0, 1, 2, 3, 4];
  const [pair, farCount] = [f.local(I32), f.local(I32)];
  const [x0, x1, v0, v1, a, b, nearVector, nearMask] = Array.from({ length: 8 }, () => f.local(V128));
  const appendFar = (): void => {
    f.get(farCount).i32(2).op(Op.i32Shl).get(far).op(Op.i32Add).get(pair).op(Op.i32Store, 2, 0);
    f.addTo(farCount, 1);
  };
  pushSplat(f, params, 0);
  f.set(nearVector);
  f.op(Op.block, VOID_BLOCK);
  f.get(pairs).op(Op.i32Eqz).op(Op.brIf, 0);
  f.op(Op.loop, VOID_BLOCK);
  f.op(Op.block, VOID_BLOCK); // the pair
  loadPairOfPoints(f, x, x0, x1, [a, b]);
  loadPairOfPoints(f, v, v0, v1, [a, b]);
  pushDot2(f, x0, x0, x1, x1);
  f.get(v0).get(v0).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).get(v1).get(v1).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add);
  f.get(nearVector).simd(SimdOp.f64x2Le).set(nearMask);
  body({ out, x0, x1, v0, v1, nearMask, appendFar });
  f.op(Op.end);
  f.addTo(x, 32).addTo(v, 32).addTo(out, 32).addTo(pair, 1);
  f.get(pair).get(pairs).op(Op.i32LtU).op(Op.brIf, 0);
  f.op(Op.end);
  f.op(Op.end);
  f.get(farCount);
}

/**
 * `cldMixtureKernel2dShared`'s near path (the affine-logit kernel: ring and grid presets). Parameters: `pairs, x, v,
 * out, far` (see `pairLoop`), `components` (≥ 1), `table` (byte address of the K rows `[α_k, m_k0, m_k1]`) and
 * `params` (byte address of the doubles `near, Λxv, Λvv, κˣ, κᵛ`). Per particle: `w = κˣx + κᵛv`, reference `l_0 = α_0 + m_0·w`, weights
 * `e^{α_k − l_0 + m_k·w}`, and `out = κᵛ·(Σ_k e_k m_k / Σ_k e_k) − Λxv·x − Λvv·v`.
 */
export function cldShared2dKernel(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32], [I32]);
  const [components, table, params] = [5, 6, 7];
  const coefficients = [0, 1, 2, 3].map(() => f.local(V128));
  const [pxv, pvv, kx, kv] = coefficients;
  coefficients.forEach((local, i) => {
    pushSplat(f, params, 8 * (i + 1));
    f.set(local);
  });
  const [m00, m01, w0, w1, reference, total, sum0, sum1, c0, c1, logit, weight] = Array.from({ length: 12 }, () => f.local(V128));
  const [row, left] = [f.local(I32), f.local(I32)];
  const exp = expLocals(f);
  pushSplat(f, table, 8);
  f.set(m00);
  pushSplat(f, table, 16);
  f.set(m01);
  pairLoop(f, params, ({ out, x0, x1, v0, v1, nearMask, appendFar }) => {
    // Only pairs with both particles near; the others go to the scalar kernel.
    f.get(nearMask).simd(SimdOp.i64x2AllTrue).op(Op.i32Eqz).op(Op.if, VOID_BLOCK);
    appendFar();
    f.op(Op.br, 1);
    f.op(Op.end);
    pushDot2(f, kx!, x0, kv!, v0);
    f.set(w0);
    pushDot2(f, kx!, x1, kv!, v1);
    f.set(w1);
    // l_0 = α_0 + m00·w0 + m01·w1
    pushSplat(f, table, 0);
    f.get(m00).get(w0).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).get(m01).get(w1).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(reference);
    f.f64x2(1).set(total).get(m00).set(sum0).get(m01).set(sum1);
    f.get(table).i32(24).op(Op.i32Add).set(row).get(components).i32(1).op(Op.i32Sub).set(left);
    f.op(Op.block, VOID_BLOCK);
    f.get(left).op(Op.i32Eqz).op(Op.brIf, 0);
    f.op(Op.loop, VOID_BLOCK); // over components 1 … K−1
    pushSplat(f, row, 8);
    f.set(c0);
    pushSplat(f, row, 16);
    f.set(c1);
    // α_k − l_0 + c0·w0 + c1·w1
    pushSplat(f, row, 0);
    f.get(reference).simd(SimdOp.f64x2Sub).get(c0).get(w0).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add);
    f.get(c1).get(w1).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(logit);
    pushExpInRange(f, logit, exp);
    f.set(weight);
    f.get(total).get(weight).simd(SimdOp.f64x2Add).set(total);
    f.get(sum0).get(weight).get(c0).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(sum0);
    f.get(sum1).get(weight).get(c1).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(sum1);
    f.addTo(row, 24);
    f.get(left).i32(1).op(Op.i32Sub).tee(left).op(Op.brIf, 0);
    f.op(Op.end);
    f.op(Op.end);
    // out = κᵛ·mean − Λxv·x − Λvv·v, per coordinate (sum0, sum1 reused for the two outputs)
    for (const [sum, xc, vc] of [[sum0, x0, v0], [sum1, x1, v1]] as const) {
      f.get(kv!).get(sum).get(total).simd(SimdOp.f64x2Div).simd(SimdOp.f64x2Mul);
      f.get(pxv!).get(xc).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub);
      f.get(pvv!).get(vc).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub).set(sum);
    }
    storePairOfPoints(f, out, sum0, sum1);
  });
  return f;
}

/** Component layouts of the per-component kernels: the doubles of one table row. */
export type ComponentLayout = 'isotropic' | 'full';

/**
 * Doubles per table row: `[a·m_k (2), c·m_k (2), precisions…, c_k]`; the precisions are `Λxx, Λxv, Λvv` (isotropic)
 * or the three symmetric 2 × 2 blocks' entries `xx00, xx01, xx11, xv00, xv01, xv11, vv00, vv01, vv11` (full).
 */
export const COMPONENT_ROW_DOUBLES: Readonly<Record<ComponentLayout, number>> = { isotropic: 8, full: 14 };

/** Bytes per component in the scratch of the per-component kernels: logit and the two score coordinates (f64x2 each). */
export const COMPONENT_SCRATCH_BYTES = 48;

/** Locals of one component's terms: residuals, then the outputs logit and score coordinates. */
interface ComponentLocals {
  readonly row: number;
  readonly y0: number;
  readonly y1: number;
  readonly u0: number;
  readonly u1: number;
  readonly s0: number;
  readonly s1: number;
  readonly logit: number;
  readonly t0: number;
  readonly t1: number;
  readonly t2: number;
}

/** Sets y = x − a·m_k, u = v − c·m_k from the row's centers. */
function residuals(f: FunctionBuilder, l: ComponentLocals, p: PairLoop): void {
  [[l.y0, p.x0, 0], [l.y1, p.x1, 8], [l.u0, p.v0, 16], [l.u1, p.v1, 24]].forEach(([target, coordinate, offset]) => {
    f.get(coordinate!);
    pushSplat(f, l.row, offset!);
    f.simd(SimdOp.f64x2Sub).set(target!);
  });
}

/** Pushes `Σ_i coefficient_i · value_i`, summed left to right; a coefficient is a row offset (bytes) or a local (`{ local }`). */
function pushCombination(f: FunctionBuilder, row: number, terms: readonly (readonly [number | { local: number }, number])[]): void {
  terms.forEach(([coefficient, value], i) => {
    if (typeof coefficient === 'number') pushSplat(f, row, coefficient);
    else f.get(coefficient.local);
    f.get(value).simd(SimdOp.f64x2Mul);
    if (i > 0) f.simd(SimdOp.f64x2Add);
  });
}

/** Sets `logit = c_k − 0.5·q`, where `pushQuadratic` pushes the quadratic form q. */
function setLogit(f: FunctionBuilder, l: ComponentLocals, cOffset: number, pushQuadratic: () => void): void {
  pushSplat(f, l.row, cOffset);
  f.f64x2(0.5);
  pushQuadratic();
  f.simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub).set(l.logit);
}

/**
 * `cldMixtureKernel2dIsotropic`'s component terms: `s = −(Λxv y + Λvv u)`,
 * `l = c_k − ½(y0(Λxx y0 + Λxv u0) + y1(Λxx y1 + Λxv u1) − u0 s0 − u1 s1)`.
 */
function isotropicTerms(f: FunctionBuilder, l: ComponentLocals, p: PairLoop): void {
  // Λxx, Λxv, Λvv splatted once each into locals (Λxv is used four times).
  const [pxx, pxv, pvv] = [{ local: l.t0 }, { local: l.t1 }, { local: l.t2 }];
  [32, 40, 48].forEach((offset, i) => {
    pushSplat(f, l.row, offset);
    f.set([l.t0, l.t1, l.t2][i]!);
  });
  residuals(f, l, p);
  pushCombination(f, l.row, [[pxv, l.y0], [pvv, l.u0]]);
  f.simd(SimdOp.f64x2Neg).set(l.s0);
  pushCombination(f, l.row, [[pxv, l.y1], [pvv, l.u1]]);
  f.simd(SimdOp.f64x2Neg).set(l.s1);
  setLogit(f, l, 56, () => {
    f.get(l.y0);
    pushCombination(f, l.row, [[pxx, l.y0], [pxv, l.u0]]);
    f.simd(SimdOp.f64x2Mul).get(l.y1);
    pushCombination(f, l.row, [[pxx, l.y1], [pxv, l.u1]]);
    f.simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add);
    f.get(l.u0).get(l.s0).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub).get(l.u1).get(l.s1).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub);
  });
}

/**
 * `cldMixtureKernel2dFull`'s component terms (`xx01`, `xv01` used four times each, so kept in locals t0, t1):
 * `s0 = −(xv00 y0 + xv01 y1 + vv00 u0 + vv01 u1)`, `s1 = −(xv01 y0 + xv11 y1 + vv01 u0 + vv11 u1)`,
 * `g0 = xx00 y0 + xx01 y1 + xv00 u0 + xv01 u1`, `g1 = xx01 y0 + xx11 y1 + xv01 u0 + xv11 u1`,
 * `l = c_k − ½(y0 g0 + y1 g1 − u0 s0 − u1 s1)`.
 */
function fullTerms(f: FunctionBuilder, l: ComponentLocals, p: PairLoop): void {
  const [xx00, xx11, xv00, xv11, vv00, vv01, vv11] = [32, 48, 56, 72, 80, 88, 96];
  const [xx01, xv01] = [{ local: l.t0 }, { local: l.t1 }];
  residuals(f, l, p);
  pushSplat(f, l.row, 40);
  f.set(l.t0);
  pushSplat(f, l.row, 64);
  f.set(l.t1);
  pushCombination(f, l.row, [[xv00, l.y0], [xv01, l.y1], [vv00, l.u0], [vv01, l.u1]]);
  f.simd(SimdOp.f64x2Neg).set(l.s0);
  pushCombination(f, l.row, [[xv01, l.y0], [xv11, l.y1], [vv01, l.u0], [vv11, l.u1]]);
  f.simd(SimdOp.f64x2Neg).set(l.s1);
  pushCombination(f, l.row, [[xx00, l.y0], [xx01, l.y1], [xv00, l.u0], [xv01, l.u1]]);
  f.set(l.t2); // g0
  setLogit(f, l, 104, () => {
    f.get(l.y0).get(l.t2).simd(SimdOp.f64x2Mul).get(l.y1);
    pushCombination(f, l.row, [[xx01, l.y0], [xx11, l.y1], [xv01, l.u0], [xv11, l.u1]]);
    f.simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add);
    f.get(l.u0).get(l.s0).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub).get(l.u1).get(l.s1).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub);
  });
}

/**
 * The 2-D per-component CLD kernels (`cldMixtureKernel2dIsotropic`, `cldMixtureKernel2dFull`), near and far
 * particles. Parameters: `pairs, x, v, out, far` (see `pairLoop`), `components` (≥ 1), byte addresses `table` (K rows
 * of `COMPONENT_ROW_DOUBLES[layout]`) and `scratch` (K · `COMPONENT_SCRATCH_BYTES`) and `params` (the double `near`).
 * With the full layout, a pair with both particles near takes the scalar near path as is: one fused pass, reference
 * `l_0`, sums from `1` and `s_0`. Every other pair (every pair, isotropic layout) takes two passes that serve near
 * and far lanes alike. Pass 1 stores every component's logit and score and takes the lane-wise max (`pmax`: `max < l ? l : max`, the
 * scalar `if (l > max) max = l`). The reference is then `l_0` in a near lane and the max in a far one, and pass 2
 * sums `e^{l_k − r}` and `e^{l_k − r} s_k` from k = 0. That is the scalar near path too: its k = 0 term is
 * `e^0 = 1` exactly, and its sums start at `1` and `s_0`, which `0 + 1` and `−0 + 1·s_0` reproduce (a near lane's
 * score sums start at −0, a far lane's at +0 as `accumulator.fill(0)`). The scalar far path calls `fastExp`, which
 * leaves `[−708, 709]` for the portable exp: a pair with an exponent outside that range (or NaN) is left to the
 * scalar kernel.
 */
export function cldComponents2dKernel(layout: ComponentLayout): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32, I32], [I32]);
  const [y0, y1, u0, u1, s0, s1, logit, t0, t1, t2] = Array.from({ length: 10 }, () => f.local(V128));
  const [max, reference, total, sum0, sum1, inRange, weight, argument] = Array.from({ length: 8 }, () => f.local(V128));
  const k: SoftmaxLocals = {
    components: 5, table: 6, scratch: 7, rowBytes: COMPONENT_ROW_DOUBLES[layout] * 8, sp: f.local(I32), left: f.local(I32),
    terms: layout === 'isotropic' ? isotropicTerms : fullTerms,
    l: { row: f.local(I32), y0, y1, u0, u1, s0, s1, logit, t0, t1, t2 },
    max, reference, total, sum0, sum1, inRange, weight, argument, exp: expLocals(f),
  };
  pairLoop(f, 8, (p) => {
    // The fused pass for all-near pairs pays for the full layout's dearer terms; for the isotropic one, two passes for
    // every pair measured as fast on mostly-near particles and 5–20% faster on a near/far mix (one branch per pair less).
    if (layout === 'full') fusedNearPass(f, k, p);
    twoPasses(f, k, p);
  });
  return f;
}

/** Parameters (indices), constants and locals of the per-component kernels' passes. */
interface SoftmaxLocals {
  readonly components: number;
  readonly table: number;
  readonly scratch: number;
  readonly rowBytes: number;
  readonly sp: number;
  readonly left: number;
  readonly terms: (f: FunctionBuilder, l: ComponentLocals, p: PairLoop) => void;
  readonly l: ComponentLocals;
  readonly max: number;
  readonly reference: number;
  readonly total: number;
  readonly sum0: number;
  readonly sum1: number;
  readonly inRange: number;
  readonly weight: number;
  readonly argument: number;
  readonly exp: ExpLocals;
}

/** When both particles are near: the scalar near path (reference `l_0`, sums from 1 and `s_0`), stored, then `br` to the next pair. */
function fusedNearPass(f: FunctionBuilder, k: SoftmaxLocals, p: PairLoop): void {
  const { l, reference, total, sum0, sum1, weight, argument } = k;
  f.get(p.nearMask).simd(SimdOp.i64x2AllTrue).op(Op.if, VOID_BLOCK);
  f.get(k.table).set(l.row);
  k.terms(f, l, p);
  f.get(l.logit).set(reference).f64x2(1).set(total).get(l.s0).set(sum0).get(l.s1).set(sum1);
  f.addTo(l.row, k.rowBytes).get(k.components).i32(1).op(Op.i32Sub).set(k.left);
  f.op(Op.block, VOID_BLOCK);
  f.get(k.left).op(Op.i32Eqz).op(Op.brIf, 0);
  f.op(Op.loop, VOID_BLOCK); // components 1 … K−1
  k.terms(f, l, p);
  f.get(l.logit).get(reference).simd(SimdOp.f64x2Sub).set(argument);
  pushExpInRange(f, argument, k.exp);
  f.set(weight);
  accumulate(f, total, sum0, sum1, weight, () => f.get(l.s0), () => f.get(l.s1));
  f.addTo(l.row, k.rowBytes);
  f.get(k.left).i32(1).op(Op.i32Sub).tee(k.left).op(Op.brIf, 0);
  f.op(Op.end);
  f.op(Op.end);
  storeMeans(f, p.out, sum0, sum1, total);
  f.op(Op.br, 1);
  f.op(Op.end);
}

/** Pass 1 (logits and scores into scratch, lane-wise max), then pass 2 (the sums), stored; far pairs appended. */
function twoPasses(f: FunctionBuilder, k: SoftmaxLocals, p: PairLoop): void {
  const { l, sp, left, max, reference, total, sum0, sum1, inRange, weight, argument } = k;
  f.f64x2(-Infinity).set(max);
  f.get(k.table).set(l.row).get(k.scratch).set(sp).get(k.components).set(left);
  f.op(Op.loop, VOID_BLOCK);
  k.terms(f, l, p);
  f.get(sp).get(l.logit).simdMemory(SimdOp.v128Store, 4, 0);
  f.get(sp).get(l.s0).simdMemory(SimdOp.v128Store, 4, 16);
  f.get(sp).get(l.s1).simdMemory(SimdOp.v128Store, 4, 32);
  f.get(max).get(l.logit).simd(SimdOp.f64x2Pmax).set(max);
  f.addTo(l.row, k.rowBytes).addTo(sp, COMPONENT_SCRATCH_BYTES);
  f.get(left).i32(1).op(Op.i32Sub).tee(left).op(Op.brIf, 0);
  f.op(Op.end);
  // Reference per lane: l_0 (near) or the max (far); sums from 0 (total), −0 / +0 (scores).
  f.get(k.scratch).simdMemory(SimdOp.v128Load, 4, 0).get(max).get(p.nearMask).simd(SimdOp.v128Bitselect).set(reference);
  f.f64x2(0).set(total);
  f.get(p.nearMask).f64x2(-0).simd(SimdOp.v128And).tee(sum0).set(sum1);
  i64x2Constant(f, -1n);
  f.set(inRange);
  f.get(k.scratch).set(sp).get(k.components).set(left);
  f.op(Op.loop, VOID_BLOCK);
  f.get(sp).simdMemory(SimdOp.v128Load, 4, 0).get(reference).simd(SimdOp.f64x2Sub).set(argument);
  f.get(inRange).get(argument).f64x2(FAST_EXP_RANGE[0]).simd(SimdOp.f64x2Ge).simd(SimdOp.v128And);
  f.get(argument).f64x2(FAST_EXP_RANGE[1]).simd(SimdOp.f64x2Le).simd(SimdOp.v128And).set(inRange);
  pushExpInRange(f, argument, k.exp);
  f.set(weight);
  const scoreAt = (offset: number) => () => f.get(sp).simdMemory(SimdOp.v128Load, 4, offset);
  accumulate(f, total, sum0, sum1, weight, scoreAt(16), scoreAt(32));
  f.addTo(sp, COMPONENT_SCRATCH_BYTES);
  f.get(left).i32(1).op(Op.i32Sub).tee(left).op(Op.brIf, 0);
  f.op(Op.end);
  storeMeans(f, p.out, sum0, sum1, total);
  f.get(inRange).simd(SimdOp.i64x2AllTrue).op(Op.i32Eqz).op(Op.if, VOID_BLOCK);
  p.appendFar();
  f.op(Op.end);
}

/** `total += w`, `sum0 += w·s0`, `sum1 += w·s1`, with `pushScore0`/`pushScore1` pushing the component's score. */
function accumulate(
  f: FunctionBuilder, total: number, sum0: number, sum1: number, weight: number, pushScore0: () => void, pushScore1: () => void,
): void {
  f.get(total).get(weight).simd(SimdOp.f64x2Add).set(total);
  f.get(sum0).get(weight);
  pushScore0();
  f.simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(sum0);
  f.get(sum1).get(weight);
  pushScore1();
  f.simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(sum1);
}

/** Stores `(sum0/total, sum1/total)` per lane at `out` (sums overwritten). */
function storeMeans(f: FunctionBuilder, out: number, sum0: number, sum1: number, total: number): void {
  f.get(sum0).get(total).simd(SimdOp.f64x2Div).set(sum0);
  f.get(sum1).get(total).simd(SimdOp.f64x2Div).set(sum1);
  storePairOfPoints(f, out, sum0, sum1);
}

/** `fastExp`'s fast domain `[FAST_EXP_MIN, FAST_EXP_MAX]` (outside it, the scalar kernels call the portable exp). */
export const FAST_EXP_RANGE: readonly [number, number] = [-708, 709];

/** The mixture module: its kernels over one memory of `memoryPages` 64 KiB pages. */
export function mixtureModuleDescription(memoryPages: number): ModuleDescription {
  return {
    memoryPages,
    functions: [
      { name: 'cld_shared_2d', builder: cldShared2dKernel() },
      { name: 'cld_isotropic_2d', builder: cldComponents2dKernel('isotropic') },
      { name: 'cld_full_2d', builder: cldComponents2dKernel('full') },
    ],
  };
}

export function mixtureModuleBytes(memoryPages: number): Uint8Array {
  return encodeModule(mixtureModuleDescription(memoryPages));
}
