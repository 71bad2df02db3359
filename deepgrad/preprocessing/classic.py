"""The classic normalisations of the deep-learning literature, as transformers.

Unlike the scikit-learn scalers these have no scikit-learn twin; their formulas are:

    MeanNormalizer   z = (x - mean) / (max - min)          z in [-1, 1], mean 0
    LogScaler        z = log10(x + offset) / log10(max + offset)
    ArctanScaler     z = 2/pi * atan(x)                     z in (-1, 1), stateless
    DecimalScaler    z = x / 10^j,  j the smallest integer with max|x| / 10^j < 1
"""
import numpy as np

from .base import BaseTransformer, OneToOneFeatureNames, check_is_fitted, from_numpy, to_numpy
from .scalers import handle_zeros_in_scale


class MeanNormalizer(OneToOneFeatureNames, BaseTransformer):
    """Mean normalisation: z = (x - mean) / (max - min), per column.

    The result has mean 0 and lies in [-1, 1]; a constant column is only centred.

    Attributes: ``mean_``, ``data_min_``, ``data_max_``, ``data_range_`` (n_features,),
    ``n_features_in_``.

    Example::

        >>> MeanNormalizer().fit_transform([[0.0], [1.0], [5.0]]).ravel()
        array([-0.4, -0.2,  0.6])
    """

    def __init__(self):
        pass

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        self.data_min_ = X.min(axis=0).astype(np.float64)
        self.data_max_ = X.max(axis=0).astype(np.float64)
        self.data_range_ = self.data_max_ - self.data_min_
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = (X - self.mean_.astype(X.dtype)) / handle_zeros_in_scale(self.data_range_
                                                                       ).astype(X.dtype)
        return from_numpy(out, like)

    def inverse_transform(self, X):
        """x = z * (max - min) + mean."""
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = X * handle_zeros_in_scale(self.data_range_).astype(X.dtype) + \
            self.mean_.astype(X.dtype)
        return from_numpy(out, like)


class LogScaler(OneToOneFeatureNames, BaseTransformer):
    """Log scaling: z = log10(x + offset) / log10(max + offset), per column.

    For data spanning orders of magnitude (counts, prices). x + offset must be positive;
    with the default offset 0 the column maximum maps to 1. ``offset=1`` gives the common
    log1p variant that accepts zeros. A column whose log-maximum is 0 (max + offset = 1)
    is left unscaled (divided by 1).

    Args:
        offset (float, default 0.0).

    Attributes: ``data_max_``, ``log_max_`` (n_features,), ``n_features_in_``.

    Example::

        >>> LogScaler().fit_transform([[10.0], [100.0], [1000.0]]).ravel()
        array([0.33333333, 0.66666667, 1.        ])
    """

    def __init__(self, *, offset=0.0):
        self.offset = offset

    def _tags(self):
        return {**super()._tags(), "positive_only": True}

    def _check_positive(self, X):
        bad = (X + self.offset <= 0).any(axis=0)
        if bad.any():
            col = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Negative values in data passed to LogScaler: it needs "
                             f"x + offset > 0, but column {col} has the value "
                             f"{float(X[:, col].min())!r} with offset={self.offset!r}.")

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        self._check_positive(X)
        self.data_max_ = X.max(axis=0).astype(np.float64)
        log_max = np.log10(self.data_max_ + self.offset)
        self.log_max_ = np.where(np.abs(log_max) < 10 * np.finfo(np.float64).eps, 1.0, log_max)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        self._check_positive(X)
        out = np.log10(X + X.dtype.type(self.offset)) / self.log_max_.astype(X.dtype)
        return from_numpy(out, like)

    def inverse_transform(self, X):
        """x = 10^(z * log10(max + offset)) - offset."""
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = 10.0 ** (X * self.log_max_.astype(X.dtype)) - X.dtype.type(self.offset)
        return from_numpy(out.astype(X.dtype, copy=False), like)


class ArctanScaler(OneToOneFeatureNames, BaseTransformer):
    """Arctangent scaling: z = 2/pi * atan(x), into (-1, 1); stateless (``fit`` only records
    ``n_features_in_``). Inverse: x = tan(pi/2 * z).

    Example::

        >>> ArctanScaler().transform([[0.0, 1.0]])
        array([[0. , 0.5]])
    """

    _requires_fit = False

    def __init__(self):
        pass

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        self._validate(X, reset=True)
        return self

    def transform(self, X):
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        return from_numpy(np.arctan(X) * X.dtype.type(2 / np.pi), like)

    def inverse_transform(self, X):
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        return from_numpy(np.tan(X * X.dtype.type(np.pi / 2)), like)


class DecimalScaler(OneToOneFeatureNames, BaseTransformer):
    """Decimal scaling: z = x / 10^j per column, j the smallest integer with
    max|x| / 10^j < 1 (so |z| < 1; j may be negative for small data). An all-zero
    column keeps j = 0.

    Attributes: ``max_abs_``, ``exponent_`` (int, (n_features,)), ``scale_`` = 10^j,
    ``n_features_in_``.

    Example::

        >>> DecimalScaler().fit_transform([[-250.0], [999.0]]).ravel()
        array([-0.25 ,  0.999])
    """

    def __init__(self):
        pass

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        self.max_abs_ = np.abs(X).max(axis=0).astype(np.float64)
        exps = []
        for m in self.max_abs_:
            if m == 0:
                exps.append(0)
                continue
            j = int(np.floor(np.log10(m))) + 1
            # log10 can be off by one ulp near powers of ten: settle j exactly
            while m / 10.0 ** j >= 1:
                j += 1
            while m / 10.0 ** (j - 1) < 1:
                j -= 1
            exps.append(j)
        self.exponent_ = np.array(exps, dtype=np.int64)
        self.scale_ = 10.0 ** self.exponent_.astype(np.float64)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        return from_numpy(X / self.scale_.astype(X.dtype), like)

    def inverse_transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        return from_numpy(X * self.scale_.astype(X.dtype), like)
