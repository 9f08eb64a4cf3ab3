/**
 * Targets the commands can sample or train on: a Gaussian from `--mean/--cov`,
 * named mixture presets, a point-cloud file, or a saved network. Each target
 * knows its score, what can be drawn of it, and its exact moments when known.
 * @packageDocumentation
 */
import type { Batch } from '@sgmkit/tensor';
import {
  cldGaussianMixtureScore,
  cldGaussianScore,
  cldPointCloudScore,
  gaussianMixtureScore,
  gaussianScore,
  pointCloudScore,
  ringMixtureParameters,
  sampleGaussian,
  sampleGaussianMixture,
  type CLDScore,
  type Score,
} from '@sgmkit/score';
import type { OptionSpec, ParsedArgs } from './args.js';
import { OptionValueError, UsageError } from './errors.js';
import type { TargetPicture } from './figures.js';
import {
  covarianceEntry,
  gaussianMarginal1,
  gaussianMarginal2,
  mixtureMarginal1,
  mixtureMarginal2,
  mixtureMoments,
  type CovarianceJson,
  type MixtureJson,
} from './densities.js';
import { readPointCloud, readScoreNetworkFile } from '../node/files.js';
import type { GaussianLaw } from '../index.js';

/** Named mixture targets. */
export const MIXTURE_PRESETS: Readonly<Record<string, { description: string; parameters: () => MixtureJson }>> = {
  ring8: {
    description: '8 Gaussians on a ring (radius 4, std 0.5)',
    parameters: () => {
      const p = ringMixtureParameters({ components: 8, radius: 4, std: 0.5 });
      return {
        weights: Array.from(p.weights),
        means: p.means.map((m) => Array.from(m)),
        covariances: p.covariances as number[],
      };
    },
  },
  grid25: {
    description: '25 Gaussians on a 5 × 5 grid (spacing 2, std 0.3)',
    parameters: () => {
      const centres = [-4, -2, 0, 2, 4];
      const means = centres.flatMap((x) => centres.map((y) => [x, y]));
      return { weights: means.map(() => 1 / 25), means, covariances: means.map(() => 0.09) };
    },
  },
  bimodal: {
    description: '1-D mixture 0.3·N(-2, 0.25) + 0.7·N(2, 0.5)',
    parameters: () => ({ weights: [0.3, 0.7], means: [[-2], [2]], covariances: [0.25, 0.5] }),
  },
};

/** Names accepted by `--target`. */
export const TARGET_NAMES: readonly string[] = ['gaussian', ...Object.keys(MIXTURE_PRESETS)];

/** The options that choose a target, shared by `sample` and `train`. */
export const TARGET_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'target',
    kind: 'choice',
    choices: TARGET_NAMES,
    description: `analytic target: ${TARGET_NAMES.join(', ')}`,
    defaultText: 'ring8',
  },
  {
    name: 'mean',
    kind: 'numbers',
    valueName: '<m1,m2,...>',
    description: 'mean of the gaussian target',
    defaultText: 'zeros(--dim)',
  },
  {
    name: 'cov',
    kind: 'matrix',
    valueName: '<cov>',
    description: 'covariance of the gaussian target: "2" (2·I), "1,4" (diagonal) or "1,0.5;0.5,2" (full)',
    defaultText: '1',
  },
  {
    name: 'dim',
    kind: 'integer',
    min: 1,
    max: 4096,
    valueName: '<d>',
    description: 'dimension of the gaussian target when --mean is absent',
    defaultText: '2',
  },
  {
    name: 'points',
    kind: 'string',
    valueName: '<file.csv|json>',
    description: 'point-cloud target: the exact score of the empirical measure of these points',
  },
];

/** Exact first two moments, when known. */
export interface Moments {
  readonly mean: Float64Array;
  /** Row-major `d × d`. */
  readonly covariance: Float64Array;
}

/** A target resolved from the command line. */
export interface Target {
  /** Short name: `ring8`, `gaussian`, `points`, `network`. */
  readonly name: string;
  readonly description: string;
  readonly dim: number;
  /** The OU score (`∇ln q_t`). */
  ouScore(): Score;
  /**
   * The CLD velocity score for initial velocity `N(0, γI)`: exact for analytic targets and point clouds, the network
   * itself for a CLD network (whose γ is fixed by its training: `fixedGamma`); absent for a DDPM network.
   */
  cldScore?(initialVelocityVariance: number): CLDScore;
  /** For a saved network: which sampler it was trained for (`'ou'`: DDPM, `'cld'`). */
  readonly networkKind?: 'ou' | 'cld';
  /** γ of a CLD network (the only γ its score is for). */
  readonly fixedGamma?: number;
  readonly picture: TargetPicture;
  readonly moments?: Moments;
  /** True when the score is singular at t = 0 (point clouds), so sampling must stop early at δ > 0. */
  readonly needsEarlyStopping: boolean;
  /** The data law, for Gaussian targets. */
  readonly law?: GaussianLaw;
  /** The target's data, for point clouds. */
  readonly points?: Batch;
  /** Per-coordinate range of the training rows in data units, stored in a network file by `sgmkit train`. */
  readonly dataRange?: { readonly lower: Float64Array; readonly upper: Float64Array };
  /** `m` exact draws from the target (analytic targets only). */
  draw?(m: number, seed: number): Batch;
  /**
   * The exact OU score of the standardised law `y = (x − mean)/scale` (analytic targets only):
   * what a network trained on standardised draws approximates.
   */
  standardizedOUScore?(mean: Float64Array, scale: Float64Array): Score;
  /** The exact CLD velocity score of the same standardised law (analytic targets only). */
  standardizedCLDScore?(mean: Float64Array, scale: Float64Array, initialVelocityVariance: number): CLDScore;
}

/** The mixture `Σ w_k N((μ_k − m)/s, S⁻¹Σ_k S⁻¹)`, `S = diag(s)`: the law of `(X − m)/s` for X of `mixture`. */
function standardizedMixture(mixture: MixtureJson, mean: Float64Array, scale: Float64Array): MixtureJson {
  const d = mean.length;
  return {
    weights: mixture.weights,
    means: mixture.means.map((mu) => mu.map((v, i) => (v - mean[i]!) / scale[i]!)),
    covariances: mixture.covariances.map((cov) =>
      Array.from({ length: d }, (_, i) =>
        Array.from({ length: d }, (_, j) => covarianceEntry(cov, i, j) / (scale[i]! * scale[j]!)),
      ),
    ),
  };
}

function covarianceFromOption(cov: number[][] | undefined, d: number): CovarianceJson {
  if (cov === undefined) return 1;
  if (cov.length === 1 && cov[0]!.length === 1) return cov[0]![0]!;
  if (cov.length === 1) {
    if (cov[0]!.length !== d) throw new OptionValueError('cov', cov[0]!.join(','), `a diagonal of length d = ${d}`);
    return cov[0]!;
  }
  if (cov.length !== d || cov[0]!.length !== d)
    throw new OptionValueError('cov', cov.map((r) => r.join(',')).join(';'), `a ${d} × ${d} matrix`);
  return cov;
}

function fullCovariance(cov: CovarianceJson, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = covarianceEntry(cov, i, j);
  return out;
}

/** `N(mean, cov)` from `--mean`, `--cov`, `--dim`. */
export function gaussianTarget(args: ParsedArgs): Target {
  const given = args.numbers('mean');
  if (given && args.has('dim') && args.number('dim') !== given.length) {
    throw new OptionValueError(
      'dim',
      String(args.number('dim')),
      `the length of --mean (${given.length}) when both are given`,
    );
  }
  const mean = given ?? new Array<number>(args.number('dim', 2)).fill(0);
  const d = mean.length;
  const covariance = covarianceFromOption(args.matrix('cov'), d);
  const score = gaussianScore({ mean, covariance: covariance as number[][] });
  const law: GaussianLaw = {
    mean: Float64Array.from(mean),
    covariance: { data: fullCovariance(covariance, d), shape: [d, d], stride: [d, 1], offset: 0 },
  };
  return {
    name: 'gaussian',
    description: `Gaussian N(mean, cov) in d = ${d}`,
    dim: d,
    ouScore: () => score,
    cldScore: (gamma) =>
      cldGaussianScore({ mean, covariance: covariance as number[][], initialVelocityVariance: gamma }),
    picture: {
      label: 'Gaussian',
      density1d: gaussianMarginal1(mean, covariance),
      density2d: d >= 2 ? gaussianMarginal2(mean, covariance) : undefined,
    },
    moments: { mean: law.mean, covariance: law.covariance.data },
    needsEarlyStopping: false,
    law,
    draw: (m, seed) => sampleGaussian({ mean, covariance }, m, { seed }),
    standardizedOUScore: (m, s) => {
      const law = standardizedMixture({ weights: [1], means: [mean], covariances: [covariance] }, m, s);
      return gaussianScore({ mean: law.means[0]! as number[], covariance: law.covariances[0]! as number[][] });
    },
    standardizedCLDScore: (m, s, gamma) => {
      const law = standardizedMixture({ weights: [1], means: [mean], covariances: [covariance] }, m, s);
      return cldGaussianScore({
        mean: law.means[0]! as number[],
        covariance: law.covariances[0]! as number[][],
        initialVelocityVariance: gamma,
      });
    },
  };
}

/** A named mixture preset. */
export function mixtureTarget(name: string): Target {
  const preset = MIXTURE_PRESETS[name]!;
  const parameters = preset.parameters();
  const d = parameters.means[0]!.length;
  const score = gaussianMixtureScore({
    weights: parameters.weights,
    means: parameters.means,
    covariances: parameters.covariances as number[],
  });
  return {
    name,
    description: preset.description,
    dim: d,
    ouScore: () => score,
    cldScore: (gamma) =>
      cldGaussianMixtureScore({
        ...parameters,
        covariances: parameters.covariances as number[],
        initialVelocityVariance: gamma,
      }),
    picture: {
      label: name,
      density1d: mixtureMarginal1(parameters),
      density2d: d >= 2 ? mixtureMarginal2(parameters) : undefined,
    },
    moments: mixtureMoments(parameters),
    needsEarlyStopping: false,
    draw: (m, seed) => sampleGaussianMixture(parameters, m, { seed }),
    standardizedOUScore: (m, s) => {
      const law = standardizedMixture(parameters, m, s);
      return gaussianMixtureScore({
        weights: law.weights,
        means: law.means,
        covariances: law.covariances as number[][][],
      });
    },
    standardizedCLDScore: (m, s, gamma) => {
      const law = standardizedMixture(parameters, m, s);
      return cldGaussianMixtureScore({
        weights: law.weights,
        means: law.means,
        covariances: law.covariances as number[][][],
        initialVelocityVariance: gamma,
      });
    },
  };
}

/** The empirical measure of a point-cloud file. */
export function pointCloudTarget(path: string): Target {
  const points = readPointCloud(path);
  const [m, d] = points.shape as [number, number];
  const score = pointCloudScore(points);
  return {
    name: 'points',
    description: `empirical measure of ${m} points in d = ${d} from ${path}`,
    dim: d,
    ouScore: () => score,
    cldScore: (gamma) => cldPointCloudScore(points, { initialVelocityVariance: gamma }),
    picture: { label: path, points },
    needsEarlyStopping: true,
    points,
  };
}

/** A saved score network (from `sgmkit train`, a DDPM network, or `sgmkit train --sampler cld`, a CLD one). */
export function networkTarget(path: string): Target {
  const network = readScoreNetworkFile(path);
  const common = {
    name: 'network',
    dim: network.dim,
    picture: { label: 'learned score' },
    needsEarlyStopping: true,
    networkKind: network.kind,
    ...(network.dataRange ? { dataRange: network.dataRange } : {}),
  };
  if (network.kind === 'ou')
    return {
      ...common,
      description: `learned DDPM score network from ${path} (d = ${network.dim})`,
      ouScore: () => network,
    };
  return {
    ...common,
    description: `learned CLD velocity-score network from ${path} (d = ${network.dim}, γ = ${network.initialVelocityVariance})`,
    fixedGamma: network.initialVelocityVariance,
    ouScore: () => {
      throw new UsageError(
        `${path} is a CLD network (trained with \`sgmkit train --sampler cld\`): sample it with --sampler cld`,
      );
    },
    cldScore: (gamma) => {
      if (gamma !== network.initialVelocityVariance)
        throw new UsageError(
          `${path} is a CLD network for initial velocity variance γ = ${network.initialVelocityVariance}; --gamma ${gamma} differs (omit --gamma)`,
        );
      return network;
    },
  };
}

/** Resolves `--target`, `--points` or `--network` (at most one) into a target; `gaussian` when `--mean/--cov/--dim` are given, else ring8. */
export function resolveTarget(args: ParsedArgs): Target {
  const chosen = ['target', 'points', 'network'].filter((o) => args.has(o));
  if (chosen.length > 1) throw new UsageError(`choose one target: --${chosen.join(' and --')} were both given`);
  const path = args.string('points');
  if (path !== undefined) return pointCloudTarget(path);
  const network = args.string('network');
  if (network !== undefined) return networkTarget(network);
  const describesGaussian = ['mean', 'cov', 'dim'].some((o) => args.has(o));
  const name = args.string('target', describesGaussian ? 'gaussian' : 'ring8');
  if (name !== 'gaussian' && describesGaussian) {
    throw new UsageError(`--mean, --cov and --dim describe --target gaussian; the target is ${name}`);
  }
  return name === 'gaussian' ? gaussianTarget(args) : mixtureTarget(name);
}
