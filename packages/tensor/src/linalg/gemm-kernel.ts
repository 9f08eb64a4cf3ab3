/**
 * Raw blocked GEMM kernel, `C ← C + α·op(A)·op(B)` on plain `(data, offset, stride)`
 * arguments. No validation here: `gemm` in `gemm.ts` checks its arguments first.
 *
 * Layout follows Goto/BLIS: for each `KC × NC` block of op(B) and `MC × KC` block of
 * op(A), both are packed (as doubles) into contiguous micro-panels of `NR` columns and
 * `MR` rows, zero-padded at the edges, so the micro-kernel always runs a full `MR × NR`
 * tile with its accumulators in locals and reads both panels with unit stride.
 * Packing also absorbs transposes and arbitrary strides, and turns float32 inputs
 * into doubles, so products are accumulated in double precision (within each depth block
 * of KC; a float32 C is rounded once per block, i.e. once when k ≤ 256).
 * @packageDocumentation
 */
import { InvalidArgumentError } from '../errors.js';
import type { FloatArray } from '../tensor.js';
import { biasSiluRows } from './silu.js';
import {
  WASM_GEMM_KC, WASM_GEMM_NC, createWasmGemm, wasmGemm, wasmGemmBiasSilu, wasmGemmDepthBlocks, wasmSimdSupported, type WasmGemmInstance,
} from './wasm/gemm-wasm.js';
import { createWasmMixtureKernels, type WasmMixtureKernels } from './wasm/mixture-wasm.js';

/** Rows of the micro-tile (accumulators held in locals). */
export const GEMM_MR = 4;
/** Columns of the micro-tile. */
export const GEMM_NR = 2;
/** Rows of op(A) per packed block: MC × KC doubles (256 KiB) stay in L2. */
export const GEMM_MC = 128;
/** Depth of a packed block. */
export const GEMM_KC = 256;
/** Columns of op(B) per packed block: KC × NC doubles (1 MiB). */
export const GEMM_NC = 512;

// Packing buffers are allocated once per module instance (per thread) and reused:
// gemm calls no user code, so nothing can re-enter while they are in use.
let packedA: Float64Array | undefined;
let packedB: Float64Array | undefined;
const tile = new Float64Array(GEMM_MR * GEMM_NR);

/** A strided matrix operand after folding in its transpose: element (i, p) at `offset + i*rowStride + p*colStride`. */
export interface MatrixOperand {
  readonly data: FloatArray;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * Which GEMM implementation runs: `'wasm'` (WebAssembly SIMD micro-kernels, `wasm/`),
 * `'scalar'` (the TypeScript kernel below, the fallback and the reference), or `'auto'`
 * (wasm where the runtime validates the SIMD module, else scalar).
 */
export type GemmBackend = 'auto' | 'wasm' | 'scalar';

let requestedBackend: GemmBackend = 'auto';
/** The compiled module, `null` when unsupported, `undefined` until first needed. */
let wasmInstance: WasmGemmInstance | null | undefined;

function wasmGemmInstance(): WasmGemmInstance | null {
  if (wasmInstance === undefined) wasmInstance = wasmSimdSupported() ? tryCreateWasmGemm() : null;
  return wasmInstance;
}

/** The module validates, but compiling can still be refused (e.g. a browser page whose CSP forbids wasm): then scalar. */
function tryCreateWasmGemm(): WasmGemmInstance | null {
  try {
    return createWasmGemm();
  } catch {
    return null;
  }
}

/**
 * Chooses the GEMM implementation for this thread (module instance); default `'auto'`. `'scalar'` also turns
 * off the WebAssembly mixture kernels (`wasmMixtureKernels`), whose results are bit-identical to the scalar ones.
 * Both give results within the documented rounding bound of each other; float64 results are
 * bit-identical, float32 ones differ because the wasm f32x4 kernel accumulates in float32.
 * @throws {InvalidArgumentError} for an unknown name, or `'wasm'` where WebAssembly SIMD is unavailable
 */
export function setGemmBackend(backend: GemmBackend): void {
  const fn = 'setGemmBackend';
  if (backend !== 'auto' && backend !== 'wasm' && backend !== 'scalar') {
    throw new InvalidArgumentError(fn, 'backend', backend, "'auto', 'wasm' or 'scalar'");
  }
  if (backend === 'wasm' && wasmGemmInstance() === null) {
    throw new InvalidArgumentError(fn, 'backend', backend, "'auto' or 'scalar' (this runtime does not validate WebAssembly SIMD)");
  }
  requestedBackend = backend;
}

/** The implementation GEMM calls currently run on: `'wasm'` or `'scalar'`. */
export function gemmBackend(): 'wasm' | 'scalar' {
  return activeWasm() ? 'wasm' : 'scalar';
}

/** The SIMD mixture kernels' module, `null` when unsupported, `undefined` until first needed. */
let mixtureInstance: WasmMixtureKernels | null | undefined;

/**
 * The WebAssembly SIMD mixture-softmax kernels for this thread (module instance), or null where WebAssembly SIMD is
 * unavailable or when `setGemmBackend('scalar')` forces the scalar kernels: the score package's mixture kernels run
 * on these when given, and their scalar TypeScript kernels otherwise (the same bits either way).
 */
export function wasmMixtureKernels(): WasmMixtureKernels | null {
  if (requestedBackend === 'scalar') return null;
  if (mixtureInstance === undefined) mixtureInstance = createWasmMixtureKernels();
  return mixtureInstance;
}

function activeWasm(): WasmGemmInstance | null {
  return requestedBackend === 'scalar' ? null : wasmGemmInstance();
}

/**
 * `C[i, j] += α Σ_p A[i, p] B[p, j]` for an `m × k` operand A, a `k × n` operand B and
 * a row-major C with leading dimension `ldc` starting at `cOffset`. β is applied by the caller.
 * Runs on the backend chosen by `setGemmBackend`.
 */
export function gemmAccumulate(
  m: number, n: number, k: number, alpha: number,
  a: MatrixOperand, b: MatrixOperand,
  c: FloatArray, cOffset: number, ldc: number,
): void {
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  const wasm = activeWasm();
  if (wasm) wasmGemm(wasm, m, n, k, alpha, a, b, c, cOffset, ldc, false);
  else scalarGemmAccumulate(m, n, k, alpha, a, b, c, cOffset, ldc);
}

/**
 * `C ← C + Σ_b α·op(A)[:, D_b]·op(B)[D_b, :]` where `D_b` are consecutive depth ranges of
 * `depthBlock` (1 ≤ depthBlock ≤ GEMM_KC) indices, the last shorter, taken in order: each block's
 * product is summed from zero in depth order and then added to C. On the wasm backend, and on
 * the scalar one for float64 C, that is bit-identical to computing every block's product into a
 * zeroed matrix with `gemmAccumulate` and adding those matrices into C left to right (e.g. the
 * gradient of a minibatch as the sum of its micro-shard gradients), at the cost of one product.
 * (The scalar kernel adds a block's float64 sum to a float32 C before rounding, so there float32
 * results can differ from that sum of rounded blocks by an ulp.)
 *
 * `groupBlocks` (default: all blocks in one group) groups the blocks: the first group's are added
 * into C one by one as above; each later group's block matrices are added left to right into a
 * zeroed matrix apart, which is then added into C: `((C + B₀ + … + B_{g−1}) + (B_g + … )) + …`.
 */
export function gemmAccumulateDepthBlocks(
  m: number, n: number, k: number, depthBlock: number, alpha: number,
  a: MatrixOperand, b: MatrixOperand,
  c: FloatArray, cOffset: number, ldc: number, groupBlocks = Infinity,
): void {
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  const wasm = activeWasm();
  if (wasm) {
    wasmGemmDepthBlocks(wasm, m, n, k, depthBlock, alpha, a, b, c, cOffset, ldc, groupBlocks);
    return;
  }
  const groupDepth = groupBlocks * depthBlock;
  scalarDepthBlocks(m, n, Math.min(k, groupDepth), depthBlock, alpha, a, b, 0, c, cOffset, ldc);
  if (k <= groupDepth) return;
  const group = scalarGroupScratch(c, m * n);
  for (let first = groupDepth; first < k; first += groupDepth) {
    group.fill(0, 0, m * n);
    scalarDepthBlocks(m, n, Math.min(groupDepth, k - first), depthBlock, alpha, a, b, first, group, 0, n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) c[cOffset + i * ldc + j] += group[i * n + j]!;
    }
  }
}

/** Depth blocks `[first, first + k)` of op(A)·op(B), each block summed from zero and added into C in order. */
function scalarDepthBlocks(
  m: number, n: number, k: number, depthBlock: number, alpha: number,
  a: MatrixOperand, b: MatrixOperand, first: number, c: FloatArray, cOffset: number, ldc: number,
): void {
  const aBlock = depthBlockA;
  const bBlock = depthBlockB;
  aBlock.data = a.data; aBlock.rowStride = a.rowStride; aBlock.colStride = a.colStride;
  bBlock.data = b.data; bBlock.rowStride = b.rowStride; bBlock.colStride = b.colStride;
  for (let p = first; p < first + k; p += depthBlock) {
    aBlock.offset = a.offset + p * a.colStride;
    bBlock.offset = b.offset + p * b.rowStride;
    scalarGemmAccumulate(m, n, Math.min(depthBlock, first + k - p), alpha, aBlock, bBlock, c, cOffset, ldc);
  }
}

/** Operands rewritten per depth block by the scalar path of `gemmAccumulateDepthBlocks` (no allocation per call). */
const depthBlockA: { data: FloatArray; offset: number; rowStride: number; colStride: number } = { data: new Float64Array(0), offset: 0, rowStride: 0, colStride: 0 };
const depthBlockB: { data: FloatArray; offset: number; rowStride: number; colStride: number } = { data: new Float64Array(0), offset: 0, rowStride: 0, colStride: 0 };

/** A later group's running sum on the scalar path, of C's dtype; grown when needed (so not allocated per call). */
let groupScratch64 = new Float64Array(0);
let groupScratch32 = new Float32Array(0);

function scalarGroupScratch(c: FloatArray, length: number): FloatArray {
  if (c instanceof Float32Array) {
    if (groupScratch32.length < length) groupScratch32 = new Float32Array(length);
    return groupScratch32;
  }
  if (groupScratch64.length < length) groupScratch64 = new Float64Array(length);
  return groupScratch64;
}

/**
 * `C ← α·op(A)·op(B) + β·C` on raw operands (β = 0 never reads C). Row i of the result
 * depends only on row i of op(A), op(B) and row i of C, never on m, so a batch split into
 * chunks of rows gives bit-identical rows.
 */
export function gemmKernel(
  m: number, n: number, k: number, alpha: number,
  a: MatrixOperand, b: MatrixOperand, beta: number,
  c: FloatArray, cOffset: number, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  const wasm = activeWasm();
  if (wasm && beta === 0 && k > 0 && alpha !== 0) {
    wasmGemm(wasm, m, n, k, alpha, a, b, c, cOffset, ldc, true);
    return;
  }
  scaleMatrixRows(m, n, beta, c, cOffset, ldc);
  gemmAccumulate(m, n, k, alpha, a, b, c, cOffset, ldc);
}

/**
 * A dense SiLU layer on raw operands: `pre = op(A)·op(B) + bias` (`bias[biasOffset + j]` added to
 * column j), `post = silu(pre)` and, when `sigmoid` is given, `sigmoid = σ(pre)`, all row-major
 * `m × n` from offset 0 (op(A) is `m × k`, op(B) `k × n`). Without `sigmoid` (inference) only `post`
 * is an output: `pre` is scratch whose contents are unspecified afterwards. On the wasm backend the bias and SiLU run
 * as a SIMD epilogue on each GEMM block while it is in the module's memory (when n ≤ GEMM_NC and
 * k ≤ GEMM_KC); otherwise `gemmKernel` then `biasSiluRows`. Both paths give the same bits (the
 * epilogue is the scalar kernel vectorised, with the same `kernelExp`). `bias` may be float64 for
 * float32 outputs (z is formed in double and rounded once, as the scalar kernel does).
 */
export function gemmBiasSilu(
  m: number, n: number, k: number, a: MatrixOperand, b: MatrixOperand,
  bias: FloatArray, biasOffset: number, pre: FloatArray, post: FloatArray, sigmoid?: FloatArray,
): void {
  if (m === 0 || n === 0) return;
  const wasm = activeWasm();
  if (wasm && k > 0 && k <= WASM_GEMM_KC && n <= WASM_GEMM_NC && epilogueStorageMatches(a, b, pre, post, sigmoid)) {
    wasmGemmBiasSilu(wasm, m, n, k, a, b, bias, biasOffset, pre, post, sigmoid);
    return;
  }
  gemmKernel(m, n, k, 1, a, b, 0, pre, 0, n);
  biasSiluRows(pre, post, sigmoid, m, n, bias, biasOffset);
}

/**
 * The epilogue keeps C in the kernel's precision (float32 only when A, B and the outputs all are), so
 * it gives the scalar path's bits only when every output has that precision.
 */
function epilogueStorageMatches(a: MatrixOperand, b: MatrixOperand, pre: FloatArray, post: FloatArray, sigmoid: FloatArray | undefined): boolean {
  const f32 = pre instanceof Float32Array;
  if (f32 && !(a.data instanceof Float32Array && b.data instanceof Float32Array)) return false;
  return post instanceof Float32Array === f32 && (sigmoid === undefined || sigmoid instanceof Float32Array === f32);
}

/** The scalar TypeScript kernel: the fallback without WebAssembly SIMD, and the reference for the wasm one. */
export function scalarGemmAccumulate(
  m: number, n: number, k: number, alpha: number,
  a: MatrixOperand, b: MatrixOperand,
  c: FloatArray, cOffset: number, ldc: number,
): void {
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  packedA ??= new Float64Array(GEMM_MC * GEMM_KC);
  packedB ??= new Float64Array(GEMM_KC * (GEMM_NC + GEMM_NR));
  const pa = packedA;
  const pb = packedB;
  for (let jc = 0; jc < n; jc += GEMM_NC) {
    const nc = Math.min(GEMM_NC, n - jc);
    for (let pc = 0; pc < k; pc += GEMM_KC) {
      const kc = Math.min(GEMM_KC, k - pc);
      packB(b, pc, jc, kc, nc, pb);
      for (let ic = 0; ic < m; ic += GEMM_MC) {
        const mc = Math.min(GEMM_MC, m - ic);
        packA(a, ic, pc, mc, kc, pa);
        macroKernel(mc, nc, kc, alpha, pa, pb, c, cOffset + ic * ldc + jc, ldc);
      }
    }
  }
}

/**
 * Packs an `extent × depth` block starting at `base` into micro-panels of `width` lines:
 * panel q holds lines `q·width …` as `panel[p·width + i]` for depth index p, zero-padded
 * past `extent`. A is packed along its rows (width MR), B along its columns (width NR).
 */
function packPanels(
  data: FloatArray, base: number, lineStride: number, depthStride: number,
  extent: number, depth: number, width: number, out: Float64Array,
): void {
  let dst = 0;
  for (let line = 0; line < extent; line += width) {
    const linesHere = Math.min(width, extent - line);
    for (let p = 0; p < depth; p++) {
      const src = base + line * lineStride + p * depthStride;
      for (let i = 0; i < width; i++) out[dst++] = i < linesHere ? data[src + i * lineStride]! : 0;
    }
  }
}

/** op(A)[ic:ic+mc, pc:pc+kc] into MR-row micro-panels. */
function packA(a: MatrixOperand, ic: number, pc: number, mc: number, kc: number, out: Float64Array): void {
  packPanels(a.data, a.offset + ic * a.rowStride + pc * a.colStride, a.rowStride, a.colStride, mc, kc, GEMM_MR, out);
}

/** op(B)[pc:pc+kc, jc:jc+nc] into NR-column micro-panels. */
function packB(b: MatrixOperand, pc: number, jc: number, kc: number, nc: number, out: Float64Array): void {
  packPanels(b.data, b.offset + pc * b.rowStride + jc * b.colStride, b.colStride, b.rowStride, nc, kc, GEMM_NR, out);
}

function macroKernel(
  mc: number, nc: number, kc: number, alpha: number,
  pa: Float64Array, pb: Float64Array, c: FloatArray, cOffset: number, ldc: number,
): void {
  for (let jr = 0; jr < nc; jr += GEMM_NR) {
    const cols = Math.min(GEMM_NR, nc - jr);
    const bPanel = jr * kc;
    for (let ir = 0; ir < mc; ir += GEMM_MR) {
      const rowsHere = Math.min(GEMM_MR, mc - ir);
      microKernel4x2(kc, pa, ir * kc, pb, bPanel, tile);
      addTile(c, cOffset + ir * ldc + jr, ldc, rowsHere, cols, alpha, tile);
    }
  }
}

/**
 * The 4×2 micro-kernel: 8 accumulators in locals, one rank-1 update per depth step from 4
 * packed A values and 2 packed B values. V8 keeps all 14 live doubles in registers here;
 * a 4×4 tile (24 live values) spills and measured ~25% slower. It reads and writes only
 * Float64Arrays (the packed panels and `tile`), so it stays monomorphic whatever C's dtype.
 */
function microKernel4x2(kc: number, pa: Float64Array, aStart: number, pb: Float64Array, bStart: number, tile: Float64Array): void {
  let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
  let ai = aStart;
  let bi = bStart;
  for (let p = 0; p < kc; p++, ai += 4, bi += 2) {
    const b0 = pb[bi]!, b1 = pb[bi + 1]!;
    const a0 = pa[ai]!, a1 = pa[ai + 1]!, a2 = pa[ai + 2]!, a3 = pa[ai + 3]!;
    c00 += a0 * b0; c01 += a0 * b1;
    c10 += a1 * b0; c11 += a1 * b1;
    c20 += a2 * b0; c21 += a2 * b1;
    c30 += a3 * b0; c31 += a3 * b1;
  }
  tile[0] = c00; tile[1] = c01; tile[2] = c10; tile[3] = c11;
  tile[4] = c20; tile[5] = c21; tile[6] = c30; tile[7] = c31;
}

/** `C[tile] += α·tile` for the valid `rowsHere × cols` part of a 4×2 tile. */
function addTile(c: FloatArray, cStart: number, ldc: number, rowsHere: number, cols: number, alpha: number, tile: Float64Array): void {
  for (let r = 0; r < rowsHere; r++) {
    const row = cStart + r * ldc;
    c[row] += alpha * tile[2 * r]!;
    if (cols > 1) c[row + 1] += alpha * tile[2 * r + 1]!;
  }
}

/** `C ← β·C` over an `m × n` row-major block; β = 0 writes zeros without reading C (so NaN is overwritten). */
export function scaleMatrixRows(m: number, n: number, beta: number, c: FloatArray, cOffset: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const start = cOffset + i * ldc;
    if (beta === 0) c.fill(0, start, start + n);
    else for (let j = start; j < start + n; j++) c[j] = beta * c[j]!;
  }
}
