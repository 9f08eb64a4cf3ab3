// The demo's sampling logic, platform-neutral: the page (app.js) and the Node test both run it, so
// "same seed, same particles as Node" compares the same code on two engines.
import { batch, batchCovariance, batchMean, fillParticleNormals, fromArray } from '@sgmkit/tensor';
import {
  cldGaussianMixtureScore,
  cldGaussianScore,
  cldPointCloudScore,
  gaussianMixtureScore,
  gaussianScore,
  pointCloudScore,
  ringMixture,
  ringMixtureParameters,
  trainCLDScoreNetwork,
  trainScoreNetwork,
} from '@sgmkit/score';
import {
  CLD_METHODS,
  DDPM_METHODS,
  INITIAL_POSITION_STREAM,
  earlyStoppingGrid,
  exactCLDLaw,
  exactDDPMLaw,
  gaussianKL,
  gaussianW2,
  sampleCLD,
  sampleDDPM,
  uniformGrid,
} from '@sgmkit/sampler';
import { parsePointCloudCsv } from '@sgmkit/sampler/io';

export const TARGETS = ['gaussian', 'ring8', 'grid25', 'points', 'learned'];
export const METHODS = { ddpm: DDPM_METHODS, cld: CLD_METHODS };

/** What the page starts with. */
export const DEFAULTS = {
  target: 'ring8',
  sampler: 'ddpm',
  method: 'exponential-integrator',
  T: 8,
  steps: 200,
  delta: 0,
  n: 4000,
  seed: 1,
  workers: 2,
  mean: '1, -1',
  covariance: '1, 0.5; 0.5, 0.8',
  points: '# one point per line\n-2, 0\n2, 0\n0, 2\n0, -2\n1.4, 1.4\n-1.4, -1.4\n',
  trainSteps: 300,
};

/**
 * The 'learned' target: a small score network trained in the page on the points (DDPM or CLD, whichever the
 * sampler needs). Training runs on the calling thread, seeded, so Node and the browser learn the same weights.
 */
function learnedTarget(options) {
  const points = parsePointCloudCsv(options.points, 'points');
  const recipe = {
    steps: Number(options.trainSteps),
    hiddenWidths: [32, 32],
    batchSize: 64,
    heldOutFraction: 0,
    seed: Number(options.seed),
  };
  if (options.sampler === 'cld')
    return { dim: points.shape[1], cldScore: trainCLDScoreNetwork(points, recipe).network, points };
  return { dim: points.shape[1], score: trainScoreNetwork(points, recipe).network, points };
}

/** Most particles whose trajectories the page keeps (each recorded step stores them all). */
export const SHOWN_PARTICLES = 1000;
/** Most recorded frames (steps are subsampled evenly above this). */
export const MAX_FRAMES = 201;

function numbers(text, what) {
  const values = String(text)
    .split(',')
    .map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v)))
    throw new Error(`${what}: expected comma-separated numbers; got "${text}"`);
  return values;
}

/** "1, 0.5; 0.5, 2" → [[1, 0.5], [0.5, 2]]. */
function matrix(text, d) {
  const rows = String(text)
    .split(';')
    .map((row) => numbers(row, 'covariance'));
  if (rows.length !== d || rows.some((r) => r.length !== d))
    throw new Error(`covariance: expected ${d} rows of ${d} numbers separated by ';'`);
  return rows;
}

/** The target's OU score (and CLD score and exact law for Gaussians) from the form's options. */
export function makeTarget(options) {
  switch (options.target) {
    case 'gaussian': {
      const mean = numbers(options.mean, 'mean');
      const covariance = matrix(options.covariance, mean.length);
      return {
        dim: mean.length,
        score: gaussianScore({ mean, covariance }),
        cldScore: cldGaussianScore({ mean, covariance }),
        law: { mean: Float64Array.from(mean), covariance: fromArray(covariance) },
      };
    }
    case 'ring8': {
      const ring = { components: 8, radius: 4, std: 0.5 };
      return { dim: 2, score: ringMixture(ring), cldScore: cldGaussianMixtureScore(ringMixtureParameters(ring)) };
    }
    case 'grid25': {
      const centres = [-4, -2, 0, 2, 4];
      const means = centres.flatMap((x) => centres.map((y) => [x, y]));
      const parameters = { weights: means.map(() => 1 / 25), means, covariances: means.map(() => 0.09) };
      return { dim: 2, score: gaussianMixtureScore(parameters), cldScore: cldGaussianMixtureScore(parameters) };
    }
    case 'points': {
      const points = parsePointCloudCsv(options.points, 'points');
      return { dim: points.shape[1], score: pointCloudScore(points), cldScore: cldPointCloudScore(points), points };
    }
    case 'learned':
      return learnedTarget(options);
    default:
      throw new Error(`unknown target '${options.target}'; use one of ${TARGETS.join(', ')}`);
  }
}

/** Two 32-bit FNV-1a hashes (different offset bases) of the samples' bytes: 16 hex digits. */
export function particleHash(samples) {
  const { data, offset, shape } = samples;
  const values = data.subarray(offset, offset + shape[0] * shape[1]);
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i], 0x01000193);
    b = Math.imul(b ^ bytes[i], 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

function rowMajor(tensor) {
  return Array.from(tensor.data.subarray(tensor.offset, tensor.offset + tensor.shape[0] * tensor.shape[1]));
}

/** Empirical mean and covariance; for Gaussian targets also the exact output law and its KL and W2 from the target. */
export function statistics(samples, target, options, grid) {
  const stats = { mean: Array.from(batchMean(samples)), covariance: rowMajor(batchCovariance(samples)) };
  if (target.law === undefined) return stats;
  const run = { T: options.T, grid, method: options.method };
  const law = options.sampler === 'cld' ? exactCLDLaw(target.law, run).position : exactDDPMLaw(target.law, run);
  return {
    ...stats,
    exact: {
      mean: Array.from(law.mean),
      covariance: rowMajor(law.covariance),
      kl: gaussianKL(target.law, law),
      w2: gaussianW2(target.law, law),
    },
  };
}

/** The options as the samplers take them. */
function sampleOptions(options, grid, extra) {
  return { T: options.T, grid, seed: options.seed, method: options.method, ...extra };
}

function sample(target, options, grid, extra) {
  if (options.sampler === 'cld') {
    return sampleCLD(target.cldScore, sampleOptions(options, grid, extra));
  }
  return sampleDDPM(target.score, sampleOptions(options, grid, extra));
}

/**
 * Records the first `m` particles' path on the calling thread, every `every` steps: their noise is
 * addressed by global row, so they are exactly rows 0..m-1 of the full run.
 */
async function trajectories(target, options, grid, m) {
  const steps = grid.length - 1;
  const every = Math.ceil(steps / (MAX_FRAMES - 1));
  const start = batch(m, target.dim);
  fillParticleNormals(start, options.seed, INITIAL_POSITION_STREAM, 0);
  const frames = [Float32Array.from(start.data)];
  const times = [grid[0]];
  const callback = (info) => {
    if ((info.step + 1) % every !== 0 && info.step + 1 !== steps) return;
    const particles = info.y ?? info.x;
    frames.push(Float32Array.from(particles.data.subarray(particles.offset, particles.offset + m * target.dim)));
    times.push(info.nextTime);
  };
  const { samples } = await sample(target, options, grid, { n: m, callback });
  return { frames, times, last: samples };
}

/**
 * One demo run: the full sample (sharded over `options.workers` when the backend can), the
 * trajectories of the first particles, the statistics, and a hash of the samples.
 */
export async function runDemo(options) {
  const target = makeTarget(options);
  const grid =
    options.delta > 0
      ? earlyStoppingGrid(options.T, options.delta, options.steps)
      : uniformGrid(options.T, options.steps);
  const result = await sample(target, options, grid, { n: options.n, workers: options.workers });
  const m = Math.min(options.n, SHOWN_PARTICLES);
  const path = await trajectories(target, options, grid, m);
  const full = result.samples.data.subarray(0, m * target.dim);
  const trajectoriesMatch = path.last.data.every((v, i) => Object.is(v, full[i]));
  return {
    dim: target.dim,
    samples: result.samples,
    workers: result.workers,
    wallTimeMs: result.wallTimeMs,
    hash: particleHash(result.samples),
    frames: path.frames,
    times: path.times,
    trajectoriesMatch,
    stats: statistics(result.samples, target, options, grid),
    points: target.points,
  };
}
