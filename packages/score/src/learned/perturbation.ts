/**
 * How a training row is made from a clean data point, for either kind of network: the noisy point
 * the MLP reads and the target it regresses on.
 * - OU (DDPM): `x_t = e^{−t}x₀ + σ_t z`, target z (denoising score matching, `loss.ts`).
 * - CLD: `(x_t, v_t)` from the conditional law given x₀, target ε_v (hybrid score matching, `cld-network.ts`).
 * Both add the skip Gaussian's term to the target when the network has one.
 * @packageDocumentation
 */
import { exp } from '@sgmkit/tensor';
import type { FloatArray } from '@sgmkit/tensor';
import { CLD_LAW, CLDScoreNetwork, cldPerturbRow } from './cld-network.js';
import { ScoreNetwork, clipToResidualBox, skipTarget, type ScoreNetworkData } from './network.js';
import { noiseScale } from './time-features.js';

/** Either kind of learned score network. */
export type AnyScoreNetwork = ScoreNetwork | CLDScoreNetwork;

/** Forms training rows for one network. */
export interface TrainingPerturbation {
  /** Standard normals a row consumes: d (OU: z) or 2d (CLD: ε_x, then ε_v). */
  readonly normalsPerRow: number;
  /** Width of the noisy point at the start of an input row: d (OU) or 2d (CLD). */
  readonly pointWidth: number;
  /**
   * Writes the noisy point of clean point `clean[cleanOffset …]` at time t into `input[inputOffset …]`
   * and the MLP's target (d entries) into `target[targetOffset …]`; `target` may be `normals` itself at
   * the same offset when `normalsPerRow` is d.
   */
  perturbRow(
    t: number,
    clean: FloatArray,
    cleanOffset: number,
    normals: Float64Array,
    normalsOffset: number,
    input: FloatArray,
    inputOffset: number,
    target: Float64Array,
    targetOffset: number,
  ): void;
}

/** The perturbation a network is trained with (its skip scratch is used: do not evaluate it meanwhile). */
export function trainingPerturbation(network: AnyScoreNetwork): TrainingPerturbation {
  return network instanceof CLDScoreNetwork ? cldPerturbation(network) : ouPerturbation(network);
}

function ouPerturbation(network: ScoreNetwork): TrainingPerturbation {
  const d = network.dim;
  const skip = network.skip;
  return {
    normalsPerRow: d,
    pointWidth: d,
    perturbRow(t, clean, cleanOffset, normals, normalsOffset, input, inputOffset, target, targetOffset) {
      const decay = exp(-t);
      const sigma = noiseScale(t);
      for (let j = 0; j < d; j++)
        input[inputOffset + j] = decay * clean[cleanOffset + j]! + sigma * normals[normalsOffset + j]!;
      if (target !== normals || targetOffset !== normalsOffset) {
        for (let j = 0; j < d; j++) target[targetOffset + j] = normals[normalsOffset + j]!;
      }
      if (skip) {
        skipTarget(t, skip, input, inputOffset, target, targetOffset, sigma, d);
        // The target's s_G reads x itself; the MLP reads x clipped to the residual box (`residualBox`).
        if (network.residualBox !== Infinity) clipToResidualBox(t, network.residualBox, skip, input, inputOffset, d);
      }
    },
  };
}

function cldPerturbation(network: CLDScoreNetwork): TrainingPerturbation {
  const d = network.dim;
  const law = new Float64Array(CLD_LAW.LENGTH);
  return {
    normalsPerRow: 2 * d,
    pointWidth: 2 * d,
    perturbRow(t, clean, cleanOffset, normals, normalsOffset, input, inputOffset, target, targetOffset) {
      network.lawAt('trainDenoisingScoreMatching', t, law);
      cldPerturbRow(
        law,
        network.skip,
        d,
        clean,
        cleanOffset,
        normals,
        normalsOffset,
        input,
        inputOffset,
        target,
        targetOffset,
      );
    },
  };
}

/** A network of the same kind, architecture, dtype (and γ) as `network` with other weights and training data. */
export function networkLike<N extends AnyScoreNetwork>(
  network: N,
  parameters: Float64Array,
  trainedOn: ScoreNetworkData,
): N {
  return (
    network instanceof CLDScoreNetwork
      ? new CLDScoreNetwork(network.architecture, parameters, network.dtype, network.initialVelocityVariance, trainedOn)
      : new ScoreNetwork(network.architecture, parameters, network.dtype, trainedOn)
  ) as N;
}
