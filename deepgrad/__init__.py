"""deepgrad: deep learning from first principles on NumPy, with PyTorch's API.

``import deepgrad as torch`` is meant to run PyTorch scripts: tensors with
reverse-mode autograd (higher order included), and - as the library grows -
``deepgrad.nn``, ``deepgrad.optim`` and ``deepgrad.utils.data``.
"""
from . import dtypes
from .backend import device
from .dtypes import (bool_ as bool, double, float, float16, float32, float64, get_default_dtype,  # noqa: A004
                     half, int, int8, int16, int32, int64, long, set_default_dtype, uint8)
from .dtypes import dtype, promote_types
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor, is_tensor

# the op families (loaded after Tensor: they build on it)
from .ops import (arithmetic, compare, convert, elementwise, index, inplace, linalg, reduce,  # noqa: E402,F401,I001
                  shape, softmax as _softmax_ops)  # noqa: E402,F401,I001
from . import autograd  # noqa: E402
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from .creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,  # noqa: E402
                       full_like, linspace, logspace, multinomial, normal, ones, ones_like, rand,
                       rand_like, randint, randint_like, randn, randn_like, randperm, tensor,
                       zeros, zeros_like)
from .ops.arithmetic import (add, addcdiv, addcmul, div, floor_divide, lerp, mul, neg, pow,  # noqa: E402
                             reciprocal, remainder, square, sub, true_divide)
from .ops.compare import (allclose, argsort, argwhere, eq, equal, ge, gt, isclose, isfinite,  # noqa: E402
                          isinf, isnan, le, logical_and, logical_not, logical_or, logical_xor, lt,
                          ne, nonzero, sort, topk, unique)
from .ops.convert import clone  # noqa: E402
from .ops.elementwise import (abs, ceil, clamp, cos, exp, exp2, expm1, floor, log, log1p,  # noqa: E402
                              log2, log10, masked_fill, maximum, minimum, relu, round, rsqrt,
                              sigmoid, sign, sin, sqrt, tan, tanh, trunc, where)
from .ops.elementwise import clamp as clip  # noqa: E402
from .ops.index import gather, index_select, masked_select, scatter, scatter_add, take_along_dim  # noqa: E402
from .ops.linalg import bmm, dot, einsum, inner, matmul, mm, mv, outer  # noqa: E402
from .ops.reduce import (all, amax, amin, any, argmax, argmin, count_nonzero, cumsum, logsumexp,  # noqa: E402
                         max, mean, min, norm, prod, std, std_mean,
                         sum, var, var_mean)
from .ops.softmax import log_softmax, softmax, softmin  # noqa: E402
from .ops.shape import (broadcast_to, cat, chunk, concat, concatenate, expand, flatten, flip,  # noqa: E402
                        hstack, movedim, narrow, permute, reshape, split, squeeze, stack, t,
                        transpose, unbind, unflatten, unsqueeze, vstack)
from .ops.shape import transpose as swapaxes  # noqa: E402
from .backend import cuda_is_available  # noqa: E402
from .serialization import load, save  # noqa: E402


class cuda:  # noqa: N801 - mirrors the torch.cuda namespace
    """``deepgrad.cuda.is_available()``, as in PyTorch."""

    is_available = staticmethod(cuda_is_available)


def broadcast_shapes(*shapes):
    from .ops._util import broadcast_shapes as _bs  # noqa: PLC0415

    return Size(_bs(*[tuple(s) for s in shapes]))


def numel(t):
    return t.numel()


__version__ = "0.1.0"

# the PyTorch-style namespaces, available after `import deepgrad` as after `import torch`
from . import nn, optim, utils  # noqa: E402,F401
