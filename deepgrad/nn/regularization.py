"""Regularisation: penalties added to the loss, and a constraint applied after each step.

Which is which:

* **Weight penalties** (add ``lam * penalty`` to the loss before ``backward``):
    - ``l2_penalty`` = sum w^2 ("ridge", weight decay): shrinks all weights smoothly.
      With plain SGD, adding (wd/2) * l2_penalty equals ``SGD(weight_decay=wd)``; with
      Adam prefer ``AdamW``'s decoupled decay instead of this penalty.
    - ``l1_penalty`` = sum |w| ("lasso"): pushes weights to exactly 0 -> sparse models.
    - ``elastic_net_penalty`` = r * sum |w| + (1 - r)/2 * sum w^2 (scikit-learn's form):
      sparsity that still keeps groups of correlated features.
    - ``nuclear_norm`` = sum of singular values of a matrix: favours low-rank weights
      (matrix completion, compressible layers). Differentiated by its subgradient U V^T.
* **Activity penalties** (on a layer's outputs, not its weights):
    - ``activity_l1`` = mean over the batch of sum |a|: sparse activations.
    - ``kl_sparsity`` = sum_j KL(rho || rho_hat_j), rho_hat_j = batch mean of unit j's
      activation in (0, 1): the sparse-autoencoder penalty (each unit active ~rho of
      the time).
* **Reporting only**: ``l0_count`` = number of non-zero weights (not differentiable).
* **Constraint** (no loss term): ``max_norm_`` rescales each unit's incoming weight
  vector to norm <= c after ``optimizer.step()`` (used with dropout, Srivastava 2014).

Functions take one tensor or an iterable of tensors; the objects (``L1``, ``L2``,
``ElasticNet``, ``NuclearNorm``) take a model and, by default, penalise only its
weight matrices/kernels (parameters with 2 or more dims), not biases or norm scales.

Example::

    reg = L2(1e-4)
    loss = criterion(model(x), y) + reg(model)
    loss.backward(); optimizer.step()
    MaxNorm(3.0)(model)
"""
import math

import numpy as np

from ..autograd import grad_mode
from ..autograd.function import ArrayFunction
from ..ops import elementwise as E
from ..ops._util import constant
from ..tensor import Tensor


def _tensors(params):
    if isinstance(params, Tensor):
        return [params]
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    out = list(params)
    if not out:
        raise ValueError("regularisation: got no tensors to penalise")
    return out


def _total(terms):
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def l1_penalty(params):
    """sum_i |w_i| over all given tensors."""
    return _total([E.abs(p).sum() for p in _tensors(params)])


def l2_penalty(params):
    """sum_i w_i^2 over all given tensors (no 1/2 factor)."""
    return _total([(p * p).sum() for p in _tensors(params)])


def elastic_net_penalty(params, l1_ratio=0.5):
    """l1_ratio * sum |w| + (1 - l1_ratio) / 2 * sum w^2."""
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio}")
    params = _tensors(params)
    return l1_penalty(params) * l1_ratio + l2_penalty(params) * (0.5 * (1.0 - l1_ratio))


class NuclearNorm(ArrayFunction):
    """||W||_* = sum of singular values of W (..., m, n); gradient U V^T (from W = U S V^T).

    U V^T is the gradient wherever all singular values are distinct and non-zero, and a
    valid subgradient otherwise. It is treated as a constant in double backward.
    """
    saves_inputs = False

    def forward(self, w):
        u, s, vt = np.linalg.svd(w, full_matrices=False)
        self.uvt = u @ vt
        return s.sum(keepdims=True).reshape(()).astype(w.dtype, copy=False)

    def backward(self, g):
        return g * constant(self.uvt, g)


def nuclear_norm(weight):
    """Sum of singular values of a matrix (dims after the first are flattened)."""
    if weight._data.ndim < 2:
        raise ValueError(f"nuclear_norm needs a matrix, got shape {list(weight._data.shape)}")
    if weight._data.ndim > 2:
        weight = weight.reshape(weight._data.shape[0], -1)
    return NuclearNorm.apply(weight)


def activity_l1(activations):
    """Mean over the batch (dim 0) of sum_j |a_j|: encourages sparse activations."""
    n = activations._data.shape[0] if activations._data.ndim else 1
    return E.abs(activations).sum() / float(n)


def kl_sparsity(activations, rho=0.05, eps=1e-8):
    """sum_j [rho log(rho / r_j) + (1 - rho) log((1 - rho) / (1 - r_j))], r_j = mean_n a_nj.

    Activations must lie in (0, 1) (e.g. after a sigmoid); r_j is clamped to
    [eps, 1 - eps] so the logs stay finite.
    """
    if not 0.0 < rho < 1.0:
        raise ValueError(f"rho must be in (0, 1), got {rho}")
    r = E.clamp(activations.mean(0), eps, 1.0 - eps)
    kl = rho * (math.log(rho) - E.log(r)) + (1.0 - rho) * (math.log(1.0 - rho) - E.log(1.0 - r))
    return kl.sum()


def l0_count(params, threshold=0.0):
    """Number of entries with |w| > threshold (an int; for reporting, not differentiable)."""
    return int(sum(int(np.count_nonzero(np.abs(p._data) > threshold)) for p in _tensors(params)))


def max_norm_(params, max_norm, dim=0, eps=1e-7):
    """Project in place: every slice along ``dim`` (a unit's incoming weights for Linear's
    (out, in) weight or a conv filter) is rescaled to norm <= max_norm. Call after
    ``optimizer.step()``."""
    with grad_mode.no_grad():
        for p in _tensors(params):
            a = p._data
            if a.ndim < 2:
                continue
            axes = tuple(i for i in range(a.ndim) if i != dim % a.ndim)
            norms = np.sqrt((a * a).sum(axis=axes, keepdims=True))
            scale = np.minimum(1.0, max_norm / (norms + eps))
            a *= scale.astype(a.dtype, copy=False)
            p._vc[0] += 1


def _weights(model, include_bias):
    params = model.parameters() if hasattr(model, "parameters") else _tensors(model)
    return [p for p in params if include_bias or p.ndim >= 2]


class _Penalty:
    def __init__(self, weight, include_bias=False):
        self.weight, self.include_bias = float(weight), include_bias

    def __call__(self, model):
        """``weight * penalty`` of ``model``'s weights (a Module or tensors)."""
        return self.penalty(_weights(model, self.include_bias)) * self.weight

    def __repr__(self):
        return f"{type(self).__name__}(weight={self.weight})"


class L1(_Penalty):
    """weight * sum |w| over the model's weights."""
    penalty = staticmethod(l1_penalty)


class L2(_Penalty):
    """weight * sum w^2 over the model's weights."""
    penalty = staticmethod(l2_penalty)


class ElasticNet(_Penalty):
    """weight * (l1_ratio * sum |w| + (1 - l1_ratio) / 2 * sum w^2)."""

    def __init__(self, weight, l1_ratio=0.5, include_bias=False):
        super().__init__(weight, include_bias)
        self.l1_ratio = l1_ratio

    def penalty(self, params):
        return elastic_net_penalty(params, self.l1_ratio)


class NuclearNormPenalty(_Penalty):
    """weight * sum over weight matrices of their nuclear norm."""

    @staticmethod
    def penalty(params):
        return _total([nuclear_norm(p) for p in params])


class ActivityL1:
    """weight * activity_l1(a); call on a layer's output (e.g. in a forward hook)."""

    def __init__(self, weight):
        self.weight = float(weight)

    def __call__(self, activations):
        return activity_l1(activations) * self.weight


class KLSparsity:
    """weight * kl_sparsity(a, rho): the sparse-autoencoder penalty."""

    def __init__(self, weight, rho=0.05):
        self.weight, self.rho = float(weight), rho

    def __call__(self, activations):
        return kl_sparsity(activations, self.rho) * self.weight


class MaxNorm:
    """Constraint: after each optimiser step call ``MaxNorm(c)(model)`` to project every
    weight matrix's rows (units) back to norm <= c."""

    def __init__(self, max_norm=3.0, dim=0):
        self.max_norm, self.dim = max_norm, dim

    def __call__(self, model):
        max_norm_(_weights(model, False), self.max_norm, self.dim)
        return model
