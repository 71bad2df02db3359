"""Out-of-place writes at computed positions: index_put, put, masked_scatter.

    index_put(x, (i, j), v)                 = x with x[i, j] = v      (accumulate: +=, repeats add)
    put(x, idx, v)                          = the same on x's flattened elements
    masked_scatter(x, mask, src)            = x with the True positions of mask (row-major)
                                              filled by the first elements of src in order

Writes go through ``IndexPut`` (the gradient of x is zero where written, and the gradient of
v is what was written there) and accumulations through ``scatter_add``, so gradients flow.
"""
import numpy as np

from ..tensor import Tensor
from ._util import constant, to_tensor_like
from . import index as _index
from . import shape as _shape


def _flat_positions(x, indices):
    """The flat (row-major) positions that ``x[indices]`` addresses, as an int64 array."""
    positions = np.arange(x._data.size, dtype=np.int64, like=x._data).reshape(x._data.shape)
    return positions[_index.normalize_index(tuple(indices), x._data.shape)]


def _values_for(x, values, shape):
    v = values if isinstance(values, Tensor) else to_tensor_like(values, x)
    if v._data.dtype != x._data.dtype:
        v = v.to(x.dtype)
    return _shape.expand(v, shape) if tuple(v.shape) != tuple(shape) else v


def index_put(input, indices, values, accumulate=False):  # noqa: A002 - PyTorch's names
    """``input`` with ``values`` written (or added, ``accumulate=True``) at ``input[indices]``."""
    if not accumulate:
        index = _index.normalize_index(tuple(indices), input._data.shape)
        # the shape of input[index], from a zero-stride view on input's device (no copy of input)
        shape_probe = np.broadcast_to(np.zeros_like(input._data, shape=()), input._data.shape)
        v = _values_for(input, values, shape_probe[index].shape)
        return _index.IndexPut.apply(input, v, index=index)
    flat = _flat_positions(input, indices)
    v = _values_for(input, values, flat.shape)
    return put(input, constant(flat, input), v, accumulate=True)


def put(input, index, source, accumulate=False):  # noqa: A002
    """Write ``source`` at the flat positions ``index`` of ``input`` (or add them)."""
    idx = index._data.reshape(-1) if isinstance(index, Tensor) else np.asarray(index).reshape(-1)
    n = input._data.size
    if idx.size and (idx.min().item() < -n or idx.max().item() >= n):   # explicit sync
        raise IndexError(f"put: index out of range for tensor of {n} elements")
    idx = np.where(idx < 0, idx + n, idx).astype(np.int64)
    src = _shape.reshape(_values_for(input, source, np.shape(index._data if isinstance(
        index, Tensor) else index)), -1)
    flat = _shape.reshape(input, -1)
    if accumulate:
        out = _index.scatter_add(flat, 0, constant(idx, input), src)
    else:
        out = _index.IndexPut.apply(flat, src, index=(idx,))
    return _shape.reshape(out, input.shape)


def masked_scatter(input, mask, source):  # noqa: A002
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {m.dtype}")
    m = np.broadcast_to(m, input._data.shape)
    where = np.flatnonzero(m)
    if where.size > source.numel():
        raise RuntimeError(f"masked_scatter: expected source to have at least {where.size} "
                           f"elements, got {source.numel()}")
    picked = _shape.narrow(_shape.reshape(source, -1), 0, 0, int(where.size))
    return put(input, constant(where.astype(np.int64), input), picked)
