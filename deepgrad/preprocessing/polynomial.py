"""PolynomialFeatures: all monomials of the features up to a degree."""
from itertools import chain, combinations, combinations_with_replacement

import numpy as np

from ._feature_names import one_to_one_names_out
from .base import BaseTransformer, check_is_fitted, from_numpy, to_numpy


class PolynomialFeatures(BaseTransformer):
    """Expand features into monomials: [1, a, b, a^2, ab, b^2] for degree 2 and (a, b).

    Column order (scikit-learn's): the bias column, then degree 1, 2, ... and inside a
    degree the index tuples of ``itertools.combinations_with_replacement`` (or
    ``combinations`` with ``interaction_only``, which keeps only products of distinct
    features: a*b but not a^2). ``powers_[i, j]`` is the exponent of feature j in output i.

    Args:
        degree (int or (min_degree, max_degree), default 2).
        interaction_only (bool, default False).
        include_bias (bool, default True): add the all-ones column (degree 0).
        order ("C" or "F", default "C"): memory layout of the output.

    Attributes: ``powers_`` (n_output_features_, n_features_in_), ``n_output_features_``,
    ``n_features_in_``.

    Example::

        >>> PolynomialFeatures().fit_transform([[2.0, 3.0]])
        array([[1., 2., 3., 4., 6., 9.]])
    """

    def __init__(self, degree=2, *, interaction_only=False, include_bias=True, order="C"):
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias
        self.order = order

    def _degrees(self):
        d = self.degree
        if isinstance(d, (int, np.integer)) and not isinstance(d, bool):
            lo, hi = 0, int(d)
        elif isinstance(d, tuple) and len(d) == 2:
            lo, hi = int(d[0]), int(d[1])
        else:
            raise ValueError(f"degree must be a non-negative int or tuple (min_degree, "
                             f"max_degree), got {d!r}.")
        if lo < 0 or hi < lo:
            raise ValueError(f"degree=({lo}, {hi}) must satisfy 0 <= min_degree <= max_degree.")
        if hi == 0 and not self.include_bias:
            raise ValueError("Setting degree to zero and include_bias to False would result "
                             "in an empty output array.")
        return lo, hi

    def _combinations(self, n_features):
        lo, hi = self._degrees()
        comb = combinations if self.interaction_only else combinations_with_replacement
        start = max(1, lo)
        terms = chain.from_iterable(comb(range(n_features), d) for d in range(start, hi + 1))
        if self.include_bias:
            terms = chain([()], terms)
        return list(terms)

    def fit(self, X, y=None):
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        combos = self._combinations(X.shape[1])
        powers = np.zeros((len(combos), X.shape[1]), dtype=np.int64)
        for i, c in enumerate(combos):
            for j in c:
                powers[i, j] += 1
        self.powers_ = powers
        self.n_output_features_ = len(combos)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        out = np.empty((X.shape[0], self.n_output_features_), dtype=X.dtype, order=self.order)
        for i, c in enumerate(self._combinations(X.shape[1])):
            col = np.ones(X.shape[0], dtype=X.dtype)
            for j in c:
                col = col * X[:, j]
            out[:, i] = col
        return from_numpy(out, like)

    def get_feature_names_out(self, input_features=None):
        """Names like ``"x0^2"``, ``"x0 x1"`` (``"1"`` for the bias)."""
        check_is_fitted(self)
        names = one_to_one_names_out(self, input_features)  # validated input names
        out = []
        for row in self.powers_:
            terms = [names[j] if p == 1 else f"{names[j]}^{p}" for j, p in enumerate(row) if p]
            out.append(" ".join(terms) if terms else "1")
        return np.array(out, dtype=object)
