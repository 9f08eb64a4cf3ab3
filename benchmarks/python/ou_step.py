"""NumPy baseline for the OU exponential-integrator step
    y <- e^h y + 2(e^h - 1) s + sqrt(e^{2h} - 1) z
vectorised with in-place operations and preallocated buffers (numpy 2.x
Generator.standard_normal(out=...), a ziggurat on PCG64).
Usage: python3 ou_step.py N D REPS  -> prints one JSON line with the best and median ms per step."""
import json
import math
import sys
import time

import numpy as np


def ou_step(y, s, z, scratch, h, rng):
    a, b, c = math.exp(h), 2 * math.expm1(h), math.sqrt(math.expm1(2 * h))
    rng.standard_normal(out=z)
    np.multiply(y, a, out=y)
    np.multiply(s, b, out=scratch)
    np.add(y, scratch, out=y)
    np.multiply(z, c, out=z)
    np.add(y, z, out=y)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    rng = np.random.default_rng(12345)
    y = (np.arange(n * d) % 1000 * 0.001).reshape(n, d)
    s = -y.copy()
    z = np.empty_like(y)
    scratch = np.empty_like(y)
    ou_step(y, s, z, scratch, 1e-3, rng)  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        ou_step(y, s, z, scratch, 1e-3, rng)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({"n": n, "d": d, "reps": reps, "bestMs": times[0], "medianMs": times[reps // 2], "numpy": np.__version__}))


if __name__ == "__main__":
    main()
