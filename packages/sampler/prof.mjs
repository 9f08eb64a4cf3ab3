import { cldGaussianMixtureScore, gaussianMixtureScore, ringMixtureParameters } from '@sgmkit/score';
import { batch } from '@sgmkit/tensor';
const N = 100000;
const p = ringMixtureParameters();
const ou = gaussianMixtureScore(p), cld = cldGaussianMixtureScore(p);
const x = batch(N, 2), v = batch(N, 2), out = batch(N, 2);
for (let i = 0; i < 2 * N; i++) { x.data[i] = 3 * Math.sin(i * 1.7); v.data[i] = Math.cos(i * 2.3); }
const f = cld.factors.at(0.3); console.log('linear', f.shared.linear, 'near', f.shared.nearRadiusSquared, 'ouNear', ou.factors.at(0.3).nearRadiusSquared);
for (let rep = 0; rep < 3; rep++) {
  let t0 = performance.now(); for (let r = 0; r < 20; r++) ou.evaluate(0.3, x, out); const a = performance.now() - t0;
  t0 = performance.now(); for (let r = 0; r < 20; r++) cld.evaluate(0.3, x, v, out); const b = performance.now() - t0;
  console.log('ou', (a / 20).toFixed(2), 'cld', (b / 20).toFixed(2));
}
