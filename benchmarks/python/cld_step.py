"""NumPy baseline for the CLD exponential-integrator step on (x, v)
    x <- E11 x + E12 v + W1 s + L11 z1
    v <- E21 x + E22 v + W2 s + (L21 z1 + L22 z2)
(s the velocity score, or no score term for the plain forward process),
vectorised with in-place operations and preallocated buffers (numpy 2.x
Generator.standard_normal(out=...), a ziggurat on PCG64), in the same order
of operations as sgmkit's kernel. The coefficients are passed in by the
caller (sgmkit's cldStepCoefficients), so both sides take the same step.
Usage: python3 cld_step.py N D REPS FORM E11 E12 E21 E22 W1 W2 L11 L21 L22
FORM is 'score' or 'no-score'. Prints one JSON line with the best and median ms per step."""
import json
import sys
import time

import numpy as np


def cld_step(state, c, rng):
    x, v, s, z1, z2, x_next, tmp, tmp2 = state.x, state.v, state.s, state.z1, state.z2, state.x_next, state.tmp, state.tmp2
    e11, e12, e21, e22, w1, w2, l11, l21, l22 = c
    rng.standard_normal(out=state.z)
    # x' = ((E11 x + E12 v) + W1 s) + L11 z1, into the second position buffer
    np.multiply(x, e11, out=x_next)
    np.multiply(v, e12, out=tmp)
    np.add(x_next, tmp, out=x_next)
    if s is not None:
        np.multiply(s, w1, out=tmp)
        np.add(x_next, tmp, out=x_next)
    np.multiply(z1, l11, out=tmp)
    np.add(x_next, tmp, out=x_next)
    # v' = ((E21 x + E22 v) + W2 s) + (L21 z1 + L22 z2), in place (x is still the old position)
    np.multiply(v, e22, out=v)
    np.multiply(x, e21, out=tmp)
    np.add(v, tmp, out=v)
    if s is not None:
        np.multiply(s, w2, out=tmp)
        np.add(v, tmp, out=v)
    np.multiply(z1, l21, out=tmp)
    np.multiply(z2, l22, out=tmp2)
    np.add(tmp, tmp2, out=tmp)
    np.add(v, tmp, out=v)
    state.swap_positions()


class State:
    """Preallocated buffers; the two position buffers alternate, so no step copies x."""

    def __init__(self, n, d, with_score):
        k = np.arange(n * d)
        self.x = (k % 1000 * 0.001).reshape(n, d)
        self.v = (k % 997 * 0.0005 - 0.25).reshape(n, d)
        self.s = -self.v.copy() if with_score else None
        self.z = np.empty((n, 2 * d))
        # Pair (x_j, v_j) of a row uses normals 2j and 2j + 1 of that row, as in sgmkit.
        self.z1, self.z2 = self.z[:, 0::2], self.z[:, 1::2]
        self.x_next = np.empty_like(self.x)
        self.tmp = np.empty_like(self.x)
        self.tmp2 = np.empty_like(self.x)

    def swap_positions(self):
        self.x, self.x_next = self.x_next, self.x


def main():
    n, d, reps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    form = sys.argv[4]
    if form not in ("score", "no-score"):
        raise SystemExit(f"cld_step.py: FORM must be 'score' or 'no-score'; got {form!r}")
    coefficients = [float(a) for a in sys.argv[5:14]]
    if len(coefficients) != 9:
        raise SystemExit("cld_step.py: expected 9 coefficients E11 E12 E21 E22 W1 W2 L11 L21 L22")
    rng = np.random.default_rng(12345)
    state = State(n, d, form == "score")
    cld_step(state, coefficients, rng)  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        cld_step(state, coefficients, rng)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(json.dumps({"n": n, "d": d, "reps": reps, "form": form, "bestMs": times[0], "medianMs": times[reps // 2], "numpy": np.__version__}))


if __name__ == "__main__":
    main()
