"""MNIST-1D (Greydanus, 2020, "Scaling down deep learning"): a 1-D, procedurally generated MNIST.

Each example starts from one of ten hand-made 12-point templates (one per digit) and goes
through random transformations that make classification hard for a linear model (about 32 %
test accuracy for logistic regression) but easy for a small CNN (about 94 %):

1. pad: append ``p ~ U{36..60}`` zeros, then resample the padded signal to ``12 + 60 = 72``
   points (more padding -> a narrower digit);
2. scale: multiply by ``1 + 0.4 * (u - 0.5)``, ``u ~ U(0, 1)``;
3. translate: rotate the signal right by ``k ~ U{0..47}`` positions;
4. correlated noise: where the signal is exactly 0 (the padding), put Gaussian noise of
   scale 0.25 smoothed by a Gaussian filter (sigma = 2 samples);
5. i.i.d. noise: add ``N(0, 0.02^2)`` everywhere;
6. shear: subtract ``c * linspace(-0.5, 0.5, 72)`` with ``c = 0.75 * (u - 0.5)``;
7. resample to 40 points.

5,000 examples (500 per digit) are shuffled, standardised with the global mean and standard
deviation (so the whole set has mean 0 and std 1), and split 4,000 / 1,000 into train / test.
The random draws follow NumPy's legacy ``RandomState(seed)`` in the published order, so the
default ``seed=42`` reproduces the published data set.
"""
import hashlib
import io
import json
import os

import numpy as np

from ..backend import CPU
from ..tensor import Tensor
from ..utils.data.dataset import Dataset, TensorDataset
from ._files import atomic_write, dataset_folder

# the published default arguments
DEFAULTS = {
    "num_samples": 5000, "train_split": 0.8, "template_len": 12, "padding": (36, 60),
    "scale_coeff": 0.4, "max_translation": 48, "corr_noise_scale": 0.25,
    "iid_noise_scale": 2e-2, "shear_scale": 0.75, "shuffle_seq": False,
    "final_seq_length": 40, "seed": 42,
}

# the ten digit outlines (values of the published templates)
_TEMPLATES = np.array([
    [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],        # 0
    [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],      # 1
    [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],    # 2
    [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],          # 3
    [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],        # 4
    [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],            # 5
    [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],        # 6
    [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],      # 7
    [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],          # 8
    [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],          # 9
], dtype=np.float64)


def templates():
    """The ten templates: standardised per row, shifted to start at 0, divided by 6.

    Returns a dict with ``x`` (10, 12), ``t`` (12,) the coordinates ``linspace(-5, 5, 12) / 6``
    and ``y`` the labels 0..9.
    """
    x = _TEMPLATES - _TEMPLATES.mean(axis=1, keepdims=True)
    x = x / x.std(axis=1, keepdims=True)
    x = x - x[:, :1]          # every signal starts (and ends) at 0
    return {"x": x / 6.0, "t": np.linspace(-5, 5, x.shape[1]) / 6.0, "y": np.arange(10)}


def gaussian_smooth(x, sigma=2.0, truncate=4.0):
    """Gaussian filter of a 1-D signal (``scipy.ndimage.gaussian_filter1d``'s defaults).

    ``y[i] = sum_k w_k x[i + k]`` for ``|k| <= r = int(truncate * sigma + 0.5)``, with
    ``w_k ∝ exp(-k^2 / (2 sigma^2))`` summing to 1; the signal is extended by mirroring
    about its ends (``d c b a | a b c d | d c b a``).
    """
    r = int(truncate * sigma + 0.5)
    k = np.arange(-r, r + 1)
    w = np.exp(-0.5 * (k / sigma) ** 2)
    w /= w.sum()
    padded = np.pad(x, r, mode="symmetric")
    return np.convolve(padded, w, mode="valid")   # w is symmetric: convolution = correlation


def resample(x, n):
    """Linear interpolation of ``x`` (points evenly spaced on [0, 1]) at ``n`` even points."""
    return np.interp(np.linspace(0.0, 1.0, n), np.linspace(0.0, 1.0, len(x)), x)


def transform(x, rng, args, eps=1e-8):
    """One random MNIST-1D example from a template ``x`` (steps 1-7 of the module docstring).

    ``rng`` is a ``numpy.random.RandomState``; the draws happen in the published order:
    padding, scale, translation, correlated noise, i.i.d. noise, shear.
    """
    low, high = args["padding"]
    width = args["template_len"] + high
    p = low + int(rng.rand() * (high - low + 1))
    # eps keeps the digit itself away from exactly 0, so that only padding gets the noise
    x = resample(np.concatenate([x + eps, np.zeros(p)]), width)
    x = x * (1 + args["scale_coeff"] * (rng.rand() - 0.5))
    x = np.roll(x, rng.choice(args["max_translation"]))
    corr = gaussian_smooth(args["corr_noise_scale"] * rng.randn(width))
    x = np.where(x != 0, x, corr)
    x = x + args["iid_noise_scale"] * rng.randn(width)
    x = x - args["shear_scale"] * (rng.rand() - 0.5) * np.linspace(-0.5, 0.5, width)
    return resample(x, args["final_seq_length"])


def _arguments(overrides):
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown MNIST-1D argument(s) {sorted(unknown)}; "
                        f"known: {sorted(DEFAULTS)}")
    args = {**DEFAULTS, **overrides}
    args["padding"] = tuple(int(v) for v in args["padding"])
    if args["num_samples"] < 10 or not 0 < args["train_split"] < 1:
        raise ValueError(f"need num_samples >= 10 and 0 < train_split < 1, got "
                         f"num_samples={args['num_samples']}, train_split={args['train_split']}")
    return args


def make_mnist1d(**overrides):
    """Generate MNIST-1D (no cache). Keyword arguments override :data:`DEFAULTS`.

    Returns a dict: ``x`` (N_train, 40) float64, ``y`` (N_train,) int64, ``x_test``,
    ``y_test``, ``t`` (40,) the horizontal coordinates of the samples and ``templates``.
    With the defaults N_train = 4000 and N_test = 1000.
    """
    args = _arguments(overrides)
    rng = np.random.RandomState(args["seed"])   # the published (legacy) random stream
    tpl = templates()
    per_class = args["num_samples"] // len(tpl["y"])
    xs = np.stack([transform(tpl["x"][label], rng, args)
                   for label in tpl["y"] for _ in range(per_class)])
    ys = np.repeat(tpl["y"], per_class).astype(np.int64)
    order = rng.permutation(len(ys))
    xs, ys = xs[order], ys[order]
    if args["shuffle_seq"]:   # destroys spatial structure: a test of inductive biases
        xs = xs[:, rng.permutation(args["final_seq_length"])]
    width = args["template_len"] + args["padding"][1]
    t = resample(resample(tpl["t"], width), args["final_seq_length"])
    mean, std = xs.mean(), xs.std()
    xs = (xs - mean) / std
    split = int(len(ys) * args["train_split"])
    return {"x": xs[:split], "y": ys[:split], "x_test": xs[split:], "y_test": ys[split:],
            "t": t / std, "templates": tpl}


def load_mnist1d(root=None, regenerate=False, **overrides):
    """MNIST-1D as NumPy arrays, generated once and cached on disk.

    Args:
        root: folder for the cache (default: ``cache_dir()``, i.e. ``~/.cache/deepgrad``);
            the file is ``root/mnist1d/mnist1d_<hash of the arguments>.npz``.
        regenerate (bool): ignore and overwrite the cached file.
        **overrides: generator arguments (see :data:`DEFAULTS`).

    Returns:
        the dict of :func:`make_mnist1d` (``x``, ``y``, ``x_test``, ``y_test``, ``t``).

    Example::

        d = load_mnist1d()
        d["x"].shape, d["x_test"].shape      # (4000, 40), (1000, 40)
    """
    args = _arguments(overrides)
    key = hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest()[:12]
    path = os.path.join(dataset_folder(root, "mnist1d"), f"mnist1d_{key}.npz")
    if not regenerate and os.path.isfile(path):
        try:
            with np.load(path) as f:
                data = {k: f[k] for k in ("x", "y", "x_test", "y_test", "t")}
            data["templates"] = templates()
            return data
        except (OSError, ValueError, KeyError):   # a damaged cache file: build it again
            pass
    data = make_mnist1d(**args)

    def write(f):
        buf = io.BytesIO()
        np.savez(buf, **{k: data[k] for k in ("x", "y", "x_test", "y_test", "t")})
        f.write(buf.getvalue())

    atomic_write(path, write)
    return data


class MNIST1D(Dataset):
    """MNIST-1D as a Dataset: ``ds[i] = (x, y)`` with ``x`` a float32 tensor of shape (40,)
    (after ``transform``) and ``y`` an int label (after ``target_transform``).

    Args:
        root: cache folder (default ``~/.cache/deepgrad``).
        train (bool): the 4,000 training examples (True) or the 1,000 test examples.
        transform, target_transform: callables applied to each example / label.
        **overrides: generator arguments (see :data:`DEFAULTS`).

    ``data`` (N, 40) float32 and ``targets`` (N,) int64 hold the arrays;
    ``tensor_dataset()`` gives a :class:`TensorDataset` (the DataLoader's fast path).

    Example::

        train = MNIST1D(train=True)
        loader = DataLoader(train.tensor_dataset(), batch_size=100, shuffle=True)
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 **overrides):
        d = load_mnist1d(root, **overrides)
        self.train = train
        self.data = (d["x"] if train else d["x_test"]).astype(np.float32)
        self.targets = (d["y"] if train else d["y_test"]).astype(np.int64)
        self.t = d["t"]
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        # a copy: an in-place transform must not change the stored data
        x, y = Tensor._make(self.data[index].copy(), CPU), int(self.targets[index])
        if self.transform is not None:
            x = self.transform(x)
        if self.target_transform is not None:
            y = self.target_transform(y)
        return x, y

    def tensor_dataset(self):
        """The whole split as ``TensorDataset(x, y)`` (transforms are not applied)."""
        from ..creation import as_tensor  # noqa: PLC0415
        return TensorDataset(as_tensor(self.data), as_tensor(self.targets))
