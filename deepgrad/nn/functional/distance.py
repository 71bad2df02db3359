"""Distances, similarities and encodings used around losses: ``pairwise_distance``,
``cosine_similarity``, ``normalize`` and ``one_hot`` (PyTorch's definitions).

    pairwise_distance(x1, x2) = ||x1 - x2 + eps||_p            (over the last dim)
    cosine_similarity(x1, x2) = x1 . x2 / (max(||x1||, eps) max(||x2||, eps))
    normalize(x)              = x / max(||x||_p, eps)            (over ``dim``)
    one_hot(y, C)[..., c]     = 1 if y == c else 0               (int64)
"""
import math

import numpy as np

from ...ops import elementwise as E
from ...ops._util import constant, wrap_dim
from ...tensor import Tensor


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (the eps keeps the gradient finite at x1 = x2)."""
    v = x1 - x2 + eps
    return _norm(v, p, v._data.ndim - 1, keepdim)


def _norm(x, p, dim, keepdim=True):
    """The p-norm of ``x`` along ``dim`` (p = 1, 2, inf or any other positive number)."""
    if p == 2:
        return E.sqrt((x * x).sum(dim, keepdim=keepdim))
    if p == 1:
        return E.abs(x).sum(dim, keepdim=keepdim)
    if p == math.inf:
        return E.abs(x).amax(dim, keepdim=keepdim)
    return (E.abs(x) ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along ``dim`` (broadcast together)."""
    d = wrap_dim(dim, max(x1._data.ndim, x2._data.ndim))
    n1 = E.clamp(_norm(x1, 2, d), min=eps)
    n2 = E.clamp(_norm(x2, 2, d), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def normalize(input, p=2.0, dim=1, eps=1e-12):  # noqa: A002
    """input / max(||input||_p, eps) along ``dim``: unit vectors (L2 by default)."""
    d = wrap_dim(dim, input._data.ndim)
    return input / E.clamp(_norm(input, p, d), min=eps)


def one_hot(tensor, num_classes=-1):
    """(*,) integer class indices -> (*, num_classes) int64 one-hot rows.

    ``num_classes=-1`` uses max(tensor) + 1.
    """
    t = tensor._data
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor of integer dtype, got "
                           f"{tensor.dtype}")
    if num_classes == -1:
        num_classes = t.max().item() + 1 if t.size else 0
    # one explicit device-to-host sync for the check (torch asserts on the device)
    lo, hi = (t.min().item(), t.max().item()) if t.size else (0, 0)
    if t.size and (lo < 0 or hi >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes - 1}], got values "
                           f"in [{lo}, {hi}]")
    out = (t[..., None] == np.arange(num_classes, like=t)).astype(np.int64)
    return constant(out, tensor) if isinstance(tensor, Tensor) else out
