// The fused kernels learned scores run on (issue 9): `gemmBiasSilu` (a dense SiLU layer, the bias and SiLU as a
// WebAssembly SIMD epilogue on each GEMM block), `kernelExp` (the deterministic exponential inside it, no Math.exp),
// `gemmAccumulateDepthBlocks` (a minibatch gradient as the sum of its micro-shard gradients in one product) and
// `FusedAdam` (Adam + EMA in one SIMD pass over state kept in wasm memory). Each gives the bits of its scalar reference.
import {
  FusedAdam,
  RandomStream,
  biasSiluRows,
  exp,
  gemmAccumulate,
  gemmAccumulateDepthBlocks,
  gemmBiasSilu,
  gemmKernel,
  kernelExp,
} from '@sgmkit/tensor';

const rng = new RandomStream(7);
const normals = (n) => {
  const x = new Float64Array(n);
  rng.fillNormal(x);
  return x;
};
const same = (x, y) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

// kernelExp against the portable exp.
const xs = [-745, -700, -1, 0, 1e-3, 1, 30, 709];
console.log(
  'kernelExp vs exp:',
  xs.map((x) => `${x}: ${kernelExp(x) === exp(x) ? 'same' : (kernelExp(x) / exp(x) - 1).toExponential(1)}`).join(', '),
);

// A hidden layer: 64 rows of 20 inputs -> 48 SiLU units.
const [m, k, n] = [64, 20, 48];
const a = { data: normals(m * k), offset: 0, rowStride: k, colStride: 1 };
const w = { data: normals(k * n).map((v) => v / Math.sqrt(k)), offset: 0, rowStride: n, colStride: 1 };
const bias = normals(n);
const [pre, post, sigmoid] = [new Float64Array(m * n), new Float64Array(m * n), new Float64Array(m * n)];
gemmBiasSilu(m, n, k, a, w, bias, 0, pre, post, sigmoid);
const [refPre, refPost, refSigmoid] = [new Float64Array(m * n), new Float64Array(m * n), new Float64Array(m * n)];
gemmKernel(m, n, k, 1, a, w, 0, refPre, 0, n);
biasSiluRows(refPre, refPost, refSigmoid, m, n, bias, 0);
const layerSame = same(pre, refPre) && same(post, refPost) && same(sigmoid, refSigmoid);
console.log(`gemmBiasSilu vs GEMM then scalar bias + SiLU: ${layerSame ? 'bit-identical' : 'different'}`);

// Weight gradient of the layer (inputᵀ · δ) as the sum of two 32-row micro-shard gradients.
const delta = { data: normals(m * n), offset: 0, rowStride: n, colStride: 1 };
const inputT = { data: a.data, offset: 0, rowStride: 1, colStride: k };
const whole = new Float64Array(k * n);
gemmAccumulateDepthBlocks(k, n, m, 32, 1, inputT, delta, whole, 0, n);
const bySum = new Float64Array(k * n);
for (const first of [0, 32]) {
  const part = new Float64Array(k * n);
  gemmAccumulate(k, n, 32, 1, { ...inputT, offset: first * k }, { ...delta, offset: first * n }, part, 0, n);
  for (let i = 0; i < part.length; i++) bySum[i] += part[i];
}
console.log(`gemmAccumulateDepthBlocks vs summed micro-shards: ${same(whole, bySum) ? 'bit-identical' : 'different'}`);

// Ten Adam steps on f(θ) = |θ|²/2 (gradient θ), state in wasm memory.
const adam = new FusedAdam(4, 'float64', true);
adam.parameters.set([1, -2, 0.5, 3]);
adam.average.set(adam.parameters);
for (let t = 1; t <= 10; t++) {
  adam.gradient.set(adam.parameters);
  adam.update({
    learningRate: 0.1,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    firstCorrection: 1 / (1 - 0.9 ** t),
    secondCorrection: 1 / (1 - 0.999 ** t),
    decay: 0.5,
  });
}
console.log(`FusedAdam after 10 steps: θ = [${Array.from(adam.parameters, (v) => v.toFixed(3)).join(', ')}]`);
if (!layerSame || !same(whole, bySum) || !(Math.abs(adam.parameters[3]) < 3))
  throw new Error('fused kernels disagree with their references');
