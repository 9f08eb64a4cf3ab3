// CLD mixture velocity score against the DDPM (OU) mixture score of the same mixture on the same particles
// (issue 11's goal: at least as fast per component). For each mixture, n = 10^5 particles (positions spread over
// and beyond the modes, velocities N(0, I)), both scores timed by benchmark.js in the same run; the ratio
// DDPM time / CLD time is per component, as both sum over the same K components.
//   - ring8: 8 isotropic components of one variance (std 0.5): the CLD shared 2-D kernel vs the OU shared-variance kernel;
//   - grid25: 25 isotropic components of one variance (std 0.3): same kernels, K = 25;
//   - ring8 with different variances per component: the CLD isotropic 2-D kernel vs the OU isotropic 2-D kernel;
//   - ring8 with full covariances (stretched along the ring): the CLD full 2-D kernel vs the OU 2 × 2 kernel.
// At d = 2 the CLD kernels run on WebAssembly SIMD where it is available (cld_shared_2d, cld_isotropic_2d and
// cld_full_2d in the tensor package's mixture module), else on their scalar TypeScript forms.
//
//   npx -y pnpm@10 build && node benchmarks/cld-mixture-score.bench.mjs
import Benchmark from 'benchmark';
import { cldGaussianMixtureScore, gaussianMixtureScore, ringMixtureParameters } from '@sgmkit/score';
import { batch } from '@sgmkit/tensor';

const N = 100_000;
const T = 0.3;

function ringWithFullCovariances() {
  const means = [];
  const covariances = [];
  for (let k = 0; k < 8; k++) {
    const angle = (2 * Math.PI * k) / 8;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    means.push([4 * c, 4 * s]);
    const [radial, tangential] = [0.25, 0.64];
    covariances.push([
      [radial * c * c + tangential * s * s, (radial - tangential) * c * s],
      [(radial - tangential) * c * s, radial * s * s + tangential * c * c],
    ]);
  }
  return { weights: new Array(8).fill(1 / 8), means, covariances };
}

function grid25() {
  const centres = [-4, -2, 0, 2, 4];
  const means = centres.flatMap((x) => centres.map((y) => [x, y]));
  return { weights: means.map(() => 1 / 25), means, covariances: means.map(() => 0.09) };
}

const ring = ringMixtureParameters({ components: 8, radius: 4, std: 0.5 });
const MIXTURES = [
  ['ring8, isotropic, one variance', ring],
  ['grid25, isotropic, one variance', grid25()],
  ['ring8, isotropic, variances 0.1-0.45', { ...ring, covariances: ring.covariances.map((_, k) => 0.1 + 0.05 * k) }],
  ['ring8, full covariances', ringWithFullCovariances()],
];

/** Deterministic batch: xorshift + Box–Muller, scaled. */
function normals(n, scale, seed) {
  const x = batch(n, 2);
  let state = seed;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  for (let i = 0; i < 2 * n; i += 2) {
    const r = scale * Math.sqrt(-2 * Math.log(uniform()));
    const a = 2 * Math.PI * uniform();
    x.data[i] = r * Math.cos(a);
    x.data[i + 1] = r * Math.sin(a);
  }
  return x;
}

const x = normals(N, 3, 0x9e3779b9);
const v = normals(N, 1, 0x85ebca6b);
const out = batch(N, 2);

const results = [];
for (const [name, parameters] of MIXTURES) {
  const ou = gaussianMixtureScore(parameters);
  const cld = cldGaussianMixtureScore(parameters);
  const suite = new Benchmark.Suite(name);
  suite.add(`DDPM mixture score (${ou.kernel}), ${name}, n = ${N}`, () => ou.evaluate(T, x, out));
  suite.add(`CLD mixture score (${cld.kernel}), ${name}, n = ${N}`, () => cld.evaluate(T, x, v, out));
  suite.on('cycle', (event) => console.log(String(event.target)));
  suite.run();
  const [ddpm, cldResult] = [suite[0].stats.mean, suite[1].stats.mean];
  const k = parameters.weights.length;
  results.push({ name, k, ddpm, cld: cldResult });
  console.log(
    `${name}: DDPM ${((1e9 * ddpm) / (N * k)).toFixed(2)} ns, CLD ${((1e9 * cldResult) / (N * k)).toFixed(2)} ns per particle-component`,
  );
  console.log(`speed ratio CLD / DDPM mixture score per component (${name}): ${(ddpm / cldResult).toFixed(2)}x`);
}
