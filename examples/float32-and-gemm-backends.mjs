// The GEMM backends and the float32 network path: the WebAssembly SIMD GEMM is the default wherever
// the runtime validates wasm SIMD (`setGemmBackend('scalar')` forces the TypeScript kernel), and
// `createScoreNetwork({ dtype: 'float32' })` trains and evaluates in float32 on the f32x4 kernel.
import { batch, gemm, gemmBackend, RandomStream, setGemmBackend, wasmSimdSupported } from '@sgmkit/tensor';
import { createScoreNetwork, loadScoreNetwork, saveScoreNetwork, trainDenoisingScoreMatching } from '@sgmkit/score';

console.log(`wasm SIMD supported: ${wasmSimdSupported()}; GEMM backend in use: ${gemmBackend()}`);

// The same float64 product on both backends: bit-identical.
const rng = new RandomStream(1);
const [a, b] = [batch(70, 50), batch(50, 30)];
rng.fillNormal(a.data);
rng.fillNormal(b.data);
const [viaWasm, viaScalar] = [batch(70, 30), batch(70, 30)];
gemm(false, false, 1, a, b, 0, viaWasm);
setGemmBackend('scalar');
gemm(false, false, 1, a, b, 0, viaScalar);
setGemmBackend('auto');
console.log(
  `float64 GEMM, wasm vs scalar: ${viaWasm.data.every((v, i) => v === viaScalar.data[i]) ? 'bit-identical' : 'different'}`,
);

// A float32 network on a 2-D Gaussian; the saved file records its dtype.
const data = batch(2000, 2);
rng.fillNormal(data.data);
const network = createScoreNetwork({ dim: 2, hiddenWidths: [64, 64], seed: 3, dtype: 'float32' });
const started = performance.now();
const { losses } = trainDenoisingScoreMatching(network, data, { steps: 200, batchSize: 128, seed: 4 });
const mean = (x) => x.reduce((s, v) => s + v, 0) / x.length;
console.log(
  `float32 training: 200 steps in ${(performance.now() - started).toFixed(0)} ms, loss ${mean(losses.slice(0, 20)).toFixed(3)} -> ${mean(losses.slice(-20)).toFixed(3)}`,
);
const reloaded = loadScoreNetwork(saveScoreNetwork(network));
console.log(`saved and reloaded as ${reloaded.dtype}`);
if (!(mean(losses.slice(-20)) < mean(losses.slice(0, 20)))) throw new Error('training did not reduce the loss');
