"""Assorted tensor functions: membership and infinity tests, NaN-aware order statistics,
running integrals, combinations, Vandermonde matrices, and dtype questions.

    trapezoid(y, x)            = sum_i (x_{i+1} - x_i) (y_{i+1} + y_i) / 2
    cumulative_trapezoid(y, x) = its running sums
    dist(a, b, p)              = ||a - b||_p over all elements
    fmax(a, b) / fmin(a, b)    = max / min that ignore a NaN when the other value is a number
"""
import itertools
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..backend import move_array
from ..tensor import Tensor
from ._util import constant, operands, to_tensor_like, wrap_dim
from . import compare as _compare
from . import elementwise as _elem
from . import reduce as _reduce
from . import reshaping as _reshaping
from . import shape as _shape
from . import statistics as _stats
from . import triangular as _tri

mode_result = namedtuple("mode", ["values", "indices"])


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    e = elements if isinstance(elements, Tensor) else to_tensor_like(elements, test_elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return constant(np.isin(e._data, t, invert=invert), e)


def isneginf(input):  # noqa: A002
    return constant(np.isneginf(input._data), input)


def isposinf(input):  # noqa: A002
    return constant(np.isposinf(input._data), input)


def isreal(input):  # noqa: A002
    """All True: deepgrad's tensors are real."""
    return constant(np.ones(input._data.shape, dtype=bool), input)


def msort(input):  # noqa: A002
    """Sorted along dim 0."""
    return _compare.sort(input, 0).values


def fmax(input, other):  # noqa: A002
    a, b = operands(input, other)
    nan_b = constant(np.isnan(b._data), a) if b._data.dtype.kind == "f" else None
    out = _elem.maximum(a, b)
    if nan_b is None:
        return out
    nan_a = constant(np.isnan(a._data), a)
    return _elem.where(nan_b, a, _elem.where(nan_a, b, out))


def fmin(input, other):  # noqa: A002
    a, b = operands(input, other)
    out = _elem.minimum(a, b)
    if b._data.dtype.kind != "f":
        return out
    nan_a, nan_b = constant(np.isnan(a._data), a), constant(np.isnan(b._data), a)
    return _elem.where(nan_b, a, _elem.where(nan_a, b, out))


def nanmedian(input, dim=None, keepdim=False):  # noqa: A002
    """The lower median of the non-NaN values (NaN where all are NaN)."""
    if dim is None:
        flat = _shape.reshape(input, -1)
        keep = ~np.isnan(flat._data)
        if not keep.any():
            return constant(np.asarray(np.nan, dtype=input._data.dtype), input)
        return _stats.median(flat[np.nonzero(keep)[0]])
    d = wrap_dim(dim, input._data.ndim)
    arr = input._data
    count = (~np.isnan(arr)).sum(axis=d, keepdims=True)
    order = np.argsort(arr, axis=d, kind="stable")      # NaNs sort last
    pos = np.maximum((count - 1) // 2, 0)
    idx = np.take_along_axis(order, pos, axis=d).astype(np.int64)
    idx_t = constant(idx, input)
    values = _stats._index.gather(input, d, idx_t)
    if not keepdim:
        values, idx_t = _shape.squeeze(values, d), _shape.squeeze(idx_t, d)
    return _reduce.values_indices(values, idx_t)


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """The most frequent value along ``dim`` (the smallest on ties) and an index of it."""
    d = wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    arr = np.moveaxis(input._data, d, -1) if input._data.ndim else input._data.reshape(1)
    flat = arr.reshape(-1, arr.shape[-1])
    vals, idxs = [], []
    for row in flat:
        uniq, counts = np.unique(row, return_counts=True)
        best = uniq[np.argmax(counts)]
        vals.append(best)
        idxs.append(np.nonzero(row == best)[0][-1])
    shape = arr.shape[:-1]
    idx = (np.stack(idxs) if idxs else np.zeros_like(input._data, shape=(0,), dtype=np.int64)
           ).astype(np.int64).reshape(shape)
    if input._data.ndim == 0:
        return mode_result(input, constant(np.zeros_like(input._data, shape=(), dtype=np.int64),
                                           input))
    idx_t = constant(np.expand_dims(idx, d), input)
    values = _stats._index.gather(input, d, idx_t)
    if not keepdim:
        values, idx_t = _shape.squeeze(values, d), _shape.squeeze(idx_t, d)
    return mode_result(values, idx_t)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """Collapse runs of equal consecutive values (of the flattened tensor)."""
    if dim is not None:
        raise NotImplementedError("unique_consecutive(dim=...) is not supported yet")
    flat = input._data.reshape(-1)
    starts = np.ones_like(flat, dtype=bool)
    starts[1:] = flat[1:] != flat[:-1]
    out = constant(flat[starts], input)
    extras = []
    if return_inverse:
        extras.append(constant((np.cumsum(starts) - 1).reshape(input._data.shape)
                               .astype(np.int64), input))
    if return_counts:
        edges = np.append(np.nonzero(starts)[0], flat.shape[0])
        extras.append(constant(np.diff(edges).astype(np.int64), input))
    return (out, *extras) if extras else out


def trapezoid(y, x=None, *, dx=None, dim=-1):
    d = wrap_dim(dim, y._data.ndim)
    n = y._data.shape[d]
    pairs = _shape.narrow(y, d, 1, n - 1) + _shape.narrow(y, d, 0, n - 1)
    if x is not None:
        widths = _reshaping.diff(x, dim=-1 if x._data.ndim == 1 else d)
        if x._data.ndim == 1 and y._data.ndim > 1:
            view = [1] * y._data.ndim
            view[d] = -1
            widths = _shape.reshape(widths, *view)
        return _reduce.sum(pairs * widths, d) / 2
    return _reduce.sum(pairs, d) * ((1.0 if dx is None else dx) / 2)


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    d = wrap_dim(dim, y._data.ndim)
    n = y._data.shape[d]
    pairs = (_shape.narrow(y, d, 1, n - 1) + _shape.narrow(y, d, 0, n - 1)) / 2
    if x is not None:
        pairs = pairs * _reshaping.diff(x, dim=-1 if x._data.ndim == 1 else d)
    elif dx is not None:
        pairs = pairs * dx
    return _reduce.cumsum(pairs, d)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """All length-r combinations of the elements of a 1-D tensor, one per row."""
    n = input._data.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = np.asarray(list(pick(range(n), r)), dtype=np.int64).reshape(-1, r)
    if rows.shape[0] == 0:
        rows = np.zeros((0,), np.int64)
    return input[move_array(rows, input._device)]   # built on the host, copied once


def vander(x, N=None, increasing=False):  # noqa: N803 - PyTorch's argument name
    """Columns are powers of x: x^(N-1), ..., x, 1 (reversed when increasing)."""
    n = x._data.shape[0] if N is None else N
    powers = range(n) if increasing else range(n - 1, -1, -1)
    cols = [x ** p if p else _shape.expand(to_tensor_like(1, x).to(x.dtype), x.shape)
            for p in powers]
    return _shape.stack(cols, 1) if cols else _shape.reshape(x, -1, 0)


def unravel_index(indices, shape):
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    return tuple(constant(np.asarray(c).astype(np.int64), indices) if isinstance(indices, Tensor)
                 else Tensor(np.asarray(c).astype(np.int64))
                 for c in np.unravel_index(idx, tuple(shape)))


def dist(input, other, p=2):  # noqa: A002
    return _reduce.norm(input - other, p)


def diagflat(input, offset=0):  # noqa: A002
    return _tri.diag_embed(_shape.reshape(input, -1), offset)


def result_type(tensor1, tensor2):
    """The dtype that an op on the two would produce (PyTorch's promotion)."""
    like = tensor1 if isinstance(tensor1, Tensor) else tensor2
    if not isinstance(like, Tensor):
        like = Tensor(np.asarray(tensor1))
    a, _ = operands(tensor1 if isinstance(tensor1, Tensor) else to_tensor_like(tensor1, like),
                    tensor2 if isinstance(tensor2, Tensor) else to_tensor_like(tensor2, like))
    return a.dtype


def can_cast(from_, to):
    """Whether torch allows this implicit cast (no float -> int, no int/float -> bool)."""
    kind = {"b": 0, "u": 1, "i": 1, "f": 2}
    src = np.dtype(dtypes.to_numpy_dtype(from_)).kind
    dst = np.dtype(dtypes.to_numpy_dtype(to)).kind
    return kind[src] <= kind[dst]
