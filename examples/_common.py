"""What the model examples share: scikit-learn's 8x8 digits, matplotlib off-screen, and
writing a figure into the output folder."""
import os

import numpy as np


def digits(shuffle=True):
    """scikit-learn's 1797 digits as (X, y): X of shape (1797, 64), pixel values 0..16 as
    floats; shuffled with a fixed seed (NumPy's default_rng(0)) unless ``shuffle=False``."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:   # pragma: no cover - the data comes with scikit-learn
        raise ImportError("this example reads scikit-learn's digits: "
                          "pip install deepgrad[sklearn]") from e
    X, y = load_digits(return_X_y=True)
    if shuffle:
        order = np.random.default_rng(0).permutation(len(y))
        X, y = X[order], y[order]
    return X, y


def pyplot():
    """matplotlib's pyplot drawing off-screen (the Agg backend: no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, out_dir, name):
    """Write ``fig`` as ``out_dir/name`` (the folder is created), close it, return the path."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    fig.savefig(path, dpi=100)
    pyplot().close(fig)
    print("wrote", path)
    return path
