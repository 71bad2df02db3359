"""MNIST-shaped images made from scikit-learn's bundled handwritten digits.

scikit-learn ships 1797 real handwritten digits (8x8 pixels, grey levels 0..16,
the UCI "optdigits" set). MNIST's digits are 28x28 bytes with the digit scaled
into a 20x20 box in the middle. We do the same: each 8x8 image is enlarged to
20x20 by bilinear interpolation (pixel centres mapped onto each other), scaled
to 0..255, and padded by 4 pixels on each side. The split is fixed: a
permutation drawn with NumPy seed 0, the first 360 images (20 %) for the test
set, the other 1437 for training. Everything is computed, nothing downloaded.
"""
import functools

import numpy as np

TEST_SIZE = 360
SPLIT_SEED = 0


def _interpolation_matrix(n_in, n_out):
    """(n_out, n_in) weights of 1-D linear interpolation, ends aligned."""
    positions = np.linspace(0.0, n_in - 1.0, n_out)
    left = np.minimum(np.floor(positions).astype(int), n_in - 2)
    frac = positions - left
    weights = np.zeros((n_out, n_in))
    weights[np.arange(n_out), left] = 1.0 - frac
    weights[np.arange(n_out), left + 1] = frac
    return weights


@functools.lru_cache(maxsize=1)
def digits_28x28():
    """(images uint8 (1797, 28, 28), labels int64 (1797,)) in the fixed split order."""
    from sklearn.datasets import load_digits  # noqa: PLC0415 - scikit-learn is a test dependency

    bunch = load_digits()
    small = bunch.images / 16.0                      # (N, 8, 8) in [0, 1]
    grow = _interpolation_matrix(8, 20)              # (20, 8)
    big = np.einsum("ij,njk,lk->nil", grow, small, grow)
    canvas = np.zeros((len(small), 28, 28))
    canvas[:, 4:24, 4:24] = big
    images = np.clip(np.rint(canvas * 255.0), 0, 255).astype(np.uint8)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    return images[order], bunch.target.astype(np.int64)[order]


def split(train):
    """The training (1437 images) or test (360 images) part."""
    images, labels = digits_28x28()
    part = slice(TEST_SIZE, None) if train else slice(0, TEST_SIZE)
    return images[part], labels[part]
