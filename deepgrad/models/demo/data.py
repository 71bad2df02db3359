"""The data of ``deepgrad demo models``, the training loop every family shares, and the
drawing helpers (matplotlib is imported only when a figure is drawn).

Two small offline data sets, both scaled to [0, 1] (what Bernoulli models need):

* ``digits``: scikit-learn's 1,797 8x8 handwritten digits (pixel values 0..16 divided by
  16), shuffled with NumPy's ``default_rng(0)``, split 1,500 / 297. Needs scikit-learn,
  whose package holds the file (nothing is downloaded).
* ``mnist1d``: deepgrad's MNIST-1D (Greydanus 2020; generated with NumPy, cached on disk),
  the first 1,500 of its training and 500 of its test signals (length 40; the digits' sizes,
  so that the run takes as long), mapped to [0, 1] with the training set's minimum and
  maximum (test values outside are clipped).

``auto`` picks ``digits`` when scikit-learn is installed and ``mnist1d`` otherwise, so the
demo runs with NumPy alone.
"""
import importlib.util
import os

import numpy as np

DATA_SETS = ("auto", "digits", "mnist1d")
QUICK_SIZES = (400, 200)        # training and test examples with --quick


class DemoData:
    """Train / test arrays (float32 in [0, 1], int64 labels) and the shape of one sample."""

    def __init__(self, name, X, y, X_test, y_test, shape):
        self.name, self.shape = name, tuple(shape)
        self.X, self.y = X.astype(np.float32), y.astype(np.int64)
        self.X_test, self.y_test = X_test.astype(np.float32), y_test.astype(np.int64)

    @property
    def n_features(self):
        return self.X.shape[1]

    @property
    def is_image(self):
        return len(self.shape) == 2

    def describe(self):
        return (f"{self.name}: {len(self.X)} training and {len(self.X_test)} test samples of "
                f"shape {self.shape}")


def have_sklearn():
    return importlib.util.find_spec("sklearn") is not None


def load_data(name="auto", quick=False):
    """The demo's :class:`DemoData`; ``quick`` keeps the first 400 / 200 samples."""
    if name not in DATA_SETS:
        raise ValueError(f"data must be one of {DATA_SETS}, got {name!r}")
    if name == "auto":
        name = "digits" if have_sklearn() else "mnist1d"
    if name == "digits":
        if not have_sklearn():
            raise ImportError("the digits come with scikit-learn: pip install deepgrad[sklearn] "
                              "(or use --data mnist1d)")
        from sklearn.datasets import load_digits  # noqa: PLC0415 - optional dependency
        X, y = load_digits(return_X_y=True)
        order = np.random.default_rng(0).permutation(len(y))
        X, y = X[order] / 16.0, y[order]
        data = DemoData("digits", X[:1500], y[:1500], X[1500:], y[1500:], (8, 8))
    else:
        from ...datasets import load_mnist1d  # noqa: PLC0415
        d = load_mnist1d()
        x, y, x_test, y_test = d["x"][:1500], d["y"][:1500], d["x_test"][:500], d["y_test"][:500]
        low, high = x.min(), x.max()
        scale = lambda v: np.clip((v - low) / (high - low), 0.0, 1.0)  # noqa: E731
        data = DemoData("mnist1d", scale(x), y, scale(x_test), y_test, (40,))
    if quick:
        data = DemoData(data.name, data.X[:QUICK_SIZES[0]], data.y[:QUICK_SIZES[0]],
                        data.X_test[:QUICK_SIZES[1]], data.y_test[:QUICK_SIZES[1]], data.shape)
    return data


def tensor(a):
    from ... import tensor as make  # noqa: PLC0415
    return make(np.ascontiguousarray(a))


def fit_objective(model, X, epochs, lr, batch_size=64, seed=0, y=None, val=None):
    """Minimise ``model.loss`` with Adam(lr) through ``Trainer`` (``models.Objective``);
    returns the History's columns (``loss`` per epoch; ``val_loss`` with ``val``, a pair
    of arrays). ``y``: targets the model's loss reads (labels, next characters)."""
    from ... import optim  # noqa: PLC0415
    from ...train import Trainer  # noqa: PLC0415
    from ..base import Objective  # noqa: PLC0415
    objective = Objective(model)
    targets = tensor(X) if y is None else tensor(y)
    trainer = Trainer(objective, optim.Adam(model.parameters(), lr), objective.loss_fn,
                      progress=None, seed=seed, batch_size=batch_size)
    val = None if val is None else (tensor(val[0]), tensor(val[1]))
    return trainer.fit((tensor(X), targets), epochs=epochs, val=val).history


def fit_classifier(model, X, y, X_test, y_test, epochs, lr, batch_size=64, seed=0):
    """Train a classifier (logits) with Adam and cross-entropy; returns (per-epoch test
    accuracies, final test accuracy)."""
    from ... import nn, optim  # noqa: PLC0415
    from ...train import Trainer  # noqa: PLC0415
    trainer = Trainer(model, optim.Adam(model.parameters(), lr), nn.CrossEntropyLoss(),
                      metrics=("accuracy",), progress=None, seed=seed, batch_size=batch_size)
    history = trainer.fit((tensor(X), tensor(y)), epochs=epochs,
                          val=(tensor(X_test), tensor(y_test))).history
    return history["val_accuracy"], history["val_accuracy"][-1]


def standardizer(X):
    """The map x -> (x - mean) / std with the training set's per-feature statistics (a
    constant feature maps to 0): what the classifiers read, since MNIST-1D's [0, 1] values
    are squeezed into a narrow band that slows their training."""
    mean, std = X.mean(0), X.std(0)
    std = np.where(std > 0, std, 1.0)
    return lambda V: ((V - mean) / std).astype(np.float32)


def majority_accuracy(y, y_test):
    """Test accuracy of always predicting the most frequent training label."""
    return float(np.mean(y_test == np.bincount(y).argmax()))


# --- figures ----------------------------------------------------------------------------
def pyplot():
    """matplotlib's pyplot on the off-screen Agg backend; ImportError names the extra."""
    try:
        import matplotlib  # noqa: PLC0415
    except ImportError as e:
        raise ImportError("the demo's figures need matplotlib: pip install deepgrad[plot]") from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    return plt


def draw_samples(ax, samples, shape, columns, title, signed=False):
    """Draw ``samples`` (N, D) on ``ax``: a grid of images for 2-D ``shape``, a grid of
    small curves for 1-D signals. ``signed``: values symmetric about 0 (filters, atoms)."""
    samples = np.asarray(samples, dtype=np.float64)
    rows = -(-len(samples) // columns)
    if len(shape) == 2:
        h, w = shape
        grid = np.full((rows * (h + 1), columns * (w + 1)), np.nan)
        for i, s in enumerate(samples):
            r, c = divmod(i, columns)
            grid[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = s.reshape(h, w)
        if signed:
            top = np.nanmax(np.abs(grid)) or 1.0
            ax.imshow(grid, cmap="RdBu_r", vmin=-top, vmax=top)
        else:
            ax.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
    else:
        length = shape[0]
        low, high = samples.min(), samples.max()
        span = (high - low) or 1.0
        for i, s in enumerate(samples):
            r, c = divmod(i, columns)
            x = c * (length + 6) + np.arange(length)
            ax.plot(x, (s - low) / span - 1.3 * r, lw=0.8, color="C0")
    ax.set_title(title, fontsize=9)
    ax.axis("off")


def save_figure(fig, out_dir, name):
    """Write ``fig`` as ``out_dir/name`` atomically (PNG), close it; returns ``name``."""
    from ..._atomic import atomic_write  # noqa: PLC0415
    atomic_write(os.path.join(out_dir, name), lambda f: fig.savefig(f, format="png", dpi=90))
    pyplot().close(fig)
    return name
