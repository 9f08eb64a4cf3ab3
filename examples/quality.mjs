// Quality of a run against held-out data (sliced W2 and MMD beside the training-vs-held-out noise floor,
// memorisation), clipping the denoised prediction, and an image grid written as PNG.
import { batch, fillParticleNormals } from '@sgmkit/tensor';
import { clippedScore, gaussianScore, pointCloudScore } from '@sgmkit/score';
import { earlyStoppingGrid, nearestNeighbourDistances, qualityReport, sampleDDPM } from '@sgmkit/sampler';
import { encodePng, imageGrid } from '@sgmkit/sampler/plot';

// 400 training and 300 held-out rows of N(0, I) in d = 4.
const rows = (n, seed) => {
  const b = batch(n, 4);
  fillParticleNormals(b, seed, 2, 0);
  return b;
};
const train = rows(400, 1);
const heldOut = rows(300, 2);

// The exact Gaussian score generalises; the exact empirical score of the training rows, run to δ = 1e-4, copies them.
for (const [name, score] of [
  ['gaussian', gaussianScore({ mean: [0, 0, 0, 0], covariance: 1 })],
  ['empirical', pointCloudScore(train)],
]) {
  const { samples } = await sampleDDPM(score, { T: 8, grid: earlyStoppingGrid(8, 1e-4, 200), n: 2000, seed: 3 });
  const q = qualityReport(samples, train, heldOut, { projections: 100 });
  console.log(
    `${name}: sliced W2 ${q.samples.slicedW2.toFixed(3)} vs noise floor ${q.noiseFloor.slicedW2.toFixed(3)}; memorisation ratio ${q.memorisationRatio.toFixed(2)}`,
  );
}
console.log('nearest training row of the first held-out row:', nearestNeighbourDistances(heldOut, train)[0].toFixed(3));

// Clip the denoised prediction of pixel data to [0, 1], then draw 16 samples as 2×2 images.
const pixels = clippedScore(gaussianScore({ mean: [0.5, 0.5, 0.5, 0.5], covariance: 0.09 }), {
  lower: [0, 0, 0, 0],
  upper: [1, 1, 1, 1],
});
const { samples, diverged } = await sampleDDPM(pixels, { T: 8, steps: 200, n: 16, seed: 4 });
const png = encodePng(imageGrid(samples, { height: 2, width: 2, range: [0, 1] }));
console.log(`clipped run: ${diverged.count} diverged; image grid PNG of ${png.length} bytes`);
