"""Double descent: test error against width for random ReLU features fitted by least squares.

The model is a two-layer network whose first layer is random and frozen,

    phi(x) = relu(x W / sqrt(d)),     W: (d, p) with N(0, 1) entries,   p = the width,

and whose last layer ``beta`` (p, k) is fitted by minimum-norm least squares on the n
training rows ``Phi`` (n, p) and targets ``Y`` (n, k; one-hot for class labels):

    beta = pinv(Phi) Y = V diag(1 / s) U^T Y          (Phi = U diag(s) V^T, the thin SVD)

For p < n this is ordinary least squares; for p > n there are many interpolating solutions
(``Phi beta = Y``) and pinv picks the one of least norm, which is also where gradient descent
from ``beta = 0`` converges. With a ridge penalty ``lam`` the factor ``1 / s`` becomes
``s / (s^2 + lam)``.

Why the test error peaks at p = n (the interpolation threshold): there ``Phi`` is square and
its smallest singular value is close to 0, so ``1 / s_min`` is huge and the fit amplifies the
noise in ``Y`` (and the randomness of ``W``) into a huge weight vector: the variance explodes.
Past the threshold, extra features give more ways to interpolate and the minimum-norm one gets
smoother, so the test error falls again ("double descent", Belkin et al. 2019; the
bias-variance view is Adlam and Pennington 2020; Nakkiran et al. 2019 show it for trained
networks). A ridge penalty bounds ``s / (s^2 + lam)`` by ``1 / (2 sqrt(lam))`` and flattens
the peak.

:func:`double_descent` sweeps the width over several seeds and splits the test mean squared
error into bias^2 + variance over those seeds (what varies between seeds: the random first
layer, the label noise and, with ``n_train``, the training subset).
"""
import contextlib
from dataclasses import dataclass

import numpy as np

from ._common import check_nonempty, pyplot, to_numpy


@contextlib.contextmanager
def _one_blas_thread():
    """Run BLAS/LAPACK on one thread: these matrices are small, and on a busy machine a
    second BLAS thread that waits for a descheduled partner made the sweep 10-30x slower."""
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415 - optional
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _solve(Phi, Y, ridge):
    """The minimum-norm (ridge = 0) or ridge least-squares solution, through the thin SVD."""
    U, s, Vt = np.linalg.svd(Phi, full_matrices=False)
    if ridge > 0:
        scale = s / (s * s + ridge)
    else:
        # pinv's rule: singular values below eps * max(n, p) * s_max are treated as 0 (they
        # are rounding noise, not directions of the data).
        cutoff = np.finfo(Phi.dtype).eps * max(Phi.shape) * (s[0] if s.size else 0.0)
        scale = np.where(s > cutoff, 1.0 / np.where(s > cutoff, s, 1.0), 0.0)
    coef = Vt.T @ (scale[:, None] * (U.T @ Y.reshape(len(Y), -1)))
    return coef.reshape((Phi.shape[1],) + Y.shape[1:])


class RandomFeaturesRegressor:
    """Random ReLU features + a least-squares last layer, with fit/predict.

    Args:
        n_features (int): the width p of the random layer.
        ridge (float): L2 penalty on the last layer; 0 gives the minimum-norm solution.
        random_state: seed (or ``np.random.Generator``) of the random layer.

    After ``fit``: ``weights_`` (d, p), the frozen first layer, and ``coef_``: (p,) for a 1-D
    ``y``, (p, k) for ``y`` of shape (n, k).
    Works with :func:`deepgrad.lab.bias_variance_decomp` and ``bias_variance_curve``; note that
    a bootstrap sample repeats rows, so its interpolation threshold is the number of distinct
    rows (about 0.63 n), not n.
    """

    def __init__(self, n_features, ridge=0.0, random_state=None):
        self.n_features = n_features
        self.ridge = ridge
        self.random_state = random_state

    def features(self, X):
        X = np.asarray(to_numpy(X), dtype=np.float64)
        return np.maximum(X @ self.weights_ / np.sqrt(X.shape[1]), 0.0)

    def fit(self, X, y, weights=None):
        """Fit the last layer; ``weights`` (d, p) overrides the random first layer."""
        X = np.asarray(to_numpy(X), dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"RandomFeaturesRegressor: X must be 2-D (samples, features), "
                             f"got shape {X.shape}")
        if weights is None:
            rng = np.random.default_rng(self.random_state)
            weights = rng.standard_normal((X.shape[1], int(self.n_features)))
        self.weights_ = weights
        with _one_blas_thread():
            self.coef_ = _solve(self.features(X), np.asarray(to_numpy(y), dtype=np.float64),
                                float(self.ridge))
        return self

    def predict(self, X):
        return self.features(X) @ self.coef_


@dataclass
class DoubleDescentResult:
    """Per width (averaged over seeds): errors, and test MSE = bias^2 + variance.

    With S seeds, ``bias`` is measured on the mean of S predictions, so it still holds
    variance / S: at the threshold, where the variance is huge, bias^2 rises too. At p = n
    the mean over seeds is dominated by the unluckiest draw (``test_mse_per_seed`` shows it).
    """
    widths: np.ndarray
    n_train: int
    test_error: np.ndarray     # 0-1 error for class labels, else equal to test_mse
    train_error: np.ndarray
    test_mse: np.ndarray       # mean over test points of ||prediction - target||^2
    train_mse: np.ndarray
    bias: np.ndarray           # squared bias of the seed-averaged prediction
    variance: np.ndarray       # spread of the predictions over seeds
    test_mse_per_seed: np.ndarray   # (seeds, widths)
    classification: bool
    label_noise: float
    ridge: float

    @property
    def peak_width(self):
        """The width with the largest test MSE (the interpolation threshold, n_train)."""
        return int(self.widths[int(np.argmax(self.test_mse))])

    def table(self):
        head = (f"{'width':>7} {'test err':>9} {'train err':>9} {'test mse':>10} "
                f"{'bias^2':>9} {'variance':>10}")
        rows = [head] + [f"{w:7d} {te:9.3f} {tr:9.3f} {m:10.4g} {b:9.4g} {v:10.4g}"
                         for w, te, tr, m, b, v in zip(self.widths, self.test_error,
                                                       self.train_error, self.test_mse,
                                                       self.bias, self.variance)]
        return "\n".join(rows)

    def plot(self, path=None):
        """Left: test and train error against width; right: test MSE, bias^2 and variance."""
        plt = pyplot()
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
        name = "0-1 error" if self.classification else "mean squared error"
        left.plot(self.widths, self.test_error, "-o", ms=3, label="test")
        left.plot(self.widths, self.train_error, "-s", ms=3, label="train")
        left.set_ylabel(name)
        right.plot(self.widths, self.test_mse, "k-o", ms=3, label="test MSE")
        right.plot(self.widths, self.bias, "-s", ms=3, label="bias$^2$")
        right.plot(self.widths, self.variance, "-^", ms=3, label="variance")
        right.set_yscale("log")
        right.set_ylabel("test squared error")
        for ax in (left, right):
            ax.set_xscale("log")
            ax.axvline(self.n_train, color="gray", ls=":", lw=1,
                       label=f"width = n = {self.n_train}")
            ax.set_xlabel("width (random ReLU features)")
            ax.legend(fontsize=8)
        noise = f", {self.label_noise:.0%} label noise" if self.label_noise else ""
        fig.suptitle(f"double descent: min-norm least squares on random features{noise}",
                     fontsize=10)
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


def _check(X_train, y_train, X_test, y_test, widths, n_train, n_seeds, label_noise, ridge):
    who = "double_descent"
    arrays = [to_numpy(a) for a in (X_train, y_train, X_test, y_test)]
    for array, name in zip(arrays, ("X_train", "y_train", "X_test", "y_test")):
        check_nonempty(array, name, who)
    X_train, y_train, X_test, y_test = arrays
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError(f"{who}: X_train and X_test must be 2-D with the same number of "
                         f"columns, got {X_train.shape} and {X_test.shape}")
    if len(X_train) != len(y_train) or len(X_test) != len(y_test):
        raise ValueError(f"{who}: X and y lengths differ: X_train {len(X_train)}, y_train "
                         f"{len(y_train)}, X_test {len(X_test)}, y_test {len(y_test)}")
    values = list(widths)
    if not values or any(int(w) != w or w < 1 for w in values):
        raise ValueError(f"{who}: widths must be a non-empty list of positive ints, got {values}")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"{who}: widths must be strictly increasing, got {values}")
    if n_train is not None and not 1 <= n_train <= len(X_train):
        raise ValueError(f"{who}: n_train must be in [1, {len(X_train)}] (the rows of "
                         f"X_train), got {n_train}")
    if int(n_seeds) != n_seeds or n_seeds < 1:
        raise ValueError(f"{who}: n_seeds must be a positive int, got {n_seeds!r}")
    if not 0.0 <= label_noise <= 1.0:
        raise ValueError(f"{who}: label_noise must be a fraction in [0, 1], got {label_noise}")
    if ridge < 0:
        raise ValueError(f"{who}: ridge must be >= 0, got {ridge}")
    return X_train, y_train, X_test, y_test, np.array(values, dtype=np.int64)


def double_descent(X_train, y_train, X_test, y_test, widths, *, n_train=None, n_seeds=5,
                   label_noise=0.0, ridge=0.0, random_seed=0):
    """Test error of random-ReLU-feature least squares against width, over seeds.

    Args:
        X_train, y_train, X_test, y_test: the data; integer labels (1-D) make it a
            classification (targets one-hot, error = 0-1 error of the argmax), anything else
            a regression. Inputs should be on unit scale (MNIST-1D already is).
        widths: strictly increasing widths p to try; include ``n_train`` to see the peak.
        n_train (int): if given, each seed draws this many rows of X_train (without
            replacement); otherwise all rows are used every time.
        n_seeds (int): repetitions; each draws its own first layer, label noise and subset.
        label_noise (float): fraction of training labels replaced by uniformly random classes
            (classification only; the test labels stay clean).
        ridge (float): L2 penalty of the last layer (0: minimum-norm least squares).
        random_seed (int): seed of the whole experiment.

    Returns:
        :class:`DoubleDescentResult` (``.table()``, ``.plot()``, ``.peak_width``).
    """
    X_train, y_train, X_test, y_test, widths = _check(X_train, y_train, X_test, y_test, widths,
                                                      n_train, n_seeds, label_noise, ridge)
    classification = y_train.ndim == 1 and y_train.dtype.kind in "iu"
    if label_noise and not classification:
        raise ValueError("double_descent: label_noise needs integer class labels (it swaps "
                         "labels); for a regression add noise to y_train yourself")
    n_classes = int(max(y_train.max(), y_test.max())) + 1 if classification else None
    encode = (lambda y: np.eye(n_classes)[y]) if classification else \
        (lambda y: np.asarray(y, dtype=np.float64).reshape(len(y), -1))
    X_test = X_test.astype(np.float64)
    Y_test = encode(y_test)
    n = len(X_train) if n_train is None else int(n_train)
    shape = (int(n_seeds), len(widths))
    stats = {key: np.zeros(shape) for key in ("test_err", "train_err", "test_mse", "train_mse")}
    predictions = np.zeros(shape + Y_test.shape)
    with _one_blas_thread():
        for seed in range(int(n_seeds)):
            rng = np.random.default_rng([random_seed, seed])
            rows = rng.choice(len(X_train), size=n, replace=False) if n_train else np.arange(n)
            X, y = X_train[rows].astype(np.float64), y_train[rows].copy()
            if label_noise:
                flip = rng.random(n) < label_noise
                y[flip] = rng.integers(0, n_classes, int(flip.sum()))
            Y = encode(y)
            # One wide random layer per seed; width p uses its first p units, so the widths
            # of one seed are nested networks (a smoother curve than independent draws).
            W = rng.standard_normal((X.shape[1], int(widths[-1])))
            for j, p in enumerate(widths):
                model = RandomFeaturesRegressor(p, ridge=ridge).fit(X, Y, weights=W[:, :p])
                fitted, predicted = model.predict(X), model.predict(X_test)
                predictions[seed, j] = predicted
                stats["train_mse"][seed, j] = ((fitted - Y) ** 2).sum(1).mean()
                stats["test_mse"][seed, j] = ((predicted - Y_test) ** 2).sum(1).mean()
                if classification:
                    stats["train_err"][seed, j] = (fitted.argmax(1) != y).mean()
                    stats["test_err"][seed, j] = (predicted.argmax(1) != y_test).mean()
    if not classification:
        stats["train_err"], stats["test_err"] = stats["train_mse"], stats["test_mse"]
    main = predictions.mean(axis=0)                                 # (widths, test, k)
    bias = ((main - Y_test) ** 2).sum(-1).mean(-1)
    variance = ((predictions - main) ** 2).sum(-1).mean(-1).mean(0)
    return DoubleDescentResult(widths, n, stats["test_err"].mean(0), stats["train_err"].mean(0),
                               stats["test_mse"].mean(0), stats["train_mse"].mean(0), bias,
                               variance, stats["test_mse"], classification, float(label_noise),
                               float(ridge))
