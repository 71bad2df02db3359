"""Comparisons and logical ops: boolean results, never a gradient."""
import numpy as np

from .._layout import like_torch
from ..backend import as_array
from ..tensor import Tensor
from ._util import constant, operands, wrap_dim
from . import index as _index
from . import reduce as _reduce
from . import shape as _shape


def _compare(a, b, fn):
    if not isinstance(a, Tensor):
        a, b = b, a
        fn = _SWAPPED.get(fn, fn)
    if isinstance(b, Tensor):
        a, b = operands(a, b)
        x, y = a._data, b._data
        out = fn(x, y)
        if not (x.flags.c_contiguous and y.flags.c_contiguous):
            out = like_torch(out, x, y)  # operands in other orders: torch's result order
        return constant(as_array(out), a)
    return constant(as_array(fn(a._data, b)), a)


_SWAPPED = {np.less: np.greater, np.greater: np.less, np.less_equal: np.greater_equal,
            np.greater_equal: np.less_equal}


def eq(a, b):
    return _compare(a, b, np.equal)


def ne(a, b):
    return _compare(a, b, np.not_equal)


def lt(a, b):
    return _compare(a, b, np.less)


def le(a, b):
    return _compare(a, b, np.less_equal)


def gt(a, b):
    return _compare(a, b, np.greater)


def ge(a, b):
    return _compare(a, b, np.greater_equal)


def _logical(fn, a, b=None):
    arrs = [x._data if isinstance(x, Tensor) else np.asarray(x) for x in (a, b) if x is not None]
    like = a if isinstance(a, Tensor) else b
    return constant(np.asarray(fn(*arrs)), like)


def logical_and(a, b):
    return _logical(np.logical_and, a, b)


def logical_or(a, b):
    return _logical(np.logical_or, a, b)


def logical_xor(a, b):
    return _logical(np.logical_xor, a, b)


def logical_not(a):
    return _logical(np.logical_not, a)


def bitwise_not(a):
    if a._data.dtype.kind == "f":
        raise TypeError("bitwise_not is only supported for integer and boolean tensors, got "
                        f"{a.dtype}")
    return constant(np.invert(a._data), a)


def isnan(a):
    return constant(np.isnan(a._data), a)


def isinf(a):
    return constant(np.isinf(a._data), a)


def isfinite(a):
    return constant(np.isfinite(a._data), a)


def isclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = operands(a, b)
    return constant(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan), a)


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    return bool(isclose(a, b, rtol, atol, equal_nan)._data.all())


def equal(a, b):
    """True when both have the same shape and elements."""
    return a.shape == b.shape and bool((a._data == b._data).all())


def nonzero(a, as_tuple=False):
    idx = np.nonzero(a._data)
    if as_tuple:
        return tuple(constant(i.astype(np.int64), a) for i in idx)
    return constant(np.stack(idx, axis=1).astype(np.int64) if idx else
                    np.zeros((0, 0), dtype=np.int64), a)


def argwhere(a):
    return nonzero(a)


def sort(a, dim=-1, descending=False):
    """(values, indices) sorted along ``dim``; values carry the gradient through a gather."""

    d = wrap_dim(dim, a._data.ndim)
    key = -a._data if descending else a._data
    idx = constant(np.argsort(key, axis=d, kind="stable").astype(np.int64), a)
    return _reduce.values_indices(_index.gather(a, d, idx) if a._data.ndim else a, idx)


def argsort(a, dim=-1, descending=False):
    return sort(a, dim, descending).indices


def topk(a, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's name

    values, indices = sort(a, dim, descending=largest)
    return _reduce.values_indices(_shape.narrow(values, dim, 0, k), _shape.narrow(indices, dim, 0, k))


def unique(a, sorted=True, return_inverse=False, return_counts=False):  # noqa: A002
    res = np.unique(a._data, return_inverse=return_inverse, return_counts=return_counts)
    if not isinstance(res, tuple):
        return constant(res, a)
    return tuple(constant(r if i == 0 else r.astype(np.int64).reshape(
        a._data.shape if (i == 1 and return_inverse) else -1), a) for i, r in enumerate(res))
