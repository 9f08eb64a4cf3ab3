"""NumPy baseline for benchmarks/cld-sampling.bench.mjs.

The same algorithm as sgmkit's `sampleCLD(cldGaussianMixtureScore(ring8), {T, steps, method: 'exponential-integrator'})`:
  - data: 8 equal-weight isotropic Gaussians (std 0.5) on a circle of radius 4, initial velocity N(0, I) (gamma = 1);
  - exact CLD velocity score of the mixture at forward time t: every component's joint law of (x_j, v_j) has the
    2 x 2 covariance P = E diag(std^2, gamma) E^T + Q_t (E = e^{tA}, A = [[0, 1], [-1, -2]]) and the mean (a m_k, c m_k);
    with the shared joint precision L = P^{-1} the quadratic term cancels in the softmax and the logits are affine:
      w = kx x + kv v (n x 2),  kx = a L_xx + c L_xv,  kv = a L_xv + c L_vv,
      logits = w @ m^T + alpha,  alpha_k = log w_k - (a kx + c kv) |m_k|^2 / 2,
      s_v = kv * softmax(logits) @ m - L_xv x - L_vv v
    (the same formulation as sgmkit's affine-logit kernel; one (n x 2)(2 x K) product, like the DDPM NumPy baseline);
  - (x, v) ~ N(0, I) x N(0, I), uniform grid t_k = T - k T / N, and the CLD exponential-integrator step
      x <- E11 x + E12 v + W1 s + L11 z1,  v <- E21 x + E22 v + W2 s + L21 z1 + L22 z2,
    with the step's coefficients passed in by the caller (sgmkit's cldStepCoefficients(h, 'reverse'); h is constant).
Vectorised over the particles and the components, with preallocated buffers and in-place operations where NumPy
allows. Prints one JSON line: wall time, CPU time and the mode fractions.

Usage: python3 cld_sampling.py N_PARTICLES STEPS T SEED E11 E12 E21 E22 W1 W2 L11 L21 L22
"""
import json
import math
import sys
import time

import numpy as np


def ring_mixture(components=8, radius=4.0, std=0.5):
    angles = 2 * np.pi * np.arange(components) / components
    means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return np.full(components, 1.0 / components), means, std * std


def g2(x):
    """1 - e^{-x}(1 + x + x^2/2), by its series for small x (no cancellation)."""
    if abs(x) >= 1:
        return 1 - math.exp(-x) * (1 + x + x * x / 2)
    term, total, k = x * x / 2, 0.0, 3
    while True:
        term *= x / k
        if total + term == total:
            return math.exp(-x) * total
        total += term
        k += 1


def score_factors(t, variance, gamma, log_weights, means):
    """Per-time factors of the affine-logit score (scalars and K offsets)."""
    e = math.exp(-t)
    a, b, c, d = e * (1 + t), e * t, -e * t, e * (1 - t)
    e2 = math.exp(-2 * t)
    qxx, qxv, qvv = g2(2 * t), 2 * t * t * e2, -math.expm1(-2 * t) + 2 * t * (1 - t) * e2
    pxx = qxx + variance * a * a + gamma * b * b
    pxv = qxv + variance * a * c + gamma * b * d
    pvv = qvv + variance * c * c + gamma * d * d
    det = pxx * pvv - pxv * pxv
    lxx, lxv, lvv = pvv / det, -pxv / det, pxx / det
    kx, kv = a * lxx + c * lxv, a * lxv + c * lvv
    alpha = log_weights - 0.5 * (a * kx + c * kv) * (means * means).sum(axis=1)
    return lxv, lvv, kx, kv, alpha


def velocity_score(x, v, factors, means, s):
    lxv, lvv, kx, kv, alpha = factors
    w = kx * x + kv * v
    logits = w @ means.T
    logits += alpha
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    np.matmul(logits, means, out=s)
    s *= kv
    s -= lxv * x
    s -= lvv * v


def sample(n, steps, T, seed, c):
    e11, e12, e21, e22, w1, w2, l11, l21, l22 = c
    weights, means, variance = ring_mixture()
    log_weights = np.log(weights)
    rng = np.random.default_rng(seed)
    grid = T - T * np.arange(steps + 1) / steps
    grid[-1] = 0.0
    x = rng.standard_normal((n, 2))
    v = rng.standard_normal((n, 2))
    s = np.empty_like(x)
    z = np.empty((n, 4))
    z1, z2 = z[:, 0::2], z[:, 1::2]
    x_next = np.empty_like(x)
    tmp = np.empty_like(x)
    for k in range(steps):
        velocity_score(x, v, score_factors(grid[k], variance, 1.0, log_weights, means), means, s)
        rng.standard_normal(out=z)
        np.multiply(x, e11, out=x_next)
        x_next += e12 * v
        x_next += w1 * s
        x_next += l11 * z1
        v *= e22
        v += e21 * x
        v += w2 * s
        np.multiply(z1, l21, out=tmp)
        tmp += l22 * z2
        v += tmp
        x, x_next = x_next, x
    return x, means


def main():
    n, steps, T, seed = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    coefficients = [float(a) for a in sys.argv[5:14]]
    if len(coefficients) != 9:
        raise SystemExit("cld_sampling.py: expected 9 coefficients E11 E12 E21 E22 W1 W2 L11 L21 L22")
    started, cpu_started = time.perf_counter(), time.process_time()
    x, means = sample(n, steps, T, seed, coefficients)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    nearest = np.argmin(((x[:, None, :] - means[None, :, :]) ** 2).sum(axis=2), axis=1)
    fractions = np.bincount(nearest, minlength=len(means)) / n
    print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu_seconds, 'numpy': np.__version__, 'fractions': fractions.tolist()}))


if __name__ == '__main__':
    main()
