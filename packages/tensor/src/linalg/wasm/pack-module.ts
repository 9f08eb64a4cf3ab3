/**
 * Emits the packing kernels of the WebAssembly GEMM: they copy a block of op(A) or op(B), already
 * staged in the module's memory, into the micro-panels the macro-kernels read (`gemm-module.ts`).
 * The driver (`gemm-wasm.ts`) stages a block with one `TypedArray.set` and packs its whole panels
 * here; the copies are of bits (integer loads and stores), so the packed values are exactly the
 * staged ones.
 * @packageDocumentation
 */
import { FunctionBuilder, I32, Op, SimdOp } from './encoder.js';
import { VOID_BLOCK } from './encoder.js';

/**
 * Parameters, in order: byte addresses and strides `src, lineStrideBytes, depthStrideBytes`, then
 * `panels, depth` (both ≥ 1) and `dst`. For panel q, depth p and line i < `width`:
 * `dst[(q·depth + p)·width + i] = src[(q·width + i)·lineStride + p·depthStride]`, elements of
 * `elementBytes` bytes. Lines are read through one cursor each, advanced by the depth stride.
 */
export function packLinesKernel(elementBytes: 4 | 8, width: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32], []);
  const [src, lineStride, depthStride, panels, depth, dst] = [0, 1, 2, 3, 4, 5];
  const lines = Array.from({ length: width }, () => f.local(I32));
  const left = f.local(I32);
  const [load, store, align] = elementBytes === 8 ? [Op.i64Load, Op.i64Store, 3] : [Op.i32Load, Op.i32Store, 2];
  f.op(Op.loop, VOID_BLOCK); // over panels
  lines.forEach((line, i) => (i === 0 ? f.get(src) : f.get(lines[i - 1]!).get(lineStride).op(Op.i32Add)).set(line));
  f.get(depth).set(left);
  f.op(Op.loop, VOID_BLOCK); // over depth: one element of each line
  lines.forEach((line, i) => {
    f.get(dst).get(line).op(load, align, 0).op(store, align, i * elementBytes);
    f.get(line).get(depthStride).op(Op.i32Add).set(line);
  });
  f.addTo(dst, width * elementBytes);
  f.get(left).i32(1).op(Op.i32Sub).tee(left).op(Op.brIf, 0);
  f.op(Op.end);
  f.get(lines[width - 1]!).get(depth).get(depthStride).op(Op.i32Mul).op(Op.i32Sub).get(lineStride).op(Op.i32Add).set(src);
  f.get(panels).i32(1).op(Op.i32Sub).tee(panels).op(Op.brIf, 0);
  f.op(Op.end);
  return f;
}

/**
 * The same copy when the lines of a panel are adjacent elements (`lineStride` = one element): each depth step
 * copies `width` consecutive elements as 16-byte vectors (`width · elementBytes` is a multiple of 16). Parameters
 * as `packLinesKernel` (its `lineStrideBytes` is ignored).
 */
export function packAdjacentLinesKernel(elementBytes: 4 | 8, width: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32], []);
  const [src, , depthStride, panels, depth, dst] = [0, 1, 2, 3, 4, 5];
  const [row, left] = [f.local(I32), f.local(I32)];
  const vectors = (width * elementBytes) / 16;
  f.op(Op.loop, VOID_BLOCK); // over panels
  f.get(src).set(row).get(depth).set(left);
  f.op(Op.loop, VOID_BLOCK); // over depth: the panel's `width` adjacent elements
  for (let v = 0; v < vectors; v++) f.get(dst).get(row).simdMemory(SimdOp.v128Load, 0, 16 * v).simdMemory(SimdOp.v128Store, 0, 16 * v);
  f.addTo(dst, width * elementBytes);
  f.get(row).get(depthStride).op(Op.i32Add).set(row);
  f.get(left).i32(1).op(Op.i32Sub).tee(left).op(Op.brIf, 0);
  f.op(Op.end);
  f.addTo(src, width * elementBytes);
  f.get(panels).i32(1).op(Op.i32Sub).tee(panels).op(Op.brIf, 0);
  f.op(Op.end);
  return f;
}
