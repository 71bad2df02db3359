"""Curvature of the loss: the largest Hessian eigenvalues from Hessian-vector products.

The Hessian H of the loss over all P parameters is P x P, too big to form for real models,
but a product H v costs about two backward passes (Pearlmutter's trick, the formula of
``deepgrad.autograd.functional.hvp``): with g = dL/dw built with ``create_graph=True``,

    H v = d (g . v) / dw.

The gradient graph is built once and every product reuses it.

* Power iteration: v <- H v / ||H v|| converges to the eigenvector of the eigenvalue of
  largest magnitude, at rate |lambda_2 / lambda_1|; the Rayleigh quotient v . H v is the
  estimate. Later eigenvalues come by deflation: iterate on H - sum_i lambda_i u_i u_i^T,
  keeping v orthogonal to the eigenvectors found so far.
* Lanczos: m steps build an orthonormal basis Q of the Krylov space {v, Hv, ..., H^{m-1} v}
  in which Q^T H Q = T is tridiagonal; T's extreme eigenvalues (Ritz values) converge to
  H's extreme ones much faster than power iteration. The basis is fully re-orthogonalised
  (exact arithmetic's orthogonality is lost quickly in floating point).

The top eigenvalue bounds the stable step of gradient descent (lr < 2 / lambda_max on a
quadratic) and is the "sharpness" of a minimum.
"""
from dataclasses import dataclass

import numpy as np

from .. import float64
from ..autograd import grad
from ..tensor import Tensor
from ._common import check_model, module_modes, pyplot, restore_modes


@dataclass
class HessianEigResult:
    """``eigenvalues`` (k,), sorted by decreasing magnitude; ``eigenvectors`` (k, P) as flat
    vectors over the parameters in ``named_parameters`` order (power iteration only, else
    the Ritz vectors); ``n_hvp``: Hessian-vector products used."""
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    method: str
    n_hvp: int

    def plot(self, path=None):
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5, 3))
        idx = np.arange(1, len(self.eigenvalues) + 1)
        ax.stem(idx, self.eigenvalues)
        ax.set_xlabel("rank")
        ax.set_ylabel("Hessian eigenvalue")
        ax.set_title(f"top-{len(idx)} Hessian eigenvalues ({self.method}, {self.n_hvp} HVPs)")
        if path is not None:
            fig.savefig(path, dpi=110, bbox_inches="tight")
        return fig


class _HessianOperator:
    """v (flat NumPy vector) -> H v, reusing one gradient graph."""

    def __init__(self, model, loss_fn, inputs, targets):
        self.params = [p for p in model.parameters() if p.requires_grad]
        if not self.params:
            raise ValueError("hessian_eigs: the model has no parameters that require grad")
        loss = loss_fn(model(inputs), targets)
        self.grads = [g if g is not None else None for g in
                      grad(loss, self.params, create_graph=True, allow_unused=True)]
        self.shapes = [tuple(p.shape) for p in self.params]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.size = sum(self.sizes)
        self.dtype = self.params[0].dtype
        self.calls = 0

    def __call__(self, vector):
        self.calls += 1
        pieces = np.split(vector, np.cumsum(self.sizes)[:-1])
        total = None
        for g, piece, shape in zip(self.grads, pieces, self.shapes):
            if g is None or not g.requires_grad:
                continue
            term = (g * Tensor(piece.reshape(shape)).to(self.dtype)).sum()
            total = term if total is None else total + term
        if total is None:       # a loss linear in every parameter: H = 0
            return np.zeros_like(vector)
        products = grad(total, self.params, retain_graph=True, allow_unused=True)
        return np.concatenate([np.zeros(n) if h is None else
                               h.detach().numpy().reshape(-1).astype(np.float64)
                               for h, n in zip(products, self.sizes)])


def _power(hvp, k, max_iter, tol, rng):
    values, vectors = [], []
    for _ in range(k):
        v = rng.standard_normal(hvp.size)
        for u in vectors:
            v -= (u @ v) * u
        v /= np.linalg.norm(v)
        value = 0.0
        for _ in range(max_iter):
            w = hvp(v)
            for lam, u in zip(values, vectors):      # deflation
                w -= lam * (u @ v) * u
            new_value = float(v @ w)
            norm = np.linalg.norm(w)
            if norm == 0:
                value = 0.0
                break
            v = w / norm
            for u in vectors:                         # stay in the orthogonal complement
                v -= (u @ v) * u
            v /= np.linalg.norm(v)
            converged = abs(new_value - value) <= tol * max(abs(new_value), 1e-12)
            value = new_value
            if converged:
                break
        values.append(value)
        vectors.append(v)
    return np.array(values), np.array(vectors)


def _lanczos(hvp, k, steps, rng):
    n = hvp.size
    m = min(n, steps)
    basis = np.zeros((m, n))
    alpha, beta = np.zeros(m), np.zeros(m)
    q = rng.standard_normal(n)
    q /= np.linalg.norm(q)
    used = m
    for j in range(m):
        basis[j] = q
        w = hvp(q)
        alpha[j] = q @ w
        w -= alpha[j] * q + (beta[j - 1] * basis[j - 1] if j else 0.0)
        w -= basis[:j + 1].T @ (basis[:j + 1] @ w)      # full re-orthogonalisation
        if j + 1 < m:
            beta[j] = np.linalg.norm(w)
            if beta[j] < 1e-10:        # the Krylov space is invariant: T is exact
                used = j + 1
                break
            q = w / beta[j]
    T = np.diag(alpha[:used]) + np.diag(beta[:used - 1], 1) + np.diag(beta[:used - 1], -1)
    ritz, s = np.linalg.eigh(T)
    order = np.argsort(-np.abs(ritz))[:k]
    return ritz[order], (s[:, order].T @ basis[:used])


def hessian_eigs(model, loss_fn, data, k=1, method="power", max_iter=200, tol=1e-8,
                 lanczos_steps=None, seed=0):
    """The k Hessian eigenvalues of largest magnitude of ``loss_fn(model(X), y)``.

    Args:
        model: an ``nn.Module``; evaluated in eval mode and float64 (both restored after).
        data: ``(X, y)``: the batch that defines the loss (use the full training set for
            the full-batch Hessian).
        k (int): how many eigenvalues (1 <= k <= number of parameters).
        method: "power" (power iteration with deflation) or "lanczos".
        max_iter, tol: power iteration's limits (relative change of the estimate).
        lanczos_steps: Krylov dimension (default max(2k + 20, 30), capped at P).

    Returns:
        :class:`HessianEigResult`.
    """
    check_model(model, "hessian_eigs")
    if not callable(loss_fn):
        raise TypeError(f"hessian_eigs: loss_fn must be callable, got {type(loss_fn).__name__}")
    if method not in ("power", "lanczos"):
        raise ValueError(f"hessian_eigs: method must be 'power' or 'lanczos', got {method!r}")
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError("hessian_eigs: data must be an (inputs, targets) pair")
    inputs, targets = data
    if len(inputs) == 0:
        raise ValueError("hessian_eigs: data is empty (0 samples)")
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if int(k) != k or not 1 <= k <= n_params:
        raise ValueError(f"hessian_eigs: k must be an int in [1, {n_params}] (the number of "
                         f"parameters), got {k!r}")
    dtype = next(iter(model.parameters())).dtype
    modes = module_modes(model)
    rng = np.random.default_rng(seed)
    try:
        model.eval()
        model.to(float64)
        if isinstance(inputs, Tensor) and inputs.is_floating_point():
            inputs = inputs.to(float64)
        if isinstance(targets, Tensor) and targets.is_floating_point():
            targets = targets.to(float64)
        hvp = _HessianOperator(model, loss_fn, inputs, targets)
        if method == "power":
            values, vectors = _power(hvp, int(k), max_iter, tol, rng)
            order = np.argsort(-np.abs(values), kind="stable")
            values, vectors = values[order], vectors[order]
        else:
            steps = lanczos_steps or max(2 * int(k) + 20, 30)
            values, vectors = _lanczos(hvp, int(k), steps, rng)
    finally:
        model.to(dtype)
        restore_modes(modes)
    return HessianEigResult(values, vectors, method, hvp.calls)
