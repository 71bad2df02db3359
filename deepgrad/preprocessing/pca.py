"""PCA: principal component analysis by the singular value decomposition."""
import numpy as np

from ._feature_names import numbered_names_out
from .base import BaseTransformer, check_array, check_is_fitted, from_numpy, to_numpy


def svd_flip_v(u, vt):
    """Make the SVD deterministic: flip each (u_k, v_k) pair so that the largest-magnitude
    entry of v_k is positive (scikit-learn's ``svd_flip(u_based_decision=False)``)."""
    rows = np.arange(vt.shape[0])
    signs = np.sign(vt[rows, np.argmax(np.abs(vt), axis=1)])
    return u * signs[None, :], vt * signs[:, None]


class PCA(BaseTransformer):
    """Project onto the directions of largest variance.

    Centre X (mean_), take the SVD X_c = U S V^T; the rows of V^T are the principal axes
    (``components_``), ordered by variance ``explained_variance_ = S^2 / (n - 1)``, and

        transform(X) = (X - mean_) @ components_.T           (/ sqrt(explained_variance_)
        inverse_transform(Z) = Z @ components_ + mean_          with ``whiten``)

    Args:
        n_components (int, float in (0, 1), or None, default None): how many components to
            keep: a number, the smallest number whose cumulative explained variance ratio
            exceeds the fraction, or min(n_samples, n_features).
        copy (bool, default True): kept for scikit-learn compatibility (X is never changed).
        whiten (bool, default False): scale the projections to unit variance.
        svd_solver ("auto" or "full", default "auto"): both run the full ``np.linalg.svd``.

    Attributes: ``components_`` (n_components_, n_features), ``explained_variance_``,
    ``explained_variance_ratio_``, ``singular_values_`` (n_components_,), ``mean_``
    (n_features,), ``n_components_``, ``n_samples_``, ``noise_variance_``,
    ``n_features_in_``.

    Example::

        >>> X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
        >>> PCA(n_components=1).fit(X).explained_variance_ratio_
        array([1.])
    """

    def __init__(self, n_components=None, *, copy=True, whiten=False, svd_solver="auto"):
        self.n_components = n_components
        self.copy = copy
        self.whiten = whiten
        self.svd_solver = svd_solver

    def _n_keep(self, n_samples, n_features, ratio):
        k, limit = self.n_components, min(n_samples, n_features)
        if k is None:
            return limit
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            if not 0 <= k <= limit:
                raise ValueError(f"n_components={k} must be between 0 and "
                                 f"min(n_samples, n_features)={limit} with svd_solver='full'")
            return int(k)
        if isinstance(k, float) and 0 < k < 1:
            # smallest count whose cumulative ratio is strictly above the fraction
            cum = np.cumsum(ratio)
            return int(np.searchsorted(cum, k, side="right") + 1)
        raise ValueError(f"n_components must be None, an int or a float in (0, 1), got {k!r}.")

    def fit(self, X, y=None):
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        X, like = to_numpy(X)
        u, s, X = self._fit(X)
        # U S is the projection of the centred data: no second product with components_
        k = self.n_components_
        z = u[:, :k] * (np.sqrt(X.shape[0] - 1) if self.whiten else s[:k])
        return from_numpy(z.astype(X.dtype, copy=False), like)

    def _fit(self, X):
        if self.svd_solver not in ("auto", "full"):
            raise ValueError(f"svd_solver={self.svd_solver!r} is not supported; deepgrad's PCA "
                             "uses the full SVD ('auto' or 'full').")
        X, _ = to_numpy(X)
        X = self._validate(X, reset=True)
        n, p = X.shape
        if n < 2:
            raise ValueError(f"PCA needs at least 2 samples to estimate variances; got "
                             f"n_samples={n}.")
        self.mean_ = X.mean(axis=0)
        u, s, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        u, vt = svd_flip_v(u, vt)
        var = s ** 2 / (n - 1)
        total = var.sum()
        ratio = var / total if total > 0 else np.zeros_like(var)
        k = self._n_keep(n, p, ratio)
        self.n_samples_ = n
        self.n_components_ = k
        self.components_ = vt[:k]
        self.explained_variance_ = var[:k]
        self.explained_variance_ratio_ = ratio[:k]
        self.singular_values_ = s[:k]
        # mean variance of the discarded directions (the probabilistic-PCA noise level)
        self.noise_variance_ = float(var[k:].mean()) if k < min(n, p) else 0.0
        return u, s, X

    def _scale(self):
        scale = np.sqrt(self.explained_variance_)
        return np.maximum(scale, np.finfo(scale.dtype).eps)  # rank-deficient data

    def transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = self._validate(X, reset=False)
        z = X @ self.components_.T.astype(X.dtype) - (self.mean_ @ self.components_.T
                                                         ).astype(X.dtype)
        if self.whiten:
            z = z / self._scale().astype(X.dtype)
        return from_numpy(z, like)

    def inverse_transform(self, X):
        check_is_fitted(self)
        X, like = to_numpy(X)
        X = check_array(X, self)
        if X.shape[1] != self.n_components_:
            raise ValueError(f"X has {X.shape[1]} features, but PCA.inverse_transform is "
                             f"expecting {self.n_components_} components as input.")
        comps = self.components_
        if self.whiten:
            comps = np.sqrt(self.explained_variance_)[:, None] * comps
        return from_numpy((X @ comps + self.mean_).astype(X.dtype, copy=False), like)

    def get_feature_names_out(self, input_features=None):
        """``["pca0", "pca1", ...]``, one per component (as scikit-learn names them)."""
        check_is_fitted(self, "n_components_")
        return numbered_names_out(self, self.n_components_, input_features)
