/**
 * Emits the WebAssembly SIMD activation kernels that run on a GEMM's C block while it is still in
 * the module's memory: `z = c + bias`, `silu(z) = z·σ(z)` and, for training, `σ(z)`.
 *
 * Each kernel does exactly what the scalar TypeScript kernel (`linalg/silu.ts`) does, bit for bit.
 * float64 storage: f64x2 arithmetic, the exponential `kernelExp` (`math/kernel-exp.ts`) vectorised:
 * clamp, Cody–Waite reduction by ln2/256, degree-4 polynomial, `2^{j/256}` from a table in memory
 * (two scalar loads per vector: wasm SIMD has no gather) and `2^m` built from its exponent bits as
 * two exact powers of two. float32 storage: f32x4 arithmetic, four at a time, the exponential
 * `kernelExpF32` (reduction by ln2, degree-7 polynomial, no table).
 * @packageDocumentation
 */
import { FunctionBuilder, I32, Op, SimdOp, V128, VOID_BLOCK } from './encoder.js';
import {
  KERNEL_EXP_F32_COEFFICIENTS, KERNEL_EXP_F32_INV_LN2, KERNEL_EXP_F32_LN2_HI, KERNEL_EXP_F32_LN2_LO, KERNEL_EXP_F32_MAX, KERNEL_EXP_F32_MIN,
  KERNEL_EXP_F32_ROUND_SHIFTER, KERNEL_EXP_FRACTION_BITS, KERNEL_EXP_INV_LN2_BY_N, KERNEL_EXP_LN2_BY_N_HI, KERNEL_EXP_LN2_BY_N_LO, KERNEL_EXP_MAX, KERNEL_EXP_MIN,
  KERNEL_EXP_ROUND_SHIFTER,
} from '../../math/kernel-exp.js';

/**
 * Parameters, in order: `rows, pairs` (element pairs per row), `pitchBytes` (row pitch of the C,
 * post and sigmoid blocks), byte addresses `c` (read as the GEMM result, overwritten with z), `post`,
 * `sigmoid` (written only by the training variant), `bias` (float64, one per column) and `table`
 * (the 256 doubles `2^{j/256}`).
 */
export function biasSiluKernel(keepSigmoid: boolean): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32], []);
  const table = 7;
  const [z, x, shifted, k, r, den, e, m, half] = Array.from({ length: 9 }, () => f.local(V128));
  forEachVector(f, ({ cp, pp, sp, bp }) => {
    // z = c + bias, stored back over c.
    loadPair(f, cp);
    f.get(bp).simdMemory(SimdOp.v128Load, 3, 0).simd(SimdOp.f64x2Add).set(z);
    storePair(f, cp, z);
    // x = clamp(−z) to [MIN, MAX] with pmax/pmin (`b < a ? b : a`: one instruction each, and NaN stays NaN).
    f.get(z).simd(SimdOp.f64x2Neg).f64x2(KERNEL_EXP_MIN).simd(SimdOp.f64x2Pmax).f64x2(KERNEL_EXP_MAX).simd(SimdOp.f64x2Pmin).set(x);
    // k = round(x·256/ln2) through the shifter; r = x − k·HI − k·LO.
    f.get(x).f64x2(KERNEL_EXP_INV_LN2_BY_N).simd(SimdOp.f64x2Mul).f64x2(KERNEL_EXP_ROUND_SHIFTER).simd(SimdOp.f64x2Add).set(shifted);
    f.get(shifted).f64x2(KERNEL_EXP_ROUND_SHIFTER).simd(SimdOp.f64x2Sub).set(k);
    f.get(x).get(k).f64x2(KERNEL_EXP_LN2_BY_N_HI).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub);
    f.get(k).f64x2(KERNEL_EXP_LN2_BY_N_LO).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sub).set(r);
    // e^r = 1 + r(1 + r(1/2 + r(1/6 + r/24))), innermost first.
    f.get(r).f64x2(1 / 24).simd(SimdOp.f64x2Mul).f64x2(1 / 6).simd(SimdOp.f64x2Add);
    for (const coefficient of [0.5, 1, 1]) f.get(r).simd(SimdOp.f64x2Mul).f64x2(coefficient).simd(SimdOp.f64x2Add);
    f.set(e);
    // m = ⌊k/256⌋ and half = ⌊m/2⌋ in doubles (exact: integers scaled by powers of two), avoiding
    // i64x2.shr_s, which x86 lacks below AVX-512.
    f.get(k).f64x2(1 / (1 << KERNEL_EXP_FRACTION_BITS)).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Floor).set(m);
    f.get(m).f64x2(0.5).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Floor).set(half);
    // e = 2^{j/256}·e^r·2^half·2^{m−half}, multiplied left to right as kernelExp does; 2^p is the bit pattern
    // (p + 1023) << 52, read off the low bits of p + 1023 + 1.5·2^52.
    fractionGather(f, shifted, table);
    f.get(e).simd(SimdOp.f64x2Mul);
    f.get(half).f64x2(1023 + KERNEL_EXP_ROUND_SHIFTER).simd(SimdOp.f64x2Add).i32(52).simd(SimdOp.i64x2Shl).simd(SimdOp.f64x2Mul);
    f.get(m).get(half).simd(SimdOp.f64x2Sub).f64x2(1023 + KERNEL_EXP_ROUND_SHIFTER).simd(SimdOp.f64x2Add).i32(52).simd(SimdOp.i64x2Shl).simd(SimdOp.f64x2Mul);
    // den = 1 + e^{−z}; post = z / den; σ = 1 / den.
    f.f64x2(1).simd(SimdOp.f64x2Add).set(den);
    f.get(z).get(den).simd(SimdOp.f64x2Div).set(x);
    storePair(f, pp, x);
    if (keepSigmoid) {
      f.f64x2(1).get(den).simd(SimdOp.f64x2Div).set(x);
      storePair(f, sp, x);
    }
  });
  return f;
}

/** The cursors of `forEachVector`: byte addresses of the current 16-byte vector of C, post, sigmoid and bias. */
interface VectorCursors {
  readonly cp: number;
  readonly pp: number;
  readonly sp: number;
  readonly bp: number;
}

/**
 * The epilogues' two loops, over the parameters `rows, vectors, pitchBytes, c, post, sigmoid, bias` (locals 0–6):
 * over rows, and within a row over `vectors` 16-byte vectors (two doubles or four floats) of the C, post, sigmoid and
 * bias rows, emitting `body` once for the vector at the cursors.
 */
function forEachVector(f: FunctionBuilder, body: (cursors: VectorCursors) => void): void {
  const [rows, vectors, pitchBytes, c, post, sigmoid, bias] = [0, 1, 2, 3, 4, 5, 6];
  const [cp, pp, sp, bp, left] = Array.from({ length: 5 }, () => f.local(I32));
  f.op(Op.loop, VOID_BLOCK); // over rows
  f.get(c).set(cp).get(post).set(pp).get(sigmoid).set(sp).get(bias).set(bp).get(vectors).set(left);
  f.op(Op.loop, VOID_BLOCK); // over the vectors of a row
  body({ cp, pp, sp, bp });
  f.addTo(cp, 16).addTo(pp, 16).addTo(sp, 16).addTo(bp, 16);
  f.get(left).i32(1).op(Op.i32Sub).tee(left).op(Op.brIf, 0);
  f.op(Op.end);
  f.get(c).get(pitchBytes).op(Op.i32Add).set(c);
  f.get(post).get(pitchBytes).op(Op.i32Add).set(post);
  f.get(sigmoid).get(pitchBytes).op(Op.i32Add).set(sigmoid);
  f.get(rows).i32(1).op(Op.i32Sub).tee(rows).op(Op.brIf, 0);
  f.op(Op.end);
}

/** Pushes the two doubles at `address`. */
function loadPair(f: FunctionBuilder, address: number): void {
  f.get(address).simdMemory(SimdOp.v128Load, 3, 0);
}

/** Stores the f64x2 in `value` at `address`. */
function storePair(f: FunctionBuilder, address: number, value: number): void {
  f.get(address).get(value).simdMemory(SimdOp.v128Store, 3, 0);
}

/**
 * The float32 epilogue, four columns at a time in float32 arithmetic (`biasSiluRows`'s float32 path): the same
 * parameters as `biasSiluKernel` with `pairs` replaced by quads, the bias a float32 row, and no table.
 */
export function biasSiluKernelF32(keepSigmoid: boolean): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32], []);
  const [z, x, k, r, p, ki, half, den] = Array.from({ length: 8 }, () => f.local(V128));
  forEachVector(f, ({ cp, pp, sp, bp }) => {
    // z = c + bias, stored back over c.
    f.get(cp).simdMemory(SimdOp.v128Load, 2, 0).get(bp).simdMemory(SimdOp.v128Load, 2, 0).simd(SimdOp.f32x4Add).set(z);
    f.get(cp).get(z).simdMemory(SimdOp.v128Store, 2, 0);
    // x = clamp(−z) to [MIN, MAX] (pmax/pmin keep NaN); k = round(x/ln2) through the shifter; r = x − k·HI − k·LO.
    f.get(z).simd(SimdOp.f32x4Neg).f32x4(KERNEL_EXP_F32_MIN).simd(SimdOp.f32x4Pmax).f32x4(KERNEL_EXP_F32_MAX).simd(SimdOp.f32x4Pmin).set(x);
    f.get(x).f32x4(KERNEL_EXP_F32_INV_LN2).simd(SimdOp.f32x4Mul).f32x4(KERNEL_EXP_F32_ROUND_SHIFTER).simd(SimdOp.f32x4Add);
    f.f32x4(KERNEL_EXP_F32_ROUND_SHIFTER).simd(SimdOp.f32x4Sub).set(k);
    f.get(x).get(k).f32x4(KERNEL_EXP_F32_LN2_HI).simd(SimdOp.f32x4Mul).simd(SimdOp.f32x4Sub);
    f.get(k).f32x4(KERNEL_EXP_F32_LN2_LO).simd(SimdOp.f32x4Mul).simd(SimdOp.f32x4Sub).set(r);
    // e^r by Horner, highest degree first.
    f.f32x4(KERNEL_EXP_F32_COEFFICIENTS[0]!);
    for (const coefficient of KERNEL_EXP_F32_COEFFICIENTS.slice(1)) f.get(r).simd(SimdOp.f32x4Mul).f32x4(coefficient).simd(SimdOp.f32x4Add);
    f.set(p);
    // 2^k = 2^half·2^{k−half}, half = k >> 1, each the float32 bit pattern (q + 127) << 23.
    f.get(k).simd(SimdOp.i32x4TruncSatF32x4S).set(ki);
    f.get(ki).i32(1).simd(SimdOp.i32x4ShrS).set(half);
    f.get(p);
    f.get(half).i32x4(127).simd(SimdOp.i32x4Add).i32(23).simd(SimdOp.i32x4Shl).simd(SimdOp.f32x4Mul);
    f.get(ki).get(half).simd(SimdOp.i32x4Sub).i32x4(127).simd(SimdOp.i32x4Add).i32(23).simd(SimdOp.i32x4Shl).simd(SimdOp.f32x4Mul);
    // den = 1 + e^{−z}; post = z / den; σ = 1 / den.
    f.f32x4(1).simd(SimdOp.f32x4Add).set(den);
    f.get(pp).get(z).get(den).simd(SimdOp.f32x4Div).simdMemory(SimdOp.v128Store, 2, 0);
    if (keepSigmoid) f.get(sp).f32x4(1).get(den).simd(SimdOp.f32x4Div).simdMemory(SimdOp.v128Store, 2, 0);
  });
  return f;
}

/** Pushes `[table[j0], table[j1]]` where `j` = the low 8 bits of each lane of `shifted`. */
function fractionGather(f: FunctionBuilder, shifted: number, table: number): void {
  const lane = (index: number): void => {
    f.get(shifted).simd(SimdOp.i64x2ExtractLane, index).op(Op.i32WrapI64);
    f.i32((1 << KERNEL_EXP_FRACTION_BITS) - 1).op(Op.i32And).i32(3).op(Op.i32Shl).get(table).op(Op.i32Add);
    f.op(Op.f64Load, 3, 0);
  };
  lane(0);
  f.simd(SimdOp.f64x2Splat);
  lane(1);
  f.simd(SimdOp.f64x2ReplaceLane, 1);
}
