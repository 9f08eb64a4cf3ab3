"""NumPy baseline for benchmarks/ddpm-sampling.bench.mjs.

The same algorithm as sgmkit's `sampleDDPM(ringMixture(), {T, steps, method: 'exponential-integrator'})`:
  - data: 8 equal-weight isotropic Gaussians (std 0.5) on a circle of radius 4;
  - exact OU score of the mixture at forward time t, in log-sum-exp form:
      q_t = sum_k w_k N(e^{-t} mu_k, v_t I),  v_t = std^2 e^{-2t} + 1 - e^{-2t},
      s(t, y) = sum_k softmax_k(log w_k - |y - e^{-t} mu_k|^2 / (2 v_t)) (e^{-t} mu_k - y) / v_t;
  - y_0 ~ N(0, I), uniform grid t_k = T - k T / N, and the exponential-integrator step
      y <- e^h y + 2 (e^h - 1) s(t_k, y) + sqrt(e^{2h} - 1) z.
Vectorised over the particles and the components. Prints one JSON line: wall time and the mode fractions.

Usage: python3 ddpm_sampling.py N_PARTICLES STEPS T SEED
"""
import json
import sys
import time

import numpy as np


def ring_mixture(components=8, radius=4.0, std=0.5):
    angles = 2 * np.pi * np.arange(components) / components
    means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    weights = np.full(components, 1.0 / components)
    return weights, means, std * std


def mixture_score(t, y, log_weights, means, variance0):
    """Log-sum-exp mixture score. The squared distances are expanded, |y - c_k|^2 = |y|^2 - 2 y.c_k + |c_k|^2, and
    the |y|^2 term (common to all k) cancels in the softmax, so the logits are one (n, 2) x (2, K) product: the
    faster of the two NumPy formulations we tried (the other broadcasts y - c_k over (n, K, 2); ~10% slower)."""
    decay = np.exp(-t)
    v = variance0 * decay * decay - np.expm1(-2 * t)
    centers = decay * means                                        # (K, 2)
    logits = (y @ centers.T - 0.5 * (centers * centers).sum(axis=1)) / v + log_weights
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)                    # posterior component probabilities (n, K)
    return (logits @ centers - y) / v


def sample(n, steps, T, seed):
    weights, means, variance0 = ring_mixture()
    log_weights = np.log(weights)
    rng = np.random.default_rng(seed)
    grid = T - T * np.arange(steps + 1) / steps
    grid[-1] = 0.0
    y = rng.standard_normal((n, 2))
    for k in range(steps):
        t = grid[k]
        h = t - grid[k + 1]
        s = mixture_score(t, y, log_weights, means, variance0)
        y = np.exp(h) * y + 2 * np.expm1(h) * s + np.sqrt(np.expm1(2 * h)) * rng.standard_normal((n, 2))
    return y, means


def main():
    n, steps, T, seed = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    started, cpu_started = time.perf_counter(), time.process_time()
    y, means = sample(n, steps, T, seed)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    nearest = np.argmin(((y[:, None, :] - means[None, :, :]) ** 2).sum(axis=2), axis=1)
    fractions = np.bincount(nearest, minlength=len(means)) / n
    print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu_seconds, 'numpy': np.__version__, 'fractions': fractions.tolist()}))


if __name__ == '__main__':
    main()
