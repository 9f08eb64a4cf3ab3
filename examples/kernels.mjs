// Tensor kernels: the fused OU exponential-integrator step on a batch of particles,
// checked against the same update composed by hand from the same noise.
import { batch, fillParticleNormals, ouExponentialIntegratorStep, RandomStream, toArray } from '@sgmkit/tensor';

const [n, d, h, seed, stream] = [4, 2, 0.1, 7, 3];
const y = batch(n, d);
const s = batch(n, d);
new RandomStream(seed).fillNormal(y.data); // starting particles
for (let i = 0; i < n * d; i++) s.data[i] = -y.data[i]; // the score of N(0, I)

// y ← e^h y + 2(e^h − 1) s + √(e^{2h} − 1) z, with z addressed by (seed, stream, particle index).
const expected = y.data.slice();
const z = fillParticleNormals(batch(n, d), seed, stream, 0).data;
for (let i = 0; i < n * d; i++) expected[i] = Math.exp(h) * expected[i] + 2 * Math.expm1(h) * s.data[i] + Math.sqrt(Math.expm1(2 * h)) * z[i];

ouExponentialIntegratorStep(y, s, h, seed, stream, 0);
const worst = Math.max(...Array.from(y.data, (v, i) => Math.abs(v - expected[i])));
if (worst > 1e-12) throw new Error(`fused step differs from the composed update by ${worst}`);
console.log('after one fused OU step:', toArray(y));
