"""``scatter_reduce``: reduce the elements of ``src`` into ``input`` at ``index`` along ``dim``.

For dim = 0:  out[index[i][j]][j] = reduce(out[index[i][j]][j], src[i][j]) over all (i, j),
starting from ``input`` (``include_self=True``) or from nothing at the positions that
receive a value (``include_self=False``). Reductions and their gradients, as torch's:

    sum:  input (kept) + scattered src          d/dinput = kept, d/dsrc = gather(g)
    mean: that sum / the number of terms        gradients divided by that count
    amax, amin: the gradient is shared evenly by all the terms equal to the result
    prod: forward only (a gradient through products with zeros is not implemented)

amax/amin return the exact extreme (computed in NumPy) plus ``e - stop_grad(e)`` where
``e`` averages the tied terms: the value is exact and the gradient is the shared one.
"""
import numpy as np

from ..autograd import grad_mode
from ._util import constant, wrap_dim
from . import index as _index

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    _index._check_index_tensor(index, "scatter_reduce")
    d = wrap_dim(dim, input._data.ndim)
    _index._check_range(index._data, input._data.shape[d], "scatter_reduce", d)
    src = src[tuple(slice(0, s) for s in index.shape)]
    if src._data.dtype != input._data.dtype:
        src = src.to(input.dtype)
    full = _index._along_axis_index(index._data, d)
    counts = np.zeros_like(input._data, dtype=np.int64)
    np.add.at(counts, full, 1)
    kept = np.ones_like(input._data, dtype=bool) if include_self else counts == 0
    if reduce == "prod":
        return _prod(input, src, full, kept)
    if reduce in ("amax", "amin"):
        return _extreme(input, d, index, src, full, kept, counts, reduce == "amax")
    base = input * constant(kept.astype(input._data.dtype), input)
    total = _index.scatter_add(base, d, index, src)
    if reduce == "sum":
        return total
    n = counts + kept
    if input._data.dtype.kind != "f":     # torch divides integers with floor division
        return constant(np.floor_divide(total._data, n).astype(input._data.dtype), input)
    return total / constant(n.astype(input._data.dtype), input)


def _prod(input, src, full, kept):  # noqa: A002
    if grad_mode.is_grad_enabled() and (input.requires_grad or src.requires_grad):
        raise NotImplementedError("scatter_reduce(reduce='prod') has no gradient in deepgrad "
                                  "yet; use sum/mean/amax/amin, or compute it under no_grad()")
    out = np.where(kept, input._data, 1).astype(input._data.dtype)
    np.multiply.at(out, full, src._data)
    return constant(out, input)


def _extreme(input, d, index, src, full, kept, counts, largest):  # noqa: A002
    arr = input._data
    start = -np.inf if largest else np.inf
    if arr.dtype.kind != "f":
        info = np.iinfo(arr.dtype) if arr.dtype.kind in "iu" else None
        start = (info.min if largest else info.max) if info else (not largest)
    result = np.where(kept, arr, start).astype(arr.dtype)
    (np.maximum if largest else np.minimum).at(result, full, src._data)
    exact = constant(result, input)
    if arr.dtype.kind != "f":
        return exact
    self_ties = kept & (arr == result)
    src_ties = src._data == result[full]
    n = self_ties.astype(arr.dtype)
    np.add.at(n, full, src_ties.astype(arr.dtype))
    shared = input * constant(self_ties.astype(arr.dtype), input)
    shared = _index.scatter_add(shared, d, index, src * constant(src_ties.astype(arr.dtype), src))
    shared = shared / constant(np.maximum(n, 1), input)
    return exact + (shared - shared.detach())
