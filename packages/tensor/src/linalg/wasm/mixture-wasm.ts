/**
 * The driver of the WebAssembly SIMD mixture-softmax kernels (`mixture-module.ts`): stages blocks of particles into
 * the module's memory with `TypedArray.set` on cached views (a memcpy, or the widening of float32 input), runs a
 * kernel over the block, and copies the outputs back the same way (rounded once to a float32 output, as the scalar
 * kernels' element stores round). The pairs the kernel leaves to the caller (a particle outside the near region, or
 * NaN) are collected, as particle indices, in `farParticles`; the caller runs its scalar kernel on those.
 * Nothing is allocated per call once the memory, the far list and the cached views have reached their sizes.
 * @packageDocumentation
 */
import { EXP2_FRACTION_TABLE } from '../../math/kernel-exp.js';
import type { FloatArray } from '../../tensor.js';
import { cachedSubarray } from './cached-subarray.js';
import {
  COMPONENT_ROW_DOUBLES, COMPONENT_SCRATCH_BYTES, EXP_TABLE_ADDRESS, mixtureModuleBytes, type ComponentLayout,
} from './mixture-module.js';

/** Particles per staged block (even): 64 KiB per staged 2-D array, so a block's x, v and output stay in L2. */
export const MIXTURE_WASM_BLOCK = 4096;
export type { ComponentLayout } from './mixture-module.js';

const PAGE = 65536;
const roundUp = (x: number, step: number): number => Math.ceil(x / step) * step;

/** `pairs, x, v, out, far, components, table, params` → far pair count (see `cldShared2dKernel`). */
type Shared2dKernel = (pairs: number, x: number, v: number, out: number, far: number, components: number, table: number, params: number) => number;

/** `pairs, x, v, out, far, components, table, scratch, params` → far pair count (see `cldComponents2dKernel`). */
type Components2dKernel = (
  pairs: number, x: number, v: number, out: number, far: number, components: number, table: number, scratch: number, params: number,
) => number;

interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

/**
 * Layout (byte addresses): the exp table, the kernels' f64 parameters (8 doubles), one block each of x, v and output, the
 * far list, then the component table (and the per-component kernels' scratch).
 */
const PARAMS_ADDRESS = roundUp(EXP_TABLE_ADDRESS + EXP2_FRACTION_TABLE.length * 8, 16);
const X_ADDRESS = PARAMS_ADDRESS + 64;
const BLOCK_BYTES = MIXTURE_WASM_BLOCK * 2 * 8;
const V_ADDRESS = X_ADDRESS + BLOCK_BYTES;
const OUT_ADDRESS = V_ADDRESS + BLOCK_BYTES;
const FAR_ADDRESS = OUT_ADDRESS + BLOCK_BYTES;
const TABLE_ADDRESS = FAR_ADDRESS + (MIXTURE_WASM_BLOCK / 2) * 4;

/** The factors of the affine-logit kernel (the score package's `CLDSharedFactors`). */
export interface SharedFactors2d {
  readonly table: Float64Array;
  readonly coefficients: Float64Array;
  readonly nearRadiusSquared: number;
}

/** The factors of the per-component kernels (the score package's `CLDMixtureFactors`). */
export interface ComponentFactors2d {
  readonly positionCenters: Float64Array;
  readonly velocityCenters: Float64Array;
  readonly precisions: Float64Array;
  readonly logNormalisers: Float64Array;
  readonly nearRadiusSquared: number;
}

/** Which precision entries go into a table row: a triple as is; of a full block of 12, the 9 distinct entries. */
const ISOTROPIC_ENTRIES = [0, 1, 2];
const FULL_ENTRIES = [0, 1, 3, 4, 5, 7, 8, 9, 11];

/**
 * One instance of the mixture module (per thread). Use `wasmMixtureKernels()`, which returns null where WebAssembly
 * SIMD is missing or the GEMM backend is forced to `'scalar'`.
 */
export class WasmMixtureKernels {
  private readonly memory: WasmMemory;
  private readonly shared2d: Shared2dKernel;
  private readonly components2d: Readonly<Record<ComponentLayout, Components2dKernel>>;
  private buffer: ArrayBuffer | undefined;
  private view64 = new Float64Array(0);
  private view32i = new Int32Array(0);
  private far = new Int32Array(64);

  /** Throws where WebAssembly is missing or refuses the module; `wasmMixtureKernels()` checks first. */
  constructor(api: WasmApi) {
    const pages = Math.ceil((TABLE_ADDRESS + 4096) / PAGE);
    const exports = new api.Instance(new api.Module(mixtureModuleBytes(pages)), {}).exports as unknown as {
      memory: WasmMemory; cld_shared_2d: Shared2dKernel; cld_isotropic_2d: Components2dKernel; cld_full_2d: Components2dKernel;
    };
    this.memory = exports.memory;
    this.shared2d = exports.cld_shared_2d;
    this.components2d = { isotropic: exports.cld_isotropic_2d, full: exports.cld_full_2d };
    this.refreshViews();
    this.view64.set(EXP2_FRACTION_TABLE, EXP_TABLE_ADDRESS / 8);
  }

  /** The particles (indices from 0) the last call left to the caller's scalar kernel, in increasing order; `farCount` of them. */
  get farParticles(): Int32Array {
    return this.far;
  }

  /**
   * The near path of the CLD affine-logit kernel for d = 2 (`cldMixtureKernel2dShared` in @sgmkit/score, bit for bit),
   * with that kernel's factors (`CLDSharedFactors`): `table` holds the K rows `[α_k, m_k0, m_k1]`, `coefficients`
   * `[Λxv, Λvv, κˣ, κᵛ]`; particles with `|x|² + |v|² ≤ nearRadiusSquared` get their velocity score in `out`. Returns
   * how many particles were not handled (listed in `farParticles`); their rows of `out` are left for the caller to write.
   * (The factors come as one object, not as numbers: a double passed to a function that is not inlined is boxed.)
   */
  cldShared2d(
    n: number, components: number, factors: SharedFactors2d,
    x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
  ): number {
    this.stageTable(factors.table, components * 3);
    this.view64[PARAMS_ADDRESS / 8] = factors.nearRadiusSquared;
    this.view64.set(factors.coefficients, PARAMS_ADDRESS / 8 + 1);
    let farCount = 0;
    for (let start = 0; start < n; start += MIXTURE_WASM_BLOCK) {
      const count = Math.min(MIXTURE_WASM_BLOCK, n - start);
      const pairs = this.stageIn(x, xOffset + 2 * start, v, vOffset + 2 * start, count);
      const farPairs = this.shared2d(pairs, X_ADDRESS, V_ADDRESS, OUT_ADDRESS, FAR_ADDRESS, components, TABLE_ADDRESS, PARAMS_ADDRESS);
      out.set(cachedSubarray(this.view64, OUT_ADDRESS / 8, 2 * count), outOffset + 2 * start);
      farCount = this.collectFar(farPairs, start, count, farCount);
    }
    return farCount;
  }

  /**
   * The 2-D per-component CLD kernels, `cldMixtureKernel2dIsotropic` (`layout` `'isotropic'`) and
   * `cldMixtureKernel2dFull` (`'full'`) in @sgmkit/score, bit for bit, near and far particles alike. The factors are
   * those kernels' (`CLDMixtureFactors`): centers `a·m_k`, `c·m_k` (K·2 each), precisions (K triples `Λxx, Λxv, Λvv`,
   * or K blocks of 12: `[Λxx | Λxv | Λvv]`, each 2 × 2 row-major), log-normalisers (K). Returns how many particles
   * were not handled (a softmax exponent outside `fastExp`'s fast range, or NaN), listed in `farParticles`.
   */
  cldComponents2d(
    layout: ComponentLayout, n: number, components: number, factors: ComponentFactors2d,
    x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
  ): number {
    const rowDoubles = COMPONENT_ROW_DOUBLES[layout];
    const scratch = roundUp(TABLE_ADDRESS + components * rowDoubles * 8, 16);
    this.reserve(scratch + components * COMPONENT_SCRATCH_BYTES);
    const { positionCenters, velocityCenters, precisions, logNormalisers } = factors;
    this.stageComponents(layout, components, positionCenters, velocityCenters, precisions, logNormalisers);
    this.view64[PARAMS_ADDRESS / 8] = factors.nearRadiusSquared;
    const kernel = this.components2d[layout];
    let farCount = 0;
    for (let start = 0; start < n; start += MIXTURE_WASM_BLOCK) {
      const count = Math.min(MIXTURE_WASM_BLOCK, n - start);
      const pairs = this.stageIn(x, xOffset + 2 * start, v, vOffset + 2 * start, count);
      const farPairs = kernel(pairs, X_ADDRESS, V_ADDRESS, OUT_ADDRESS, FAR_ADDRESS, components, TABLE_ADDRESS, scratch, PARAMS_ADDRESS);
      out.set(cachedSubarray(this.view64, OUT_ADDRESS / 8, 2 * count), outOffset + 2 * start);
      farCount = this.collectFar(farPairs, start, count, farCount);
    }
    return farCount;
  }

  /** Writes the table rows `[a·m_k, c·m_k, precisions…, c_k]` (`COMPONENT_ROW_DOUBLES`). */
  private stageComponents(
    layout: ComponentLayout, components: number, positionCenters: Float64Array, velocityCenters: Float64Array,
    precisions: Float64Array, logNormalisers: Float64Array,
  ): void {
    const view = this.view64;
    const rowDoubles = COMPONENT_ROW_DOUBLES[layout];
    const entries = layout === 'isotropic' ? ISOTROPIC_ENTRIES : FULL_ENTRIES;
    const stride = layout === 'isotropic' ? 3 : 12;
    for (let k = 0; k < components; k++) {
      const row = TABLE_ADDRESS / 8 + k * rowDoubles;
      view[row] = positionCenters[2 * k]!;
      view[row + 1] = positionCenters[2 * k + 1]!;
      view[row + 2] = velocityCenters[2 * k]!;
      view[row + 3] = velocityCenters[2 * k + 1]!;
      for (let j = 0; j < entries.length; j++) view[row + 4 + j] = precisions[k * stride + entries[j]!]!;
      view[row + rowDoubles - 1] = logNormalisers[k]!;
    }
  }

  /** Grows the memory to at least `bytes` and refreshes the views. */
  private reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.refreshViews();
  }

  /** Copies `length` doubles of the component table into the module, growing its memory if needed. */
  private stageTable(table: Float64Array, length: number): void {
    this.reserve(TABLE_ADDRESS + length * 8);
    this.view64.set(length === table.length ? table : cachedSubarray(table, 0, length), TABLE_ADDRESS / 8);
  }

  /** Stages `count` rows of x and v (from the given element offsets); an odd last row is paired with a zero particle. Returns the pairs. */
  private stageIn(x: FloatArray, xStart: number, v: FloatArray, vStart: number, count: number): number {
    const view = this.view64;
    view.set(cachedSubarray(x, xStart, 2 * count), X_ADDRESS / 8);
    view.set(cachedSubarray(v, vStart, 2 * count), V_ADDRESS / 8);
    if (count % 2 === 1) {
      view.fill(0, X_ADDRESS / 8 + 2 * count, X_ADDRESS / 8 + 2 * count + 2);
      view.fill(0, V_ADDRESS / 8 + 2 * count, V_ADDRESS / 8 + 2 * count + 2);
    }
    return (count + 1) >> 1;
  }

  /** Appends the particles of the block's far pairs (both, or the real one of a padded pair) to the far list. */
  private collectFar(farPairs: number, start: number, count: number, farCount: number): number {
    if (farCount + 2 * farPairs > this.far.length) {
      const grown = new Int32Array(Math.max(2 * this.far.length, farCount + 2 * farPairs));
      grown.set(this.far.subarray(0, farCount));
      this.far = grown;
    }
    const list = this.view32i;
    for (let j = 0; j < farPairs; j++) {
      const first = 2 * list[FAR_ADDRESS / 4 + j]!;
      this.far[farCount++] = start + first;
      if (first + 1 < count) this.far[farCount++] = start + first + 1;
    }
    return farCount;
  }

  private refreshViews(): void {
    const buffer = this.memory.buffer;
    if (this.buffer === buffer) return;
    this.buffer = buffer;
    this.view64 = new Float64Array(buffer);
    this.view32i = new Int32Array(buffer);
  }
}

/** The runtime's WebAssembly object, or undefined where there is none. */
function webAssembly(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/** The module validates and compiles here (WebAssembly with fixed-width SIMD, not refused by e.g. a page's CSP). */
export function createWasmMixtureKernels(): WasmMixtureKernels | null {
  try {
    const api = webAssembly();
    if (!api || !api.validate(mixtureModuleBytes(1))) return null;
    return new WasmMixtureKernels(api);
  } catch {
    return null;
  }
}
