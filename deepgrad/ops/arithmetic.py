"""Elementwise arithmetic with broadcasting: + - * / ** and their scalar forms.

Derivatives (before reducing a broadcast gradient back to each input's shape):

    d(a+b) = da + db          d(a-b) = da - db
    d(a*b) = b da + a db      d(a/b) = da / b - a db / b^2
    d(a^b) = b a^(b-1) da + a^b ln(a) db

A Python number is an attribute of the op, not an input: ``x * 2.0`` records one
node with one input and keeps ``x``'s dtype (float32 stays float32).
"""
import operator

import numpy as np

from .. import dtypes
from .._layout import like_torch
from .._quiet import quietly
from ..autograd.function import ArrayFunction
from ..tensor import Tensor
from ._util import constant, is_scalar, ones_vector, operands, row_major, scalar_operand
from . import convert as _convert
from . import elementwise as _elem
from . import shape as _shape


class SumTo(ArrayFunction):
    """Sum a broadcast gradient back down to ``shape``; its derivative is ``expand``."""
    saves_inputs = False

    def forward(self, a, shape):
        self.in_shape = a.shape
        return sum_to_array(a, shape)

    def backward(self, g):
        return _shape.expand(g, self.in_shape)


def sum_to_array(a, shape):
    """``sum_to`` on a raw array: sum over the leading dims broadcasting added and over the
    dims where ``shape`` has size 1 but ``a`` does not."""
    if a.shape == shape:
        return a
    lead = a.ndim - len(shape)
    kept = tuple(i + lead for i, s in enumerate(shape) if s == 1 and a.shape[i + lead] != 1)
    if lead and not kept and shape:  # a bias's gradient: summing the leading dims is all
        if lead == 1 and a.ndim == 2 and type(a) is np.ndarray and a.dtype.char in "fd":
            # ones @ a: one BLAS call, half the cost of NumPy's reduction at small sizes
            return np.dot(ones_vector(a.shape[0], a.dtype), a)
        return a.sum(axis=tuple(range(lead)))
    axes = tuple(range(lead)) + kept
    out = a.sum(axis=axes, keepdims=True) if axes else a
    return out.reshape(shape)


def sum_to(g, shape):
    """Reduce gradient ``g`` to ``shape`` (the one broadcasting rule of every op)."""
    if g._data.shape == tuple(shape):
        return g
    return SumTo.apply(g, shape=tuple(shape))


def _add(a, b):
    out = a + b
    # contiguous operands: NumPy's row-major result is torch's (up to the strides of
    # size-1 dims of a broadcast result: tests/core/test_layout.py, not worth a check
    # on every op)
    if a.flags.c_contiguous and b.flags.c_contiguous:
        return out
    return like_torch(out, a, b)  # torch's order for operands in other orders


def _mul(a, b):
    """a * b on arrays, laid out as torch's product (also used by backward formulas)."""
    out = a * b
    if a.flags.c_contiguous and b.flags.c_contiguous:
        return out
    return like_torch(out, a, b)


class Add(ArrayFunction):
    saves_inputs = False

    def forward(self, a, b):
        return _add(a, b)

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g, a.shape), sum_to(g, b.shape)

    def backward_arrays(self, g):
        a, b = self.inputs
        need, shape = self.needs_input_grad, g.shape
        ga = gb = None
        if need[0]:
            ga = g if a._data.shape == shape else sum_to_array(g, a._data.shape)
        if need[1]:
            gb = g if b._data.shape == shape else sum_to_array(g, b._data.shape)
        return ga, gb


class Sub(ArrayFunction):
    saves_inputs = False

    def forward(self, a, b):
        out = a - b
        if a.flags.c_contiguous and b.flags.c_contiguous:
            return out
        return like_torch(out, a, b)

    def backward(self, g):
        a, b = self.inputs
        return sum_to(g, a.shape), (sum_to(-g, b.shape) if self.needs_input_grad[1] else None)

    def backward_arrays(self, g):
        a, b = self.inputs
        need = self.needs_input_grad
        return (sum_to_array(g, a._data.shape) if need[0] else None,
                sum_to_array(-g, b._data.shape) if need[1] else None)


class Mul(ArrayFunction):
    def forward(self, a, b):
        return _mul(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g * b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(g * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb

    def backward_arrays(self, g):
        a, b = self.inputs
        need = self.needs_input_grad
        return (sum_to_array(_mul(g, b._data), a._data.shape) if need[0] else None,
                sum_to_array(_mul(g, a._data), b._data.shape) if need[1] else None)


class Div(ArrayFunction):
    def forward(self, a, b):
        out = quietly(operator.truediv, a, b)  # x / 0 = inf, 0 / 0 = nan, silently
        if a.flags.c_contiguous and b.flags.c_contiguous:
            return out
        return like_torch(out, a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = sum_to(g / b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(-g * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(ArrayFunction):
    def forward(self, a, b):
        out = quietly(operator.pow, a, b)
        if a.flags.c_contiguous and b.flags.c_contiguous:
            return out
        return like_torch(out, a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = sum_to(g * b * a ** (b - 1), a.shape)
        if self.needs_input_grad[1]:
            # a^b ln a, with the limit 0 where a == 0 (PyTorch's convention)

            safe = _elem.where(a == 0, 1.0, a)
            gb = sum_to(g * a ** b * _elem.log(safe), b.shape)
        return ga, gb


def _negate(a):
    """-a, still an array when ``a`` is 0-d (NumPy's -a of a 0-d array is a scalar, which
    would make every later op on a negated loss take its slower non-array paths)."""
    if a.ndim:
        return -a
    return np.negative(a, out=np.empty_like(a))


class Neg(ArrayFunction):
    saves_inputs = False

    def forward(self, a):
        return _negate(a)

    def backward(self, g):
        return -g

    def backward_arrays(self, g):
        return (_negate(g),)


class AddScalar(ArrayFunction):
    saves_inputs = False

    def forward(self, a, c):
        self.c = c  # kept for readers of the graph (the ONNX exporter)
        return a + c

    def backward(self, g):
        return g

    def backward_arrays(self, g):
        return (g,)


class RSubScalar(ArrayFunction):
    """c - x."""
    saves_inputs = False

    def forward(self, a, c):
        self.c = c
        return c - a

    def backward(self, g):
        return -g

    def backward_arrays(self, g):
        return (-g,)


class MulScalar(ArrayFunction):
    saves_inputs = False

    def forward(self, a, c):
        self.c = c
        return a * c

    def backward(self, g):
        return g * self.c

    def backward_arrays(self, g):
        return (g * self.c,)


class DivScalar(ArrayFunction):
    saves_inputs = False

    def forward(self, a, c):
        self.c = c
        return quietly(operator.truediv, a, c)

    def backward(self, g):
        return g / self.c


class RDivScalar(ArrayFunction):
    """c / x; d/dx = -c / x^2 = -y / x."""
    needs_output = True

    def forward(self, a, c):
        self.c = c
        return quietly(operator.truediv, c, a)

    def backward(self, g):
        return -g * self.output() / self.inputs[0]


class PowScalar(ArrayFunction):
    """x^c; d/dx = c x^(c-1)."""

    def forward(self, a, c):
        self.c = c
        return quietly(operator.pow, a, c)

    def backward(self, g):
        c = self.c
        x = self.inputs[0]
        if c == 0:
            return g * 0
        if c == 1:
            return g
        if c == 2:
            return g * x * 2.0
        return g * (x ** (c - 1)) * c


class RPowScalar(ArrayFunction):
    """c^x; d/dx = c^x ln c."""
    needs_output = True
    saves_inputs = False

    def forward(self, a, c):
        self.c = c
        # row-major like torch's pow(scalar, tensor), whatever a's strides
        return row_major(np.power(np.full_like(a, c, shape=()), a))

    def backward(self, g):
        return g * self.output() * float(np.log(self.c))


def _true_divide_operand(t):
    return t if t._data.dtype.kind == "f" else _convert.cast(t, dtypes.default_float_numpy())


def add(a, b, alpha=1):
    if alpha == 1 and isinstance(a, Tensor) and isinstance(b, Tensor):
        ad, bd = a._data, b._data  # the common case first: one dtype, one shape
        if ad.dtype == bd.dtype and ad.shape == bd.shape:
            return Add.apply(a, b)
        return Add.apply(*operands(a, b))  # promoted, broadcast (a bias)
    if alpha != 1:
        b = mul(b, alpha)
    if is_scalar(b):
        a, c = scalar_operand(a, b)
        return AddScalar.apply(a, c=c)
    if is_scalar(a):
        b, c = scalar_operand(b, a)
        return AddScalar.apply(b, c=c)
    return Add.apply(*operands(a, b))


def sub(a, b, alpha=1):
    if alpha == 1 and isinstance(a, Tensor) and isinstance(b, Tensor):
        ad, bd = a._data, b._data  # the common case first: one dtype, one shape
        if ad.dtype == bd.dtype and ad.shape == bd.shape:
            return Sub.apply(a, b)
        return Sub.apply(*operands(a, b))  # promoted, broadcast (a bias)
    if alpha != 1:
        b = mul(b, alpha)
    if is_scalar(b):
        a, c = scalar_operand(a, b)
        return AddScalar.apply(a, c=-c)
    if is_scalar(a):
        b, c = scalar_operand(b, a)
        return RSubScalar.apply(b, c=c)
    return Sub.apply(*operands(a, b))


def mul(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        ad, bd = a._data, b._data  # the common case first: one dtype, one shape
        if ad.dtype == bd.dtype and ad.shape == bd.shape:
            return Mul.apply(a, b)
        return Mul.apply(*operands(a, b))  # promoted, broadcast
    if is_scalar(b):
        a, c = scalar_operand(a, b)
        return MulScalar.apply(a, c=c)
    if is_scalar(a):
        b, c = scalar_operand(b, a)
        return MulScalar.apply(b, c=c)
    return Mul.apply(*operands(a, b))


def div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    if is_scalar(b):
        a, c = scalar_operand(a, b)
        return DivScalar.apply(_true_divide_operand(a), c=c)
    if is_scalar(a):
        b, c = scalar_operand(b, a)
        return RDivScalar.apply(_true_divide_operand(b), c=c)
    a, b = operands(a, b)
    return Div.apply(_true_divide_operand(a), _true_divide_operand(b))


def _rounded_div(a, b, mode):
    if mode not in ("floor", "trunc"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found {mode!r}")
    a, b = operands(a, b)
    if a._data.dtype.kind in "iu":
        q = np.floor_divide(a._data, b._data) if mode == "floor" else \
            np.trunc(a._data / b._data).astype(a._data.dtype)
        return constant(q, a)
    q = Div.apply(a, b)
    return _elem.floor(q) if mode == "floor" else _elem.trunc(q)


def neg(a):
    return Neg.apply(a)


def pow(a, b):  # noqa: A001 - PyTorch's name
    if is_scalar(b):
        a, c = scalar_operand(a, b)
        return PowScalar.apply(a, c=c)
    if is_scalar(a):
        b, c = scalar_operand(b, a)
        if b._data.dtype.kind in "iub" and isinstance(c, float):
            b = _convert.cast(b, dtypes.default_float_numpy())
        return RPowScalar.apply(b, c=c)
    return Pow.apply(*operands(a, b))


def true_divide(a, b):
    return div(a, b)


def floor_divide(a, b):
    return div(a, b, rounding_mode="floor")


def remainder(a, b):
    """a - floor(a / b) * b: the result takes the sign of b (Python's convention, as PyTorch)."""
    return sub(a, mul(floor_divide(a, b), b))


def square(a):
    return mul(a, a)


def reciprocal(a):
    return div(1.0, a)


def addcmul(t, t1, t2, value=1):
    return add(t, mul(mul(t1, t2), value))


def addcdiv(t, t1, t2, value=1):
    return add(t, mul(div(t1, t2), value))


def lerp(start, end, weight):
    return add(start, mul(sub(end, start), weight))
