/**
 * Gauss–Legendre quadrature for the smooth (entire) integrands of the path-space
 * analysis, where an `n`-node rule on short intervals reaches machine precision.
 * @packageDocumentation
 */

/** Nodes and weights of the `n`-point Gauss–Legendre rule on `[−1, 1]`. */
export interface QuadratureRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

/** The `n`-point rule: nodes are the roots of `P_n`, found by Newton's method from Chebyshev guesses. */
export function gaussLegendre(n: number): QuadratureRule {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 0;
    for (let iteration = 0; iteration < 100; iteration++) {
      // Three-term recurrence for P_n(x) and P_{n−1}(x).
      let [previous, current] = [1, x];
      for (let k = 2; k <= n; k++)
        [previous, current] = [current, ((2 * k - 1) * x * current - (k - 1) * previous) / k];
      derivative = (n * (x * current - previous)) / (x * x - 1);
      const step = current / derivative;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    nodes[i] = x;
    weights[i] = 2 / ((1 - x * x) * derivative * derivative);
  }
  return { nodes, weights };
}

/** `∫_a^b f` by the rule on `pieces` equal sub-intervals. */
export function integrate(f: (u: number) => number, a: number, b: number, rule: QuadratureRule, pieces = 1): number {
  const width = (b - a) / pieces;
  let sum = 0;
  for (let p = 0; p < pieces; p++) {
    const [centre, half] = [a + (p + 0.5) * width, width / 2];
    for (let i = 0; i < rule.nodes.length; i++) sum += rule.weights[i]! * f(centre + half * rule.nodes[i]!);
  }
  return (sum * width) / 2;
}
