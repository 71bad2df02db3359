"""Categorical encoders: OneHotEncoder, OrdinalEncoder (features) and LabelEncoder (targets).

Categories are the sorted distinct values of each column (numbers or strings; NaN, when
present, is a category of its own and sorts last), as in scikit-learn.
"""
import numbers

import numpy as np

from ._feature_names import one_hot_names_out, one_to_one_names_out
from .base import (BaseTransformer, OneToOneFeatureNames, check_array, check_is_fitted,
                   from_numpy, to_numpy)


def _is_nan(v):
    return isinstance(v, (float, np.floating)) and v != v


def _check_values(col, j):
    """Values must be uniformly strings or numbers (objects of other types are rejected)."""
    if col.dtype.kind != "O":
        return
    kinds = set()
    for v in col:
        if isinstance(v, str):
            kinds.add("str")
        elif isinstance(v, (numbers.Number, np.number)) or v is None:
            kinds.add("number")
        else:
            raise TypeError(f"argument must be a string or a number, not '{type(v).__name__}' "
                            f"(column {j})")
    if len(kinds) > 1:
        raise TypeError("Encoders require their input argument must be uniformly strings or "
                        f"numbers. Got {sorted(kinds)} in column {j}.")


def _unique(col):
    """Sorted distinct values; NaNs collapse into one trailing NaN."""
    if col.dtype.kind == "O":
        nan = np.array([_is_nan(v) for v in col], dtype=bool)
        uniq = np.array(sorted(set(col[~nan].tolist())), dtype=object)
        return np.append(uniq, np.nan) if nan.any() else uniq
    return np.unique(col)  # NumPy already sorts NaN last and keeps one of them


def _matches(col, code):
    """Where a float code column equals ``code`` (NaN matching NaN)."""
    return np.isnan(col) if _is_nan(code) else col == code


def _encode(col, cats):
    """(codes, known): index of each value in ``cats`` (0 where unknown) and a known mask."""
    codes = np.zeros(len(col), dtype=np.int64)
    known = np.zeros(len(col), dtype=bool)
    lookup = {v: i for i, v in enumerate(cats.tolist()) if not _is_nan(v)}
    nan_code = next((i for i, v in enumerate(cats.tolist()) if _is_nan(v)), None)
    for r, v in enumerate(col.tolist()):
        if _is_nan(v):
            if nan_code is not None:
                codes[r], known[r] = nan_code, True
        elif v in lookup:
            codes[r], known[r] = lookup[v], True
    return codes, known


class _BaseEncoder(BaseTransformer):
    _allow_nan = True
    _categorical = True
    _preserves_dtype = ()

    def _fit_categories(self, X):
        X = self._validate(X, reset=True, dtype=None)
        categories = []
        for j in range(X.shape[1]):
            col = X[:, j]
            _check_values(col, j)
            if isinstance(self.categories, str):
                if self.categories != "auto":
                    raise ValueError(f"categories must be 'auto' or a list of arrays, "
                                     f"got {self.categories!r}.")
                cats = _unique(col)
            else:
                if len(self.categories) != X.shape[1]:
                    raise ValueError(f"Shape mismatch: if categories is an array, it has to be "
                                     f"of shape (n_features,) = ({X.shape[1]},), got "
                                     f"{len(self.categories)} lists.")
                cats = np.asarray(self.categories[j])
                if cats.dtype.kind in "iuf" and not np.all(cats[:-1] <= cats[1:]):
                    if not (cats.dtype.kind == "f" and np.isnan(cats[-1])):
                        raise ValueError(f"Unsorted categories are not supported for numerical "
                                         f"categories (column {j}).")
                if self.handle_unknown == "error":
                    _, known = _encode(col, cats)
                    if not known.all():
                        raise ValueError(f"Found unknown categories "
                                         f"{_unique(col[~known]).tolist()} in column {j} "
                                         "during fit")
            categories.append(cats)
        self.categories_ = categories
        return X

    def _codes(self, X, allow_unknown):
        """Validate X and encode every column: (codes, known) of shape (n, n_features)."""
        X = self._validate(X, reset=False, dtype=None)
        codes = np.zeros(X.shape, dtype=np.int64)
        known = np.zeros(X.shape, dtype=bool)
        for j, cats in enumerate(self.categories_):
            _check_values(X[:, j], j)
            codes[:, j], known[:, j] = _encode(X[:, j], cats)
            if not allow_unknown and not known[:, j].all():
                raise ValueError(f"Found unknown categories {_unique(X[~known[:, j], j]).tolist()} "
                                 f"in column {j} during transform")
        return X, codes, known

    def _inverse_dtype(self):
        return np.result_type(*[c.dtype for c in self.categories_])


class OneHotEncoder(_BaseEncoder):
    """Encode each categorical column as indicator columns: value c_k -> e_k.

    A column with K categories becomes K output columns (K - 1 with ``drop``), laid out
    column after column in ``categories_`` order. Output is a dense array (deepgrad has no
    sparse matrices; ``sparse_output=True`` is refused).

    Args:
        categories ("auto" or list of arrays, default "auto"): the categories per column.
        drop (None, "first", "if_binary" or array of categories, default None): category
            per column to leave out (its rows become all zeros), to avoid collinearity.
        sparse_output (bool, default False): must be False.
        dtype (default np.float64): output dtype for NumPy input (a tensor input keeps its
            own dtype).
        handle_unknown ("error" or "ignore", default "error"): an unseen category either
            raises or encodes as all zeros.

    Attributes: ``categories_`` (list of arrays), ``drop_idx_`` (None or array with the
    dropped index per column, None where nothing is dropped), ``n_features_in_``.

    Example::

        >>> OneHotEncoder().fit_transform([["a"], ["b"], ["a"]])
        array([[1., 0.],
               [0., 1.],
               [1., 0.]])
    """

    def __init__(self, *, categories="auto", drop=None, sparse_output=False, dtype=np.float64,
                 handle_unknown="error"):
        self.categories = categories
        self.drop = drop
        self.sparse_output = sparse_output
        self.dtype = dtype
        self.handle_unknown = handle_unknown

    def fit(self, X, y=None):
        if self.sparse_output:
            raise ValueError("sparse_output=True is not supported: deepgrad's OneHotEncoder "
                             "returns dense arrays; use sparse_output=False.")
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(f"handle_unknown should be 'error' or 'ignore', got "
                             f"{self.handle_unknown!r}.")
        X, _ = to_numpy(X)
        self._fit_categories(X)
        self.drop_idx_ = self._compute_drop_idx()
        return self

    def _compute_drop_idx(self):
        if self.drop is None:
            return None
        if isinstance(self.drop, str):
            if self.drop == "first":
                return np.zeros(len(self.categories_), dtype=object)
            if self.drop == "if_binary":
                return np.array([0 if len(c) == 2 else None for c in self.categories_],
                                dtype=object)
            raise ValueError(f"Wrong input for parameter `drop`: {self.drop!r}; expected None, "
                             "'first', 'if_binary' or an array of categories.")
        drop = np.asarray(self.drop, dtype=object)
        if drop.shape != (len(self.categories_),):
            raise ValueError(f"`drop` should have length equal to the number of features "
                             f"({len(self.categories_)}), got {drop.shape}.")
        idx = []
        for j, (d, cats) in enumerate(zip(drop, self.categories_)):
            if d is None:
                idx.append(None)
                continue
            codes, known = _encode(np.array([d], dtype=object), cats)
            if not known[0]:
                raise ValueError(f"The following categories were supposed to be dropped, but "
                                 f"were not found in the training data: {d!r} (column {j}).")
            idx.append(int(codes[0]))
        return np.array(idx, dtype=object)

    def _kept(self, j):
        """Indices of the categories of column j that get an output column."""
        k = np.arange(len(self.categories_[j]))
        if self.drop_idx_ is None or self.drop_idx_[j] is None:
            return k
        return k[k != self.drop_idx_[j]]

    def get_feature_names_out(self, input_features=None):
        """``<feature>_<category>`` for each output column (``x0_red``, ...)."""
        check_is_fitted(self)
        names = one_to_one_names_out(self, input_features)
        return one_hot_names_out(names, self.categories_, self._kept)

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        _, codes, known = self._codes(X, allow_unknown=self.handle_unknown == "ignore")
        n = codes.shape[0]
        blocks = []
        for j in range(codes.shape[1]):
            kept = self._kept(j)
            block = (codes[:, j][:, None] == kept[None, :]) & known[:, j][:, None]
            blocks.append(block)
        out = np.concatenate(blocks, axis=1) if blocks else np.zeros((n, 0), dtype=bool)
        return from_numpy(out.astype(self.dtype), like)

    def inverse_transform(self, X):
        """Back to categories: the active indicator per block; an all-zero block decodes to
        the dropped category (or None for an unknown value under handle_unknown='ignore')."""
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = check_array(X, self)
        widths = [len(self._kept(j)) for j in range(len(self.categories_))]
        if X.shape[1] != sum(widths):
            raise ValueError(f"Shape of the passed X data is not correct. Expected "
                             f"{sum(widths)} columns, got {X.shape[1]}.")
        out = np.empty((X.shape[0], len(widths)), dtype=self._inverse_dtype())
        unknown = np.zeros(out.shape, dtype=bool)
        start = 0
        for j, w in enumerate(widths):
            block, kept = X[:, start:start + w], self._kept(j)
            start += w
            zero = block.sum(axis=1) == 0 if w else np.ones(len(X), dtype=bool)
            pick = kept[block.argmax(axis=1)] if w else np.zeros(len(X), dtype=np.int64)
            if self.drop_idx_ is not None and self.drop_idx_[j] is not None:
                pick = np.where(zero, self.drop_idx_[j], pick)
            elif zero.any():
                if self.handle_unknown != "ignore":
                    raise ValueError(f"Samples {np.flatnonzero(zero).tolist()} can not be "
                                     f"inverted when drop=None and handle_unknown='error' "
                                     f"because they contain all zeros (column {j}).")
                unknown[:, j] = zero
            out[:, j] = self.categories_[j][pick.astype(np.int64)]
        if unknown.any():
            out = out.astype(object)
            out[unknown] = None
        return out


class OrdinalEncoder(OneToOneFeatureNames, _BaseEncoder):
    """Encode each categorical column as integers 0..K-1 (category order of ``categories_``).

    Missing values (NaN) encode as ``encoded_missing_value``.

    Args:
        categories ("auto" or list of arrays, default "auto").
        dtype (default np.float64): output dtype for NumPy input.
        handle_unknown ("error" or "use_encoded_value", default "error").
        unknown_value (int or np.nan, default None): code of unseen categories, required
            with handle_unknown="use_encoded_value".
        encoded_missing_value (default np.nan): code of missing values.

    Attributes: ``categories_``, ``n_features_in_``.

    Example::

        >>> OrdinalEncoder().fit_transform([["b"], ["a"], ["c"]]).ravel()
        array([1., 0., 2.])
    """

    def __init__(self, *, categories="auto", dtype=np.float64, handle_unknown="error",
                 unknown_value=None, encoded_missing_value=np.nan):
        self.categories = categories
        self.dtype = dtype
        self.handle_unknown = handle_unknown
        self.unknown_value = unknown_value
        self.encoded_missing_value = encoded_missing_value

    def fit(self, X, y=None):
        if self.handle_unknown == "use_encoded_value":
            v = self.unknown_value
            if not (isinstance(v, numbers.Integral) or _is_nan(v)):
                raise TypeError("unknown_value should be an integer or np.nan when "
                                f"handle_unknown is 'use_encoded_value', got {v!r}.")
        elif self.handle_unknown != "error":
            raise ValueError(f"handle_unknown should be 'error' or 'use_encoded_value', got "
                             f"{self.handle_unknown!r}.")
        elif self.unknown_value is not None:
            raise TypeError("unknown_value should only be set when handle_unknown is "
                            f"'use_encoded_value', got {self.unknown_value!r}.")
        X, _ = to_numpy(X)
        self._fit_categories(X)
        if self.handle_unknown == "use_encoded_value" and isinstance(self.unknown_value,
                                                                     numbers.Integral):
            for j, cats in enumerate(self.categories_):
                if 0 <= self.unknown_value < len(cats):
                    raise ValueError(f"The used value for unknown_value {self.unknown_value} is "
                                     f"one of the values already used for encoding the seen "
                                     f"categories (column {j}).")
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X, codes, known = self._codes(X, allow_unknown=self.handle_unknown != "error")
        out = codes.astype(self.dtype)
        for j, cats in enumerate(self.categories_):
            missing = np.array([_is_nan(v) for v in X[:, j].tolist()], dtype=bool)
            out[missing, j] = self.encoded_missing_value
            if self.handle_unknown == "use_encoded_value":
                out[~known[:, j] & ~missing, j] = self.unknown_value
        return from_numpy(out, like)

    def inverse_transform(self, X):
        """Codes back to categories (unknown codes give None, missing codes NaN)."""
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = check_array(X, self, allow_nan=True)
        self._check_n_features(X, reset=False)
        out = np.empty(X.shape, dtype=self._inverse_dtype())
        found_unknown = {}
        for j, cats in enumerate(self.categories_):
            col = X[:, j]
            missing = _matches(col, self.encoded_missing_value)
            unknown = np.zeros(len(col), dtype=bool)
            if self.handle_unknown == "use_encoded_value":
                unknown = _matches(col, self.unknown_value) & ~missing
            idx = np.where(missing | unknown, 0, col).astype(np.int64)
            out[:, j] = cats[idx]
            if missing.any():
                out = out.astype(object) if out.dtype.kind not in "fO" else out
                out[missing, j] = np.nan
            if unknown.any():
                found_unknown[j] = unknown
        if found_unknown:
            out = out.astype(object)
            for j, mask in found_unknown.items():
                out[mask, j] = None
        return out


class LabelEncoder(BaseTransformer):
    """Encode target labels as 0..n_classes-1 (``classes_`` sorted). Works on 1-D ``y``.

    Attributes: ``classes_``.

    Example::

        >>> le = LabelEncoder().fit(["cat", "dog", "cat"])
        >>> le.transform(["dog", "cat"]), le.inverse_transform([1])
        (array([1, 0]), array(['dog'], dtype='<U3'))

    A tensor ``y`` gives an int64 tensor of codes (the codes are class indices).
    """

    _one_d_input = True
    _preserves_dtype = ()

    def __init__(self):
        pass

    @staticmethod
    def _as_1d(y):
        y, like = to_numpy(y)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
        return y, like

    def fit(self, y):
        y, _ = self._as_1d(y)
        self.classes_ = _unique(y) if y.dtype.kind == "O" else np.unique(y)
        return self

    def fit_transform(self, y):
        return self.fit(y).transform(y)

    def transform(self, y):
        check_is_fitted(self)
        y, like = self._as_1d(y)
        codes, known = _encode(y, self.classes_)
        if not known.all():
            raise ValueError(f"y contains previously unseen labels: "
                             f"{_unique(y[~known]).tolist()}")
        if like is not None:
            from ..tensor import Tensor  # noqa: PLC0415 - int64 codes, whatever y's dtype
            return Tensor(codes)
        return codes

    def inverse_transform(self, y):
        check_is_fitted(self)
        y, like = self._as_1d(y)
        y = y.astype(np.int64)
        bad = (y < 0) | (y >= len(self.classes_))
        if bad.any():
            raise ValueError(f"y contains previously unseen labels: {np.unique(y[bad]).tolist()}")
        return from_numpy(self.classes_[y], like)
