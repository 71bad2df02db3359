"""Small synthetic data sets for experiments: classification in 2-D and 1-D regression.

Every function returns NumPy arrays ``(X, y)``: ``X`` (n_samples, n_features) float64 and ``y``
(n_samples,) int64 labels or float64 targets. Randomness comes from ``random_state`` (an int,
a ``numpy.random.RandomState`` or ``numpy.random.Generator``) or from ``generator`` (a
``deepgrad.Generator``); with neither, the global deepgrad generator is used, so
``deepgrad.manual_seed`` makes them reproducible. ``make_moons``, ``make_circles`` and
``make_blobs`` follow scikit-learn's definitions; an int ``random_state`` uses the same legacy
NumPy stream as scikit-learn, so they return scikit-learn's exact arrays.
"""
import numbers

import numpy as np

from ..random import Generator, numpy_generator


def _rng(random_state=None, generator=None):
    if generator is not None:
        if random_state is not None:
            raise ValueError("give random_state or generator, not both")
        return numpy_generator(generator)
    if random_state is None:
        return numpy_generator(None)
    if isinstance(random_state, Generator):
        return random_state.np
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    if isinstance(random_state, numbers.Integral):
        return np.random.RandomState(int(random_state))   # scikit-learn's convention
    raise TypeError(f"random_state must be None, an int, a RandomState or a Generator, "
                    f"got {type(random_state).__name__}")


def _check_n(n_samples, minimum=1):
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) \
            or n_samples < minimum:
        raise ValueError(f"n_samples must be an integer >= {minimum}, got {n_samples!r}")


def _two_groups(n_samples):
    if isinstance(n_samples, numbers.Integral):
        _check_n(n_samples, 2)
        return n_samples // 2, n_samples - n_samples // 2
    if len(n_samples) != 2:
        raise ValueError(f"n_samples must be an int or a pair (outer, inner), got {n_samples}")
    return int(n_samples[0]), int(n_samples[1])


def _finish(X, y, shuffle, noise, rng):
    """Shuffle the rows, then add Gaussian noise of std ``noise`` (scikit-learn's order)."""
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    if noise is not None:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_moons(n_samples=100, *, shuffle=True, noise=None, random_state=None, generator=None):
    """Two interleaving half circles: the upper one ``(cos s, sin s)`` labelled 0 and the
    lower one ``(1 - cos s, 0.5 - sin s)`` labelled 1, ``s`` evenly spaced on [0, pi]."""
    n_out, n_in = _two_groups(n_samples)
    rng = _rng(random_state, generator)
    s_out, s_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(s_out), np.sin(s_out)], 1),
                        np.stack([1 - np.cos(s_in), 1 - np.sin(s_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _finish(X, y, shuffle, noise, rng)


def make_circles(n_samples=100, *, shuffle=True, noise=None, random_state=None, factor=0.8,
                 generator=None):
    """A unit circle (label 0) around a smaller one of radius ``factor`` (label 1)."""
    if not 0 <= factor < 1:
        raise ValueError(f"'factor' has to be between 0 and 1, got {factor}")
    n_out, n_in = _two_groups(n_samples)
    rng = _rng(random_state, generator)
    a_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    a_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(a_out), np.sin(a_out)], 1),
                        factor * np.stack([np.cos(a_in), np.sin(a_in)], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    return _finish(X, y, shuffle, noise, rng)


def make_blobs(n_samples=100, n_features=2, *, centers=None, cluster_std=1.0,
               center_box=(-10.0, 10.0), shuffle=True, random_state=None,
               return_centers=False, generator=None):
    """Isotropic Gaussian clusters: ``x ~ N(center_k, cluster_std_k^2 I)``, label ``k``.

    ``centers`` is a number of clusters (default 3, centres uniform in ``center_box``) or an
    array of centres; ``n_samples`` is split as evenly as possible, the first clusters taking
    one extra sample each.
    """
    _check_n(n_samples)
    rng = _rng(random_state, generator)
    if centers is None:
        centers = 3
    if isinstance(centers, numbers.Integral):
        centers = rng.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    else:
        centers = np.atleast_2d(np.asarray(centers, dtype=np.float64))
        n_features = centers.shape[1]
    k = len(centers)
    stds = np.full(k, float(cluster_std)) if np.isscalar(cluster_std) else np.asarray(cluster_std)
    if len(stds) != k:
        raise ValueError(f"cluster_std has {len(stds)} values but there are {k} centers")
    counts = [n_samples // k + (1 if i < n_samples % k else 0) for i in range(k)]
    X = np.concatenate([rng.normal(loc=centers[i], scale=stds[i], size=(counts[i], n_features))
                        for i in range(k)])
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X, y = _finish(X, y, shuffle, None, rng)
    return (X, y, centers) if return_centers else (X, y)


def make_spirals(n_samples=300, n_classes=3, *, noise=0.2, turns=1.0, random_state=None,
                 generator=None):
    """``n_classes`` interleaved spiral arms (the CS231n toy problem).

    Arm ``k`` has points at radius ``r`` evenly spaced on [0, 1] and angle
    ``theta = 2 pi (k / n_classes + turns * r) + noise * N(0, 1)``:
    ``x = r (sin theta, cos theta)``. Samples are ordered by class.
    """
    _check_n(n_samples, n_classes)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    rng = _rng(random_state, generator)
    counts = [n_samples // n_classes + (1 if i < n_samples % n_classes else 0)
              for i in range(n_classes)]
    r = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
    y = np.repeat(np.arange(n_classes, dtype=np.int64), counts)
    theta = 2 * np.pi * (y / n_classes + turns * r) + noise * rng.normal(size=len(y))
    return np.stack([r * np.sin(theta), r * np.cos(theta)], 1), y


def make_xor(n_samples=200, *, noise=0.0, random_state=None, generator=None):
    """Points uniform in [-1, 1]^2 labelled ``(x0 > 0) XOR (x1 > 0)`` (not linearly
    separable); Gaussian noise of std ``noise`` is added to X after labelling."""
    _check_n(n_samples)
    rng = _rng(random_state, generator)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def make_sine(n_samples=100, *, noise=0.1, x_range=(-np.pi, np.pi), random_state=None,
              generator=None):
    """Noisy sine regression: ``x ~ U(x_range)``, ``y = sin(x) + noise * N(0, 1)``.
    Returns X (n, 1) and y (n,)."""
    _check_n(n_samples)
    rng = _rng(random_state, generator)
    x = rng.uniform(x_range[0], x_range[1], size=n_samples)
    return x[:, None], np.sin(x) + noise * rng.normal(size=n_samples)


def make_polynomial(n_samples=100, coefficients=(1.0, -2.0, 0.5, 1.0), *, noise=0.1,
                    x_range=(-1.0, 1.0), random_state=None, generator=None):
    """Polynomial regression: ``y = sum_k c_k x^k + noise * N(0, 1)``, ``x ~ U(x_range)``
    (``coefficients`` from the constant term up). Returns X (n, 1) and y (n,)."""
    _check_n(n_samples)
    rng = _rng(random_state, generator)
    x = rng.uniform(x_range[0], x_range[1], size=n_samples)
    clean = np.polynomial.polynomial.polyval(x, np.asarray(coefficients, dtype=np.float64))
    return x[:, None], clean + noise * rng.normal(size=n_samples)
