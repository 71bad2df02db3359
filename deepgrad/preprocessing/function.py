"""FunctionTransformer: wrap any function as a transformer."""
import warnings

import numpy as np

from .base import BaseTransformer, from_numpy, to_numpy


class FunctionTransformer(BaseTransformer):
    """Apply ``func(X, **kw_args)`` in ``transform`` and ``inverse_func`` in
    ``inverse_transform``; stateless (``fit`` learns nothing but the feature count).

    ``func=None`` is the identity. A deepgrad tensor is passed to the function as a NumPy
    array and the result comes back as a tensor of the input's dtype.

    Args:
        func (callable or None, default None).
        inverse_func (callable or None, default None).
        validate (bool, default False): check X like the other transformers (2-D, finite
            numbers) before applying func.
        check_inverse (bool, default True): in ``fit``, warn if inverse_func(func(X)) does
            not give back X on a sample of rows.
        kw_args, inv_kw_args (dict or None): extra keyword arguments of the two functions.

    Example::

        >>> FunctionTransformer(np.log1p, inverse_func=np.expm1).fit_transform([[0.0, 1.0]])
        array([[0.        , 0.69314718]])
    """

    _requires_fit = False

    def __init__(self, func=None, inverse_func=None, *, validate=False, check_inverse=True,
                 kw_args=None, inv_kw_args=None):
        self.func = func
        self.inverse_func = inverse_func
        self.validate = validate
        self.check_inverse = check_inverse
        self.kw_args = kw_args
        self.inv_kw_args = inv_kw_args

    def _tags(self):
        return {**super()._tags(), "no_validation": not self.validate,
                "sparse": not self.validate}

    def _check_input(self, X, reset):
        X, like = to_numpy(X)
        if self.validate:
            return self._validate(X, reset=reset), like
        if reset and hasattr(X, "shape") and len(X.shape) == 2:
            self.n_features_in_ = X.shape[1]
        return X, like

    def fit(self, X, y=None):
        X, _ = self._check_input(X, reset=True)
        if self.check_inverse and not (self.func is None or self.inverse_func is None):
            self._check_inverse_transform(X)
        return self

    def _check_inverse_transform(self, X):
        X = X if hasattr(X, "shape") else np.asarray(X)
        sub = X[::max(1, X.shape[0] // 100)]  # about 100 rows are enough to check
        back = self._apply(self._apply(sub, self.func, self.kw_args), self.inverse_func,
                           self.inv_kw_args)
        try:
            ok = np.allclose(np.asarray(sub, dtype=np.float64), np.asarray(back, np.float64),
                             equal_nan=True)
        except (TypeError, ValueError):
            ok = True  # non-numeric data: nothing to compare numerically
        if not ok:
            warnings.warn("The provided functions are not strictly inverse of each other. If "
                          "you are sure you want to proceed regardless, set "
                          "'check_inverse=False'.", UserWarning, stacklevel=3)

    @staticmethod
    def _apply(X, func, kw):
        return X if func is None else func(X, **(kw or {}))

    def transform(self, X):
        X, like = self._check_input(X, reset=False)
        return from_numpy(self._apply(X, self.func, self.kw_args), like)

    def inverse_transform(self, X):
        X, like = to_numpy(X)
        if self.validate:
            X = self._validate(X, reset=False) if self.inverse_func is None else \
                np.asarray(X)
        return from_numpy(self._apply(X, self.inverse_func, self.inv_kw_args), like)
