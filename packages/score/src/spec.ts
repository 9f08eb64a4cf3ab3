/**
 * `scoreFromSpec`: rebuilds a score from its JSON `spec` (to ship it to a worker or
 * load it from a file). The analytic families, the wrappers (biased, scaled, clipped) and
 * the learned networks (DDPM and CLD) are built in; user code adds its own types with
 * `registerScoreType` (with a module URL, so workers can load them too).
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';
import type { AnyScore, Score, ScoreSpec } from './types.js';
import { cldGaussianScore, type CLDGaussianParameters } from './analytic/cld.js';
import {
  cldGaussianMixtureScore,
  cldPointCloudScore,
  type CLDGaussianMixtureParameters,
} from './analytic/cld-mixture.js';
import { gaussianScore, type GaussianParameters } from './analytic/gaussian.js';
import { biasedScore, scaledScore } from './analytic/known-error.js';
import { gaussianMixtureScore, type GaussianMixtureParameters } from './analytic/mixture.js';
import { pointCloudScore, type PointCloudPath } from './analytic/point-cloud.js';
import { cldScoreNetworkFromSpec, scoreNetworkFromSpec } from './learned/format.js';
import { clippedScore } from './clipped.js';

/** Builds a score from a spec of its type; validates the spec's parameters itself. */
export type ScoreFactory = (spec: ScoreSpec) => AnyScore;

/** An OU score rebuilt from a nested spec (the base of a biased or scaled score). */
function nestedOUScore(spec: ScoreSpec, fn: string): Score {
  const score = scoreFromSpec(spec.score as ScoreSpec);
  if (score.kind !== 'ou')
    throw new InvalidArgumentError(fn, 'spec.score', spec.score, "the spec of an OU score (kind 'ou')");
  return score;
}

const factories = new Map<string, ScoreFactory>([
  ['gaussian', (spec) => gaussianScore(spec as unknown as GaussianParameters)],
  ['gaussian-mixture', (spec) => gaussianMixtureScore(spec as unknown as GaussianMixtureParameters)],
  [
    'point-cloud',
    (spec) =>
      pointCloudScore(spec.points as number[][], spec.path === undefined ? {} : { path: spec.path as PointCloudPath }),
  ],
  ['cld-gaussian', (spec) => cldGaussianScore(spec as unknown as CLDGaussianParameters)],
  ['cld-gaussian-mixture', (spec) => cldGaussianMixtureScore(spec as unknown as CLDGaussianMixtureParameters)],
  [
    'cld-point-cloud',
    (spec) =>
      cldPointCloudScore(spec.points as number[][], {
        initialVelocityVariance: spec.initialVelocityVariance as number,
      }),
  ],
  ['biased', (spec) => biasedScore(nestedOUScore(spec, 'scoreFromSpec'), spec.bias as number[])],
  ['scaled', (spec) => scaledScore(nestedOUScore(spec, 'scoreFromSpec'), spec.eta as number)],
  ['mlp', scoreNetworkFromSpec],
  ['cld-mlp', cldScoreNetworkFromSpec],
  [
    'clipped',
    (spec) =>
      clippedScore(nestedOUScore(spec, 'scoreFromSpec'), {
        lower: spec.lower as number[],
        upper: spec.upper as number[],
      }),
  ],
]);

/** Options of {@link registerScoreType}. */
export interface RegisterScoreTypeOptions {
  /**
   * URL of the module that makes this registration (usually `import.meta.url` of a module that only
   * registers types). Worker threads import it before rebuilding a spec, so scores of this type can
   * run on workers; without it they run on the calling thread only.
   */
  readonly module?: string | URL;
}

/** The module URL given for each custom type (see {@link RegisterScoreTypeOptions.module}). */
const modules = new Map<string, string>();

/**
 * Makes `scoreFromSpec` understand specs of `type`. Each type is registered once per thread; a
 * worker that imports `options.module` registers it again there.
 */
export function registerScoreType(type: string, factory: ScoreFactory, options: RegisterScoreTypeOptions = {}): void {
  const fn = 'registerScoreType';
  if (typeof type !== 'string' || type.length === 0)
    throw new InvalidArgumentError(fn, 'type', type, 'a non-empty string');
  if (factories.has(type))
    throw new InvalidArgumentError(
      fn,
      'type',
      type,
      `a type not registered yet (registered: ${registeredScoreTypes().join(', ')})`,
    );
  if (typeof factory !== 'function')
    throw new InvalidArgumentError(fn, 'factory', factory, 'a function (spec) => score');
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  const moduleUrl = options.module;
  if (
    moduleUrl !== undefined &&
    !(typeof moduleUrl === 'string' && moduleUrl.length > 0) &&
    !(moduleUrl instanceof URL)
  ) {
    throw new InvalidArgumentError(
      fn,
      'options.module',
      moduleUrl,
      'a module URL (string or URL), e.g. import.meta.url',
    );
  }
  factories.set(type, factory);
  if (moduleUrl !== undefined) modules.set(type, String(moduleUrl));
}

/**
 * The module URL registered with each custom score type that has one (see {@link registerScoreType}):
 * what a worker thread imports to learn those types.
 */
export function scoreTypeModules(): Record<string, string> {
  return Object.fromEntries(modules);
}

/** The spec types `scoreFromSpec` understands. */
export function registeredScoreTypes(): string[] {
  return [...factories.keys()];
}

/** Rebuilds a score from `spec` (a score's `.spec`, possibly after a JSON round trip): evaluations are bit-identical. */
export function scoreFromSpec(spec: ScoreSpec): AnyScore {
  const fn = 'scoreFromSpec';
  if (!spec || typeof spec !== 'object')
    throw new InvalidArgumentError(fn, 'spec', spec, 'a score spec object { type, ... }');
  const factory = factories.get(spec.type);
  if (!factory)
    throw new InvalidArgumentError(
      fn,
      'spec.type',
      spec.type,
      `one of the registered score types (${registeredScoreTypes().join(', ')})`,
    );
  return factory(spec);
}
