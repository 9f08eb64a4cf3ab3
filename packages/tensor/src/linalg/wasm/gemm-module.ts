/**
 * Emits the WebAssembly SIMD GEMM macro-kernels: for one packed `mc × kc` block of op(A)
 * and one packed `kc × nc` block of op(B), `C ← C + α·A·B` (or `C ← α·A·B` when asked to
 * overwrite) over a padded row-major C block, one `MR × NR` register tile at a time.
 *
 * Each tile keeps `MR × V` vector accumulators (V vectors of 2 doubles or 4 floats per row)
 * in locals, which V8's optimising tier keeps in xmm registers: per depth step it loads V
 * vectors of the B panel and, per row, one splat of the A panel, then does V multiplies and
 * V adds. Wasm SIMD (without the relaxed proposal) has no fused multiply-add, so a product
 * is rounded before it is added, exactly as in the scalar kernel, and each entry of C sums
 * its products in depth order: the f64 kernel is bit-identical to the scalar TypeScript one.
 * @packageDocumentation
 */
import { biasSiluKernel, biasSiluKernelF32 } from './activation-module.js';
import { packAdjacentLinesKernel, packLinesKernel } from './pack-module.js';
import { F64, FunctionBuilder, I32, Op, SimdOp, V128, VOID_BLOCK, encodeModule, type ModuleDescription } from './encoder.js';

/** Register tile of a macro-kernel: MR rows by V vectors. */
export interface TileShape {
  readonly rows: number;
  readonly vectors: number;
}

/** The element type a kernel works in. */
export type KernelPrecision = 'f64' | 'f32';

/** Bytes per element and lanes per vector. */
export function elementBytes(precision: KernelPrecision): number {
  return precision === 'f64' ? 8 : 4;
}

export function lanes(precision: KernelPrecision): number {
  return precision === 'f64' ? 2 : 4;
}

/**
 * Parameters, in order: `mTiles, nTiles, kc` (tile counts and depth, all ≥ 1), `alpha` (f64),
 * byte addresses `a, b, c` of the packed A block (MR-row panels, `panel[p·MR + i]`), the
 * packed B block (NR-column panels) and the C block, `ldcBytes` (C's row pitch in bytes, a
 * multiple of 16) and `overwrite` (nonzero: C is written, not read).
 *
 * `fused` (benchmarks only, never used by the GEMM): each update is one relaxed-SIMD multiply-add instead of a
 * mul and an add, so `benchmarks/gemm.bench.mjs` can measure, where the runtime has relaxed SIMD, whether FMA
 * would lift the kernel. Such a module validates only where relaxed SIMD is enabled.
 */
export function macroKernel(precision: KernelPrecision, tile: TileShape, fused = false): FunctionBuilder {
  const es = elementBytes(precision);
  const mr = tile.rows;
  const v = tile.vectors;
  const nr = v * lanes(precision);
  const add = precision === 'f64' ? SimdOp.f64x2Add : SimdOp.f32x4Add;
  const mul = precision === 'f64' ? SimdOp.f64x2Mul : SimdOp.f32x4Mul;
  const madd = precision === 'f64' ? SimdOp.f64x2RelaxedMadd : SimdOp.f32x4RelaxedMadd;
  const splat = precision === 'f64' ? SimdOp.load64Splat : SimdOp.load32Splat;
  const f = new FunctionBuilder([I32, I32, I32, F64, I32, I32, I32, I32, I32], []);
  const [mTiles, nTiles, kc, alpha, a, b, c, ldcBytes, overwrite] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const alphaVector = f.local(V128);
  const [bPanel, cColumn, jLeft, aPanel, cTile, iLeft, ap, bp, p, row, aPanelBytes, bPanelBytes, tileRowBytes] =
    Array.from({ length: 13 }, () => f.local(I32));
  const acc = Array.from({ length: mr * v }, () => f.local(V128));
  const bv = Array.from({ length: v }, () => f.local(V128));
  const av = f.local(V128);

  f.get(alpha);
  if (precision === 'f64') f.simd(SimdOp.f64x2Splat);
  else f.op(Op.f32DemoteF64).simd(SimdOp.f32x4Splat);
  f.set(alphaVector);
  f.get(kc).i32(mr * es).op(Op.i32Mul).set(aPanelBytes);
  f.get(kc).i32(nr * es).op(Op.i32Mul).set(bPanelBytes);
  f.get(ldcBytes).i32(mr).op(Op.i32Mul).set(tileRowBytes);
  f.get(b).set(bPanel).get(c).set(cColumn).get(nTiles).set(jLeft);

  f.op(Op.loop, VOID_BLOCK); // over column panels
  f.get(a).set(aPanel).get(cColumn).set(cTile).get(mTiles).set(iLeft);
  f.op(Op.loop, VOID_BLOCK); // over row panels
  for (const x of acc) f.simd(SimdOp.v128Const, ...new Array(16).fill(0)).set(x);
  f.get(aPanel).set(ap).get(bPanel).set(bp).get(kc).set(p);
  f.op(Op.loop, VOID_BLOCK); // over depth: one rank-1 update of the tile
  bv.forEach((x, j) => f.get(bp).simdMemory(SimdOp.v128Load, 4, 16 * j).set(x));
  for (let i = 0; i < mr; i++) {
    f.get(ap).simdMemory(splat, es === 8 ? 3 : 2, es * i).set(av); // alignment exponent: log2 of the element size
    for (let j = 0; j < v; j++) {
      const x = acc[i * v + j]!;
      if (fused) f.get(av).get(bv[j]!).get(x).simd(madd).set(x);
      else f.get(x).get(av).get(bv[j]!).simd(mul).simd(add).set(x);
    }
  }
  f.addTo(ap, mr * es).addTo(bp, nr * es);
  f.get(p).i32(1).op(Op.i32Sub).tee(p).op(Op.brIf, 0);
  f.op(Op.end);
  writeTile(f, mr, v, { cTile, row, ldcBytes, overwrite, alphaVector, acc, add, mul });
  f.get(aPanel).get(aPanelBytes).op(Op.i32Add).set(aPanel);
  f.get(cTile).get(tileRowBytes).op(Op.i32Add).set(cTile);
  f.get(iLeft).i32(1).op(Op.i32Sub).tee(iLeft).op(Op.brIf, 0);
  f.op(Op.end);
  f.get(bPanel).get(bPanelBytes).op(Op.i32Add).set(bPanel);
  f.addTo(cColumn, nr * es);
  f.get(jLeft).i32(1).op(Op.i32Sub).tee(jLeft).op(Op.brIf, 0);
  f.op(Op.end);
  return f;
}

interface TileLocals {
  cTile: number; row: number; ldcBytes: number; overwrite: number; alphaVector: number;
  acc: number[]; add: number; mul: number;
}

/** `C[tile] = α·acc` (overwrite) or `C[tile] = C[tile] + α·acc`, row by row. */
function writeTile(f: FunctionBuilder, mr: number, v: number, l: TileLocals): void {
  const emitRows = (accumulate: boolean): void => {
    f.get(l.cTile).set(l.row);
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < v; j++) {
        f.get(l.row);
        if (accumulate) f.get(l.row).simdMemory(SimdOp.v128Load, 4, 16 * j);
        f.get(l.alphaVector).get(l.acc[i * v + j]!).simd(l.mul);
        if (accumulate) f.simd(l.add);
        f.simdMemory(SimdOp.v128Store, 4, 16 * j);
      }
      if (i + 1 < mr) f.get(l.row).get(l.ldcBytes).op(Op.i32Add).set(l.row);
    }
  };
  f.get(l.overwrite).op(Op.if, VOID_BLOCK);
  emitRows(false);
  f.op(Op.else);
  emitRows(true);
  f.op(Op.end);
}

/**
 * Tiles of the emitted kernels, chosen by measurement on 256³ (docs/benchmarks.md): 4 rows × 2
 * vectors (8 accumulators + 2 B vectors + 1 A splat = 11 of the 16 xmm registers) beat 6×2,
 * 4×3, 3×4 and 8×1 for both precisions; larger tiles spill.
 */
export const F64_TILE: TileShape = { rows: 4, vectors: 2 };
export const F32_TILE: TileShape = { rows: 4, vectors: 2 };

/** The GEMM module: `gemm_f64`, `gemm_f32` and the bias + SiLU epilogues (`activation-module.ts`) over one memory of `memoryPages` 64 KiB pages. */
export function gemmModuleDescription(memoryPages: number, f64Tile: TileShape = F64_TILE, f32Tile: TileShape = F32_TILE): ModuleDescription {
  return {
    memoryPages,
    functions: [
      { name: 'gemm_f64', builder: macroKernel('f64', f64Tile) },
      { name: 'gemm_f32', builder: macroKernel('f32', f32Tile) },
      { name: 'bias_silu_f64', builder: biasSiluKernel(false) },
      { name: 'bias_silu_f32', builder: biasSiluKernelF32(false) },
      { name: 'bias_silu_sigmoid_f64', builder: biasSiluKernel(true) },
      { name: 'bias_silu_sigmoid_f32', builder: biasSiluKernelF32(true) },
      ...packKernels(f64Tile, f32Tile),
    ],
  };
}

/** The name of the packing kernel for panels of `width` lines of `elementBytes`-byte elements (`adjacent`: lines one element apart). */
export function packKernelName(elementBytes: number, width: number, adjacent: boolean): string {
  return `pack_${adjacent ? 'adjacent' : 'lines'}_${elementBytes}_${width}`;
}

/** Packing kernels for the panel widths of both tiles (A: rows, B: vectors × lanes). */
function packKernels(f64Tile: TileShape, f32Tile: TileShape): { name: string; builder: FunctionBuilder }[] {
  const shapes = new Map<string, [4 | 8, number]>();
  for (const width of [f64Tile.rows, f64Tile.vectors * lanes('f64')]) shapes.set(`8 ${width}`, [8, width]);
  for (const width of [f32Tile.rows, f32Tile.vectors * lanes('f32')]) shapes.set(`4 ${width}`, [4, width]);
  const kernels: { name: string; builder: FunctionBuilder }[] = [];
  for (const [bytes, width] of shapes.values()) {
    kernels.push({ name: packKernelName(bytes, width, false), builder: packLinesKernel(bytes, width) });
    if ((bytes * width) % 16 === 0) kernels.push({ name: packKernelName(bytes, width, true), builder: packAdjacentLinesKernel(bytes, width) });
  }
  return kernels;
}

export function gemmModuleBytes(memoryPages: number, f64Tile?: TileShape, f32Tile?: TileShape): Uint8Array {
  return encodeModule(gemmModuleDescription(memoryPages, f64Tile, f32Tile));
}

/** A one-function module using f64x2 relaxed multiply-add: validates only where relaxed SIMD is enabled. */
export function relaxedSimdProbeBytes(): Uint8Array {
  const f = new FunctionBuilder([], [V128]);
  const zero = new Array(16).fill(0);
  f.simd(SimdOp.v128Const, ...zero).simd(SimdOp.v128Const, ...zero).simd(SimdOp.v128Const, ...zero).simd(SimdOp.f64x2RelaxedMadd);
  return encodeModule({ memoryPages: 0, functions: [{ name: 'probe', builder: f }] });
}
