"""Embedding lookup: ``out[..., :] = weight[input[...], :]``.

An embedding is a table of ``num_embeddings`` learned vectors of size ``embedding_dim``;
integer indices pick rows. It equals one-hot(input) @ weight, without building the
one-hot matrix. Its gradient adds each output gradient row into the row it came from,

    dweight[k] = sum over positions i with input[i] == k of g[i]

so an index that appears several times accumulates several gradients. Rows equal to
``padding_idx`` get no gradient; with ``scale_grad_by_freq`` each row's gradient is
divided by how often its index appears in the mini-batch.

That scatter is itself an op (``ScatterRows``) whose gradient is a lookup again, so
double backward works.
"""
import numbers

import numpy as np

from ...autograd import grad_mode
from ...autograd.function import ArrayFunction
from ...ops._util import constant
from ...tensor import Tensor


class Lookup(ArrayFunction):
    """``weight[idx]``; its backward scatters rows back, weighted by ``row_scale``."""
    saves_inputs = False

    def forward(self, weight, idx, row_scale=None):
        self.idx, self.row_scale, self.num = idx, row_scale, weight.shape[0]
        return weight[idx]

    def backward(self, g):
        return ScatterRows.apply(g, idx=self.idx, num=self.num, row_scale=self.row_scale)

    def backward_arrays(self, g):
        return (_scatter_rows(g, self.idx, self.num, self.row_scale),)


class ScatterRows(ArrayFunction):
    """zeros(num, D) with ``g[i] * row_scale[i]`` added into row ``idx[i]`` (repeats add).

    A linear map of ``g``; its adjoint is the lookup ``h[idx] * row_scale``.
    """
    saves_inputs = False

    def forward(self, g, idx, num, row_scale=None):
        self.idx, self.row_scale = idx, row_scale
        return _scatter_rows(g, idx, num, row_scale)

    def backward(self, h):
        looked = Lookup.apply(h, idx=self.idx)
        if self.row_scale is None:
            return looked
        return looked * constant(self.row_scale[..., None], h)


def _scatter_rows(g, idx, num, row_scale):
    d = g.shape[-1]
    rows = g.reshape(-1, d)
    if row_scale is not None:
        rows = rows * row_scale.reshape(-1, 1)
    out = np.zeros_like(g, shape=(num, d))
    np.add.at(out, idx.reshape(-1), rows)
    return out


def _check_indices(idx, num):
    if not isinstance(idx, Tensor):
        raise TypeError(f"embedding(): input must be a Tensor of indices, "
                        f"got {type(idx).__name__}")
    arr = idx._data
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {idx.dtype} instead")
    if arr.size:
        if type(arr) is np.ndarray:  # the reductions themselves, without NumPy's Python wrappers
            lo, hi = int(np.minimum.reduce(arr, axis=None)), int(np.maximum.reduce(arr, axis=None))
        else:
            lo, hi = arr.min().item(), arr.max().item()   # one explicit sync for the check
        if lo < 0 or hi >= num:
            bad = lo if lo < 0 else hi
            raise IndexError(f"embedding(): index {bad} is out of range for an embedding table "
                             f"with num_embeddings={num} (valid indices: 0 to {num - 1})")
    return arr


def _padding(padding_idx, num):
    if padding_idx is None:
        return None
    if not isinstance(padding_idx, numbers.Integral) or not -num <= padding_idx < num:
        raise ValueError(f"padding_idx must be within num_embeddings: expected an int in "
                         f"[{-num}, {num - 1}], got {padding_idx!r}")
    return int(padding_idx) % num


def renorm_rows_(weight, idx, max_norm, norm_type=2.0):
    """Rescale, in place and without gradient, the rows of ``weight`` used by ``idx`` whose
    ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm`` (PyTorch's embedding_renorm_)."""
    w = weight._data
    rows = np.unique(idx.reshape(-1))
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        rows, norms = rows[big], norms[big]
        w[rows] *= (max_norm / (norms + 1e-7)).astype(w.dtype)[:, None]
        weight._vc[0] += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,  # noqa: A002
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight`` (num_embeddings, embedding_dim) at integer ``input``.

    Returns a tensor of shape ``input.shape + (embedding_dim,)``.

    Args:
        padding_idx (int, optional): this row receives no gradient.
        max_norm (float, optional): rows used by ``input`` whose norm exceeds it are
            rescaled in place to norm ``max_norm`` before the lookup.
        norm_type (float): the p of the p-norm for ``max_norm``. Default: 2.
        scale_grad_by_freq (bool): divide each row's gradient by the number of times its
            index occurs in ``input``. Default: False.
        sparse (bool): accepted for compatibility; gradients are always dense here.

    Example::

        w = deepgrad.randn(10, 3, requires_grad=True)
        F.embedding(deepgrad.tensor([[1, 2], [4, 1]]), w).shape   # (2, 2, 3)
    """
    shape = weight._data.shape
    if len(shape) != 2:
        raise ValueError(f"embedding(): weight must be 2-D (num_embeddings, embedding_dim), "
                         f"got shape {tuple(shape)}")
    num = shape[0]
    idx = _check_indices(input, num)
    pad = _padding(padding_idx, num)
    if max_norm is not None:
        with grad_mode.no_grad():
            renorm_rows_(weight, idx, float(max_norm), norm_type)
    row_scale = None
    if pad is not None or scale_grad_by_freq:
        row_scale = np.ones_like(weight._data, shape=idx.shape)
        if scale_grad_by_freq:
            counts = np.bincount(idx.reshape(-1), minlength=num)
            row_scale /= counts[idx].astype(row_scale.dtype)
        if pad is not None:
            row_scale[idx == pad] = 0.0
    return Lookup.apply(weight, idx=idx, row_scale=row_scale)
