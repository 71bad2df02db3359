"""Sparse coding and dictionary learning (Olshausen & Field, Nature 1996; Mairal et al.,
"Online learning for matrix factorization and sparse coding", JMLR 2010), on NumPy arrays
with scikit-learn's conventions: X (n_samples, n_features) ~ code (n_samples,
n_components) @ dictionary (n_components, n_features), atoms (rows) of norm <= 1.

The codes of a fixed dictionary D solve, for each sample x (a lasso)::

    min_c  1/2 ||x - c D||^2 + alpha ||c||_1

ISTA (Daubechies et al. 2004) is a proximal gradient step with step size 1/L, L = the
largest eigenvalue of D D^T (the gradient's Lipschitz constant)::

    c <- soft(c - (1/L) (c D - x) D^T,  alpha / L),    soft(v, t) = sign(v) max(|v| - t, 0)

FISTA (Beck & Teboulle 2009) takes the same step from an extrapolated point y, which gives an
O(1/k^2) rate instead of O(1/k)::

    c_k = step(y_k);   t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2;
    y_{k+1} = c_k + (t_k - 1) / t_{k+1} (c_k - c_{k-1})

Dictionary learning alternates the codes with a dictionary update for fixed codes C, either
block coordinate descent (one atom at a time, exact, then projected on the unit ball)::

    R = X - C D + C[:, k] D[k];   D[k] = C[:, k]^T R / ||C[:, k]||^2;   D[k] /= max(||D[k]||, 1)

or one projected gradient step, D <- P(D - (1/||C^T C||_2) C^T (C D - X)). An atom no
sample uses is restarted from a random sample (as scikit-learn does).
"""
import numpy as np

from ..preprocessing.base import BaseTransformer, check_is_fitted, from_numpy, to_numpy

CODE_ALGORITHMS = ("fista", "ista")
DICT_UPDATES = ("bcd", "projected_gradient")


def lasso_objective(X, code, dictionary, alpha):
    """1/2 ||x - c D||^2 + alpha ||c||_1 for each sample, shape (n_samples,)."""
    residual = X - code @ dictionary
    return 0.5 * (residual ** 2).sum(1) + alpha * np.abs(code).sum(1)


def _soft_threshold(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def _array(X):
    """X (array, list or deepgrad tensor) as a float64 NumPy array."""
    return np.asarray(to_numpy(X)[0], dtype=np.float64)


def _like(X):
    """The tensor X came from (its dtype and device shape the output), or None."""
    return to_numpy(X)[1]


def _float_dtype(X):
    """The dtype results take: X's own float32/float64, else float64 (as scikit-learn)."""
    return X.dtype if X.dtype in (np.float32, np.float64) else np.float64


def _check_codes_args(X, dictionary, alpha):
    X, dictionary = _array(X), _array(dictionary)
    if X.ndim != 2 or dictionary.ndim != 2:
        raise ValueError(f"X and dictionary must be 2-D, got shapes {X.shape} and "
                         f"{dictionary.shape}")
    if X.shape[1] != dictionary.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features but the dictionary's atoms have "
                         f"{dictionary.shape[1]} (dictionary shape (n_components, n_features) "
                         f"= {dictionary.shape})")
    if not alpha >= 0:
        raise ValueError(f"alpha (the L1 weight) must be >= 0, got {alpha!r}")
    return X, dictionary


def sparse_encode(X, dictionary, alpha=1.0, algorithm="fista", max_iter=1000, tol=1e-8,
                  init=None):
    """Lasso codes of X on ``dictionary`` by ISTA or FISTA, shape (n_samples, n_components).

    Stops when the largest change of a code entry in one step is below ``tol`` times the
    largest code entry (or after ``max_iter`` steps).
    """
    if algorithm not in CODE_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {CODE_ALGORITHMS}, got {algorithm!r}")
    X, D = _check_codes_args(X, dictionary, alpha)
    gram, target = D @ D.T, X @ D.T                 # the gradient is c @ gram - target
    lipschitz = max(float(np.linalg.eigvalsh(gram)[-1]), 1e-12)
    code = np.zeros((X.shape[0], D.shape[0])) if init is None else np.array(init, dtype=float)
    y, t = code.copy(), 1.0
    for _ in range(max_iter):
        point = y if algorithm == "fista" else code
        new = _soft_threshold(point - (point @ gram - target) / lipschitz, alpha / lipschitz)
        if algorithm == "fista":
            t_next = (1 + np.sqrt(1 + 4 * t * t)) / 2
            y = new + ((t - 1) / t_next) * (new - code)
            t = t_next
        change = np.abs(new - code).max()
        code = new
        if change <= tol * max(np.abs(code).max(), 1e-12):
            break
    return code


def update_dictionary(X, code, dictionary, method="bcd", random_state=None):
    """One dictionary update for fixed codes (see the module docstring); returns a new array."""
    if method not in DICT_UPDATES:
        raise ValueError(f"method must be one of {DICT_UPDATES}, got {method!r}")
    rng = np.random.default_rng(random_state)
    D = np.array(dictionary, dtype=np.float64)
    if method == "projected_gradient":
        step = 1.0 / max(float(np.linalg.eigvalsh(code.T @ code)[-1]), 1e-12)
        D -= step * code.T @ (code @ D - X)
    else:
        residual = X - code @ D
        for k in range(D.shape[0]):
            weight = code[:, k] @ code[:, k]
            residual += np.outer(code[:, k], D[k])
            if weight < 1e-12:                       # an unused atom: restart it
                D[k] = X[rng.integers(len(X))] + 0.01 * rng.standard_normal(X.shape[1])
            else:
                D[k] = code[:, k] @ residual / weight
            D[k] /= max(np.linalg.norm(D[k]), 1.0)
            residual -= np.outer(code[:, k], D[k])
        return D
    return D / np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1.0)


class SparseCoder(BaseTransformer):
    """Lasso codes on a fixed dictionary (scikit-learn's ``SparseCoder``, ISTA/FISTA solvers).

    Args:
        dictionary (array (n_components, n_features)): the atoms.
        transform_algorithm (str): "fista" or "ista".
        transform_alpha (float): the L1 weight alpha.
        transform_max_iter (int), tol (float): stopping rule of :func:`sparse_encode`.

    ``transform(X)`` -> codes (n_samples, n_components); ``components_`` is the dictionary.
    """

    _requires_fit = False

    def __init__(self, dictionary, transform_algorithm="fista", transform_alpha=1.0,
                 transform_max_iter=1000, tol=1e-8):
        self.dictionary = dictionary
        self.transform_algorithm, self.transform_alpha = transform_algorithm, transform_alpha
        self.transform_max_iter, self.tol = transform_max_iter, tol

    @property
    def components_(self):
        return _array(self.dictionary)

    def fit(self, X, y=None):
        """Nothing to learn; checks X against the dictionary."""
        _check_codes_args(X, self.dictionary, self.transform_alpha)
        self.n_features_in_ = _array(X).shape[1]
        return self

    def transform(self, X):
        code = sparse_encode(X, self.dictionary, self.transform_alpha, self.transform_algorithm,
                             self.transform_max_iter, self.tol)
        return from_numpy(code.astype(_float_dtype(np.asarray(to_numpy(X)[0]))), _like(X))


class DictionaryLearning(BaseTransformer):
    """Learn a dictionary and sparse codes (scikit-learn's ``DictionaryLearning`` API).

    Minimises (1/2) ||X - C D||_F^2 + alpha ||C||_1 over codes C and atoms ||D_k|| <= 1,
    alternating :func:`sparse_encode` and :func:`update_dictionary`, from scikit-learn's
    start (the SVD of X: C = U S, D = V^T, truncated or padded to n_components).

    Args:
        n_components (int): number of atoms.
        alpha (float): the L1 weight while learning.
        max_iter (int): alternations; tol (float): stop when the objective's relative decrease
            falls below it.
        fit_algorithm (str): "fista" or "ista" for the codes; code_max_iter: its iterations.
        dict_update (str): "bcd" or "projected_gradient".
        transform_algorithm, transform_alpha (None: alpha): the codes given by ``transform``.
        random_state (int): for atom restarts.

    Fitted: ``components_`` (n_components, n_features), ``error_`` (objective per
    alternation), ``n_iter_``.
    """

    def __init__(self, n_components=None, alpha=1.0, max_iter=100, tol=1e-8,
                 fit_algorithm="fista", code_max_iter=200, dict_update="bcd",
                 transform_algorithm="fista", transform_alpha=None, random_state=None):
        self.n_components, self.alpha, self.max_iter, self.tol = n_components, alpha, max_iter, tol
        self.fit_algorithm, self.code_max_iter = fit_algorithm, code_max_iter
        self.dict_update, self.transform_algorithm = dict_update, transform_algorithm
        self.transform_alpha, self.random_state = transform_alpha, random_state

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        X_in = X
        X = self._validate(X, reset=True)
        dtype = _float_dtype(X)
        X = X.astype(np.float64)
        if not self.alpha >= 0:
            raise ValueError(f"alpha (the L1 weight) must be >= 0, got {self.alpha!r}")
        if self.dict_update not in DICT_UPDATES or self.fit_algorithm not in CODE_ALGORITHMS:
            raise ValueError(f"dict_update must be one of {DICT_UPDATES} and fit_algorithm one "
                             f"of {CODE_ALGORITHMS}, got {self.dict_update!r}, "
                             f"{self.fit_algorithm!r}")
        k = X.shape[1] if self.n_components is None else int(self.n_components)
        if k < 1:
            raise ValueError(f"n_components must be >= 1, got {self.n_components!r}")
        u, s, vt = np.linalg.svd(X, full_matrices=False)
        code, D = np.zeros((len(X), k)), np.zeros((k, X.shape[1]))
        r = min(k, len(s))
        code[:, :r], D[:r] = u[:, :r] * s[:r], vt[:r]
        D /= np.maximum(np.linalg.norm(D, axis=1, keepdims=True), 1.0)
        rng = np.random.default_rng(self.random_state)
        errors = []
        for it in range(self.max_iter):
            code = sparse_encode(X, D, self.alpha, self.fit_algorithm, self.code_max_iter,
                                 init=code)
            D = update_dictionary(X, code, D, self.dict_update, rng)
            errors.append(float(lasso_objective(X, code, D, self.alpha).sum()))
            if it > 0 and errors[-2] - errors[-1] < self.tol * abs(errors[-2]):
                break
        self.components_, self.error_, self.n_iter_ = D, np.array(errors), it + 1
        return from_numpy(self._codes(X).astype(dtype), _like(X_in))

    def _codes(self, X):
        alpha = self.alpha if self.transform_alpha is None else self.transform_alpha
        return sparse_encode(X, self.components_, alpha, self.transform_algorithm, 1000)

    def transform(self, X):
        check_is_fitted(self, "components_")
        X_in = X
        X = self._validate(X, reset=False)
        dtype = _float_dtype(X)
        return from_numpy(self._codes(X.astype(np.float64)).astype(dtype), _like(X_in))
