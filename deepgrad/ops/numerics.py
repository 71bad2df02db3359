"""Floating-point helpers: copysign, nextafter, frexp, histogram (with bin edges), renorm.

    copysign(a, b) = |a| with the sign of b         (gradient: sign(a) * sign(result) for a)
    renorm(x, p, dim, maxnorm): each slice along ``dim`` whose p-norm exceeds maxnorm is
        scaled down to norm maxnorm (by maxnorm / (norm + 1e-7), as torch)
"""
from collections import namedtuple

import numpy as np

from ._util import constant, operands, wrap_dim
from . import elementwise as _elem
from . import reduce as _reduce

frexp_result = namedtuple("frexp", ["mantissa", "exponent"])
histogram_result = namedtuple("histogram", ["hist", "bin_edges"])


def copysign(input, other):  # noqa: A002 - PyTorch's argument name
    a, b = operands(_elem._float_input(input), other)
    a, b = _elem._float_input(a), _elem._float_input(b)
    # the sign of b as +-1 (ZeroGrad: b gets a zero gradient, as in torch)
    sign_b = _elem.ZeroGrad.apply(b, fn=_unit_sign)
    return _elem.abs(a) * sign_b


def _unit_sign(arr):
    return np.where(np.signbit(arr), -1.0, 1.0).astype(arr.dtype)


def nextafter(input, other):  # noqa: A002
    a, b = operands(input, other)
    return constant(np.nextafter(a._data, b._data), a)


def frexp(input):  # noqa: A002
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1)."""
    mantissa, exponent = np.frexp(input._data)
    return frexp_result(constant(mantissa, input), constant(exponent.astype(np.int32), input))


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """(hist, bin_edges) as numpy.histogram: ``bins`` equal bins or the given edges."""
    edges = bins._data if hasattr(bins, "_data") else bins
    w = None if weight is None else weight._data
    hist, bin_edges = np.histogram(input._data, bins=edges, range=range, weights=w,
                                   density=density)
    dtype = input._data.dtype
    return histogram_result(constant(hist.astype(dtype), input),
                            constant(bin_edges.astype(dtype), input))


def renorm(input, p, dim, maxnorm):  # noqa: A002
    d = wrap_dim(dim, input._data.ndim)
    others = tuple(i for i in range(input._data.ndim) if i != d)
    norms = _reduce.norm(input, p, others, keepdim=True)
    too_big = constant(norms._data > maxnorm, input)
    scale = _elem.where(too_big, maxnorm / (norms + 1e-7), 1.0)
    return input * scale
