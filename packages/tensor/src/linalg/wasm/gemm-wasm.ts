/**
 * The WebAssembly SIMD GEMM driver: Goto/BLIS blocking in TypeScript, the `MR × NR` register
 * tiles in WebAssembly (`gemm-module.ts`).
 *
 * For each `KC × NC` block of op(B) and `MC × KC` block of op(A), TypeScript packs both into
 * the module's memory (through typed-array views; packing absorbs transposes, strides and
 * float32 → float64 conversion, and zero-pads to whole tiles), copies the matching block of C
 * in (unless it is to be overwritten), calls the macro-kernel once, and copies C back. The
 * module's memory has a fixed size computed from the block sizes, so it never grows in
 * practice; views are still re-created whenever `memory.buffer` changes, so a grow cannot
 * leave them detached.
 *
 * Which kernel runs: when A, B and C are all Float32Array, the f32x4 kernel (products and
 * sums in float32, as BLAS sgemm); otherwise the f64x2 kernel (a float32 operand is widened
 * when packed and a float32 C rounded once per depth block), bit-identical to the scalar one.
 * @packageDocumentation
 */
import { EXP2_FRACTION_TABLE } from '../../math/kernel-exp.js';
import type { FloatArray } from '../../tensor.js';
import { cachedSubarray } from './cached-subarray.js';
import type { MatrixOperand } from '../gemm-kernel.js';
import {
  F32_TILE, F64_TILE, elementBytes, gemmModuleBytes, lanes, packKernelName, relaxedSimdProbeBytes, type KernelPrecision, type TileShape,
} from './gemm-module.js';

/** Block sizes (elements). KC equals the scalar kernel's, which keeps the f64 results bit-identical. */
export const WASM_GEMM_MC = 128;
export const WASM_GEMM_KC = 256;
export const WASM_GEMM_NC = 512;

/** `rows, pairs, pitchBytes, c, post, sigmoid, bias, table` (see `activation-module.ts`). */
type BiasSiluKernel = (rows: number, pairs: number, pitchBytes: number, c: number, post: number, sigmoid: number, bias: number, table: number) => void;

type MacroKernel = (
  mTiles: number, nTiles: number, kc: number, alpha: number,
  a: number, b: number, c: number, ldcBytes: number, overwrite: number,
) => void;

interface KernelLayout {
  readonly run: MacroKernel;
  readonly mr: number;
  readonly nr: number;
  /** The bias + SiLU epilogues for C blocks of this precision: without and with σ(z). */
  readonly biasSilu: BiasSiluKernel;
  readonly biasSiluSigmoid: BiasSiluKernel;
}

/** `src, lineStrideBytes, depthStrideBytes, panels, depth, dst` (see `pack-module.ts`). */
type PackKernel = (src: number, lineStrideBytes: number, depthStrideBytes: number, panels: number, depth: number, dst: number) => void;

/** A compiled GEMM module, its memory and the regions the driver packs into (byte addresses). */
export interface WasmGemmInstance {
  readonly memory: WasmMemory;
  readonly f64: KernelLayout;
  readonly f32: KernelLayout;
  readonly aAddress: number;
  readonly bAddress: number;
  readonly cAddress: number;
  /** The epilogues' outputs (each the size of the C block), their float64 bias row and the `2^{j/256}` table. */
  readonly postAddress: number;
  readonly sigmoidAddress: number;
  readonly biasAddress: number;
  readonly tableAddress: number;
  /** Where a block of op(A) or op(B) is staged for the packing kernels, and its size. */
  readonly stageAddress: number;
  readonly stageBytes: number;
  /** The packing kernels, at `packerIndex(elementBytes, width, adjacent)`. */
  readonly packers: readonly (PackKernel | undefined)[];
  buffer: ArrayBuffer | undefined;
  view64: Float64Array;
  view32: Float32Array;
}

/**
 * The slice of the WebAssembly JS API used here, typed locally: the package compiles against
 * ES2022 alone (no DOM lib), and runs in Node and browsers alike.
 */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/** The runtime's WebAssembly object, or undefined where there is none. */
function webAssembly(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

const roundUp = (x: number, step: number): number => Math.ceil(x / step) * step;
const PAGE = 65536;

/** Compiles and instantiates the module synchronously (a few KiB, so browsers allow it on the main thread). */
export function createWasmGemm(f64Tile: TileShape = F64_TILE, f32Tile: TileShape = F32_TILE): WasmGemmInstance {
  const maxRows = Math.max(f64Tile.rows, f32Tile.rows);
  const maxCols = Math.max(f64Tile.vectors * lanes('f64'), f32Tile.vectors * lanes('f32'));
  const rows = roundUp(WASM_GEMM_MC, maxRows);
  const cols = roundUp(WASM_GEMM_NC, maxCols);
  const aBytes = rows * WASM_GEMM_KC * 8;
  const bBytes = WASM_GEMM_KC * cols * 8;
  const cBytes = rows * cols * 8;
  const biasBytes = cols * 8;
  const tableBytes = EXP2_FRACTION_TABLE.length * 8;
  const stageBytes = 2 * Math.max(aBytes, bBytes); // a staged run may span up to twice its block (see stagePanels)
  const pages = Math.ceil((aBytes + bBytes + 3 * cBytes + biasBytes + tableBytes + stageBytes) / PAGE);
  const api = webAssembly();
  if (!api) throw new Error('createWasmGemm: this runtime has no WebAssembly');
  const instance = new api.Instance(new api.Module(gemmModuleBytes(pages, f64Tile, f32Tile)), {});
  const exports = instance.exports as unknown as {
    memory: WasmMemory; gemm_f64: MacroKernel; gemm_f32: MacroKernel;
    bias_silu_f64: BiasSiluKernel; bias_silu_f32: BiasSiluKernel; bias_silu_sigmoid_f64: BiasSiluKernel; bias_silu_sigmoid_f32: BiasSiluKernel;
  };
  const cAddress = aBytes + bBytes;
  const w: WasmGemmInstance = {
    memory: exports.memory,
    f64: { run: exports.gemm_f64, mr: f64Tile.rows, nr: f64Tile.vectors * lanes('f64'), biasSilu: exports.bias_silu_f64, biasSiluSigmoid: exports.bias_silu_sigmoid_f64 },
    f32: { run: exports.gemm_f32, mr: f32Tile.rows, nr: f32Tile.vectors * lanes('f32'), biasSilu: exports.bias_silu_f32, biasSiluSigmoid: exports.bias_silu_sigmoid_f32 },
    aAddress: 0,
    bAddress: aBytes,
    cAddress,
    postAddress: cAddress + cBytes,
    sigmoidAddress: cAddress + 2 * cBytes,
    biasAddress: cAddress + 3 * cBytes,
    tableAddress: cAddress + 3 * cBytes + biasBytes,
    stageAddress: cAddress + 3 * cBytes + biasBytes + tableBytes,
    stageBytes,
    packers: packersByIndex(instance.exports),
    buffer: undefined,
    view64: new Float64Array(0),
    view32: new Float32Array(0),
  };
  refreshViews(w);
  w.view64.set(EXP2_FRACTION_TABLE, w.tableAddress / 8);
  return w;
}

/** Re-creates the typed-array views when the memory's buffer changed (first use, or after a grow). */
function refreshViews(w: WasmGemmInstance): void {
  const buffer = w.memory.buffer;
  if (w.buffer === buffer) return;
  w.buffer = buffer;
  w.view64 = new Float64Array(buffer);
  w.view32 = new Float32Array(buffer);
}

/** True when this runtime validates the GEMM module (WebAssembly with fixed-width SIMD). */
export function wasmSimdSupported(): boolean {
  try {
    return webAssembly()?.validate(gemmModuleBytes(1)) === true;
  } catch {
    return false;
  }
}

/** True when relaxed SIMD (fused multiply-add) validates; probed for the record only, never used. */
export function wasmRelaxedSimdSupported(): boolean {
  try {
    return webAssembly()?.validate(relaxedSimdProbeBytes()) === true;
  } catch {
    return false;
  }
}

/**
 * `C ← C + α·op(A)·op(B)`, or `C ← α·op(A)·op(B)` when `overwrite` (C is then never read), for
 * an `m × k` operand A, a `k × n` operand B and row-major C (`ldc`, from `cOffset`). m, n, k ≥ 1.
 */
export function wasmGemm(
  w: WasmGemmInstance, m: number, n: number, k: number, alpha: number,
  a: MatrixOperand, b: MatrixOperand, c: FloatArray, cOffset: number, ldc: number, overwrite: boolean,
): void {
  refreshViews(w);
  const precision: KernelPrecision = a.data instanceof Float32Array && b.data instanceof Float32Array && c instanceof Float32Array ? 'f32' : 'f64';
  const kernel = precision === 'f64' ? w.f64 : w.f32;
  const view = precision === 'f64' ? w.view64 : w.view32;
  const es = elementBytes(precision);
  const aStart = w.aAddress / es;
  const bStart = w.bAddress / es;
  const cStart = w.cAddress / es;
  for (let jc = 0; jc < n; jc += WASM_GEMM_NC) {
    const nc = Math.min(WASM_GEMM_NC, n - jc);
    const ncPad = roundUp(nc, kernel.nr);
    for (let pc = 0; pc < k; pc += WASM_GEMM_KC) {
      const kc = Math.min(WASM_GEMM_KC, k - pc);
      packPanels(w, b.data, b.offset + pc * b.rowStride + jc * b.colStride, b.colStride, b.rowStride, nc, kc, kernel.nr, view, bStart);
      const overwriteBlock = overwrite && pc === 0;
      for (let ic = 0; ic < m; ic += WASM_GEMM_MC) {
        const mc = Math.min(WASM_GEMM_MC, m - ic);
        packPanels(w, a.data, a.offset + ic * a.rowStride + pc * a.colStride, a.rowStride, a.colStride, mc, kc, kernel.mr, view, aStart);
        const cBlock = cOffset + ic * ldc + jc;
        if (!overwriteBlock) copyBlockIn(c, cBlock, ldc, mc, nc, view, cStart, ncPad);
        kernel.run(Math.ceil(mc / kernel.mr), ncPad / kernel.nr, kc, alpha,
          w.aAddress, w.bAddress, w.cAddress, ncPad * es, overwriteBlock ? 1 : 0);
        copyBlockOut(view, cStart, ncPad, mc, nc, c, cBlock, ldc);
      }
    }
  }
}

/**
 * `C ← C + Σ_b α·op(A)[:, block b]·op(B)[block b, :]` over consecutive depth blocks of `depthBlock`
 * (≤ KC) rows, in block order: each block's products are summed from zero in depth order, then
 * added to C, so the result is bit-identical to computing each block's product into a zeroed
 * matrix and adding those left to right. With `groupBlocks`, the blocks come in groups of that
 * many: the first group's are added into C one by one as above, each later group's are summed
 * apart (from zero, in block order) and the group's sum is then added into C. Each C block is
 * copied into the module once for all depth blocks (loop order jc, ic, pc), which is what makes
 * the many short blocks cheap; a later group is summed in the module's second C region.
 */
export function wasmGemmDepthBlocks(
  w: WasmGemmInstance, m: number, n: number, k: number, depthBlock: number, alpha: number,
  a: MatrixOperand, b: MatrixOperand, c: FloatArray, cOffset: number, ldc: number, groupBlocks = Infinity,
): void {
  refreshViews(w);
  const precision: KernelPrecision = a.data instanceof Float32Array && b.data instanceof Float32Array && c instanceof Float32Array ? 'f32' : 'f64';
  const kernel = precision === 'f64' ? w.f64 : w.f32;
  const view = precision === 'f64' ? w.view64 : w.view32;
  const es = elementBytes(precision);
  const aStart = w.aAddress / es;
  const bStart = w.bAddress / es;
  const cStart = w.cAddress / es;
  const groupStart = w.postAddress / es; // the later groups' running sum (the epilogues' region, unused here)
  for (let jc = 0; jc < n; jc += WASM_GEMM_NC) {
    const nc = Math.min(WASM_GEMM_NC, n - jc);
    const ncPad = roundUp(nc, kernel.nr);
    for (let ic = 0; ic < m; ic += WASM_GEMM_MC) {
      const mc = Math.min(WASM_GEMM_MC, m - ic);
      const cBlock = cOffset + ic * ldc + jc;
      copyBlockIn(c, cBlock, ldc, mc, nc, view, cStart, ncPad);
      for (let pc = 0, block = 0; pc < k; pc += depthBlock, block++) {
        const kc = Math.min(depthBlock, k - pc);
        const later = block >= groupBlocks;
        const opensGroup = later && block % groupBlocks === 0;
        if (opensGroup) {
          if (block > groupBlocks) addBlockInto(view, groupStart, cStart, ncPad, mc, nc);
          view.fill(0, groupStart, groupStart + mc * ncPad);
        }
        packPanels(w, b.data, b.offset + pc * b.rowStride + jc * b.colStride, b.colStride, b.rowStride, nc, kc, kernel.nr, view, bStart);
        packPanels(w, a.data, a.offset + ic * a.rowStride + pc * a.colStride, a.rowStride, a.colStride, mc, kc, kernel.mr, view, aStart);
        kernel.run(Math.ceil(mc / kernel.mr), ncPad / kernel.nr, kc, alpha, w.aAddress, w.bAddress,
          later ? w.postAddress : w.cAddress, ncPad * es, 0);
      }
      if (k > groupBlocks * depthBlock) addBlockInto(view, groupStart, cStart, ncPad, mc, nc);
      copyBlockOut(view, cStart, ncPad, mc, nc, c, cBlock, ldc);
    }
  }
}

/** `C += G` over an `rows × cols` block of pitch `pitch`, both in the module's memory. */
function addBlockInto(view: FloatArray, groupStart: number, cStart: number, pitch: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const g = groupStart + r * pitch;
    const c = cStart + r * pitch;
    for (let j = 0; j < cols; j++) view[c + j] += view[g + j]!;
  }
}

/**
 * A hidden layer in one pass over each C block: `pre = op(A)·op(B) + bias` (bias from
 * `bias[biasOffset]`, one per column), `post = silu(pre)` and, when `sigmoid` is given, `σ(pre)`,
 * for row-major `m × n` outputs (leading dimension n); without `sigmoid` (inference) `pre` is not
 * written. The GEMM overwrites C in the module's
 * memory, the epilogue runs on it there, and the outputs are copied out once. Needs n ≤ NC and
 * k ≤ KC (one block of op(B)), m, n, k ≥ 1.
 */
export function wasmGemmBiasSilu(
  w: WasmGemmInstance, m: number, n: number, k: number, a: MatrixOperand, b: MatrixOperand,
  bias: FloatArray, biasOffset: number, pre: FloatArray, post: FloatArray, sigmoid: FloatArray | undefined,
): void {
  refreshViews(w);
  const precision: KernelPrecision = a.data instanceof Float32Array && b.data instanceof Float32Array && pre instanceof Float32Array ? 'f32' : 'f64';
  const kernel = precision === 'f64' ? w.f64 : w.f32;
  const view = precision === 'f64' ? w.view64 : w.view32;
  const es = elementBytes(precision);
  const ncPad = roundUp(n, kernel.nr);
  // The bias row in the epilogue's precision (a float32 epilogue adds the bias rounded to float32).
  const biasStart = w.biasAddress / es;
  for (let j = 0; j < ncPad; j++) view[biasStart + j] = j < n ? bias[biasOffset + j]! : 0;
  packPanels(w, b.data, b.offset, b.colStride, b.rowStride, n, k, kernel.nr, view, w.bAddress / es);
  const epilogue = sigmoid ? kernel.biasSiluSigmoid : kernel.biasSilu;
  for (let ic = 0; ic < m; ic += WASM_GEMM_MC) {
    const mc = Math.min(WASM_GEMM_MC, m - ic);
    packPanels(w, a.data, a.offset + ic * a.rowStride, a.rowStride, a.colStride, mc, k, kernel.mr, view, w.aAddress / es);
    kernel.run(Math.ceil(mc / kernel.mr), ncPad / kernel.nr, k, 1, w.aAddress, w.bAddress, w.cAddress, ncPad * es, 1);
    epilogue(mc, ncPad / lanes(precision), ncPad * es, w.cAddress, w.postAddress, w.sigmoidAddress, w.biasAddress, w.tableAddress);
    copyBlockOut(view, w.postAddress / es, ncPad, mc, n, post, ic * n, n);
    if (!sigmoid) continue;
    copyBlockOut(view, w.cAddress / es, ncPad, mc, n, pre, ic * n, n);
    copyBlockOut(view, w.sigmoidAddress / es, ncPad, mc, n, sigmoid, ic * n, n);
  }
}

/**
 * Packs an `extent × depth` block starting at `base` into micro-panels of `width` lines at
 * `out[start…]`: panel q holds lines `q·width …` as `panel[p·width + i]`, zero-padded past `extent`.
 * The whole panels go through the module's packing kernels when the block can be staged (`stagePanels`),
 * the rest (and every panel otherwise) through the TypeScript loops.
 */
function packPanels(
  w: WasmGemmInstance, data: FloatArray, base: number, lineStride: number, depthStride: number,
  extent: number, depth: number, width: number, out: FloatArray, start: number,
): void {
  const whole = Math.floor(extent / width) * width;
  if (whole > 0 && stagePanels(w, data, base, lineStride, depthStride, whole, depth, width, out, start)) {
    if (whole < extent) {
      packPanelsInTypeScript(data, base + whole * lineStride, lineStride, depthStride, extent - whole, depth, width, out, start + whole * depth);
    }
    return;
  }
  packPanelsInTypeScript(data, base, lineStride, depthStride, extent, depth, width, out, start);
}

/**
 * Packs `lines` (a multiple of `width`) whole lines in the module: copies the run of `data` that holds them into
 * the stage with one `TypedArray.set` (a memcpy, or the widening of a float32 operand for the f64 kernel), then
 * runs the packing kernel over it. Declines (returns false) when that run is more than twice the block (lines far
 * apart, e.g. a few columns of a wide matrix) or does not fit the stage, or the strides are not positive.
 */
function stagePanels(
  w: WasmGemmInstance, data: FloatArray, base: number, lineStride: number, depthStride: number,
  lines: number, depth: number, width: number, out: FloatArray, start: number,
): boolean {
  if (lineStride <= 0 || depthStride <= 0) return false;
  const run = (lines - 1) * lineStride + (depth - 1) * depthStride + 1;
  const es = out.BYTES_PER_ELEMENT;
  if (run > 2 * lines * depth || run * es > w.stageBytes) return false;
  const adjacent = lineStride === 1 && (width * es) % 16 === 0;
  const pack = w.packers[packerIndex(es, width, adjacent)];
  if (!pack) return false;
  out.set(cachedSubarray(data, base, run), w.stageAddress / es);
  pack(w.stageAddress, lineStride * es, depthStride * es, lines / width, depth, start * es);
  return true;
}

/** Where the packing kernel for these panels sits in `packers` (an integer, so finding it allocates nothing). */
function packerIndex(elementBytes: number, width: number, adjacent: boolean): number {
  return (width * 2 + (adjacent ? 1 : 0)) * 16 + elementBytes;
}

function packersByIndex(exports: Record<string, unknown>): (PackKernel | undefined)[] {
  const packers: (PackKernel | undefined)[] = [];
  for (const bytes of [4, 8])
    for (let width = 1; width <= 16; width++)
      for (const adjacent of [false, true]) {
        const kernel = exports[packKernelName(bytes, width, adjacent)];
        if (kernel) packers[packerIndex(bytes, width, adjacent)] = kernel as PackKernel;
      }
  return packers;
}

/** `packPanels` in TypeScript: the fallback, and the tail panel of a staged block. */
function packPanelsInTypeScript(
  data: FloatArray, base: number, lineStride: number, depthStride: number,
  extent: number, depth: number, width: number, out: FloatArray, start: number,
): void {
  let dst = start;
  let line = 0;
  // Whole panels of 4 lines (A's panels; B's 4-wide f64 panels and 8-wide f32 ones as two halves) with the
  // element loop unrolled: the generic loop below is about twice as slow per element.
  if (width === 4 || width === 8) {
    const l1 = lineStride, l2 = 2 * lineStride, l3 = 3 * lineStride;
    for (; line + width <= extent; line += width) {
      let src = base + line * lineStride;
      if (width === 4) {
        for (let p = 0; p < depth; p++, src += depthStride, dst += 4) {
          out[dst] = data[src]!; out[dst + 1] = data[src + l1]!; out[dst + 2] = data[src + l2]!; out[dst + 3] = data[src + l3]!;
        }
      } else {
        const l4 = 4 * lineStride;
        for (let p = 0; p < depth; p++, src += depthStride, dst += 8) {
          out[dst] = data[src]!; out[dst + 1] = data[src + l1]!; out[dst + 2] = data[src + l2]!; out[dst + 3] = data[src + l3]!;
          const s4 = src + l4;
          out[dst + 4] = data[s4]!; out[dst + 5] = data[s4 + l1]!; out[dst + 6] = data[s4 + l2]!; out[dst + 7] = data[s4 + l3]!;
        }
      }
    }
  }
  for (; line < extent; line += width) {
    const linesHere = Math.min(width, extent - line);
    let src = base + line * lineStride;
    for (let p = 0; p < depth; p++, src += depthStride) {
      let i = 0;
      for (; i < linesHere; i++) out[dst++] = data[src + i * lineStride]!;
      for (; i < width; i++) out[dst++] = 0;
    }
  }
}

/**
 * Copies a C block into the module (`pitch` ≥ cols). When both sides are one contiguous run (the MLP's widths are
 * multiples of the tile width, so C's rows are back to back on both sides), one `TypedArray.set`, a memcpy (or a
 * conversion with the same rounding as element stores), instead of an element loop.
 */
function copyBlockIn(
  c: FloatArray, cBlock: number, ldc: number, rows: number, cols: number, view: FloatArray, start: number, pitch: number,
): void {
  if (pitch === cols && ldc === cols) {
    view.set(cachedSubarray(c, cBlock, rows * cols), start);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const src = cBlock + r * ldc;
    const dst = start + r * pitch;
    for (let j = 0; j < cols; j++) view[dst + j] = c[src + j]!;
  }
}

/** Copies a C block out of the module; one `TypedArray.set` when both sides are contiguous (see `copyBlockIn`). */
function copyBlockOut(
  view: FloatArray, start: number, pitch: number, rows: number, cols: number, c: FloatArray, cBlock: number, ldc: number,
): void {
  if (pitch === cols && ldc === cols) {
    c.set(cachedSubarray(view, start, rows * cols), cBlock);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const src = start + r * pitch;
    const dst = cBlock + r * ldc;
    for (let j = 0; j < cols; j++) c[dst + j] = view[src + j]!;
  }
}
