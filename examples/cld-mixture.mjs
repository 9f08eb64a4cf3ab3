// CLD beyond Gaussians: the exact velocity score of a Gaussian mixture and of a point cloud,
// and CLD sampling of 8 Gaussians on a ring with it (SSCS, the Dockhorn et al. integrator).
import { batch, fromArray, setGemmBackend, toArray, wasmMixtureKernels } from '@sgmkit/tensor';
import { cldGaussianMixtureScore, cldGaussianScore, cldPointCloudScore, ringMixtureParameters } from '@sgmkit/score';
import { sampleCLD } from '@sgmkit/sampler';

const x = fromArray([
  [0, 0],
  [4, 0],
  [1e6, -1e6],
]);
const v = fromArray([
  [0.5, 0],
  [0, -1],
  [0, 0],
]);
const out = batch(3, 2);

// One component is the Gaussian CLD score.
const single = cldGaussianMixtureScore({
  weights: [1],
  means: [[1, -1]],
  covariances: [
    [
      [0.7, 0.2],
      [0.2, 0.4],
    ],
  ],
});
const gaussian = cldGaussianScore({
  mean: [1, -1],
  covariance: [
    [0.7, 0.2],
    [0.2, 0.4],
  ],
});
const reference = batch(3, 2);
single.evaluate(0.5, x, v, out);
gaussian.evaluate(0.5, x, v, reference);
out.data.forEach((s, i) => {
  if (Math.abs(s - reference.data[i]) > 1e-12 * Math.max(1, Math.abs(s))) throw new Error(`mismatch at ${i}`);
});

// The ring: a log-sum-exp over components of the joint law of (x, v), finite far from every mode.
const ring = cldGaussianMixtureScore(ringMixtureParameters({ components: 8, radius: 4, std: 0.5 }));
ring.evaluate(0.1, x, v, out);
console.log('CLD ring velocity score at t = 0.1:', toArray(out));

// The ring's kernel runs on WebAssembly SIMD where available (two particles per vector), with the same bits as the
// scalar kernel, which `setGemmBackend('scalar')` forces.
const many = batch(1001, 2);
const manyV = batch(1001, 2);
many.data.forEach((_, i) => (many.data[i] = 5 * Math.sin(i)));
manyV.data.forEach((_, i) => (manyV.data[i] = Math.cos(3 * i)));
const [simd, scalar] = [batch(1001, 2), batch(1001, 2)];
ring.evaluate(0.3, many, manyV, simd);
setGemmBackend('scalar');
ring.evaluate(0.3, many, manyV, scalar);
setGemmBackend('auto');
const same = simd.data.every((s, i) => Object.is(s, scalar.data[i]));
console.log(
  `mixture kernels on wasm SIMD: ${wasmMixtureKernels() !== null}; SIMD and scalar scores bit-identical: ${same}`,
);
if (!same) throw new Error('the SIMD and scalar CLD mixture kernels differ');

// A point cloud: singular at t = 0, exact for every t > 0.
cldPointCloudScore([
  [1, 2],
  [3, -1],
  [-2, 0.5],
]).evaluate(0.01, x, v, out);
console.log('CLD point-cloud velocity score at t = 0.01:', toArray(out));

const { samples } = await sampleCLD(ring, { T: 8, steps: 200, method: 'sscs', n: 2000, seed: 1 });
const onRing = toArray(samples).filter(([a, b]) => Math.abs(Math.hypot(a, b) - 4) < 1.5).length / 2000;
console.log(`CLD SSCS on the ring: ${(100 * onRing).toFixed(1)}% of samples within 1.5 of radius 4`);
