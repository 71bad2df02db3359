"""Reductions: sum, mean, prod, var/std, max/min, argmax, logsumexp, norm, cumsum.

Gradients of reductions broadcast the output gradient back over the reduced axes:

    sum:  dx = g                         mean: dx = g / n
    prod: dx = g * prod / x              var:  dx = g * 2 (x - mean) / (n - correction)
    amax: dx = g * [x == max] / (number of ties)     (ties share the gradient evenly)
    max(dim): dx = g at the returned index, 0 elsewhere
    logsumexp: dx = g * softmax(x)       cumsum: dx = reverse-cumsum(g)
"""
import builtins
from collections import namedtuple

import numpy as np

from .. import dtypes
from .._quiet import quietly
from ..backend import as_array
from ..autograd.function import ArrayFunction
from ._util import constant, reduced_shape, row_major, wrap_dim, wrap_dims
from . import convert as _convert
from . import elementwise as _elem
from . import index as _index
from . import shape as _shape

values_indices = namedtuple("values_indices", ["values", "indices"])


def _float_for_mean(x, op):
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {x.dtype.name.capitalize()}")


_MATERIALIZE_MAX = 4096  # elements: below this a broadcast gradient is written out


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


class ExpandReduced(ArrayFunction):
    """Broadcast a reduced tensor back over the reduced ``axes``, times ``scale``.

    The backward of sum (scale 1) and mean (scale 1/n) in one op; its own
    gradient is the scaled sum over the same axes, so double backward works.
    """
    saves_inputs = False

    def forward(self, g, in_shape, axes, keepdim, scale=1.0):
        self.axes, self.keepdim, self.scale = axes, keepdim, scale
        return expand_reduced_array(g, in_shape, axes, keepdim, scale)

    def backward(self, gg):
        out = Sum.apply(gg, axes=self.axes, keepdim=self.keepdim)
        return out * self.scale if self.scale != 1.0 else out


def expand_reduced_array(g, in_shape, axes, keepdim, scale=1.0):
    """``ExpandReduced`` on a raw array: the backward of sum and mean for a plain backward."""
    if not keepdim:
        g = g.reshape(reduced_shape(in_shape, axes))
    if _prod(in_shape) <= _MATERIALIZE_MAX:
        # a small gradient: writing it out (0.6 us) beats np.broadcast_to's Python (2.8 us)
        out = np.empty_like(g, shape=in_shape)
        out[...] = g
        if scale != 1.0:
            out *= scale
        return out
    out = np.broadcast_to(g, in_shape)  # a large one: a view, no memory written
    return out * scale if scale != 1.0 else out


def _expand_back(g, in_shape, axes, keepdim, scale=1.0):
    """Broadcast a reduced gradient back to ``in_shape`` (optionally scaled)."""
    return ExpandReduced.apply(g, in_shape=in_shape, axes=axes, keepdim=keepdim, scale=scale)


class Sum(ArrayFunction):
    saves_inputs = False

    def forward(self, a, axes, keepdim):
        self.in_shape, self.axes, self.keepdim = a.shape, axes, keepdim
        return as_array(a.sum(axis=axes, keepdims=keepdim))

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.axes, self.keepdim)

    def backward_arrays(self, g):
        return (expand_reduced_array(g, self.in_shape, self.axes, self.keepdim),)


class Mean(ArrayFunction):
    saves_inputs = False

    def forward(self, a, axes, keepdim):
        self.in_shape, self.axes, self.keepdim = a.shape, axes, keepdim
        count = 1
        for i in axes:
            count *= a.shape[i]
        self.count = count
        if a.dtype.itemsize < 4:  # float16: NumPy's mean accumulates in float32
            return as_array(a.mean(axis=axes, keepdims=keepdim))
        # sum / n is what np.mean computes, without its Python-level overhead
        return as_array(np.true_divide(np.add.reduce(a, axis=axes, keepdims=keepdim), count))

    def backward(self, g):
        return _expand_back(g, self.in_shape, self.axes, self.keepdim, 1.0 / self.count)

    def backward_arrays(self, g):
        return (expand_reduced_array(g, self.in_shape, self.axes, self.keepdim,
                                     1.0 / self.count),)


class Prod(ArrayFunction):
    needs_output = True

    def forward(self, a, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        return as_array(a.prod(axis=axes, keepdims=keepdim))

    def backward(self, g):
        x = self.inputs[0]
        shape = x.shape
        g_full = _expand_back(g, shape, self.axes, self.keepdim)
        if not (x._data == 0).any().item():   # explicit sync: the formula depends on it
            y = _expand_back(self.output(), shape, self.axes, self.keepdim)
            return g_full * y / x
        # with zeros, prod/x is 0/0: use the product of the other elements
        return g_full * constant(_prod_of_others(x._data, self.axes), x)


def _prod_of_others(a, axes):
    moved = np.moveaxis(a, axes, range(len(axes))).reshape((-1,) + tuple(
        s for i, s in enumerate(a.shape) if i not in axes))
    left = np.concatenate([np.ones_like(moved[:1]), np.cumprod(moved, axis=0)[:-1]])
    right = np.concatenate([np.cumprod(moved[::-1], axis=0)[-2::-1], np.ones_like(moved[:1])])
    others = (left * right).reshape(tuple(a.shape[i] for i in axes) + moved.shape[1:])
    return np.moveaxis(others, range(len(axes)), axes)


class Var(ArrayFunction):
    def forward(self, a, axes, correction, keepdim):
        self.axes, self.correction, self.keepdim = axes, correction, keepdim
        self.count = int(np.prod([a.shape[i] for i in axes])) if axes else 1
        return as_array(a.var(axis=axes, ddof=correction, keepdims=keepdim))

    def backward(self, g):
        x = self.inputs[0]
        g_full = _expand_back(g, x.shape, self.axes, self.keepdim)
        centered = x - mean(x, self.axes, keepdim=True)
        return g_full * centered * (2.0 / builtins.max(self.count - self.correction, 0))


class Amax(ArrayFunction):
    """Max over axes; tied maxima share the gradient evenly."""
    needs_output = True

    def forward(self, a, axes, keepdim, take_min=False):
        self.axes, self.keepdim = axes, keepdim
        if a.size == 0 and axes:
            raise IndexError(f"max(): Expected reduction dim {axes[0]} to have non-zero size.")
        fn = np.min if take_min else np.max
        return as_array(fn(a, axis=axes, keepdims=keepdim))

    def backward(self, g):
        x = self.inputs[0]
        y = self.output()._data
        if not self.keepdim:
            y = y.reshape(reduced_shape(x.shape, self.axes))
        hit = (x._data == y).astype(g._data.dtype)
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return _expand_back(g, x.shape, self.axes, self.keepdim) * constant(share, g)


class MaxDim(ArrayFunction):
    """(values, indices) along one dim; the gradient goes to the returned index only."""

    def forward(self, a, dim, keepdim, take_min=False):
        self.dim, self.keepdim = dim, keepdim
        if a.ndim and a.shape[dim] == 0:
            raise IndexError(f"max(): Expected reduction dim {dim} to have non-zero size.")
        idx = (np.argmin if take_min else np.argmax)(a, axis=dim, keepdims=True)
        self.idx = idx
        values = np.take_along_axis(a, idx, axis=dim)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        return values, idx.astype(np.int64)

    def backward(self, g, _):
        x = self.inputs[0]

        if not self.keepdim:
            g = _shape.reshape(g, self.idx.shape)
        zeros = constant(np.zeros_like(g._data, shape=x._data.shape), g)
        return _index.scatter_add(zeros, self.dim, constant(self.idx, g), g)


class LogSumExp(ArrayFunction):
    needs_output = True

    def forward(self, a, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        m = np.max(a, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        # all -inf gives log(0) = -inf: torch's value, without NumPy's warning
        out = quietly(np.log, np.sum(np.exp(a - m), axis=axes, keepdims=True)) + m
        return as_array(out if keepdim else out.squeeze(axis=axes))

    def backward(self, g):
        x = self.inputs[0]
        y = _expand_back(self.output(), x.shape, self.axes, self.keepdim)
        return _expand_back(g, x.shape, self.axes, self.keepdim) * _elem.exp(x - y)


class Norm2(ArrayFunction):
    """Euclidean norm; the gradient x / ||x|| is taken as 0 where the norm is 0."""
    needs_output = True

    def forward(self, a, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        return as_array(np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim)))

    def backward(self, g):
        x = self.inputs[0]
        n = _expand_back(self.output(), x.shape, self.axes, self.keepdim)
        safe = _elem.where(n == 0, 1.0, n)
        return _expand_back(g, x.shape, self.axes, self.keepdim) * x / safe


class Cumsum(ArrayFunction):
    saves_inputs = False

    def forward(self, a, dim):
        self.dim = dim
        return row_major(np.cumsum(a, axis=dim))  # torch's cumsum is row-major

    def backward(self, g):
        return _shape.flip(cumsum(_shape.flip(g, self.dim), self.dim), self.dim)


class NoGrad(ArrayFunction):
    """Integer-valued results (argmax, argmin): no gradient."""
    differentiable = False

    def forward(self, a, fn, **kw):
        return as_array(fn(a, **kw))


# --- functional wrappers -------------------------------------------------------------------

def _sum_dtype(x, dtype):
    if dtype is not None:
        return dtypes.to_numpy_dtype(dtype)
    return np.int64 if x._data.dtype.kind in "iub" else None


def sum(x, dim=None, keepdim=False, dtype=None):  # noqa: A001 - PyTorch's name
    """Sum over ``dim`` (an int, a tuple, or None for all); integers sum as int64."""
    target = _sum_dtype(x, dtype)
    if target is not None and x._data.dtype != target:
        x = _convert.cast(x, target)
    return Sum.apply(x, axes=wrap_dims(dim, x._data.ndim), keepdim=keepdim)


def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = _convert.cast(x, dtypes.to_numpy_dtype(dtype))
    _float_for_mean(x, "mean")
    return Mean.apply(x, axes=wrap_dims(dim, x._data.ndim), keepdim=keepdim)


def prod(x, dim=None, keepdim=False, dtype=None):
    target = _sum_dtype(x, dtype)
    if target is not None and x._data.dtype != target:
        x = _convert.cast(x, target)
    axes = wrap_dims(dim, x._data.ndim) if dim is not None else tuple(range(x._data.ndim))
    return Prod.apply(x, axes=axes, keepdim=keepdim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (divide by n - correction)."""
    if isinstance(dim, bool):  # var(x, False): PyTorch's positional unbiased
        unbiased, dim = dim, None
    _float_for_mean(x, "var")
    return Var.apply(x, axes=wrap_dims(dim, x._data.ndim),
                     correction=_correction(unbiased, correction), keepdim=keepdim)


class StdFromVar(ArrayFunction):
    """sqrt of a variance, whose gradient g / (2 std) is taken as 0 where std is 0
    (a constant input), as PyTorch does, instead of 0/0."""
    needs_output = True
    saves_inputs = False

    def forward(self, v):
        return np.sqrt(v)

    def backward(self, g):
        y = self.output()
        zero = y._data == 0
        denom = _elem.where(constant(zero, y), 1.0, y) * 2
        return g * constant((~zero).astype(g._data.dtype), g) / denom


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: sqrt(var), with Bessel's correction by default."""
    return StdFromVar.apply(var(x, dim, unbiased, keepdim, correction=correction))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (var(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim))


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return (std(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim))


def amax(x, dim=(), keepdim=False):
    axes = wrap_dims(None if dim == () else dim, x._data.ndim)
    return Amax.apply(x, axes=axes, keepdim=keepdim)


def amin(x, dim=(), keepdim=False):
    axes = wrap_dims(None if dim == () else dim, x._data.ndim)
    return Amax.apply(x, axes=axes, keepdim=keepdim, take_min=True)


def _max_or_min(x, dim, keepdim, take_min):
    from ..tensor import Tensor  # noqa: PLC0415

    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum

        return (_elem.minimum if take_min else _elem.maximum)(x, dim)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() "
                               "== 0. Specify the reduction dim with the 'dim' argument.")
        return Amax.apply(x, axes=tuple(range(x._data.ndim)), keepdim=False, take_min=take_min)
    d = wrap_dim(dim, x._data.ndim)
    if x._data.ndim == 0:
        return values_indices(x, constant(np.zeros_like(x._data, shape=(), dtype=np.int64), x))
    return values_indices(*MaxDim.apply(x, dim=d, keepdim=keepdim, take_min=take_min))


def max(x, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """The largest element; with ``dim``, ``(values, indices)`` along it; with a tensor, maximum."""
    return _max_or_min(x, dim, keepdim, take_min=False)


def min(x, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    return _max_or_min(x, dim, keepdim, take_min=True)


def argmax(x, dim=None, keepdim=False):
    if dim is None:
        return NoGrad.apply(x.reshape(-1), fn=np.argmax).long() if x._data.ndim else \
            constant(np.zeros_like(x._data, shape=(), dtype=np.int64), x)
    d = wrap_dim(dim, x._data.ndim)
    return NoGrad.apply(x, fn=np.argmax, axis=d, keepdims=keepdim).long()


def argmin(x, dim=None, keepdim=False):
    if dim is None:
        return NoGrad.apply(x.reshape(-1), fn=np.argmin).long() if x._data.ndim else \
            constant(np.zeros_like(x._data, shape=(), dtype=np.int64), x)
    d = wrap_dim(dim, x._data.ndim)
    return NoGrad.apply(x, fn=np.argmin, axis=d, keepdims=keepdim).long()


def logsumexp(x, dim, keepdim=False):
    """log(sum(exp(x))) computed stably by factoring out the maximum."""

    x = _elem._float_input(x)
    return LogSumExp.apply(x, axes=wrap_dims(dim, x._data.ndim), keepdim=keepdim)


def norm(x, p="fro", dim=None, keepdim=False):
    """Vector p-norm over ``dim`` (all elements by default): (sum |x|^p)^(1/p).

    ``p`` may be a number, ``inf``, ``-inf`` or ``'fro'`` (= 2 over the elements).
    """

    axes = wrap_dims(dim, x._data.ndim)
    if p in ("fro", 2, 2.0):
        return Norm2.apply(x, axes=axes, keepdim=keepdim)
    if p == "nuc":
        raise RuntimeError("norm(p='nuc') is a matrix norm: use deepgrad.linalg.matrix_norm")
    if p == float("inf"):
        return amax(_elem.abs(x), axes, keepdim)
    if p == float("-inf"):
        return amin(_elem.abs(x), axes, keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), axes, keepdim)
    if p == 1:
        return sum(_elem.abs(x), axes, keepdim)
    return sum(_elem.abs(x) ** p, axes, keepdim) ** (1.0 / p)


def cumsum(x, dim, dtype=None):
    target = _sum_dtype(x, dtype)
    if target is not None and x._data.dtype != target:
        x = _convert.cast(x, target)
    return Cumsum.apply(x, dim=wrap_dim(dim, x._data.ndim))


def all(x, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    axis = None if dim is None else wrap_dim(dim, x._data.ndim)
    return constant(as_array(np.all(x._data, axis=axis, keepdims=keepdim)), x)


def any(x, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    axis = None if dim is None else wrap_dim(dim, x._data.ndim)
    return constant(as_array(np.any(x._data, axis=axis, keepdims=keepdim)), x)


def count_nonzero(x, dim=None):
    axes = None if dim is None else wrap_dims(dim, x._data.ndim)
    return constant(as_array(np.count_nonzero(x._data, axis=axes)).astype(np.int64), x)
