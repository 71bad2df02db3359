"""``deepgrad.special``: the functions of ``torch.special`` that deepgrad has.

    expit(x) = sigmoid(x)          ndtr(x) = (1 + erf(x / sqrt 2)) / 2   (the normal CDF)
    log_ndtr(x) = log(ndtr(x))     entr(x) = -x log x (0 at 0, -inf for x < 0)
    xlog1py(x, y) = x log1p(y)     (0 where x == 0)

The gamma/Bessel/polynomial families are not here yet (they need series expansions).
"""
import math

import numpy as np

from .ops import elementwise as _elem
from .ops import reduce as _reduce
from .ops import softmax as _softmax
from .ops._util import constant
from .ops.elementwise import exp2, expm1, log1p, round  # noqa: F401 - torch.special's names
from .ops.pointwise import logit, sinc, xlogy  # noqa: F401
from .ops.special import erf, erfc  # noqa: F401


def expit(input):  # noqa: A002 - PyTorch's argument name
    return _elem.sigmoid(input)


def ndtr(input):  # noqa: A002
    """The standard normal CDF: (1 + erf(x / sqrt 2)) / 2."""
    return (erf(input * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5


def log_ndtr(input):  # noqa: A002
    """log of the normal CDF, through erfc so the left tail does not round to log 0."""
    return _elem.log(erfc(-input * (1.0 / math.sqrt(2.0))) * 0.5)


def entr(input):  # noqa: A002
    """-x log x elementwise: 0 at x = 0 and -inf for x < 0."""
    x = _elem._float_input(input)
    positive = constant(x._data > 0, x)
    out = -x * _elem.log(_elem.where(positive, x, 1.0))    # log 1 = 0 keeps x = 0 at 0
    return _elem.where(constant(x._data < 0, x), float("-inf"), out)


def xlog1py(input, other):  # noqa: A002
    """x log(1 + y), 0 where x == 0."""
    x, y = _elem._float_input(input), _elem._float_input(other)
    zero = constant(np.asarray(x._data == 0), x)
    return _elem.where(zero, 0.0, x * _elem.log1p(_elem.where(zero, 0.0, y)))


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    return _reduce.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):  # noqa: A002
    return _softmax.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):  # noqa: A002
    return _softmax.log_softmax(input, dim, dtype)
