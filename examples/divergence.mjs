// The divergence guard: every sampler run reports how many particles left a stated box
// (default: 10 data standard deviations, from score.dataMoments) or became non-finite.
import { batch, fillParticleNormals } from '@sgmkit/tensor';
import { gaussianScore, scaledScore } from '@sgmkit/score';
import { countDiverged, ddpmExponentialIntegrator, sampleDDPM, uniformGrid } from '@sgmkit/sampler';

const exact = gaussianScore({
  mean: [1, -1],
  covariance: [
    [1, 0.5],
    [0.5, 2],
  ],
});
const good = await sampleDDPM(exact, { T: 8, steps: 100, n: 10_000, seed: 1 });
console.log(
  `exact score: ${good.diverged.count} of 10000 diverged (box x0 in [${good.diverged.region.lower[0].toFixed(2)}, ${good.diverged.region.upper[0].toFixed(2)}])`,
);
if (good.diverged.count !== 0) throw new Error('an exact Gaussian run diverged');

// A score that pushes particles out (−2 × the true score): the report says so; nothing throws.
const repulsive = scaledScore(exact, -3);
const bad = await sampleDDPM(repulsive, { T: 1, steps: 20, n: 10_000, seed: 1, workers: 2 });
console.log(
  `repulsive score: ${bad.diverged.count} diverged (${(100 * bad.diverged.fraction).toFixed(1)}%), ${bad.diverged.nonFinite} non-finite`,
);

// A caller's box, and the same count for the integrators, which return only their evaluation count.
const y = batch(10_000, 2);
fillParticleNormals(y, 1, 0, 0);
ddpmExponentialIntegrator(repulsive, y, uniformGrid(1, 20), { seed: 1 });
const report = countDiverged(y, repulsive, { region: { lower: [-100, -100], upper: [100, 100] } });
console.log(`integrator output outside [-100, 100]²: ${report.count}`);
