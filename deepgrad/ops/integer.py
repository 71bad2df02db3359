"""Bitwise and number-theoretic ops on integer (and bool) tensors: and, or, xor, not,
shifts, gcd, lcm. Their results are integers, so they have no gradient."""
import numpy as np

from ..tensor import Tensor
from ._util import constant, operands


def _int_pair(a, b, name):
    a, b = operands(a, b)
    if a._data.dtype.kind not in "iub":
        raise RuntimeError(f"\"{name}_cpu\" not implemented for '{a.dtype}': {name} needs "
                           "integer or bool tensors")
    return a, b


def _binary(fn, name):
    def op(input, other):  # noqa: A002 - PyTorch's argument name
        a, b = _int_pair(input, other, name)
        return constant(np.asarray(fn(a._data, b._data)), a)
    op.__name__ = name
    op.__doc__ = f"``{name}`` elementwise on integer or bool tensors (no gradient)."
    return op


bitwise_and = _binary(np.bitwise_and, "bitwise_and")
bitwise_or = _binary(np.bitwise_or, "bitwise_or")
bitwise_xor = _binary(np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _binary(np.left_shift, "bitwise_left_shift")
bitwise_right_shift = _binary(np.right_shift, "bitwise_right_shift")
gcd = _binary(np.gcd, "gcd")
lcm = _binary(np.lcm, "lcm")


def bitwise_not(input):  # noqa: A002
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "iub":
        raise RuntimeError("bitwise_not is only supported for integer and boolean tensors")
    return constant(np.invert(input._data), input)
