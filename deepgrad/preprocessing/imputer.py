"""SimpleImputer: fill missing values with a per-column statistic."""
import numbers
import warnings

import numpy as np

from ._feature_names import one_to_one_names_out
from .base import BaseTransformer, _is_sparse, check_array, check_is_fitted, from_numpy, to_numpy


def _is_nan(v):
    return isinstance(v, (float, np.floating)) and v != v


def _most_frequent(values):
    """The most frequent value; ties go to the smallest (as scikit-learn / scipy.mode)."""
    if len(values) == 0:
        return np.nan
    uniq, counts = np.unique(values, return_counts=True)
    return uniq[np.argmax(counts)]  # np.unique sorts, argmax takes the first maximum


class SimpleImputer(BaseTransformer):
    """Replace missing values with a statistic of their column, learned by ``fit``.

    strategy: ``"mean"``, ``"median"``, ``"most_frequent"`` (smallest value among ties) or
    ``"constant"`` (``fill_value``). A column with no observed value has no statistic: it
    is dropped from the output (``keep_empty_features=False``) or filled with 0.

    Args:
        missing_values (default np.nan): the placeholder to replace (a number, NaN, None or
            a string).
        strategy (str, default "mean").
        fill_value (default None): value for "constant"; None means 0 for numbers and
            "missing_value" for strings/objects.
        copy (bool, default True).
        keep_empty_features (bool, default False).

    Attributes: ``statistics_`` (n_features,), ``n_features_in_``.

    Example::

        >>> SimpleImputer().fit_transform([[1.0], [np.nan], [3.0]]).ravel()
        array([1., 2., 3.])
    """

    def __init__(self, *, missing_values=np.nan, strategy="mean", fill_value=None, copy=True,
                 keep_empty_features=False):
        self.missing_values = missing_values
        self.strategy = strategy
        self.fill_value = fill_value
        self.copy = copy
        self.keep_empty_features = keep_empty_features

    @property
    def _allow_nan(self):
        return _is_nan(self.missing_values)

    @property
    def _removes_nan(self):  # NaN in, no NaN out: a Pipeline after it never sees NaN
        return _is_nan(self.missing_values)

    @property
    def _preserves_dtype(self):
        return ()

    def _check(self, X, reset):
        if self.strategy not in ("mean", "median", "most_frequent", "constant"):
            raise ValueError(f"Can only use these strategies: ['mean', 'median', "
                             f"'most_frequent', 'constant'] got strategy={self.strategy!r}")
        X, like = to_numpy(X)
        if _is_sparse(X):
            check_array(X, self)  # raises the 'sparse data is not supported' TypeError
        arr = np.asarray(X)
        numeric = self.strategy in ("mean", "median")
        if not numeric and arr.dtype.kind in "OUS":
            X = self._validate(X, reset=reset, dtype=None)  # X: names kept
            X = X.astype(object)
            for (r, c), v in np.ndenumerate(X):
                if not (v is None or isinstance(v, (str, numbers.Number, np.number))):
                    raise TypeError(f"argument must be a string or a number, not "
                                    f"'{type(v).__name__}' (column {c})")
        else:
            if arr.dtype.kind in "US":
                raise ValueError(f"Cannot use {self.strategy} strategy with non-numeric data "
                                 f"(dtype {arr.dtype}).")
            X = self._validate(X, reset=reset)
        return X, like

    def _mask(self, X):
        if _is_nan(self.missing_values):
            if X.dtype.kind == "O":
                return np.vectorize(_is_nan, otypes=[bool])(X)
            return np.isnan(X)
        if self.missing_values is None:
            return np.vectorize(lambda v: v is None, otypes=[bool])(X)
        return X == self.missing_values

    def fit(self, X, y=None):
        X, _ = self._check(X, reset=True)
        mask = self._mask(X)
        stats = []
        for j in range(X.shape[1]):
            observed = X[~mask[:, j], j]
            if self.strategy == "constant":
                fill = self.fill_value
                if fill is None:
                    fill = 0 if X.dtype.kind != "O" else "missing_value"
                elif X.dtype.kind == "f" and not isinstance(fill, numbers.Real):
                    raise ValueError(f"fill_value={fill!r} is invalid. Expected a numerical "
                                     "value when imputing numerical data.")
                stats.append(fill)
            elif len(observed) == 0:
                stats.append(np.nan)
            elif self.strategy == "mean":
                stats.append(np.mean(observed, dtype=np.float64))
            elif self.strategy == "median":
                stats.append(np.median(observed))
            else:
                stats.append(_most_frequent(observed))
        # columns with no observed value have no statistic: dropped at transform, or
        # (keep_empty_features) filled with 0 - the constant strategy fills its constant
        self._empty = mask.all(axis=0)
        if self._empty.any() and not self.keep_empty_features:
            warnings.warn(f"Skipping features without any observed values: "
                          f"{np.flatnonzero(self._empty).tolist()}. At least one non-missing "
                          f"value is needed for imputation with strategy={self.strategy!r}.",
                          UserWarning, stacklevel=2)
        stats = np.array(stats, dtype=object if X.dtype.kind == "O" else np.float64)
        if self.keep_empty_features:
            if self.strategy != "constant":
                stats[self._empty] = 0
        elif self.strategy == "constant":
            stats[self._empty] = np.nan
        self.statistics_ = stats
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, like = self._check(X, reset=False)
        mask = self._mask(X)
        out = X.copy()
        stats, empty = self.statistics_, self._empty
        rows, cols = np.nonzero(mask)
        out[rows, cols] = stats[cols].astype(out.dtype) if out.dtype.kind != "O" else stats[cols]
        if not self.keep_empty_features:
            out = out[:, ~empty]
        return from_numpy(out, like)

    def get_feature_names_out(self, input_features=None):
        """The input names, less the all-missing columns that ``transform`` drops."""
        check_is_fitted(self, "n_features_in_")
        names = one_to_one_names_out(self, input_features)
        return names if self.keep_empty_features else names[~self._empty]
