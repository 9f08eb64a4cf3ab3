// GEMM 256×256×256 on both backends (scalar TypeScript, WebAssembly SIMD) and both dtypes, next to the
// plain C GEMM of benchmarks/native/gemm_peak.c compiled now with `cc -O3 -march=native` (skipped with a
// message when no compiler is present), plus the bound on what wasm SIMD can reach here: the throughput of a
// pure-register loop of independent f64x2 / f32x4 multiply + add pairs (wasm SIMD has no FMA without the
// relaxed-SIMD proposal, probed below), emitted by the same encoder as the GEMM. Where the runtime has relaxed
// SIMD, the GEMM's macro-kernel is also timed with one relaxed multiply-add (FMA) per update against its mul + add
// form, on the same packed blocks: whether FMA would lift the kernel on this CPU.
// Run: npx -y pnpm@10 build && node benchmarks/gemm.bench.mjs   (SGMKIT_BENCH_QUICK=1: short sampling)
// With the FMA comparison on Node 20: node --experimental-wasm-relaxed-simd benchmarks/gemm.bench.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { gemm, batch, RandomStream, setGemmBackend, wasmRelaxedSimdSupported } from '@sgmkit/tensor';
import {
  FunctionBuilder,
  I32,
  Op,
  SimdOp,
  V128,
  VOID_BLOCK,
  encodeModule,
} from '../packages/tensor/dist/linalg/wasm/encoder.js';
import { F32_TILE, F64_TILE, macroKernel } from '../packages/tensor/dist/linalg/wasm/gemm-module.js';
import { WASM_GEMM_KC, WASM_GEMM_MC, WASM_GEMM_NC } from '../packages/tensor/dist/linalg/wasm/gemm-wasm.js';
import { runJson, withCompiledC } from './baselines.mjs';

const SIZE = 256;
const FLOPS = 2 * SIZE ** 3;
const QUICK = process.env.SGMKIT_BENCH_QUICK === '1';
const BENCH_OPTIONS = QUICK ? { maxTime: 0.5, minSamples: 5 } : { maxTime: 3 };

function randomMatrix(rows, cols, rng, dtype) {
  const m = batch(rows, cols, dtype);
  rng.fillNormal(m.data);
  return m;
}

function runSuite() {
  const rng = new RandomStream(1);
  const suite = new Benchmark.Suite();
  for (const dtype of ['float64', 'float32']) {
    const a = randomMatrix(SIZE, SIZE, rng, dtype),
      b = randomMatrix(SIZE, SIZE, rng, dtype),
      c = batch(SIZE, SIZE, dtype);
    for (const backend of ['scalar', 'wasm']) {
      suite.add(
        `${backend}-${dtype}`,
        () => {
          setGemmBackend(backend);
          gemm(false, false, 1, a, b, 0, c);
        },
        BENCH_OPTIONS,
      );
    }
  }
  const results = {};
  return new Promise((resolve) => {
    suite
      .on('cycle', (event) => {
        const t = event.target;
        console.log(String(t));
        results[t.name] = { hz: t.hz, bestHz: 1 / Math.min(...t.stats.sample), rme: t.stats.rme };
      })
      .on('complete', () => resolve(results))
      .run({ async: false });
  });
}

/**
 * `peak(iterations)`: `accumulators` independent `acc ← acc + x·y` vector updates per iteration, all in
 * registers (x changes every iteration so nothing is loop-invariant). Returns GFLOP/s of the best of 5.
 */
function registerPeak(precision, accumulators) {
  const f = new FunctionBuilder([I32], []);
  const acc = Array.from({ length: accumulators }, () => f.local(V128));
  const x = f.local(V128),
    y = f.local(V128);
  const splat = precision === 'f64' ? SimdOp.f64x2Splat : SimdOp.f32x4Splat;
  const add = precision === 'f64' ? SimdOp.f64x2Add : SimdOp.f32x4Add;
  const mul = precision === 'f64' ? SimdOp.f64x2Mul : SimdOp.f32x4Mul;
  const constant = (v) =>
    precision === 'f64'
      ? f.op(Op.f64Const, ...new Uint8Array(new Float64Array([v]).buffer))
      : f.op(0x43, ...new Uint8Array(new Float32Array([v]).buffer));
  constant(1e-9).simd(splat).set(x);
  constant(0.5).simd(splat).set(y);
  f.op(Op.loop, VOID_BLOCK);
  for (const a of acc) f.get(a).get(x).get(y).simd(mul).simd(add).set(a);
  f.get(x).get(y).simd(add).set(x);
  f.get(0).i32(1).op(Op.i32Sub).op(Op.localTee, 0).op(Op.brIf, 0);
  f.op(Op.end);
  // Keep the accumulators alive: store their sum at address 0.
  f.i32(0);
  f.get(acc[0]);
  for (const a of acc.slice(1)) f.get(a).simd(add);
  f.simdMemory(SimdOp.v128Store, 4, 0);
  const bytes = encodeModule({ memoryPages: 1, functions: [{ name: 'peak', builder: f }] });
  const { peak } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
  const iterations = 2e7;
  peak(1e5);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    peak(iterations);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  const lanes = precision === 'f64' ? 2 : 4;
  return (iterations * accumulators * lanes * 2) / best / 1e9;
}

/**
 * Clock estimate: a chain of dependent i32 adds retires one add per cycle (1-cycle latency on x86-64),
 * so adds per second ≈ cycles per second. Returns GHz (best of 5).
 */
function clockGHz() {
  const f = new FunctionBuilder([I32], [I32]);
  const x = f.local(I32);
  f.op(Op.loop, VOID_BLOCK);
  for (let i = 0; i < 32; i++) f.get(x).get(0).op(Op.i32Add).set(x);
  f.get(0).i32(1).op(Op.i32Sub).op(Op.localTee, 0).op(Op.brIf, 0);
  f.op(Op.end);
  f.get(x);
  const bytes = encodeModule({ memoryPages: 1, functions: [{ name: 'chain', builder: f }] });
  const { chain } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
  const iterations = 2e7;
  chain(1e5);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    chain(iterations);
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return (iterations * 32) / best / 1e9;
}

/**
 * GFLOP/s of the macro-kernel alone on one packed MC × KC block of A and KC × NC block of B (the library's
 * block sizes, random contents), best of 5 calls after a warm-up, for the mul + add form and, in the same
 * module, the relaxed multiply-add form. Only called where relaxed SIMD validates.
 */
function macroKernelFusedVersusUnfused(precision) {
  const tile = precision === 'f64' ? F64_TILE : F32_TILE;
  const bytes = precision === 'f64' ? 8 : 4;
  const nr = tile.vectors * (16 / bytes);
  const [mc, kc, nc] = [WASM_GEMM_MC, WASM_GEMM_KC, WASM_GEMM_NC];
  const sizes = [mc * kc, kc * nc, mc * nc].map((n) => n * bytes);
  const pages = Math.ceil(sizes.reduce((x, y) => x + y) / 65536);
  const module = encodeModule({
    memoryPages: pages,
    functions: [
      { name: 'unfused', builder: macroKernel(precision, tile, false) },
      { name: 'fused', builder: macroKernel(precision, tile, true) },
    ],
  });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(module), {});
  const memory = exports.memory;
  const view = precision === 'f64' ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
  new RandomStream(2).fillNormal(view, 0, (sizes[0] + sizes[1]) / bytes);
  const [a, b, c] = [0, sizes[0], sizes[0] + sizes[1]];
  const rate = (kernel) => {
    const call = () => kernel(mc / tile.rows, nc / nr, kc, 1, a, b, c, nc * bytes, 1);
    for (let i = 0; i < 3; i++) call();
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const start = performance.now();
      for (let i = 0; i < 10; i++) call();
      best = Math.min(best, (performance.now() - start) / 10 / 1000);
    }
    return (2 * mc * kc * nc) / best / 1e9;
  };
  // interleaved, so a change of load hits both forms alike
  const unfused = [],
    fused = [];
  for (let r = 0; r < 3; r++) {
    unfused.push(rate(exports.unfused));
    fused.push(rate(exports.fused));
  }
  return { unfused: Math.max(...unfused), fused: Math.max(...fused) };
}

function nativeGemm() {
  const source = join(dirname(fileURLToPath(import.meta.url)), 'native', 'gemm_peak.c');
  return withCompiledC([{ name: 'gemm_peak', source }], ([binary]) => runJson(binary, [SIZE, SIZE, SIZE]));
}

const fmt = (v) => v.toFixed(2);
const js = await runSuite();
const peaks = {
  f64: Math.max(registerPeak('f64', 8), registerPeak('f64', 12)),
  f32: Math.max(registerPeak('f32', 8), registerPeak('f32', 12)),
};
const fma = wasmRelaxedSimdSupported()
  ? { f64: macroKernelFusedVersusUnfused('f64'), f32: macroKernelFusedVersusUnfused('f32') }
  : undefined;
const clock = clockGHz();
const native = nativeGemm();
console.log('');
console.log(`relaxed SIMD (FMA) available to wasm in this runtime: ${wasmRelaxedSimdSupported()}`);
console.log(`| gemm ${SIZE}³ | mean time | GFLOP/s (mean) | GFLOP/s (best sample) | best / C GEMM |`);
console.log('| --- | --- | --- | --- | --- |');
for (const name of ['scalar-float64', 'wasm-float64', 'scalar-float32', 'wasm-float32']) {
  const r = js[name];
  const best = (FLOPS * r.bestHz) / 1e9;
  const ratio = native ? `${fmt(best / native.gflops)}x` : 'n/a';
  console.log(
    `| ${name} | ${fmt(1000 / r.hz)} ms ±${r.rme.toFixed(1)}% | ${fmt((FLOPS * r.hz) / 1e9)} | ${fmt(best)} | ${ratio} |`,
  );
}
if (native)
  console.log(
    `| C GEMM (i-k-j, cc -O3 -march=native, float64) | ${fmt(native.seconds * 1000)} ms (best of 5) | | ${fmt(native.gflops)} | 1.00x |`,
  );
console.log('');
console.log(
  `wasm pure-register mul+add peak (best of 8 and 12 independent accumulators): f64x2 ${fmt(peaks.f64)} GFLOP/s, f32x4 ${fmt(peaks.f32)} GFLOP/s`,
);
if (fma) {
  for (const p of ['f64', 'f32'])
    console.log(
      `macro-kernel ${WASM_GEMM_MC}×${WASM_GEMM_KC}×${WASM_GEMM_NC} ${p}: mul + add ${fmt(fma[p].unfused)} GFLOP/s, relaxed multiply-add (FMA) ${fmt(fma[p].fused)} GFLOP/s, FMA / mul + add ${fmt(fma[p].fused / fma[p].unfused)}x`,
    );
} else {
  console.log(
    'macro-kernel with FMA: skipped, this runtime has no relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd)',
  );
}
console.log(
  `clock estimate (dependent i32 add chain): ${fmt(clock)} GHz, so the register peak is f64x2 ${fmt(peaks.f64 / clock)} and f32x4 ${fmt(peaks.f32 / clock)} flops/cycle`,
);
console.log(
  `wasm gemm (best) / register peak: float64 ${fmt((FLOPS * js['wasm-float64'].bestHz) / 1e9 / peaks.f64)}, float32 ${fmt((FLOPS * js['wasm-float32'].bestHz) / 1e9 / peaks.f32)}`,
);
