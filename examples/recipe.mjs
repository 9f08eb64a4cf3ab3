// The default training recipe on image-like data: trainScoreNetwork standardises the rows, holds 10% out,
// trains with EMA, warm-up + cosine learning rate and gradient clipping, and returns the EMA network with
// its normalization. Sampling runs in the standardised space; unstandardizeBatch maps the samples back.
import { batch } from '@sgmkit/tensor';
import {
  sampleStrokeImages,
  trainScoreNetwork,
  ScoreNetwork,
  saveScoreNetwork,
  loadScoreNetwork,
  unstandardizeBatch,
} from '@sgmkit/score';
import { earlyStoppingGrid, sampleDDPM, slicedWasserstein } from '@sgmkit/sampler';

const images = sampleStrokeImages(1000, { seed: 1 }); // 1000 images of 8×8 strokes, pixels in [0, 1]
const { network, train, heldOut, evaluations } = trainScoreNetwork(images, {
  hiddenWidths: [64, 64],
  steps: 300,
  batchSize: 128,
  seed: 2,
});
const last = evaluations.at(-1);
console.log(
  `held-out DSM loss ${evaluations[0].heldOutLoss.toFixed(2)} at step ${evaluations[0].step}, ${last.heldOutLoss.toFixed(2)} at step ${last.step}`,
);

const reloaded = loadScoreNetwork(saveScoreNetwork(network)); // the file keeps the normalization (format version 4)
console.log(
  'normalization:',
  reloaded.normalization.kind,
  'mean of pixel 27:',
  reloaded.normalization.mean[27].toFixed(3),
);

// The network is the score of the standardised data: sample there, then map back.
const standardised = new ScoreNetwork(network.architecture, network.parameters, network.dtype, {
  dataMoments: network.dataMoments,
});
// The early-stopping grid: a uniform grid's last step adds more noise than the standardised data's std of 0.3.
const grid = earlyStoppingGrid(10, 1e-3, 100);
const { samples } = await sampleDDPM(standardised, { T: 10, grid, n: 500, seed: 3 });
const x = unstandardizeBatch(network.normalization, samples, batch(500, 64));
const sw = (a, b) => slicedWasserstein(a, b, { projections: 100, seed: 4 }).distance.toFixed(3);
console.log(`sliced W2 to the held-out images: samples ${sw(x, heldOut)}, training images ${sw(train, heldOut)}`);
