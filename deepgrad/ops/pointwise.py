"""More elementwise maths: hyperbolic and inverse trigonometric functions, atan2, and
functions composed from other ops (logaddexp, xlogy, logit, hypot, sinc, nan_to_num ...).

Derivatives of the primitives here (written with differentiable ops, so they nest):

    sinh: cosh x            cosh: sinh x
    asin: 1/sqrt(1 - x^2)   acos: -1/sqrt(1 - x^2)     atan: 1/(1 + x^2)
    asinh: 1/sqrt(x^2 + 1) acosh: 1/sqrt(x^2 - 1)     atanh: 1/(1 - x^2)
    atan2(y, x): dy = x / (x^2 + y^2),   dx = -y / (x^2 + y^2)
    fmod(a, b) = a - trunc(a / b) b:  da = 1,  db = -trunc(a / b)

The composed functions inherit their derivatives from their parts, e.g.
logaddexp(a, b) = max(a, b) + log1p(exp(-|a - b|)).
"""
import math

import numpy as np

from ..autograd.function import ArrayFunction
from ._util import constant, is_scalar, operands, to_tensor_like
from . import arithmetic as _arith
from . import elementwise as _elem
from . import reduce as _reduce


class _Unary(ArrayFunction):
    """A float function of one tensor: ``forward`` applies ``fn``; subclasses give the derivative."""
    fn = None

    def forward(self, a):
        return type(self).fn(a)


class Sinh(_Unary):
    fn = staticmethod(np.sinh)

    def backward(self, g):
        return g * cosh(self.inputs[0])


class Cosh(_Unary):
    fn = staticmethod(np.cosh)

    def backward(self, g):
        return g * sinh(self.inputs[0])


class Asin(_Unary):
    fn = staticmethod(np.arcsin)

    def backward(self, g):
        x = self.inputs[0]
        return g * _elem.rsqrt(1 - x * x)


class Acos(_Unary):
    fn = staticmethod(np.arccos)

    def backward(self, g):
        x = self.inputs[0]
        return -g * _elem.rsqrt(1 - x * x)


class Atan(_Unary):
    fn = staticmethod(np.arctan)

    def backward(self, g):
        x = self.inputs[0]
        return g / (x * x + 1)


class Asinh(_Unary):
    fn = staticmethod(np.arcsinh)

    def backward(self, g):
        x = self.inputs[0]
        return g * _elem.rsqrt(x * x + 1)


class Acosh(_Unary):
    fn = staticmethod(np.arccosh)

    def backward(self, g):
        x = self.inputs[0]
        return g * _elem.rsqrt((x - 1) * (x + 1))


class Atanh(_Unary):
    fn = staticmethod(np.arctanh)

    def backward(self, g):
        x = self.inputs[0]
        return g / (1 - x * x)


class Atan2(ArrayFunction):
    def forward(self, y, x):
        return np.arctan2(y, x)

    def backward(self, g):
        y, x = self.inputs
        r2 = x * x + y * y
        gy = _arith.sum_to(g * x / r2, y.shape) if self.needs_input_grad[0] else None
        gx = _arith.sum_to(-g * y / r2, x.shape) if self.needs_input_grad[1] else None
        return gy, gx


class Fmod(ArrayFunction):
    def forward(self, a, b):
        return np.fmod(a, b)

    def backward(self, g):
        a, b = self.inputs
        ga = _arith.sum_to(g, a.shape) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            q = constant(np.trunc(a._data / b._data), g)
            gb = _arith.sum_to(-g * q, b.shape)
        return ga, gb


def _float(x):
    return _elem._float_input(x)


def sinh(x): return Sinh.apply(_float(x))
def cosh(x): return Cosh.apply(_float(x))
def asin(x): return Asin.apply(_float(x))
def acos(x): return Acos.apply(_float(x))
def atan(x): return Atan.apply(_float(x))
def asinh(x): return Asinh.apply(_float(x))
def acosh(x): return Acosh.apply(_float(x))
def atanh(x): return Atanh.apply(_float(x))


def atan2(input, other):  # noqa: A002 - PyTorch's argument name
    """The angle of the point (other, input): atan(input / other) in the right quadrant."""
    y, x = operands(input, other)
    return Atan2.apply(_float(y), _float(x))


def fmod(input, other):  # noqa: A002
    """C's remainder: input - trunc(input / other) * other (the sign of ``input``)."""
    if is_scalar(other):
        other = to_tensor_like(other, input)
    a, b = operands(input, other)
    return Fmod.apply(a, b)


def hypot(input, other):  # noqa: A002
    """sqrt(input^2 + other^2)."""
    return _elem.sqrt(input * input + other * other)


def logaddexp(input, other):  # noqa: A002
    """log(e^a + e^b) = max(a, b) + log1p(e^-|a - b|), without overflow."""
    return _elem.maximum(input, other) + _elem.log1p(_elem.exp(-_elem.abs(input - other)))


def logaddexp2(input, other):  # noqa: A002
    """log2(2^a + 2^b)."""
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, other * ln2) / ln2


def xlogy(input, other):  # noqa: A002
    """x log y, defined as 0 where x == 0 and y is not NaN (as torch)."""
    x = to_tensor_like(input, other) if not hasattr(input, "_data") else input
    y = to_tensor_like(other, x) if not hasattr(other, "_data") else other
    x, y = operands(_float(x), _float(y))
    zero = x._data == 0
    # log of 1 where x == 0 keeps the unused branch (and its gradient) finite
    safe_y = _elem.where(constant(zero & ~np.isnan(y._data), y), 1.0, y)
    return _elem.where(constant(zero & ~np.isnan(y._data), x), 0.0, x * _elem.log(safe_y))


def logit(input, eps=None):  # noqa: A002
    """log(p / (1 - p)); with ``eps``, p is first clamped to [eps, 1 - eps]."""
    p = _float(input)
    if eps is not None:
        p = _elem.clamp(p, eps, 1.0 - eps)
    return _elem.log(p / (1 - p))


def sinc(input):  # noqa: A002
    """sin(pi x) / (pi x), and 1 at x = 0."""
    x = _float(input)
    zero = constant(x._data == 0, x)
    px = _elem.where(zero, 1.0, x) * math.pi
    return _elem.where(zero, 1.0, _elem.sin(px) / px)


def frac(input):  # noqa: A002
    """The fractional part x - trunc(x) (sign of x)."""
    return input - _elem.trunc(input)


def deg2rad(input):  # noqa: A002
    return _float(input) * (math.pi / 180.0)


def rad2deg(input):  # noqa: A002
    return _float(input) * (180.0 / math.pi)


def signbit(input):  # noqa: A002
    """True where the sign bit is set (negative numbers and -0.0); no gradient."""
    return constant(np.signbit(input._data), input)


def heaviside(input, values):  # noqa: A002
    """0 where x < 0, 1 where x > 0, ``values`` where x == 0 (not differentiable, as torch)."""
    x, v = operands(input, values)
    return constant(np.heaviside(x._data, v._data).astype(x._data.dtype), x)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """NaN -> ``nan``, +inf -> ``posinf`` (default: the dtype's max), -inf -> ``neginf`` (its min).

    The gradient passes where the input is finite and is 0 elsewhere.
    """
    arr = input._data
    if arr.dtype.kind != "f":
        return input
    replaced = np.nan_to_num(arr, nan=nan, posinf=posinf, neginf=neginf)
    finite = constant(np.isfinite(arr), input)
    return _elem.where(finite, input, constant(replaced, input))


def ldexp(input, other):  # noqa: A002
    """input * 2^other."""
    return _float(input) * _arith.pow(2.0, other)


def float_power(input, exponent):  # noqa: A002
    """pow in double precision (the result is float64)."""
    from .. import dtypes  # noqa: PLC0415

    base = input.to(dtypes.float64) if hasattr(input, "_data") else input
    exp = exponent.to(dtypes.float64) if hasattr(exponent, "_data") else exponent
    return _arith.pow(base, exp)


def clamp_min(input, min):  # noqa: A002
    return _elem.clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    return _elem.clamp(input, max=max)


def positive(input):  # noqa: A002
    return input


def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The sum treating NaN as 0 (gradient 0 at the NaNs)."""
    clean = _elem.where(constant(np.isnan(input._data), input), 0.0, input) \
        if input._data.dtype.kind == "f" else input
    return _reduce.sum(clean, dim, keepdim, dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The mean of the non-NaN elements."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                           f"{input.dtype}")
    present = constant((~np.isnan(input._data)).astype(input._data.dtype), input)
    return nansum(input, dim, keepdim, dtype=dtype) / _reduce.sum(present, dim, keepdim, dtype)
