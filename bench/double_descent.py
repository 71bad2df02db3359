"""Double descent on MNIST-1D at full size (issue 12; the table in bench/RESULTS.md).

Random ReLU features + minimum-norm least squares (deepgrad.lab.double_descent), 500
training samples drawn afresh for each of 10 seeds from the 4000, the 1000 test samples;
clean labels, 20 % label noise, and a ridge penalty of 1 (no noise) for comparison.
With ``--mlp``: the same question for trained two-layer MLPs (both layers trained with Adam,
full batch, cross-entropy, 20 % label noise; Nakkiran et al. 2019's model-wise test).

    .venv/bin/python bench/double_descent.py [--seeds 10] [--n 500] [--mlp]
"""
import argparse
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from deepgrad.datasets import load_mnist1d  # noqa: E402
from deepgrad.lab import double_descent  # noqa: E402
import deepgrad  # noqa: E402
from deepgrad import nn, optim  # noqa: E402
import deepgrad.nn.functional as F  # noqa: E402


def trained_mlp(data, n, widths, seeds, steps, noise=0.2):
    """Train error and test error of trained 40-h-10 ReLU MLPs against h (mean over seeds)."""
    X_all, y_all, X_test, y_test = data
    X_test = deepgrad.tensor(X_test, dtype=deepgrad.float32)
    print(f"\ntrained MLPs 40-h-10: n = {n}, {noise:.0%} label noise, Adam 1e-3 full batch, "
          f"{steps} steps, {seeds} seeds")
    print(f"{'width':>6} {'params':>7} {'train err':>9} {'test err':>9} {'CPU s':>6}")
    for h in widths:
        start, train_err, test_err = time.process_time(), [], []
        for seed in range(seeds):
            rng = np.random.default_rng([seed, 1])
            rows = rng.choice(len(X_all), size=n, replace=False)
            y = y_all[rows].copy()
            flip = rng.random(n) < noise
            y[flip] = rng.integers(0, 10, int(flip.sum()))
            X, y = deepgrad.tensor(X_all[rows], dtype=deepgrad.float32), deepgrad.tensor(y)
            deepgrad.manual_seed(seed)
            model = nn.Sequential(nn.Linear(40, h), nn.ReLU(), nn.Linear(h, 10))
            opt = optim.Adam(model.parameters(), lr=1e-3)
            for _ in range(steps):
                opt.zero_grad()
                F.cross_entropy(model(X), y).backward()
                opt.step()
            with deepgrad.no_grad():
                train_err.append(float((model(X).argmax(1) != y).float().mean()))
                test_err.append(float((model(X_test).argmax(1).numpy() != y_test).mean()))
        print(f"{h:6d} {51 * h + 10:7d} {np.mean(train_err):9.3f} {np.mean(test_err):9.3f} "
              f"{time.process_time() - start:6.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--mlp", action="store_true")
    parser.add_argument("--steps", type=int, default=4000)
    args = parser.parse_args()
    n = args.n
    widths = sorted({20, 50, 100, n // 2, int(0.8 * n), int(0.9 * n), int(0.96 * n), n,
                     int(1.04 * n), int(1.1 * n), int(1.2 * n), int(1.5 * n), 2 * n, 4 * n,
                     8 * n})
    d = load_mnist1d()
    data = (d["x"], d["y"], d["x_test"], d["y_test"])
    if args.mlp:
        trained_mlp(data, n, [2, 4, 8, 16, 32, 64, 128, 256, 1024], args.seeds, args.steps)
        return
    for name, kwargs in [("clean labels", {}), ("20 % label noise", {"label_noise": 0.2}),
                         ("ridge 1, clean labels", {"ridge": 1.0})]:
        start = time.process_time()
        result = double_descent(*data, widths, n_train=n, n_seeds=args.seeds, random_seed=0,
                                **kwargs)
        print(f"\n{name}: n = {n}, {args.seeds} seeds, peak test MSE at width "
              f"{result.peak_width} ({time.process_time() - start:.1f} s CPU)")
        print(result.table())


if __name__ == "__main__":
    main()
