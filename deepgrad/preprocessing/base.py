"""The transformer base class: scikit-learn's estimator API without scikit-learn.

Every transformer in :mod:`deepgrad.preprocessing` follows scikit-learn's contract:

* hyperparameters are the ``__init__`` arguments, stored unchanged under the same names
  (``get_params``/``set_params`` find them by reading the ``__init__`` signature);
* ``fit(X)`` learns state and stores it in attributes whose names end in ``_``
  (``mean_``, ``scale_``, ``n_features_in_``); ``transform`` before ``fit`` raises
  :class:`NotFittedError`;
* inputs may be NumPy arrays, lists, or deepgrad tensors: a tensor in gives a tensor out
  with the same dtype (the arithmetic itself runs on NumPy).
"""
import inspect

import numpy as np

from ..tensor import Tensor
from ._feature_names import check_feature_names, one_to_one_names_out


class NotFittedError(ValueError, AttributeError):
    """Raised when a transformer is used before ``fit`` (a ValueError and an AttributeError,
    as in scikit-learn, so ``hasattr`` and ``except ValueError`` both work)."""


def check_is_fitted(estimator, attributes=None):
    """Raise :class:`NotFittedError` unless ``estimator`` has been fitted.

    Fitted means: the named ``attributes`` all exist, or (by default) the object has at
    least one attribute ending in ``_`` (the fitted-state convention), or its
    ``__sklearn_is_fitted__()`` says so.
    """
    if attributes is not None:
        names = [attributes] if isinstance(attributes, str) else list(attributes)
        fitted = all(hasattr(estimator, a) for a in names)
    elif hasattr(estimator, "__sklearn_is_fitted__"):
        fitted = estimator.__sklearn_is_fitted__()
    else:
        fitted = any(k.endswith("_") and not k.startswith("__") for k in vars(estimator))
    if not fitted:
        raise NotFittedError(f"This {type(estimator).__name__} instance is not fitted yet. Call "
                             "'fit' with appropriate arguments before using this estimator.")


def clone(estimator):
    """A new unfitted estimator with the same (recursively cloned) hyperparameters."""
    if isinstance(estimator, (list, tuple)):
        return type(estimator)(clone(e) for e in estimator)
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return estimator  # plain values (strings, numbers, functions) are shared
    params = {k: clone(v) for k, v in estimator.get_params(deep=False).items()}
    return type(estimator)(**params)


# --- input conversion -----------------------------------------------------------------

def to_numpy(X):
    """``(array, like)``: the values of ``X`` as NumPy and the tensor it came from (or None)."""
    if isinstance(X, Tensor):
        return X.detach().cpu().numpy(), X
    return X, None


def from_numpy(arr, like):
    """Wrap ``arr`` back into a tensor with ``like``'s dtype and device (``like`` None: as is).

    Real-valued results of an integer tensor (standardised counts, one-hot floats) become
    the default float dtype rather than being truncated; strings and objects (decoded
    categories) cannot be tensors and stay NumPy arrays.
    """
    if like is None or arr.dtype.kind in "OUS":
        return arr
    dtype = like.dtype
    if arr.dtype.kind == "f" and not dtype.is_floating_point:
        from ..dtypes import get_default_dtype  # noqa: PLC0415
        dtype = get_default_dtype()
    return Tensor(np.ascontiguousarray(arr), dtype=dtype, device=like.device)


def _is_nan_scalar(value):
    return isinstance(value, (float, np.floating)) and value != value


def _is_sparse(X):
    # scipy.sparse matrices and arrays carry these; checked without importing scipy
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


def check_array(X, estimator, *, dtype="numeric", allow_nan=False, ensure_2d=True,
                name="X"):
    """Validate ``X`` and return it as a NumPy array (2-D unless ``ensure_2d=False``).

    ``dtype="numeric"`` keeps float32/float64 and converts anything else (ints, bools,
    numeric objects) to float64; ``dtype=None`` keeps the dtype (encoders: strings).
    Errors follow scikit-learn's wording and name the offending column.
    """
    owner = type(estimator).__name__
    if _is_sparse(X):
        raise TypeError(f"Sparse data was passed to {owner}, but dense data is required. "
                        "Use '.toarray()' to convert to a dense NumPy array.")
    X, _ = to_numpy(X)
    X = np.asarray(X)
    if np.iscomplexobj(X):
        raise ValueError("Complex data not supported\n" + str(X))
    if dtype == "numeric":
        if X.dtype.kind == "O":
            _check_objects_are_numbers(X)
        if X.dtype.kind != "f":
            X = X.astype(np.float64)
    if ensure_2d:
        if X.ndim < 2:
            raise ValueError(f"Expected 2D array, got {X.ndim}D array instead:\narray={X!r}.\n"
                             "Reshape your data either using array.reshape(-1, 1) if your "
                             "data has a single feature or array.reshape(1, -1) if it "
                             "contains a single sample.")
        if X.ndim > 2:
            raise ValueError(f"Found array with dim {X.ndim}. {owner} expected <= 2.")
        if X.shape[0] < 1:
            raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum "
                             f"of 1 is required by {owner}.")
        if X.shape[1] < 1:
            raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a minimum "
                             f"of 1 is required by {owner}.")
    if X.dtype.kind == "f":
        _check_finite(X, owner, allow_nan, name)
    return X


def _check_objects_are_numbers(X):
    for idx, v in np.ndenumerate(X):
        if not isinstance(v, (int, float, np.number, bool, np.bool_)):
            col = f" (column {idx[1]})" if X.ndim == 2 else ""
            raise TypeError(f"argument must be a string or a number, not "
                            f"'{type(v).__name__}'{col}")


def _check_finite(X, owner, allow_nan, name):
    """ValueError naming the first column holding NaN (unless allowed) or infinity."""
    X2 = X.reshape(len(X), -1) if X.ndim != 1 else X.reshape(-1, 1)
    if not allow_nan:
        bad = np.isnan(X2).any(axis=0)
        if bad.any():
            col = int(np.flatnonzero(bad)[0])
            raise ValueError(f"Input {name} contains NaN in column {col}. {owner} does not "
                             "accept missing values encoded as NaN natively; impute them "
                             "first (e.g. with SimpleImputer).")
    bad = np.isinf(X2).any(axis=0)
    if bad.any():
        col = int(np.flatnonzero(bad)[0])
        raise ValueError(f"Input {name} contains infinity or a value too large for "
                         f"{X.dtype!r} in column {col}.")


class BaseTransformer:
    """Base class of the preprocessing transformers (scikit-learn's ``BaseEstimator`` +
    ``TransformerMixin`` contract).

    Subclasses set a few class flags that describe them to scikit-learn's checks:
    ``_allow_nan`` (NaN is data, e.g. for imputers), ``_requires_fit`` (False for stateless
    transformers), ``_preserves_dtype`` (input float dtypes kept in the output),
    ``_string_input`` (encoders accept strings), ``_categorical`` (encoders),
    ``_one_d_input`` (LabelEncoder works on 1-D targets).
    """

    _allow_nan = False
    _requires_fit = True
    _preserves_dtype = ("float64", "float32")
    _string_input = False
    _one_d_input = False
    _categorical = False

    # --- hyperparameters ----------------------------------------------------------
    @classmethod
    def _get_param_names(cls):
        """The ``__init__`` argument names, sorted (they are the hyperparameters)."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self" or p.kind == p.VAR_KEYWORD:
                continue
            if p.kind == p.VAR_POSITIONAL:
                raise RuntimeError(f"{cls.__name__} must list its hyperparameters explicitly "
                                   f"in __init__ (no *args): {inspect.signature(init)}")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep=True):
        """``{name: value}`` of the hyperparameters; with ``deep``, nested estimators'
        parameters too, as ``"name__param"``."""
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        """Set hyperparameters (``"step__param"`` reaches into nested estimators)."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            head, delim, sub = key.partition("__")
            if head not in valid:
                raise ValueError(f"Invalid parameter {head!r} for estimator {self}. Valid "
                                 f"parameters are: {sorted(self._get_param_names())!r}.")
            if delim:
                nested.setdefault(head, {})[sub] = value
            else:
                setattr(self, head, value)
                valid[head] = value
        for head, sub_params in nested.items():
            valid[head].set_params(**sub_params)
        return self

    def __repr__(self):
        # like scikit-learn: show only the parameters that differ from their defaults
        sig = inspect.signature(type(self).__init__).parameters
        parts = []
        for name in self._get_param_names():
            value, default = getattr(self, name), sig[name].default
            try:
                same = value is default or bool(value == default) or (
                    _is_nan_scalar(value) and _is_nan_scalar(default))  # NaN != NaN
            except (ValueError, TypeError):
                same = False
            if not same:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # --- the transformer protocol --------------------------------------------------
    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X, y)`` then ``transform(X)``."""
        return self.fit(X, y, **fit_params).transform(X)

    def _validate(self, X, *, reset, dtype="numeric", allow_nan=None):
        """check_array + the feature-count and feature-name contract; ``reset=True`` (fit)
        records ``n_features_in_`` (and ``feature_names_in_`` for a data frame with string
        column names), ``reset=False`` (transform) checks them."""
        allow_nan = self._allow_nan if allow_nan is None else allow_nan
        check_feature_names(self, X, reset=reset)  # before the frame becomes an array
        X = check_array(X, self, dtype=dtype, allow_nan=allow_nan)
        self._check_n_features(X, reset)
        return X

    def _check_n_features(self, X, reset):
        if reset:
            self.n_features_in_ = X.shape[1]
        elif hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")

    def _tags(self):
        """What this transformer accepts and keeps, as plain data.

        :meth:`__sklearn_tags__` turns them into ``sklearn.utils.Tags`` when scikit-learn
        asks; nothing else in deepgrad needs scikit-learn.
        """
        return {"allow_nan": self._allow_nan, "requires_fit": self._requires_fit,
                "preserves_dtype": list(self._preserves_dtype), "string": self._string_input,
                "one_d_array": self._one_d_input, "two_d_array": not self._one_d_input,
                "categorical": self._categorical, "positive_only": False,
                "no_validation": False, "sparse": False}

    def __sklearn_tags__(self):
        """scikit-learn's ``Tags`` for this transformer (scikit-learn >= 1.6 asks for them in
        ``clone``, ``check_estimator``, ``Pipeline`` and the searches). Built from
        :meth:`_tags`; scikit-learn is imported only here, when it is the caller."""
        from ._sklearn import tags_from_dict  # noqa: PLC0415 - keeps sklearn optional
        return tags_from_dict(self._tags())


class OneToOneFeatureNames:
    """Mixin of transformers whose output column i is computed from input column i only
    (scalers, element-wise maps): their output features keep the input names."""

    def get_feature_names_out(self, input_features=None):
        """Output column names: ``input_features``, else ``feature_names_in_``, else
        ``["x0", "x1", ...]`` (an object array, as scikit-learn returns)."""
        check_is_fitted(self, "n_features_in_")
        return one_to_one_names_out(self, input_features)
