/**
 * How a score travels to a worker: its JSON `spec`, except a learned network, which travels as
 * its architecture and raw parameter array. A network's `spec` writes ~10⁵ weights as JSON
 * numbers (tens of ms for d = 64, 256,256), and cloning that array per worker costs as much
 * again; a Float64Array is cloned with one copy, and the network built from it is the same as
 * the one `scoreFromSpec(spec)` builds (same architecture, same doubles), so samples stay
 * bit-identical.
 * @packageDocumentation
 */
import { ScoreNetwork, scoreFromSpec } from '@sgmkit/score';
import type { AnyScore, ScoreSpec } from '@sgmkit/score';

/** The `type` of the internal description of a network sent to workers (never written to files). */
export const NETWORK_TRANSFER_TYPE = 'sgmkit-network-transfer';

/**
 * The description of `score` a worker rebuilds it from; reads `score.spec` unless it is a network
 * (an object made by the ScoreNetwork constructor itself: anything derived from one may define its own spec).
 */
export function workerSpecOf(score: { readonly spec?: ScoreSpec }): unknown {
  if (Object.getPrototypeOf(score) !== ScoreNetwork.prototype) return score.spec;
  const network = score as ScoreNetwork;
  const { architecture, parameters, dtype, normalization, dataMoments } = network;
  return { type: NETWORK_TRANSFER_TYPE, architecture, parameters, dtype, normalization, dataMoments };
}

/** Rebuilds a score from what {@link workerSpecOf} made (in a worker, after a structured clone). */
export function scoreFromWorkerSpec(spec: ScoreSpec): AnyScore {
  if (spec.type !== NETWORK_TRANSFER_TYPE) return scoreFromSpec(spec);
  const s = spec as unknown as Pick<
    ScoreNetwork,
    'architecture' | 'parameters' | 'dtype' | 'normalization' | 'dataMoments'
  >;
  return new ScoreNetwork(s.architecture, s.parameters, s.dtype, {
    ...(s.normalization ? { normalization: s.normalization } : {}),
    ...(s.dataMoments ? { dataMoments: s.dataMoments } : {}),
  });
}
