"""A Bernoulli RBM on scikit-learn's 8x8 digits: its filters, Gibbs samples, and its features
for logistic regression.

Trains ``models.BernoulliRBM(n_components=64, learning_rate=0.06, n_iter=10)`` (persistent
CD, scikit-learn's algorithm and signature) on the digits scaled to [0, 1], prints the
pseudo-log-likelihood as it trains, then the test accuracy of a logistic regression on the
RBM's features p(h | v) next to one on the raw pixels (``bench/models_rbm.py`` runs
scikit-learn's full setting, with its 5x "nudged" data), and draws: the 64 filters (rows of
``components_``, one 8x8 image each), and a Gibbs chain started from noise.
About 30-60 s of CPU time.

    python examples/rbm.py --out figures/
"""
import argparse

import numpy as np

import deepgrad
from deepgrad import models

from _common import digits, pyplot, save_figure  # examples/_common.py, beside this file


def load_digits_01():
    X, y = digits()
    return X / 16.0, y


def main(out_dir, n_iter=10):
    plt = pyplot()
    from sklearn.linear_model import LogisticRegression

    X, y = load_digits_01()
    X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]
    rbm = models.BernoulliRBM(n_components=64, learning_rate=0.06, n_iter=n_iter,
                              random_state=0, verbose=1).fit(X_train)
    print(f"test pseudo-log-likelihood: {rbm.score(X_test):.2f} (per sample, 64 pixels)")
    # the regularisation of scikit-learn's example: C=100 on pixels, C=6000 on RBM features
    raw = LogisticRegression(C=100, max_iter=2000).fit(X_train, y_train).score(X_test, y_test)
    feats = LogisticRegression(C=6000, max_iter=2000).fit(rbm.transform(X_train), y_train).score(
        rbm.transform(X_test), y_test)
    print(f"logistic regression test accuracy: raw pixels {raw:.3f}, RBM features {feats:.3f}")

    fig = plt.figure(figsize=(12, 6))
    ax = fig.add_subplot(1, 2, 1)
    w = rbm.components_ - rbm.components_.mean(1, keepdims=True)   # each filter's own contrast
    w = w / np.abs(w).max(1, keepdims=True)
    filters = w.reshape(8, 8, 8, 8).transpose(0, 2, 1, 3).reshape(64, 64)
    ax.imshow(filters, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_title("64 filters (rows of components_, centred, scaled)")
    ax.axis("off")
    ax = fig.add_subplot(1, 2, 2)
    rbm_module = rbm._rbm(deepgrad.Generator().manual_seed(0))
    rows, v = [], deepgrad.bernoulli(deepgrad.full((8, 64), 0.5, dtype=deepgrad.float64),
                                     generator=rbm_module.generator)
    for _ in range(8):      # one row per snapshot, every 100 Gibbs steps
        v = rbm_module.gibbs(v, steps=100)
        with deepgrad.no_grad():
            mean = rbm_module.reconstruct(v).numpy()
        rows.append(np.hstack([m.reshape(8, 8) for m in mean]))
    ax.imshow(np.vstack(rows), cmap="gray_r")
    ax.set_title("8 Gibbs chains (columns), every 100 steps (rows)"), ax.axis("off")
    return save_figure(fig, out_dir, "rbm.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures", help="folder for the PNG")
    parser.add_argument("--n-iter", type=int, default=10)
    args = parser.parse_args()
    main(args.out, args.n_iter)
