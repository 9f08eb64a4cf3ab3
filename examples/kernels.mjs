// Tensor kernels: the fused OU exponential-integrator step on a batch of particles, checked
// against the affine step y ← linear·y + score·s + noise·z with the samplers' own coefficients.
import {
  affineNoiseStep,
  batch,
  ddpmStepCoefficients,
  ouExponentialIntegratorStep,
  RandomStream,
  toArray,
} from '@sgmkit/tensor';

const [n, d, h, seed, stream] = [4, 2, 0.1, 7, 3];
const y = batch(n, d);
const s = batch(n, d);
new RandomStream(seed).fillNormal(y.data); // starting particles
for (let i = 0; i < n * d; i++) s.data[i] = -y.data[i]; // the score of N(0, I)

// e^h, 2(e^h − 1), √(e^{2h} − 1): the one source every DDPM sampler and the exact analysis read.
const { linear, score, noise } = ddpmStepCoefficients('exponential-integrator', h, 0);
const expected = batch(n, d);
expected.data.set(y.data);
affineNoiseStep(expected, s, linear, score, noise, seed, stream, 0); // z addressed by (seed, stream, particle index)

ouExponentialIntegratorStep(y, s, h, seed, stream, 0);
if (!y.data.every((v, i) => Object.is(v, expected.data[i])))
  throw new Error('the fused step differs from the affine step with its coefficients');
console.log('coefficients:', { linear, score, noise });
console.log('after one fused OU step (bit-identical to the affine step):', toArray(y));
