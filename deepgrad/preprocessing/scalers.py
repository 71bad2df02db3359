"""Feature scalers: StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler, Normalizer,
Binarizer. Same parameters, attributes and numbers as scikit-learn's.

The column scalers treat NaN as missing (ignored by ``fit``, kept by ``transform``), as
scikit-learn's do; infinity is an error that names the column.
"""
from statistics import NormalDist

import numpy as np

from .base import BaseTransformer, OneToOneFeatureNames, check_is_fitted, from_numpy, to_numpy


def handle_zeros_in_scale(scale, constant_mask=None):
    """Replace (near-)zero scales by 1 so that constant features pass through unscaled
    instead of dividing by zero. ``constant_mask`` overrides the tolerance test."""
    scale = np.array(scale, dtype=np.float64, copy=True, ndmin=1)
    if constant_mask is None:
        constant_mask = scale < 10 * np.finfo(scale.dtype).eps
    scale[constant_mask] = 1.0
    return scale


def _n_seen(X):
    """Non-NaN count per column: an int when there is no NaN, else an int array."""
    counts = (~np.isnan(X)).sum(axis=0)
    return int(X.shape[0]) if (counts == X.shape[0]).all() else counts.astype(np.int64)


def _output(X, like, copy):
    """A float copy (or, with ``copy=False``, the array itself when writable) to work on."""
    if copy or not X.flags.writeable or like is not None:
        return X.copy()
    return X


class _ColumnScaler(OneToOneFeatureNames, BaseTransformer):
    """Shared transform/inverse_transform of the affine scalers: z = (x - center_) / scale_."""

    _allow_nan = True

    def _affine(self):  # (center or None, scale or None)
        raise NotImplementedError

    def transform(self, X, copy=None):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = _output(X, like, self.copy if copy is None else copy)
        center, scale = self._affine()
        if center is not None:
            out -= center.astype(out.dtype, copy=False)
        if scale is not None:
            out /= scale.astype(out.dtype, copy=False)
        return from_numpy(out, like)

    def inverse_transform(self, X, copy=None):
        """x = z * scale_ + center_."""
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = _output(X, like, self.copy if copy is None else copy)
        center, scale = self._affine()
        if scale is not None:
            out *= scale.astype(out.dtype, copy=False)
        if center is not None:
            out += center.astype(out.dtype, copy=False)
        return from_numpy(out, like)


class StandardScaler(_ColumnScaler):
    """Standardise features: z = (x - mean) / std, column by column.

    std is the population standard deviation sqrt(mean((x - mean)^2)) (ddof=0); a constant
    column gets scale 1 (it is centred, not divided by zero).

    Args:
        copy (bool, default True): work on a copy (False: scale float arrays in place).
        with_mean (bool, default True): subtract the mean.
        with_std (bool, default True): divide by the standard deviation.

    Attributes: ``mean_`` (n_features,) or None, ``var_`` (n_features,) or None, ``scale_``
    (n_features,) or None, ``n_samples_seen_`` (int, or per-column counts when X has NaN),
    ``n_features_in_``.

    Example::

        >>> s = StandardScaler().fit([[0.0, 1.0], [2.0, 3.0]])
        >>> s.mean_, s.scale_
        (array([1., 2.]), array([1., 1.]))
        >>> s.transform([[2.0, 2.0]])
        array([[1., 0.]])
    """

    def __init__(self, *, copy=True, with_mean=True, with_std=True):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        self.n_samples_seen_ = _n_seen(X)
        if self.with_mean or self.with_std:
            # accumulate in float64 even for float32 input (float32 sums drift)
            self.mean_ = np.nanmean(X, axis=0, dtype=np.float64)
        else:
            self.mean_ = None
        if self.with_std:
            self.var_ = np.nanvar(X, axis=0, dtype=np.float64)
            # a column is constant when its variance is within rounding of zero
            n, eps = self.n_samples_seen_, np.finfo(np.float64).eps
            constant = self.var_ <= n * eps * self.var_ + (n * self.mean_ * eps) ** 2
            self.scale_ = handle_zeros_in_scale(np.sqrt(self.var_), constant)
        else:
            self.var_ = None
            self.scale_ = None
        return self

    def _affine(self):
        return (self.mean_ if self.with_mean else None), self.scale_


class MinMaxScaler(OneToOneFeatureNames, BaseTransformer):
    """Rescale each feature to ``feature_range`` = (a, b):

        z = (x - min) / (max - min) * (b - a) + a  =  x * scale_ + min_

    Args:
        feature_range (tuple, default (0, 1)): the target interval (a < b).
        copy (bool, default True): work on a copy.
        clip (bool, default False): clip transformed values of new data into (a, b).

    Attributes: ``data_min_``, ``data_max_``, ``data_range_``, ``scale_``, ``min_``
    (all (n_features,)), ``n_samples_seen_``, ``n_features_in_``.

    Example::

        >>> MinMaxScaler().fit_transform([[1.0], [3.0], [5.0]]).ravel()
        array([0. , 0.5, 1. ])
    """

    _allow_nan = True

    def __init__(self, feature_range=(0, 1), *, copy=True, clip=False):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip

    def fit(self, X, y=None):
        lo, hi = self.feature_range
        if lo >= hi:
            raise ValueError("Minimum of desired feature range must be smaller than maximum. "
                             f"Got {tuple(self.feature_range)!r}.")
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        self.n_samples_seen_ = X.shape[0]  # rows, NaN or not (as scikit-learn)
        self.data_min_ = np.nanmin(X, axis=0).astype(np.float64)
        self.data_max_ = np.nanmax(X, axis=0).astype(np.float64)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (hi - lo) / handle_zeros_in_scale(self.data_range_)
        self.min_ = lo - self.data_min_ * self.scale_
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = _output(X, like, self.copy)
        out *= self.scale_.astype(out.dtype, copy=False)
        out += self.min_.astype(out.dtype, copy=False)
        if self.clip:
            np.clip(out, self.feature_range[0], self.feature_range[1], out=out)
        return from_numpy(out, like)

    def inverse_transform(self, X):
        """x = (z - min_) / scale_."""
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = _output(X, like, self.copy)
        out -= self.min_.astype(out.dtype, copy=False)
        out /= self.scale_.astype(out.dtype, copy=False)
        return from_numpy(out, like)


class MaxAbsScaler(_ColumnScaler):
    """Scale each feature by its maximum absolute value: z = x / max|x|, into [-1, 1].

    It does not shift the data, so zeros stay zeros (sparsity is kept).

    Args:
        copy (bool, default True): work on a copy.

    Attributes: ``max_abs_``, ``scale_`` (n_features,), ``n_samples_seen_``,
    ``n_features_in_``.

    Example::

        >>> MaxAbsScaler().fit_transform([[-2.0], [1.0]]).ravel()
        array([-1. ,  0.5])
    """

    def __init__(self, *, copy=True):
        self.copy = copy

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        self.n_samples_seen_ = X.shape[0]
        self.max_abs_ = np.nanmax(np.abs(X), axis=0).astype(np.float64)
        self.scale_ = handle_zeros_in_scale(self.max_abs_)
        return self

    def _affine(self):
        return None, self.scale_


class RobustScaler(_ColumnScaler):
    """Scale with statistics robust to outliers: z = (x - median) / (q_hi - q_lo).

    q_lo, q_hi are the ``quantile_range`` percentiles (the interquartile range by default).
    With ``unit_variance`` the scale is further divided by Phi^-1(q_hi) - Phi^-1(q_lo)
    (Phi the standard normal CDF) so that normal data ends with variance 1.

    Args:
        with_centering (bool, default True): subtract the median.
        with_scaling (bool, default True): divide by the quantile range.
        quantile_range (tuple, default (25.0, 75.0)): percentiles, 0 <= lo < hi <= 100.
        copy (bool, default True): work on a copy.
        unit_variance (bool, default False): see above.

    Attributes: ``center_``, ``scale_`` ((n_features,) or None), ``n_features_in_``.

    Example::

        >>> RobustScaler().fit_transform([[1.0], [2.0], [3.0], [100.0]]).ravel()
        array([-0.05882353, -0.01960784,  0.01960784,  3.82352941])
    """

    def __init__(self, *, with_centering=True, with_scaling=True, quantile_range=(25.0, 75.0),
                 copy=True, unit_variance=False):
        self.with_centering = with_centering
        self.with_scaling = with_scaling
        self.quantile_range = quantile_range
        self.copy = copy
        self.unit_variance = unit_variance

    def fit(self, X, y=None):
        q_lo, q_hi = self.quantile_range
        if not 0 <= q_lo <= q_hi <= 100:
            raise ValueError(f"Invalid quantile range: {tuple(self.quantile_range)!r}; "
                             "expected 0 <= low <= high <= 100.")
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        self.center_ = np.nanmedian(X, axis=0).astype(np.float64) if self.with_centering else None
        if self.with_scaling:
            lo, hi = np.nanpercentile(X, [q_lo, q_hi], axis=0).astype(np.float64)
            self.scale_ = handle_zeros_in_scale(hi - lo)
            if self.unit_variance:
                normal = NormalDist()
                self.scale_ = self.scale_ / (normal.inv_cdf(q_hi / 100.0)
                                             - normal.inv_cdf(q_lo / 100.0))
        else:
            self.scale_ = None
        return self

    def _affine(self):
        return self.center_, self.scale_


class Normalizer(OneToOneFeatureNames, BaseTransformer):
    """Scale each *sample* (row) to unit norm: z = x / ||x||.

    ||x|| is sum|x_j| (``"l1"``), sqrt(sum x_j^2) (``"l2"``) or max|x_j| (``"max"``); an
    all-zero row stays zero. Stateless: ``fit`` only records ``n_features_in_``.

    Args:
        norm (str, default "l2"): "l1", "l2" or "max".
        copy (bool, default True): work on a copy.

    Example::

        >>> Normalizer().transform([[3.0, 4.0]])
        array([[0.6, 0.8]])
    """

    _requires_fit = False

    def __init__(self, norm="l2", *, copy=True):
        self.norm = norm
        self.copy = copy

    def fit(self, X, y=None):
        self._check_norm()
        X, _ = to_numpy(X)
        self._validate(X, reset=True)
        return self

    def _check_norm(self):
        if self.norm not in ("l1", "l2", "max"):
            raise ValueError(f"'{self.norm}' is not a supported norm; use 'l1', 'l2' or 'max'.")

    def transform(self, X, copy=None):
        self._check_norm()
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = _output(X, like, self.copy if copy is None else copy)
        if self.norm == "l1":
            norms = np.abs(out).sum(axis=1)
        elif self.norm == "l2":
            norms = np.sqrt(np.einsum("ij,ij->i", out, out))
        else:
            norms = np.abs(out).max(axis=1)
        out /= handle_zeros_in_scale(norms).astype(out.dtype, copy=False)[:, None]
        return from_numpy(out, like)


class Binarizer(OneToOneFeatureNames, BaseTransformer):
    """Threshold features: z = 1 if x > threshold else 0 (same dtype as x). Stateless.

    Args:
        threshold (float, default 0.0): values strictly above it become 1.
        copy (bool, default True): work on a copy.

    Example::

        >>> Binarizer(threshold=0.5).transform([[0.2, 0.7]])
        array([[0., 1.]])
    """

    _requires_fit = False

    def __init__(self, *, threshold=0.0, copy=True):
        self.threshold = threshold
        self.copy = copy

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        self._validate(X, reset=True)
        return self

    def transform(self, X, copy=None):
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = (X > self.threshold).astype(X.dtype)
        return from_numpy(out, like)
