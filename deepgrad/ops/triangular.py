"""Triangles and diagonals of matrices: tril, triu, their index lists, diag, diagonal, trace.

All are compositions of differentiable ops, so gradients of every order come for free:

    tril(x, k) = where(j - i <= k, x, 0)       (keep on and below the k-th diagonal)
    triu(x, k) = where(j - i >= k, x, 0)       (keep on and above it)
    diagonal(x, k)[t] = x[t + max(-k, 0), t + max(k, 0)]   (an index: the gradient scatters back)
    diag(v, k) = v placed on the k-th diagonal of a zero (n + |k|) x (n + |k|) matrix
    trace(x) = sum_t x[t, t]

Diagonal ``k = 0`` is the main one, ``k > 0`` above it, ``k < 0`` below. The masks act on the
last two dims, so batches of matrices work.
"""
import numpy as np

from .. import dtypes
from ..backend import array_module, device as Device
from ..tensor import Tensor
from ._util import wrap_dim
from . import elementwise as _elem
from . import index as _index
from . import shape as _shape


def _check_matrix(x, name):
    if x._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(x._data.shape)}")


def _band_mask(x, keep_below, diagonal):
    rows, cols = x._data.shape[-2:]
    tri = array_module(x._device).tri(rows, cols, int(diagonal) - (0 if keep_below else 1),
                                      dtype=bool)
    return Tensor._make(tri if keep_below else ~tri, x._device)


def _zero_like(x):
    """A 0-d zero of x's dtype (a Python 0 would promote a bool tensor to int64)."""
    return Tensor._make(array_module(x._device).zeros((), dtype=x._data.dtype), x._device)


def tril(input, diagonal=0):  # noqa: A002 - PyTorch's argument name
    """The lower triangle of the matrices in the last two dims; other entries 0."""
    _check_matrix(input, "tril")
    return _elem.where(_band_mask(input, True, diagonal), input, _zero_like(input))


def triu(input, diagonal=0):  # noqa: A002
    """The upper triangle of the matrices in the last two dims; other entries 0."""
    _check_matrix(input, "triu")
    return _elem.where(_band_mask(input, False, diagonal), input, _zero_like(input))


def _indices(row, col, offset, dtype, device, lower):
    if row < 0 or col < 0:
        raise RuntimeError(f"row and col must be non-negative, got row={row}, col={col}")
    if lower:
        r, c = np.tril_indices(row, offset, col)
    else:
        r, c = np.triu_indices(row, offset, col)
    dtype = dtypes.int64 if dtype is None else dtype
    out = np.stack([r, c]).astype(dtypes.to_numpy_dtype(dtype)).reshape(2, -1)
    dev = Device(device) if device is not None else Device("cpu")
    return Tensor._make(array_module(dev).asarray(out), dev)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """A 2 x N tensor of the (row, col) coordinates of the lower triangle, row by row."""
    return _indices(row, col, offset, dtype, device, lower=True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """A 2 x N tensor of the (row, col) coordinates of the upper triangle, row by row."""
    return _indices(row, col, offset, dtype, device, lower=False)


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    """The ``offset``-th diagonal of the matrices spanned by ``dim1`` and ``dim2``, as the
    last dim of the result (a copy in deepgrad; torch returns a view)."""
    ndim = input._data.ndim
    d1, d2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [d for d in range(ndim) if d not in (d1, d2)]
    moved = _shape.permute(input, tuple(rest) + (d1, d2))
    n1, n2 = moved._data.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    length = max(min(n1 - start_row, n2 - start_col), 0)
    steps = np.arange(length, like=moved._data)
    return _index.getitem(moved, (Ellipsis, steps + start_row, steps + start_col))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """Matrices whose ``offset``-th diagonal (in dims ``dim1``, ``dim2``) is the last dim of input."""
    n = input._data.shape[-1]
    eye = Tensor._make(array_module(input._device).eye(n, dtype=input._data.dtype), input._device)
    square = _shape.unsqueeze(input, -1) * eye                  # (..., n, n) with v on the diagonal
    k = abs(int(offset))
    # shift the diagonal: columns added on the left and rows at the bottom move it up
    widths = (k, 0, 0, k) if offset > 0 else (0, k, k, 0)
    out = _shape.pad(square, widths) if k else square
    nd = out._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if (d1, d2) != (nd - 2, nd - 1):
        # place the two new dims at d1 and d2, the batch dims in order around them
        order = [None] * nd
        order[d1], order[d2] = nd - 2, nd - 1
        batch = iter(range(nd - 2))
        out = _shape.permute(out, tuple(o if o is not None else next(batch) for o in order))
    return out


_diagonal_of = diagonal   # diag's argument named "diagonal" hides the function


def diag(input, diagonal=0):  # noqa: A002
    """1-D input: the square matrix with it on the ``diagonal``-th diagonal.
    2-D input: that diagonal as a 1-D tensor."""
    ndim = input._data.ndim
    if ndim == 1:
        return diag_embed(input, diagonal)
    if ndim == 2:
        return _diagonal_of(input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


def trace(input):  # noqa: A002
    """The sum of the main diagonal of a 2-D tensor."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return diagonal(input).sum()
