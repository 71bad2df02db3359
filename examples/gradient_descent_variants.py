"""Batch, stochastic and mini-batch gradient descent: one optimiser, three batch sizes.

Gradient descent steps against the gradient of the average loss over a batch of
examples, ``w <- w - lr * grad (1/|B|) sum_{i in B} loss_i(w)``. The three classic
variants differ only in the batch ``B`` fed to the same ``deepgrad.optim.SGD``:

* batch GD (BGD): B = the whole training set -> one exact, expensive step per epoch;
* stochastic GD (SGD): |B| = 1 -> n cheap, noisy steps per epoch;
* mini-batch GD: |B| = m (here 32) -> n/m steps per epoch, the usual compromise.

The problem is a least-squares linear regression on synthetic data, so the best
achievable loss is known (from the normal equations) and printed as a reference.
Run: ``python examples/gradient_descent_variants.py [--epochs 15] [--plot out.png]``
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import deepgrad  # noqa: E402
from deepgrad.optim import SGD  # noqa: E402


def make_data(n=256, d=5, noise=0.3, seed=0):
    """y = X w_true + b_true + noise, with standardised features."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w_true = rng.uniform(-2, 2, size=d).astype(np.float32)
    y = x @ w_true + 0.5 + noise * rng.standard_normal(n).astype(np.float32)
    return x, y.astype(np.float32)


def mse(w, b, x, y):
    """Mean squared error of the linear model x @ w + b (a deepgrad scalar)."""
    pred = deepgrad.tensor(x) @ w + b
    return ((pred - deepgrad.tensor(y)) ** 2).mean()


def train(x, y, batch_size, epochs, lr, seed=0):
    """Mini-batch gradient descent with ``batch_size``; returns the full-data loss per epoch."""
    n, d = x.shape
    w = deepgrad.zeros(d, requires_grad=True)
    b = deepgrad.zeros(1, requires_grad=True)
    opt = SGD([w, b], lr=lr)  # the same optimiser for the three variants
    rng = np.random.default_rng(seed)
    losses = [float(mse(w, b, x, y))]
    for _ in range(epochs):
        order = rng.permutation(n)  # a new random order each epoch
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            mse(w, b, x[idx], y[idx]).backward()
            opt.step()
        with deepgrad.no_grad():
            losses.append(float(mse(w, b, x, y)))
    return losses


def main():
    parser = argparse.ArgumentParser(description="BGD vs SGD vs mini-batch GD")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=32, help="mini-batch size m")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--plot", default="gradient_descent_variants.png",
                        help="where to save the loss curves (needs matplotlib)")
    args = parser.parse_args()

    x, y = make_data()
    n = len(x)
    # the least-squares optimum, for reference
    xa = np.hstack([x, np.ones((n, 1), np.float32)]).astype(np.float64)
    coef, *_ = np.linalg.lstsq(xa, y.astype(np.float64), rcond=None)
    best = float(np.mean((xa @ coef - y) ** 2))

    variants = {f"batch GD (B={n})": n, "stochastic GD (B=1)": 1,
                f"mini-batch GD (B={args.batch})": args.batch}
    curves = {name: train(x, y, bs, args.epochs, args.lr) for name, bs in variants.items()}

    print(f"least-squares linear regression, n={n}, lr={args.lr}; optimum MSE = {best:.4f}")
    print("steps per epoch: " + ", ".join(f"{k.split(' (')[0]} {-(-n // v)}"
                                          for k, v in variants.items()))
    header = "epoch " + "".join(f"{name:>26s}" for name in curves)
    print(header)
    for epoch in range(args.epochs + 1):
        print(f"{epoch:5d} " + "".join(f"{c[epoch]:26.4f}" for c in curves.values()))

    try:
        import matplotlib  # optional: deepgrad does not depend on it

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, c in curves.items():
        ax.plot(range(len(c)), c, marker="o", ms=3, label=name)
    ax.axhline(best, color="gray", ls="--", lw=1, label="optimum")
    ax.set(xlabel="epoch", ylabel="training MSE", yscale="log",
           title="One optimiser (SGD), three batch sizes")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    print(f"plot saved to {args.plot}")


if __name__ == "__main__":
    main()
