"""A VAE and a conditional VAE on scikit-learn's 8x8 digits, with a 2-D latent space.

Trains ``models.VAE(64, (128,), 2)`` (Bernoulli decoder) and
``models.ConditionalVAE(10, 64, (128,), 2)`` with ``deepgrad.train.Trainer`` for 30 epochs,
prints the test ELBO against the importance-weighted estimate of log p(x) for k = 1, 10, 100
(the bound tightens with k), and draws: the decoder over a grid of z, the test codes
coloured by digit, an interpolation between two test digits, and one row of conditional
samples per digit. About 30 s of CPU time.

    python examples/vae.py --out figures/
"""
import argparse

import numpy as np

import deepgrad
from deepgrad import models, optim
from deepgrad.train import Trainer

from _common import digits, pyplot, save_figure  # examples/_common.py, beside this file


def load_digits_01():
    X, y = digits()
    X, y = deepgrad.tensor(X / 16.0, dtype=deepgrad.float32), deepgrad.tensor(y)
    return X[:1500], y[:1500], X[1500:], y[1500:]


def train(model, X, y, epochs):
    objective = models.Objective(model)
    Trainer(objective, optim.Adam(model.parameters(), 3e-3), objective.loss_fn, progress=None,
            seed=0, batch_size=64).fit((X, y), epochs=epochs)
    return model


def main(out_dir, epochs=30):
    plt = pyplot()

    deepgrad.manual_seed(0)
    X, y, Xt, yt = load_digits_01()
    vae = train(models.VAE(64, (128,), 2), X, y, epochs)
    cvae = train(models.ConditionalVAE(10, 64, (128,), 2), X, y, epochs)
    with deepgrad.no_grad():
        elbo = vae.elbo(Xt).mean().item()
        iwae = {k: vae.log_likelihood(Xt, k).mean().item() for k in (1, 10, 100)}
    print(f"test ELBO {elbo:.3f}; IWAE log p(x) estimates: "
          + ", ".join(f"k={k}: {v:.3f}" for k, v in iwae.items()))

    fig = plt.figure(figsize=(14, 7))
    # decoder over a grid of z
    grid = np.linspace(-2.5, 2.5, 10)
    z = deepgrad.tensor([[a, b] for b in grid[::-1] for a in grid], dtype=deepgrad.float32)
    with deepgrad.no_grad():
        images = vae.decode(z).numpy().reshape(10, 10, 8, 8).transpose(0, 2, 1, 3).reshape(80, 80)
    ax = fig.add_subplot(2, 3, 1)
    ax.imshow(images, cmap="gray_r"), ax.set_title("decoder over z in [-2.5, 2.5]^2")
    ax.axis("off")
    # codes of the test digits
    ax = fig.add_subplot(2, 3, 2)
    with deepgrad.no_grad():
        mu = vae.encode(Xt)[0].numpy()
    points = ax.scatter(mu[:, 0], mu[:, 1], c=yt.numpy(), cmap="tab10", s=8)
    fig.colorbar(points, ax=ax), ax.set_title("test codes mu(x) by digit")
    # interpolation
    ax = fig.add_subplot(2, 1, 2)
    path = vae.interpolate(Xt[0], Xt[1], steps=10).numpy()
    ax.imshow(np.hstack([p.reshape(8, 8) for p in path]), cmap="gray_r")
    ax.set_title(f"interpolation from a {int(yt[0])} to a {int(yt[1])}"), ax.axis("off")
    # conditional samples
    ax = fig.add_subplot(2, 3, 3)
    gen = deepgrad.Generator().manual_seed(0)
    rows = [cvae.sample(10, c=deepgrad.full((10,), d, dtype=deepgrad.int64), generator=gen)
            .numpy() for d in range(10)]
    ax.imshow(np.vstack([np.hstack([r.reshape(8, 8) for r in row]) for row in rows]),
              cmap="gray_r")
    ax.set_title("conditional VAE: one row per digit 0..9"), ax.axis("off")
    return save_figure(fig, out_dir, "vae.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures", help="folder for the PNG")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    main(args.out, args.epochs)
