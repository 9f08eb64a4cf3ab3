// A custom score type in its own module. `module: import.meta.url` tells worker threads to import
// this file, which registers the type in each of them, so scores of this type run on workers.
import { registerScoreType } from '@sgmkit/score';

/** The exact OU score of N(0, c·I) data: q_t = N(0, (c e^{-2t} + 1 − e^{-2t}) I). */
export function shrinkScore(dim, variance) {
  return {
    kind: 'ou',
    dim,
    spec: { type: 'example-shrink', dim, variance },
    evaluate(t, x, out) {
      const decay = Math.exp(-2 * t);
      const scale = -1 / (variance * decay + 1 - decay);
      for (let i = 0; i < x.shape[0] * dim; i++) out.data[out.offset + i] = scale * x.data[x.offset + i];
    },
  };
}

registerScoreType('example-shrink', (spec) => shrinkScore(spec.dim, spec.variance), { module: import.meta.url });
