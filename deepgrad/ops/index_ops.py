"""index_add, index_copy, index_fill: write along one dim at the positions in a 1-D index.

    index_add(x, d, idx, src)[..., idx[i], ...] += alpha * src[..., i, ...]   (repeats add up)
    index_copy(x, d, idx, src)[..., idx[i], ...] = src[..., i, ...]
    index_fill(x, d, idx, v)[..., idx[i], ...] = v

Each is a scatter (or a where) along ``d``, so gradients flow to x (except at overwritten
positions) and to src, through the existing ops.
"""
import numpy as np

from ._util import constant, to_tensor_like, wrap_dim
from . import elementwise as _elem
from . import index as _index


def _full_index(x, d, index, source_shape, name):
    _index._check_index_tensor(index, name)
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    n = idx.shape[0]
    if source_shape is not None and (len(source_shape) and source_shape[d] != n):
        raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to "
                           f"source.size(dim) ({source_shape[d]})")
    _index._check_range(idx, x._data.shape[d], name, d)
    view = [1] * x._data.ndim
    view[d] = n
    shape = list(source_shape) if source_shape is not None else list(x._data.shape)
    shape[d] = n
    return constant(np.broadcast_to(idx.reshape(view), shape).copy(), x)


def index_add(input, dim, index, source, *, alpha=1):  # noqa: A002 - PyTorch's name
    d = wrap_dim(dim, input._data.ndim)
    full = _full_index(input, d, index, tuple(source.shape), "index_add")
    src = source if alpha == 1 else source * alpha
    return _index.scatter_add(input, d, full, src)


def index_copy(input, dim, index, source):  # noqa: A002
    d = wrap_dim(dim, input._data.ndim)
    full = _full_index(input, d, index, tuple(source.shape), "index_copy")
    return _index.scatter(input, d, full, source)


def index_fill(input, dim, index, value):  # noqa: A002
    d = wrap_dim(dim, input._data.ndim)
    _index._check_index_tensor(index, "index_fill")
    idx = index._data.reshape(-1)
    _index._check_range(idx, input._data.shape[d], "index_fill", d)
    mask = np.zeros_like(idx, shape=(input._data.shape[d],), dtype=bool)
    mask[idx] = True
    view = [1] * input._data.ndim
    view[d] = -1
    mask_t = constant(np.broadcast_to(mask.reshape(view), input._data.shape), input)
    if hasattr(value, "_data"):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        value = value.to(input.dtype)
    else:
        value = to_tensor_like(value, input).to(input.dtype)
    return _elem.where(mask_t, value, input)


__all__ = ["index_add", "index_copy", "index_fill"]
