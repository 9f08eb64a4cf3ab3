/**
 * A minimal WebAssembly binary encoder: just enough of the format (type, function, memory,
 * export and code sections; LEB128 integers; the core and 0xfd-prefixed SIMD opcodes the
 * GEMM kernels use) to emit a module from TypeScript at load time, with no toolchain and no
 * committed binary. The TypeScript that calls it is the source of the module.
 * Format reference: the WebAssembly core specification, §5 (binary format) and the SIMD proposal.
 * @packageDocumentation
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Core opcodes used by the kernels. */
export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, f64Const: 0x44,
  i32Eqz: 0x45, i32Ne: 0x47, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Shl: 0x74,
  i32Load: 0x28, i64Load: 0x29, f64Load: 0x2b, i32Store: 0x36, f64Store: 0x39, i64Store: 0x37, i32WrapI64: 0xa7,
  f32DemoteF64: 0xb6,
} as const;

/** SIMD opcodes (after the 0xfd prefix, encoded as unsigned LEB128). */
export const SimdOp = {
  v128Load: 0x00, load32Splat: 0x09, load64Splat: 0x0a, v128Store: 0x0b, v128Const: 0x0c, i8x16Shuffle: 0x0d,
  f32x4Splat: 0x13, f64x2Splat: 0x14,
  i64x2ExtractLane: 0x1d, f64x2ReplaceLane: 0x22,
  f64x2Le: 0x4b, f64x2Ge: 0x4c, v128Bitselect: 0x52,
  v128And: 0x4e, v128Load64Lane: 0x57, v128Store64Lane: 0x5b, v128Load64Zero: 0x5d,
  f32x4DemoteF64x2Zero: 0x5e, f64x2PromoteLowF32x4: 0x5f,
  i64x2AllTrue: 0xc3, i64x2Shl: 0xcb, i64x2ShrS: 0xcc, i64x2ShrU: 0xcd, i64x2Add: 0xce, i64x2Sub: 0xd1,
  i32x4Shl: 0xab, i32x4ShrS: 0xac, i32x4Add: 0xae, i32x4Sub: 0xb1,
  f32x4Neg: 0xe1, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Pmin: 0xea, f32x4Pmax: 0xeb,
  i32x4TruncSatF32x4S: 0xf8,
  f64x2Floor: 0x75, f64x2Neg: 0xed, f64x2Sqrt: 0xef,
  f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3, f64x2Min: 0xf4, f64x2Max: 0xf5, f64x2Pmin: 0xf6, f64x2Pmax: 0xf7,
  /** Relaxed SIMD (standardised numbering); only probed, never required. */
  f32x4RelaxedMadd: 0x105, f64x2RelaxedMadd: 0x107,
} as const;

/** Empty block type. */
export const VOID_BLOCK = 0x40;

/** Unsigned LEB128. */
export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8Name(name: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(name));
  return [...unsignedLeb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...unsignedLeb(body.length), ...body];
}

/** Builds one function body instruction by instruction; locals are declared up front, parameters first. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValueType[] = [];

  constructor(readonly params: readonly ValueType[], readonly results: readonly ValueType[]) {}

  /** Declares a local and returns its index. */
  local(type: ValueType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  get(index: number): this { return this.op(Op.localGet, ...unsignedLeb(index)); }
  set(index: number): this { return this.op(Op.localSet, ...unsignedLeb(index)); }
  tee(index: number): this { return this.op(Op.localTee, ...unsignedLeb(index)); }
  i32(value: number): this { return this.op(Op.i32Const, ...signedLeb(value)); }

  /** A 0xfd-prefixed SIMD instruction with optional immediates. */
  simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...unsignedLeb(opcode), ...immediates);
  }

  /** A SIMD memory instruction: `memarg` = alignment exponent and constant byte offset. */
  simdMemory(opcode: number, alignLog2: number, offset: number): this {
    return this.simd(opcode, ...unsignedLeb(alignLog2), ...unsignedLeb(offset));
  }

  /** A v128 constant with the same double in both f64 lanes. */
  f64x2(value: number): this {
    return this.simd(SimdOp.v128Const, ...new Uint8Array(Float64Array.of(value, value).buffer));
  }

  /** A v128 constant with the same float (`value` rounded to float32) in all four f32 lanes. */
  f32x4(value: number): this {
    return this.simd(SimdOp.v128Const, ...new Uint8Array(Float32Array.of(value, value, value, value).buffer));
  }

  /** A v128 constant with the same 32-bit integer in all four i32 lanes. */
  i32x4(value: number): this {
    return this.simd(SimdOp.v128Const, ...new Uint8Array(Int32Array.of(value, value, value, value).buffer));
  }

  /** A v128 constant with the same 64-bit integer (|value| < 2^31) in both i64 lanes. */
  i64x2(value: number): this {
    const lane = new Uint8Array(new BigInt64Array([BigInt(value)]).buffer);
    return this.simd(SimdOp.v128Const, ...lane, ...lane);
  }

  /** `local += delta` for an i32 local. */
  addTo(index: number, delta: number): this {
    return this.get(index).i32(delta).op(Op.i32Add).set(index);
  }

  /** The encoded body: local declarations (run-length grouped) then code then `end`. */
  body(): number[] {
    const groups: number[][] = [];
    for (let i = 0; i < this.locals.length;) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      groups.push([...unsignedLeb(j - i), this.locals[i]!]);
      i = j;
    }
    const bytes = [...vector(groups), ...this.code, Op.end];
    return [...unsignedLeb(bytes.length), ...bytes];
  }
}

/** A module of functions over one exported memory (named "memory"); every function is exported by name. */
export interface ModuleDescription {
  readonly memoryPages: number;
  readonly functions: readonly { readonly name: string; readonly builder: FunctionBuilder }[];
}

export function encodeModule(description: ModuleDescription): Uint8Array {
  const { functions } = description;
  const types = functions.map(({ builder }) => [0x60, ...vector(builder.params.map((t) => [t])), ...vector(builder.results.map((t) => [t]))]);
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vector(types)),
    ...section(3, vector(functions.map((_, i) => unsignedLeb(i)))),
    ...section(5, vector([[0x00, ...unsignedLeb(description.memoryPages)]])), // limits: min only, so it can grow
    ...section(7, vector([
      [...utf8Name('memory'), 0x02, 0x00],
      ...functions.map(({ name }, i) => [...utf8Name(name), 0x00, ...unsignedLeb(i)]),
    ])),
    ...section(10, vector(functions.map(({ builder }) => builder.body()))),
  ];
  return Uint8Array.from(bytes);
}
