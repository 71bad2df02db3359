"""A DCGAN on scikit-learn's 8x8 digits: samples and the two players' loss curves.

Builds ``models.DCGANGenerator`` and ``models.DCGANDiscriminator`` for 8x8 one-channel
images (the DCGAN paper's layers: transposed convs, batch norm, ReLU / LeakyReLU(0.2), tanh
output, N(0, 0.02) weights), wraps them in ``models.GAN`` (non-saturating generator loss)
and trains them with ``models.GANTrainer`` (Adam(2e-4, betas=(0.5, 0.999)) for both,
alternating steps). Draws a grid of 64 samples from a fixed z and the per-epoch curves of
d_loss, g_loss and the discriminator's mean outputs on real and fake data.
About 30-60 s of CPU time.

    python examples/gan.py --out figures/
"""
import argparse

import numpy as np

import deepgrad
from deepgrad import models

from _common import digits, pyplot, save_figure  # examples/_common.py, beside this file


def load_digits_pm1():
    X, y = digits(shuffle=False)
    return (X / 8.0 - 1.0).astype(np.float32).reshape(-1, 1, 8, 8), y   # tanh's range


def main(out_dir, epochs=30):
    plt = pyplot()

    deepgrad.manual_seed(0)
    X, y = load_digits_pm1()
    latent = 32
    gan = models.GAN(models.DCGANGenerator(latent, channels=1, features=64, image_size=8),
                     models.DCGANDiscriminator(channels=1, features=64, image_size=8),
                     latent_dim=latent, latent_shape=(latent, 1, 1), data_shape=(1, 8, 8))
    trainer = models.GANTrainer(gan, progress=False, seed=0, batch_size=64)
    history = trainer.fit((X, y), epochs=epochs).history

    fig = plt.figure(figsize=(12, 5))
    ax = fig.add_subplot(1, 2, 1)
    gan.eval()
    with deepgrad.no_grad():
        z = deepgrad.randn(64, latent, 1, 1, generator=deepgrad.Generator().manual_seed(1))
        images = gan.generate(z).numpy().reshape(8, 8, 8, 8)
    ax.imshow(images.transpose(0, 2, 1, 3).reshape(64, 64), cmap="gray_r", vmin=-1, vmax=1)
    ax.set_title(f"64 DCGAN samples after {epochs} epochs"), ax.axis("off")
    ax = fig.add_subplot(1, 2, 2)
    epochs_axis = np.arange(1, epochs + 1)
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        ax.plot(epochs_axis, history[key], label=key)
    ax.axhline(2 * np.log(2), color="gray", ls=":", label="d_loss at equilibrium (2 log 2)")
    ax.set_xlabel("epoch"), ax.legend(), ax.set_title("GANTrainer history")
    return save_figure(fig, out_dir, "gan.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures", help="folder for the PNG")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    main(args.out, args.epochs)
