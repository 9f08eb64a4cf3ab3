/**
 * Adam (Kingma & Ba 2015) with an optional exponential moving average of the weights, as one
 * WebAssembly SIMD pass (f64x2) over optimiser state that lives in the module's memory for the
 * whole training run: master weights, both moments, the gradient, the EMA and, for a float32
 * network, its float32 compute weights. Nothing is packed or copied per step; the caller reads
 * and writes the state through typed-array views, which stay valid because the memory is sized
 * once and never grows.
 *
 * Per parameter, exactly the scalar update (same operations, same order, so the same bits):
 * `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g·g`, `θ ← θ − (lr·m·c₁)/(√(v·c₂) + ε)`, then
 * `w ← fround(θ)` (float32 gradient) and `a ← δa + (1−δ)θ` (when an average is kept). Wasm has
 * no fused multiply-add, so every product is rounded as in JavaScript.
 * @packageDocumentation
 */
import { F64, FunctionBuilder, I32, Op, SimdOp, V128, VOID_BLOCK, encodeModule } from './encoder.js';

/**
 * Parameters: `pairs` (parameters / 2, rounded up), byte addresses `theta, m, v, g, w32, average`
 * (w32 only for a float32 gradient; average 0 = none), then the f64 scalars `lr, beta1,
 * oneMinusBeta1, beta2, oneMinusBeta2, epsilon, firstCorrection, secondCorrection, decay, oneMinusDecay`.
 */
function adamKernel(gradient: 'f64' | 'f32'): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64], []);
  const [pairs, theta, m, v, g, w32, average] = [0, 1, 2, 3, 4, 5, 6];
  const scalars = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const [lr, b1, omb1, b2, omb2, eps, c1, c2, decay, omDecay] = scalars.map(() => f.local(V128));
  const [gv, mv, vv, tv] = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  [lr, b1, omb1, b2, omb2, eps, c1, c2, decay, omDecay].forEach((vector, i) => f.get(scalars[i]!).simd(SimdOp.f64x2Splat).set(vector));
  const ge = gradient === 'f64' ? 16 : 8;

  f.op(Op.loop, VOID_BLOCK);
  if (gradient === 'f64') f.get(g).simdMemory(SimdOp.v128Load, 3, 0);
  else f.get(g).simdMemory(SimdOp.v128Load64Zero, 2, 0).simd(SimdOp.f64x2PromoteLowF32x4);
  f.set(gv);
  // m = β₁·m + (1−β₁)·g
  f.get(b1).get(m).simdMemory(SimdOp.v128Load, 3, 0).simd(SimdOp.f64x2Mul).get(omb1).get(gv).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(mv);
  f.get(m).get(mv).simdMemory(SimdOp.v128Store, 3, 0);
  // v = β₂·v + ((1−β₂)·g)·g
  f.get(b2).get(v).simdMemory(SimdOp.v128Load, 3, 0).simd(SimdOp.f64x2Mul);
  f.get(omb2).get(gv).simd(SimdOp.f64x2Mul).get(gv).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add).set(vv);
  f.get(v).get(vv).simdMemory(SimdOp.v128Store, 3, 0);
  // θ = θ − ((lr·m)·c₁) / (√(v·c₂) + ε)
  f.get(theta).simdMemory(SimdOp.v128Load, 3, 0);
  f.get(lr).get(mv).simd(SimdOp.f64x2Mul).get(c1).simd(SimdOp.f64x2Mul);
  f.get(vv).get(c2).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Sqrt).get(eps).simd(SimdOp.f64x2Add);
  f.simd(SimdOp.f64x2Div).simd(SimdOp.f64x2Sub).set(tv);
  f.get(theta).get(tv).simdMemory(SimdOp.v128Store, 3, 0);
  if (gradient === 'f32') {
    f.get(w32).get(tv).simd(SimdOp.f32x4DemoteF64x2Zero).simdMemory(SimdOp.v128Store64Lane, 2, 0).op(0);
    f.addTo(w32, 8);
  }
  // a = δ·a + (1−δ)·θ
  f.get(average).op(Op.if, VOID_BLOCK);
  f.get(average);
  f.get(decay).get(average).simdMemory(SimdOp.v128Load, 3, 0).simd(SimdOp.f64x2Mul).get(omDecay).get(tv).simd(SimdOp.f64x2Mul).simd(SimdOp.f64x2Add);
  f.simdMemory(SimdOp.v128Store, 3, 0);
  f.addTo(average, 16);
  f.op(Op.end);
  f.addTo(theta, 16).addTo(m, 16).addTo(v, 16).addTo(g, ge);
  f.get(pairs).i32(1).op(Op.i32Sub).tee(pairs).op(Op.brIf, 0);
  f.op(Op.end);
  return f;
}

type AdamExport = (
  pairs: number, theta: number, m: number, v: number, g: number, w32: number, average: number,
  lr: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsilon: number,
  firstCorrection: number, secondCorrection: number, decay: number, oneMinusDecay: number,
) => void;

interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

let compiled: object | undefined;

/** Adam hyper-parameters and bias corrections for one step; `decay` is the EMA's (ignored without an average). */
export interface FusedAdamStep {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** `1/(1 − β₁^t)` and `1/(1 − β₂^t)`. */
  readonly firstCorrection: number;
  readonly secondCorrection: number;
  readonly decay: number;
}

/**
 * Adam state for `size` parameters in its own WebAssembly memory. `parameters`, `gradient`,
 * `weights32` and `average` are views into it, valid for the object's lifetime.
 */
export class FusedAdam {
  readonly size: number;
  /** Master weights (float64), updated in place. */
  readonly parameters: Float64Array;
  readonly firstMoment: Float64Array;
  readonly secondMoment: Float64Array;
  /** The gradient the next `update` reads: float32 for a float32 network. */
  readonly gradient: Float64Array | Float32Array;
  /** A float32 network's compute weights, `fround(parameters)` after every update. */
  readonly weights32: Float32Array | undefined;
  /** The EMA of the weights, when kept. */
  readonly average: Float64Array | undefined;
  private readonly run: AdamExport;
  private readonly addresses: readonly [number, number, number, number, number, number];

  /** Throws where WebAssembly is missing; callers check `wasmSimdSupported()` first. */
  constructor(size: number, gradientDType: 'float64' | 'float32', keepAverage: boolean) {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!api) throw new Error('FusedAdam: this runtime has no WebAssembly');
    compiled ??= new api.Module(encodeModule({
      memoryPages: 0,
      functions: [{ name: 'adam_f64', builder: adamKernel('f64') }, { name: 'adam_f32', builder: adamKernel('f32') }],
    }));
    const exports = new api.Instance(compiled, {}).exports as unknown as { memory: WasmMemory; adam_f64: AdamExport; adam_f32: AdamExport };
    const f32 = gradientDType === 'float32';
    const padded = size + (size % 2);
    const f64Bytes = padded * 8;
    const f32Bytes = Math.ceil((padded * 4) / 16) * 16;
    // Layout: θ, m, v, average (float64), gradient, float32 weights; every region 16-byte aligned. Address 0 is left unused,
    // so that 0 can mean "no average".
    const theta = 16;
    const m = theta + f64Bytes;
    const v = m + f64Bytes;
    const average = v + f64Bytes;
    const g = average + (keepAverage ? f64Bytes : 0);
    const w32 = g + (f32 ? f32Bytes : f64Bytes);
    const end = w32 + (f32 ? f32Bytes : 0);
    exports.memory.grow(Math.ceil(end / 65536));
    const buffer = exports.memory.buffer;
    this.size = size;
    this.parameters = new Float64Array(buffer, theta, size);
    this.firstMoment = new Float64Array(buffer, m, size);
    this.secondMoment = new Float64Array(buffer, v, size);
    this.average = keepAverage ? new Float64Array(buffer, average, size) : undefined;
    this.gradient = f32 ? new Float32Array(buffer, g, size) : new Float64Array(buffer, g, size);
    this.weights32 = f32 ? new Float32Array(buffer, w32, size) : undefined;
    this.run = f32 ? exports.adam_f32 : exports.adam_f64;
    this.addresses = [theta, m, v, g, f32 ? w32 : 0, keepAverage ? average : 0];
  }

  /** One Adam step from `gradient` (and the EMA update, when kept), in one pass. */
  update(step: FusedAdamStep): void {
    const [theta, m, v, g, w32, average] = this.addresses;
    const { learningRate, beta1, beta2, epsilon, firstCorrection, secondCorrection, decay } = step;
    this.run(Math.ceil(this.size / 2), theta, m, v, g, w32, average, learningRate, beta1, 1 - beta1, beta2, 1 - beta2, epsilon,
      firstCorrection, secondCorrection, decay, 1 - decay);
  }
}
