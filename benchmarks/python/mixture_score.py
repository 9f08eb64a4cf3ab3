"""NumPy baseline for benchmarks/mixture-score.bench.mjs.

The same computation as GaussianMixtureScore.evaluate: the exact OU score of a
K-component full-covariance mixture at time t, in log-sum-exp form, vectorised
with NumPy broadcasting over the n particles and K components. Per-time factors
(m_t, Σ_t^{-1}, log det Σ_t) are computed once outside the timed loop, as the JS
score caches them per t.

Usage: python3 mixture_score.py PARAMS.json X.bin JS_OUT.bin [MIN_SECONDS]
Prints one JSON line: timings of the fastest of two NumPy formulations, and the
largest difference from the JS result.
"""
import json
import sys
import time

import numpy as np


def factors_at(t, weights, means, covariances):
    d = means.shape[1]
    decay = np.exp(-t)
    centers = decay * means
    cov_t = np.exp(-2 * t) * covariances - np.expm1(-2 * t) * np.eye(d)
    precisions = np.linalg.inv(cov_t)
    log_normalisers = np.log(weights) - 0.5 * np.linalg.slogdet(cov_t)[1]
    return centers, precisions, log_normalisers


def score_einsum(x, centers, precisions, log_normalisers):
    diff = centers[None, :, :] - x[:, None, :]                      # (n, K, d)
    s = np.einsum('kij,nkj->nki', precisions, diff)                 # component scores
    logits = log_normalisers - 0.5 * np.einsum('nki,nki->nk', diff, s)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum('nk,nki->ni', w, s)


def score_broadcast(x, centers, precisions, log_normalisers):
    # d = 2 written out with broadcasting only (no einsum): usually NumPy's fastest form.
    d0 = centers[None, :, 0] - x[:, 0:1]                            # (n, K)
    d1 = centers[None, :, 1] - x[:, 1:2]
    s0 = precisions[:, 0, 0] * d0 + precisions[:, 0, 1] * d1
    s1 = precisions[:, 1, 0] * d0 + precisions[:, 1, 1] * d1
    logits = log_normalisers - 0.5 * (d0 * s0 + d1 * s1)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    total = w.sum(axis=1)
    return np.stack([(w * s0).sum(axis=1) / total, (w * s1).sum(axis=1) / total], axis=1)


def seconds_per_call(f, min_seconds=1.5, max_calls=60):
    for _ in range(3):
        f()
    times = []
    start = time.perf_counter()
    while len(times) < max_calls and (time.perf_counter() - start < min_seconds or len(times) < 5):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.mean(times)), float(np.min(times)), len(times)


def main():
    params_path, x_path, js_out_path = sys.argv[1:4]
    min_seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 1.5
    with open(params_path) as fh:
        params = json.load(fh)
    weights = np.array(params['weights'], dtype=np.float64)
    means = np.array(params['means'], dtype=np.float64)
    covariances = np.array(params['covariances'], dtype=np.float64)
    t = float(params['t'])
    x = np.fromfile(x_path, dtype=np.float64).reshape(-1, means.shape[1])
    js_out = np.fromfile(js_out_path, dtype=np.float64).reshape(x.shape)
    factors = factors_at(t, weights, means, covariances)
    results = {}
    for name, f in (('einsum', score_einsum), ('broadcast', score_broadcast)):
        out = f(x, *factors)
        mean, best, calls = seconds_per_call(lambda: f(x, *factors), min_seconds)
        scale = np.maximum(1.0, np.abs(out))
        results[name] = {'mean_seconds': mean, 'min_seconds': best, 'calls': calls,
                         'max_relative_difference_from_js': float(np.max(np.abs(out - js_out) / scale))}
    fastest = min(results, key=lambda k: results[k]['mean_seconds'])
    print(json.dumps({'numpy': np.__version__, 'fastest': fastest, 'variants': results}))


if __name__ == '__main__':
    main()
