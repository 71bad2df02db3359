"""Autoencoders on scikit-learn's 8x8 digits: plain, denoising, sparse and contractive.

Each model is a 64-32-64 autoencoder (sigmoid code and output, binary cross-entropy) trained
for 30 epochs by ``deepgrad.train.Trainer`` through ``models.Objective``. The figure shows
test digits, their masked versions and each model's reconstruction of the *masked* input
(only the denoising autoencoder was trained to undo masking), plus the training curves and
the mean code activation (the sparse one targets rho = 0.05). About 15 s of CPU time.

    python examples/autoencoders.py --out figures/
"""
import argparse

import deepgrad
from deepgrad import models, optim
from deepgrad.train import Trainer

from _common import digits, pyplot, save_figure  # examples/_common.py, beside this file


def load_digits_01():
    X = digits()[0] / 16.0
    return deepgrad.tensor(X[:1500], dtype=deepgrad.float32), deepgrad.tensor(
        X[1500:], dtype=deepgrad.float32)


def build(kind):
    common = dict(activation="sigmoid", output_activation="sigmoid", loss="bce")
    if kind == "plain":
        return models.Autoencoder.mlp([64, 32], **common)
    if kind == "denoising":
        return models.DenoisingAutoencoder.mlp([64, 32], noise="masking", noise_level=0.3,
                                               **common)
    if kind == "sparse":
        return models.SparseAutoencoder.mlp([64, 32], rho=0.05, beta=1.0, **common)
    return models.ContractiveAutoencoder.mlp([64, 32], lam=0.01, **common)


def main(out_dir, epochs=30):
    plt = pyplot()

    deepgrad.manual_seed(0)
    train, test = load_digits_01()
    masked = models.corrupt(test[:8], "masking", 0.3, generator=deepgrad.Generator().manual_seed(1))
    kinds = ["plain", "denoising", "sparse", "contractive"]
    results = {}
    for kind in kinds:
        model = build(kind)
        objective = models.Objective(model)
        trainer = Trainer(objective, optim.Adam(model.parameters(), 1e-2), objective.loss_fn,
                          progress=None, seed=0, batch_size=64)
        history = trainer.fit((train, train), epochs=epochs)
        with deepgrad.no_grad():
            code = model.encode(test).mean().item()
            test_loss = models.Objective(model).loss_fn(test, test).item()
        results[kind] = (model.reconstruct(masked).numpy(), history.history["loss"], code)
        print(f"{kind:12s} train loss {history.history['loss'][-1]:7.3f}  test loss "
              f"{test_loss:7.3f}  mean code activation {code:.3f}")

    fig = plt.figure(figsize=(10, 8))
    rows = [("test", test[:8].numpy()), ("masked 30%", masked.numpy())] + [
        (k, results[k][0]) for k in kinds]
    for r, (label, images) in enumerate(rows):
        for c in range(8):
            ax = fig.add_subplot(len(rows) + 2, 8, r * 8 + c + 1)
            ax.imshow(images[c].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([]), ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=7)
    ax = fig.add_subplot(len(rows) + 2, 1, len(rows) + 2)
    for k in kinds:
        ax.plot(results[k][1], label=f"{k} (mean code {results[k][2]:.2f})")
    ax.set_xlabel("epoch"), ax.set_ylabel("training loss"), ax.legend(fontsize=7)
    return save_figure(fig, out_dir, "autoencoders.png")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures", help="folder for the PNG")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    main(args.out, args.epochs)
