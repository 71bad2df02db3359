"""deepgrad: deep learning from first principles on NumPy, with PyTorch's API.

``import deepgrad as torch`` is meant to run PyTorch scripts: tensors with
reverse-mode autograd (higher order included), and - as the library grows -
``deepgrad.nn``, ``deepgrad.optim`` and ``deepgrad.utils.data``.
"""
from . import _lazy, dtypes
from .backend import device
from .dtypes import (bool_ as bool, double, float, float16, float32, float64, get_default_dtype,  # noqa: A004
                     half, int, int8, int16, int32, int64, long, set_default_dtype, uint8)
from .dtypes import dtype, promote_types
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor, is_tensor
from ._memory_format import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                             memory_format, preserve_format)

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
# --- more of torch's namespace (issue 9): triangles, maths, shapes, statistics, products
from .ops.triangular import diag, diag_embed, diagonal, trace, tril, tril_indices, triu, triu_indices  # noqa: E402,E501
from .ops.pointwise import (acos, acosh, asin, asinh, atan, atan2, atanh, clamp_max,  # noqa: E402
                            clamp_min, cosh, deg2rad, float_power, fmod, frac, heaviside, hypot,
                            ldexp, logaddexp, logaddexp2, logit, nan_to_num, nanmean, nansum,
                            positive, rad2deg, signbit, sinc, sinh, xlogy)
from .ops.pointwise import (acos as arccos, acosh as arccosh, asin as arcsin,  # noqa: E402
                            asinh as arcsinh, atan as arctan, atan2 as arctan2,
                            atanh as arctanh)
from .ops.reshaping import (atleast_1d, atleast_2d, atleast_3d, block_diag,  # noqa: E402
                            broadcast_tensors, cartesian_prod, column_stack, diff, dsplit, dstack,
                            fliplr, flipud, hsplit, meshgrid, ravel, repeat_interleave, roll,
                            rot90, select, take, tensor_split, tile, vsplit)
from .ops.statistics import (aminmax, bincount, bucketize, corrcoef, cov, cummax, cummin,  # noqa: E402
                             cumprod, histc, kthvalue, logcumsumexp, median, quantile,
                             searchsorted)
from .ops.products import (addbmm, addmm, addmv, addr, baddbmm, cdist, cross, kron,  # noqa: E402
                           tensordot, vdot)
from .ops.index_ops import index_add, index_copy, index_fill  # noqa: E402
from .ops.integer import (bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,  # noqa: E402
                          bitwise_right_shift, bitwise_xor, gcd, lcm)
from .ops.selection import (can_cast, combinations, cumulative_trapezoid, diagflat, dist,  # noqa: E402
                            fmax, fmin, isin, isneginf, isposinf, isreal, mode, msort,
                            nanmedian, result_type, trapezoid, trapz, unique_consecutive,
                            unravel_index, vander)
from .ops.predicates import (asarray, is_complex, is_floating_point, is_nonzero,  # noqa: E402
                             is_same_size, is_signed, scalar_tensor)
from .ops.special import erf, erfc  # noqa: E402
from .ops.elementwise import abs as absolute, sign as sgn, trunc as fix  # noqa: E402
from .ops.arithmetic import (div as divide, mul as multiply, neg as negative,  # noqa: E402
                             sub as subtract)
from .ops.compare import (ge as greater_equal, gt as greater, le as less_equal,  # noqa: E402
                          lt as less, ne as not_equal)
from .ops.shape import movedim as moveaxis, transpose as swapdims, vstack as row_stack  # noqa: E402
from .ops.reshaping import (adjoint, split_with_sizes, unsafe_chunk, unsafe_split,  # noqa: E402
                            unsafe_split_with_sizes)
from .ops.predicates import (conj, detach, detach_, fill, fill_, get_device, is_conj,  # noqa: E402
                             is_inference, is_neg, resolve_conj, resolve_neg, zero_)
from .ops.inplace_functions import (abs_, acos_, acosh_, addmv_, arccos_, arccosh_,  # noqa: E402
                                    arcsin_, arcsinh_, arctan_, arctanh_, asin_, asinh_, atan_,
                                    atanh_, ceil_, clamp_, clamp_max_, clamp_min_, clip_, cos_,
                                    cosh_, deg2rad_, erf_, erfc_, exp2_, exp_, expm1_, fix_,
                                    floor_, frac_, gcd_, lcm_, ldexp_, log10_, log1p_, log2_,
                                    log_, logit_, nan_to_num_, neg_, negative_, rad2deg_,
                                    reciprocal_, round_, rsqrt_, sigmoid_, sin_, sinc_, sinh_,
                                    sqrt_, square_, tan_, tanh_, trunc_, xlogy_)
from . import special  # noqa: E402,F401 - torch.special's functions that deepgrad has
from .ops.writes import index_put, masked_scatter, put  # noqa: E402
from .ops.scatter_reduce import scatter_reduce  # noqa: E402
from .ops.numerics import copysign, frexp, histogram, nextafter, renorm  # noqa: E402
from .ops.linalg import outer as ger  # noqa: E402
from .dtypes import int16 as short  # noqa: E402
from .random import default_generator  # noqa: E402
from .type_info import finfo, iinfo  # noqa: E402
from .threads import (get_num_interop_threads, get_num_threads,  # noqa: E402
                      set_num_interop_threads, set_num_threads)
from .flags import (are_deterministic_algorithms_enabled, get_deterministic_debug_mode,  # noqa: E402
                    get_float32_matmul_precision, is_deterministic_algorithms_warn_only_enabled,
                    is_warn_always_enabled, set_deterministic_debug_mode,
                    set_float32_matmul_precision, set_warn_always, use_deterministic_algorithms)
from math import e, inf, nan, pi  # noqa: E402 - torch.pi and friends are Python floats
newaxis = None
from .backend import cuda_is_available  # noqa: E402
# load and save (and serialization's tempfile, shutil, bz2, lzma) load on first use: __getattr__;
# so do amp and cuda (GradScaler, autocast, is_autocast_enabled)


def broadcast_shapes(*shapes):
    from .ops._util import broadcast_shapes as _bs  # noqa: PLC0415

    return Size(_bs(*[tuple(s) for s in shapes]))


def numel(t):
    return t.numel()


__version__ = "0.1.0"

# the PyTorch-style namespaces, available after `import deepgrad` as after `import torch`
# (optim and utils.data load each optimiser, dataset and the DataLoader on first use)
from . import nn, optim, utils  # noqa: E402,F401
# deepgrad.distributed and deepgrad.distributions load on first use too (see __getattr__)
# torch also exposes these nn.functional entry points at the top level (same positional args)
from .nn.functional import (adaptive_avg_pool1d, alpha_dropout, avg_pool1d, bilinear,  # noqa: E402,F401
                            celu, celu_, channel_shuffle, conv1d, conv2d, conv_transpose1d,
                            conv_transpose2d, cosine_similarity, dropout, feature_alpha_dropout,
                            group_norm, hardshrink, layer_norm, max_pool1d, max_pool2d,
                            native_channel_shuffle, pairwise_distance, pdist, pixel_shuffle,
                            pixel_unshuffle, prelu, relu_, rms_norm, rrelu, rrelu_, selu, selu_,
                            threshold, threshold_)


# Loaded on first use (``deepgrad.onnx``, ``from deepgrad import save`` work as usual): parts
# that most training programs never touch. Every module imported at start-up stays resident
# (about 70 KiB each), and the peak memory of a small training run is mostly the libraries'.
_LAZY_MODULES = ("onnx", "distributed", "distributions",  # ONNX's exporter tables are large
                 "serialization", "accelerator", "backends",
                 "amp", "cuda")  # torch's small device modules: 8 modules with CPU-only answers
_LAZY_NAMES = {"load": "serialization", "save": "serialization",
               "GradScaler": "amp", "autocast": "amp",  # torch.GradScaler is torch.amp.GradScaler
               "is_autocast_enabled": "amp"}


__getattr__, __dir__ = _lazy.lazy_attributes(__name__, globals(), _LAZY_MODULES, _LAZY_NAMES)
# ``from deepgrad import *`` binds the public names and, as torch's does, save, load, GradScaler,
# autocast and is_autocast_enabled (which then load): without ``__all__`` a star-import
# would skip the names that have not loaded yet
__all__ = _lazy.star_names(globals(), _LAZY_NAMES)
