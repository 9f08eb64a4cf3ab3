"""PyTorch CPU baseline for benchmarks/learned-score.bench.mjs.

The same computation as sgmkit's learned score (packages/score/src/learned), on one thread:
  - network: input [x, sin(w_j ln t), cos(w_j ln t)] (8 angular frequencies log-spaced from 0.1 to 4, as
    createScoreNetwork's defaults), dense layers with SiLU between them, output of width d predicting the noise;
    LeCun-normal weights, zero biases;
  - training (trainDenoisingScoreMatching): each step draws B rows of the data uniformly with replacement,
    times log-uniform on [1e-3, 10] and noise z ~ N(0, I), forms x_t = e^{-t} x_0 + sigma_t z with
    sigma_t = sqrt(1 - e^{-2t}), and takes one Adam step (lr 1e-3, betas (0.9, 0.999), eps 1e-8) on the
    noise-prediction loss (1/B) sum_i |eps_theta(t_i, x_i) - z_i|^2;
  - sampling (sampleDDPM with the network as score): y_0 ~ N(0, I), uniform grid from T = 10 to 0, the
    exponential-integrator step y <- e^h y + 2 (e^h - 1) s + sqrt(e^{2h} - 1) z with s = -eps_theta(t_k, y) / sigma_t,
    evaluated like ScoreNetwork.evaluate: the time features are shared by every row, so their contribution
    phi(t) W_0[d:] is folded into the first bias once per step and the first layer multiplies x by W_0[:d] only.

Usage: python3 learned_score.py D HIDDEN(comma-separated) DTYPE(float64|float32) TRAIN_STEPS SAMPLE_N SAMPLE_STEPS SEED
Prints one JSON line: training steps/s and sampling particle-steps/s, with the final loss for a sanity check.
"""
import json
import math
import sys
import time

import torch

T_MIN, T_MAX, HORIZON = 1e-3, 10.0, 10.0
BATCH = 256
FREQUENCIES = [0.1 * math.exp(math.log(4 / 0.1) * j / 7) for j in range(8)]


class ScoreMlp(torch.nn.Module):
    """The MLP of sgmkit's ScoreNetwork: Linear layers with SiLU between them, noise prediction."""

    def __init__(self, d, hidden, dtype, generator):
        super().__init__()
        widths = [d + 2 * len(FREQUENCIES), *hidden, d]
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b, dtype=dtype) for a, b in zip(widths[:-1], widths[1:]))
        with torch.no_grad():
            for layer in self.layers:
                layer.weight.normal_(0.0, 1.0 / math.sqrt(layer.in_features), generator=generator)
                layer.bias.zero_()
        self.d = d
        self.register_buffer('frequencies', torch.tensor(FREQUENCIES, dtype=dtype))

    def time_features(self, t):
        angles = torch.log(t)[:, None] * self.frequencies[None, :]
        return torch.stack([torch.sin(angles), torch.cos(angles)], dim=2).reshape(t.shape[0], -1)

    def forward(self, x, t):
        h = torch.cat([x, self.time_features(t)], dim=1)
        for layer in self.layers[:-1]:
            h = torch.nn.functional.silu(layer(h))
        return self.layers[-1](h)

    def predict_noise_shared_t(self, y, t):
        """eps_theta(t, y) for one t shared by all rows, with phi(t) W_0[d:] folded into the first bias."""
        first = self.layers[0]
        phi = self.time_features(torch.tensor([t], dtype=y.dtype))[0]
        bias = first.bias + first.weight[:, self.d:] @ phi
        h = torch.nn.functional.silu(torch.addmm(bias, y, first.weight[:, :self.d].t()))
        for layer in self.layers[1:-1]:
            h = torch.nn.functional.silu(layer(h))
        return self.layers[-1](h)


def train(model, data, steps, generator):
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    n, d = data.shape
    log_t_min, log_range = math.log(T_MIN), math.log(T_MAX) - math.log(T_MIN)
    loss = None
    for _ in range(steps):
        index = torch.randint(0, n, (BATCH,), generator=generator)
        t = torch.exp(log_t_min + log_range * torch.rand(BATCH, dtype=data.dtype, generator=generator))
        z = torch.randn(BATCH, d, dtype=data.dtype, generator=generator)
        x_t = torch.exp(-t)[:, None] * data[index] + torch.sqrt(-torch.expm1(-2 * t))[:, None] * z
        loss = ((model(x_t, t) - z) ** 2).sum(dim=1).mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    return float(loss)


@torch.no_grad()
def sample(model, n, d, steps, dtype, generator):
    grid = [HORIZON - HORIZON * k / steps for k in range(steps + 1)]
    grid[-1] = 0.0
    y = torch.randn(n, d, dtype=dtype, generator=generator)
    for k in range(steps):
        t, h = grid[k], grid[k] - grid[k + 1]
        eps = model.predict_noise_shared_t(y, t)
        score_weight = -2 * math.expm1(h) / math.sqrt(-math.expm1(-2 * t))
        y = math.exp(h) * y + score_weight * eps + math.sqrt(math.expm1(2 * h)) * torch.randn(n, d, dtype=dtype, generator=generator)
    return y


def timed(run):
    started, cpu_started = time.perf_counter(), time.process_time()
    value = run()
    return value, time.perf_counter() - started, time.process_time() - cpu_started


def main():
    d, hidden, dtype_name = int(sys.argv[1]), [int(w) for w in sys.argv[2].split(',')], sys.argv[3]
    train_steps, sample_n, sample_steps, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    torch.set_num_threads(1)
    dtype = {'float64': torch.float64, 'float32': torch.float32}[dtype_name]
    generator = torch.Generator().manual_seed(seed)
    model = ScoreMlp(d, hidden, dtype, generator)
    data = torch.randn(10_000, d, dtype=dtype, generator=generator)
    # Warm-up of both paths (allocator, kernels), as the sgmkit side warms up its JIT.
    train(model, data, 5, generator)
    sample(model, 1000, d, 10, dtype, generator)
    loss, train_seconds, train_cpu = timed(lambda: train(model, data, train_steps, generator))
    y, sample_seconds, sample_cpu = timed(lambda: sample(model, sample_n, d, sample_steps, dtype, generator))
    print(json.dumps({
        'torch': torch.__version__, 'threads': torch.get_num_threads(),
        'trainStepsPerSecond': train_steps / train_seconds, 'trainCpuSeconds': train_cpu, 'trainSeconds': train_seconds, 'finalLoss': loss,
        'particleStepsPerSecond': sample_n * sample_steps / sample_seconds, 'sampleCpuSeconds': sample_cpu, 'sampleSeconds': sample_seconds,
        'sampleFinite': bool(torch.isfinite(y).all()),
    }))


if __name__ == '__main__':
    main()
