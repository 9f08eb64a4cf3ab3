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
import { F64, FunctionBuilder, I32, Op, SimdOp, V128, VOID_BLOCK, encodeModule, type ModuleDescription } from './encoder.js';

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

/** Locals and parameters shared by the pair loop of every kernel. */
interface PairLoop {
  readonly x: number;
  readonly v: number;
  readonly out: number;
  readonly x0: number;
  readonly x1: number;
  readonly v0: number;
  readonly v1: number;
}

/**
 * The loop over particle pairs shared by the kernels: parameters 0–4 are `pairs` (≥ 0), byte addresses `x`, `v`,
 * `out` (each `pairs·32` bytes, two interleaved 2-vectors per pair) and `far` (the far list, i32 pair indices);
 * `near` is the f64 parameter holding the near region's squared radius. For each pair, loads x0, x1, v0, v1 (lane =
 * particle); when `|x|² + |v|² ≤ near` fails in either lane (NaN fails), appends the pair index to the far list,
 * else emits `body`, which must store the pair's output at `out`. Leaves the far count on the stack (the result).
 */
function pairLoop(f: FunctionBuilder, near: number, body: (loop: PairLoop) => void): void {
  const [pairs, x, v, out, far] = [0, 1, 2, 3, 4];
  const [pair, farCount] = [f.local(I32), f.local(I32)];
  const [x0, x1, v0, v1, a, b, nearVector] = Array.from({ length: 7 }, () => f.local(V128));
  f.get(near).simd(SimdOp.f64x2Splat).set(nearVector);
  f.op(Op.block, VOID_BLOCK);
  f.get(pairs).op(Op.i32Eqz).op(Op.brIf, 0);
  f.op(Op.loop, VOID_BLOCK);
  f.op(Op.block, VOID_BLOCK); // the pair; `br 1` from the far branch's `if` leaves it
  loadPairOfPoints(f, x, x0, x1, [a, b]);
  loadPairOfPoints(f, v, v0, v1, [a, b]);
  // x0·x0 + x1·x1 + v0·v0 + v1·v1 <= near, left to right as the scalar kernels.
  pushDot2(f, x0, x0, x1, x1);
  f.get(v0).get(v0).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).get(v1).get(v1).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add);
  f.get(nearVector).simd(SimdOp.f64x2Le).simd(SimdOp.i64x2AllTrue).op(Op.i32Eqz).op(Op.if, VOID_BLOCK);
  f.get(farCount).i32(2).op(Op.i32Shl).get(far).op(Op.i32Add).get(pair).op(Op.i32Store, 2, 0);
  f.addTo(farCount, 1).op(Op.br, 1);
  f.op(Op.end);
  body({ x, v, out, x0, x1, v0, v1 });
  f.op(Op.end);
  f.addTo(x, 32).addTo(v, 32).addTo(out, 32).addTo(pair, 1);
  f.get(pair).get(pairs).op(Op.i32LtU).op(Op.brIf, 0);
  f.op(Op.end);
  f.op(Op.end);
  f.get(farCount);
}

/**
 * `cldMixtureKernel2dShared`'s near path (the affine-logit kernel: ring and grid presets). Parameters: `pairs, x, v,
 * out, far` (see `pairLoop`), `components` (≥ 1), `table` (byte address of the K rows `[α_k, m_k0, m_k1]`), then the
 * f64s `near, Λxv, Λvv, κˣ, κᵛ`. Per particle: `w = κˣx + κᵛv`, reference `l_0 = α_0 + m_0·w`, weights
 * `e^{α_k − l_0 + m_k·w}`, and `out = κᵛ·(Σ_k e_k m_k / Σ_k e_k) − Λxv·x − Λvv·v`.
 */
export function cldShared2dKernel(): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64], [I32]);
  const [components, table, near] = [5, 6, 7];
  const coefficients = [8, 9, 10, 11].map(() => f.local(V128));
  const [pxv, pvv, kx, kv] = coefficients;
  coefficients.forEach((local, i) => f.get(8 + i).simd(SimdOp.f64x2Splat).set(local));
  const [m00, m01, w0, w1, reference, total, sum0, sum1, c0, c1, logit, weight] = Array.from({ length: 12 }, () => f.local(V128));
  const [row, left] = [f.local(I32), f.local(I32)];
  const exp = expLocals(f);
  pushSplat(f, table, 8);
  f.set(m00);
  pushSplat(f, table, 16);
  f.set(m01);
  pairLoop(f, near, ({ out, x0, x1, v0, v1 }) => {
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

/** The mixture module: its kernels over one memory of `memoryPages` 64 KiB pages. */
export function mixtureModuleDescription(memoryPages: number): ModuleDescription {
  return { memoryPages, functions: [{ name: 'cld_shared_2d', builder: cldShared2dKernel() }] };
}

export function mixtureModuleBytes(memoryPages: number): Uint8Array {
  return encodeModule(mixtureModuleDescription(memoryPages));
}
