// Reference implementations written straight from the definitions, for comparison with the kernels.
import type { ScoreNetworkDocument } from '@sgmkit/score';

/** ε_θ(t, x) for one point by plain loops over the saved weights. */
export function referenceNoisePrediction(doc: ScoreNetworkDocument, t: number, x: readonly number[]): number[] {
  let h: number[] = [...x];
  for (const w of doc.timeFeatures.frequencies) h.push(Math.sin(w * Math.log(t)), Math.cos(w * Math.log(t)));
  doc.layers.forEach((layer, l) => {
    const inDim = h.length;
    const outDim = layer.bias.length;
    const z = layer.bias.slice();
    for (let j = 0; j < outDim; j++) for (let i = 0; i < inDim; i++) z[j] += h[i]! * layer.weight[i * outDim + j]!;
    h = l < doc.layers.length - 1 ? z.map((v) => v / (1 + Math.exp(-v))) : z;
  });
  return h;
}

export function referenceScore(doc: ScoreNetworkDocument, t: number, x: readonly number[]): number[] {
  const sigma = Math.sqrt(1 - Math.exp(-2 * t));
  return referenceNoisePrediction(doc, t, x).map((e) => -e / sigma);
}
