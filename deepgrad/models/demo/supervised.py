"""The demo's supervised families: the classic classifiers (MLP, SimpleCNN, LeNet-5) and a
character-level language model (CharRNN) on a short text written for this demo."""
import math

import numpy as np

from ...autograd import no_grad
from ...random import Generator, manual_seed
from .data import (fit_classifier, fit_objective, majority_accuracy, save_figure, standardizer,
                   tensor)
from .report import row

# Sentences written for this demo: the model trains on TEXT and is scored on HELD_OUT, new
# sentences made of the same words (so a low score means it learnt spelling and common word
# sequences, not the held-out text itself).
TEXT = (
    "a network is a function with parameters. the loss says how wrong the network is. "
    "the gradient says which way the loss goes up, so the optimizer steps the other way. "
    "an autoencoder learns to copy its input through a narrow code. "
    "a denoising autoencoder learns to copy a clean input from a noisy one. "
    "a variational autoencoder learns a code that is a distribution, and it can sample. "
    "a restricted boltzmann machine learns an energy, and it samples with gibbs steps. "
    "a generator and a discriminator play a game, and the generator learns to sample. "
    "sparse coding learns a dictionary, and each input is a sum of a few of its atoms. "
    "a convolutional network shares its weights over the image, so it needs few of them. "
    "a recurrent network reads a sequence one step at a time and keeps a state. "
    "the network is a function, the loss is a number, and the gradient is a direction. "
    "the optimizer steps, the loss goes down, and the network learns. "
)
HELD_OUT = (
    "the generator is a network with parameters, and the discriminator says how wrong it is. "
    "a code is a distribution over the input, and the autoencoder learns to sample from it. "
    "the optimizer reads the gradient one step at a time, and the loss goes down. "
)
SEQ_LEN = 32


def _image_inputs(X, shape):
    return X.reshape(len(X), 1, *shape)


def run_classic(data, ctx):
    """MLP(d-128-10), SimpleCNN and (on 8x8 digits, enlarged to 32x32) LeNet-5, each trained
    with Adam on cross-entropy on standardised inputs. Headline: test accuracy against the
    majority class."""
    from .. import MLP, LeNet5, SimpleCNN  # noqa: PLC0415
    baseline = majority_accuracy(data.y, data.y_test)
    side = data.shape[0]
    nets = [("MLP d-128-10", lambda: MLP([data.n_features, 128, 10]), lambda X: X, 20),
            ("SimpleCNN (16, 32)", lambda: SimpleCNN(1, 10, side, (16, 32), hidden=64,
                                                     dims=len(data.shape)),
             lambda X: _image_inputs(X, data.shape), 15)]
    notes = []
    if data.is_image:   # LeNet-5 reads 32x32: each pixel of the 8x8 digit becomes 4x4
        nets.append(("LeNet-5 (tanh, avg pool)", LeNet5,
                     lambda X: np.kron(_image_inputs(X, data.shape), np.ones((4, 4), np.float32)),
                     5))
    else:
        notes.append("LeNet-5 skipped: it reads 32x32 images and this data is 1-D")
    rows, curves, scale = [], {}, standardizer(data.X)
    for name, build, inputs, epochs in nets:
        epochs = ctx.pick(epochs, max(epochs // 5, 1))
        manual_seed(ctx.seed)
        curves[name], accuracy = fit_classifier(build(), inputs(scale(data.X)), data.y,
                                                inputs(scale(data.X_test)), data.y_test, epochs,
                                                3e-3, seed=ctx.seed)
        rows.append(row(name, "test accuracy", accuracy, baseline, "majority class",
                        higher_is_better=True))
    figure = None
    if ctx.plt is not None:
        fig, ax = ctx.plt.subplots(figsize=(7, 4))
        for name, curve in curves.items():
            ax.plot(np.arange(1, len(curve) + 1), curve, marker=".", label=name)
        ax.axhline(baseline, color="gray", ls=":", label="majority class")
        ax.set_xlabel("epoch"), ax.set_ylabel("test accuracy"), ax.legend()
        ax.set_title(f"classic classifiers on {data.name}", fontsize=9)
        figure = save_figure(fig, ctx.out_dir, "classic.png")
    return {"rows": rows, "figure": figure, "notes": notes}


def _windows(ids, length, step):
    starts = range(0, len(ids) - length - 1, step)
    x = np.stack([ids[s:s + length] for s in starts])
    return x, np.stack([ids[s + 1:s + length + 1] for s in starts])


def run_char_rnn(data, ctx):
    """An LSTM CharRNN (embedding 32, hidden 128) trained on :data:`TEXT`. Headline: bits
    per character on :data:`HELD_OUT` against the training text's character frequencies (a
    unigram model, add-one smoothed), scored on the same characters."""
    from .. import CharRNN  # noqa: PLC0415
    vocab = sorted(set(TEXT + HELD_OUT))
    ids = np.array([vocab.index(c) for c in TEXT], dtype=np.int64)
    held_out = np.array([vocab.index(c) for c in HELD_OUT], dtype=np.int64)
    x, y = _windows(ids, SEQ_LEN, ctx.pick(4, 16))
    x_val, y_val = _windows(held_out, SEQ_LEN, SEQ_LEN)
    counts = np.bincount(ids, minlength=len(vocab)) + 1.0     # add-one smoothing
    unigram_bits = float(-np.log2(counts / counts.sum())[y_val].mean())
    manual_seed(ctx.seed)
    model = CharRNN(len(vocab), embedding_dim=32, hidden_size=128)
    epochs = ctx.pick(10, 1)   # held-out loss rises after ~10 (overfitting)
    curves = fit_objective(model, x, epochs, 1e-2, batch_size=32, seed=ctx.seed, y=y,
                           val=(x_val, y_val))
    model.eval()
    with no_grad():
        val_bits = float(model.loss((tensor(x_val), tensor(y_val)))["loss"].item()) / math.log(2)
    rows = [row(f"CharRNN LSTM ({len(vocab)} chars)", "held-out bits/char", val_bits,
                unigram_bits, "character frequencies", higher_is_better=False)]
    start = [vocab.index(c) for c in "the network "]
    sample = "the network " + "".join(vocab[i] for i in model.sample(
        start, ctx.pick(120, 40), temperature=0.5, generator=Generator().manual_seed(ctx.seed)))
    notes = [f"sample (temperature 0.5): {sample!r}"]
    figure = None
    if ctx.plt is not None:
        fig, ax = ctx.plt.subplots(figsize=(8, 4.5))
        for key, label in (("loss", "training"), ("val_loss", "held-out")):
            ax.plot(np.arange(1, epochs + 1), np.asarray(curves[key]) / math.log(2),
                    marker=".", label=label)
        ax.axhline(unigram_bits, color="gray", ls=":", label="character frequencies")
        ax.set_xlabel("epoch"), ax.set_ylabel("bits per character"), ax.legend()
        text = "sample, temperature 0.5: " + sample
        wrapped = "\n".join(text[i:i + 76] for i in range(0, len(text), 76))
        ax.set_title(wrapped, fontsize=7, family="monospace", loc="left")
        fig.tight_layout()
        figure = save_figure(fig, ctx.out_dir, "char_rnn.png")
    return {"rows": rows, "figure": figure, "notes": notes}
