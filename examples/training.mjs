// Training: a small score network learned by denoising score matching on draws of a
// 2-D Gaussian, saved and reloaded, and compared with the exact score.
import { batch, RandomStream } from '@sgmkit/tensor';
import {
  createScoreNetwork,
  gaussianScore,
  loadScoreNetwork,
  saveScoreNetwork,
  trainDenoisingScoreMatching,
} from '@sgmkit/score';

const [m, d] = [4000, 2];
const data = batch(m, d);
const rng = new RandomStream(11);
for (let i = 0; i < m; i++) {
  data.data[2 * i] = 1 + 0.5 * rng.normal(); // N((1, -1), diag(0.25, 1))
  data.data[2 * i + 1] = -1 + rng.normal();
}

const network = createScoreNetwork({ dim: d, hiddenWidths: [32, 32], seed: 1 });
const { losses } = trainDenoisingScoreMatching(network, data, { steps: 400, batchSize: 128, seed: 2 });
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const [early, late] = [mean(losses.slice(0, 50)), mean(losses.slice(-50))];
console.log(`mean loss ${early.toFixed(3)} over the first 50 steps, ${late.toFixed(3)} over the last 50`);
if (!(late < early)) throw new Error('training did not reduce the loss');

const reloaded = loadScoreNetwork(saveScoreNetwork(network));
const exact = gaussianScore({ mean: [1, -1], covariance: [0.25, 1] });
const x = batch(1, d);
x.data.set([1.5, 0]);
const [learned, truth] = [batch(1, d), batch(1, d)];
reloaded.evaluate(0.5, x, learned);
exact.evaluate(0.5, x, truth);
console.log(
  'score at t = 0.5, x = (1.5, 0): learned',
  Array.from(learned.data, (v) => v.toFixed(3)),
  'exact',
  Array.from(truth.data, (v) => v.toFixed(3)),
);
