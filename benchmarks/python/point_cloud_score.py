"""NumPy baseline for benchmarks/point-cloud-score.bench.mjs.

The exact OU score of the empirical measure of m points at time t, as a NumPy user would write it:
logits from one matrix product (the |x|^2 term cancels in the softmax), a max-subtracted softmax over
the points, and a second matrix product for the weighted mean, on the whole batch at once. BLAS is
limited to one thread by the caller (OPENBLAS_NUM_THREADS=1 etc.), as sgmkit runs on one thread.

Usage: python3 point_cloud_score.py POINTS.bin X.bin JS_OUT.bin M D N T [MIN_SECONDS]
Prints one JSON line: the mean and fastest seconds per call, and the largest difference from the JS result.
"""
import json
import sys
import time

import numpy as np


def score(x, points, norms, t):
    a = np.exp(-t)
    variance = -np.expm1(-2 * t)
    logits = (a * (x @ points.T) - 0.5 * a * a * norms[None, :]) / variance
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    total = w.sum(axis=1, keepdims=True)
    return (a * (w @ points) - total * x) / (total * variance)


def main():
    points_path, x_path, js_path, m, d, n, t = sys.argv[1:8]
    min_seconds = float(sys.argv[8]) if len(sys.argv) > 8 else 1.5
    m, d, n, t = int(m), int(d), int(n), float(t)
    points = np.fromfile(points_path, dtype=np.float64).reshape(m, d)
    x = np.fromfile(x_path, dtype=np.float64).reshape(n, d)
    js = np.fromfile(js_path, dtype=np.float64).reshape(n, d)
    norms = (points * points).sum(axis=1)
    out = score(x, points, norms, t)
    times = []
    start = time.perf_counter()
    while len(times) < 60 and (time.perf_counter() - start < min_seconds or len(times) < 5):
        t0 = time.perf_counter()
        score(x, points, norms, t)
        times.append(time.perf_counter() - t0)
    scale = np.abs(js).max()
    print(json.dumps({
        'numpy': np.__version__,
        'mean_seconds': float(np.mean(times)),
        'min_seconds': float(np.min(times)),
        'calls': len(times),
        'max_difference_from_js_relative_to_max': float(np.abs(out - js).max() / scale),
    }))


if __name__ == '__main__':
    main()
