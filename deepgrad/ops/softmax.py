"""Softmax and log-softmax along one dim, numerically stable, with fused backward ops.

    softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m),   m = max_j x_j
    log_softmax(x)_i = x_i - m - log(sum_j exp(x_j - m))

Subtracting the maximum changes nothing mathematically and keeps exp from
overflowing. Gradients, through the output y:

    softmax:      dx = y * (g - sum(g * y))
    log_softmax:  dx = g - exp(y) * sum(g)

Each backward is a primitive of its own (one op instead of four) whose own
backward is written with differentiable ops, so double backward works.
"""
import numpy as np

from .._quiet import quiet_begin, quiet_end
from ..autograd.function import ArrayFunction
from . import elementwise as _elem
from ._util import ones_vector, row_major, row_max, wrap_dim
from .reduce import sum


class Softmax(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a, dim):
        self.dim = dim
        a = row_major(a)  # torch's softmax is row-major whatever the input's strides
        token = quiet_begin()  # a row of -inf (fully masked) gives nan silently, as torch
        try:
            e = np.exp(a - a.max(axis=dim, keepdims=True))
            e /= e.sum(axis=dim, keepdims=True)
        finally:
            quiet_end(token)
        return e

    def backward(self, g):
        return SoftmaxBackward.apply(g, self.output(), dim=self.dim)


class SoftmaxBackward(ArrayFunction):
    """f(g, y) = y * (g - sum(g * y)): the gradient of softmax through its output y.

    Its own derivatives (for double backward), with u the incoming gradient:
    df/dg = f(u, y);  df/dy = u * (g - sum(g y)) - g * sum(u y).
    """

    def forward(self, g, y, dim):
        self.dim = dim
        return y * (g - (g * y).sum(axis=dim, keepdims=True))

    def backward(self, u):
        g, y = self.inputs
        d = self.dim
        gg = SoftmaxBackward.apply(u, y, dim=d) if self.needs_input_grad[0] else None
        gy = None
        if self.needs_input_grad[1]:
            gy = u * (g - sum(g * y, d, keepdim=True)) - g * sum(u * y, d, keepdim=True)
        return gg, gy


class LogSoftmax(ArrayFunction):
    needs_output = True
    saves_inputs = False

    def forward(self, a, dim):
        self.dim = dim
        a = row_major(a)  # row-major result, as torch's
        token = quiet_begin()  # a row of -inf gives nan silently, as torch
        try:
            if _rows_of_numpy_floats(a, dim):  # the reductions called directly, the sum by BLAS
                shifted = a - row_max(a)[:, None]
                sums = np.dot(np.exp(shifted), ones_vector(a.shape[1], a.dtype))
                shifted -= np.log(sums)[:, None]
                return shifted
            shifted = a - a.max(axis=dim, keepdims=True)
            return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        finally:
            quiet_end(token)

    def backward(self, g):
        return LogSoftmaxBackward.apply(g, self.output(), dim=self.dim)

    def backward_arrays(self, g):
        return (_log_softmax_grad(g, self.output_array(), self.dim),)


class LogSoftmaxBackward(ArrayFunction):
    """f(g, y) = g - exp(y) * sum(g): the gradient of log-softmax through its output y.

    Its own derivatives: df/dg = u - sum(u * exp(y));  df/dy = -u * exp(y) * sum(g).
    """

    def forward(self, g, y, dim):
        self.dim = dim
        return _log_softmax_grad(g, y, dim)

    def backward(self, u):
        g, y = self.inputs
        d = self.dim
        p = _elem.exp(y)
        gg = u - sum(u * p, d, keepdim=True) if self.needs_input_grad[0] else None
        gy = -u * p * sum(g, d, keepdim=True) if self.needs_input_grad[1] else None
        return gg, gy


def _log_softmax_grad(g, y, dim):
    if _rows_of_numpy_floats(g, dim) and g.flags.c_contiguous:
        # the row sums as one BLAS call (ones_vector): cheaper than NumPy's reduction
        return g - np.exp(y) * np.dot(g, ones_vector(g.shape[1], g.dtype))[:, None]
    return g - np.exp(y) * g.sum(axis=dim, keepdims=True)


def _rows_of_numpy_floats(a, dim):
    """Whether ``a`` is a 2-D float32/float64 NumPy array reduced along its rows (dim 1):
    the common case of a classifier's log-softmax, which has a cheaper path."""
    return dim == 1 and a.ndim == 2 and type(a) is np.ndarray and a.dtype.char in "fd"


def softmax(x, dim, dtype=None):
    """exp(x_i - max) / sum_j exp(x_j - max): shifting by the max never changes the result
    and keeps exp from overflowing."""
    if dtype is not None:
        x = x.to(dtype)

    return Softmax.apply(_elem._float_input(x), dim=wrap_dim(dim, x._data.ndim))


def log_softmax(x, dim, dtype=None):
    """x_i - max - log(sum_j exp(x_j - max)), never taking the log of an underflowed 0."""
    if dtype is not None:
        x = x.to(dtype)

    return LogSoftmax.apply(_elem._float_input(x), dim=wrap_dim(dim, x._data.ndim))


def softmin(x, dim, dtype=None):
    return softmax(-x, dim, dtype)
