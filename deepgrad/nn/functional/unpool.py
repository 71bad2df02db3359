"""Max-unpooling and power-average (LP) pooling, composed from existing ops.

    max_unpool: out = zeros of the unpooled size, out.flat[indices] = input
                (indices as max_pool*(return_indices=True) gives them: flat per (N, C) plane)
                default size per spatial dim: (in - 1) * stride - 2 * padding + kernel_size
    lp_pool:    out = (sum over each window of x^p)^(1/p)
                    = (avg_pool(x^p) * window_size)^(1/p)   (torch's formula, kept)
"""
import numbers

import numpy as np

from ...ops import elementwise as E
from ...ops import index as I
from ...ops import shape as S
from ...ops._util import constant
from .pooling import avg_pool1d, avg_pool2d


def _tuple(v, n):
    return (int(v),) * n if isinstance(v, numbers.Integral) else tuple(int(x) for x in v)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, n):  # noqa: A002
    kernel = _tuple(kernel_size, n)
    stride = kernel if stride is None else _tuple(stride, n)
    padding = _tuple(padding, n)
    batched = input.ndim == n + 2
    if not batched:
        input, indices = S.unsqueeze(input, 0), S.unsqueeze(indices, 0)
    spatial = tuple(input.shape[2:])
    if output_size is not None:
        size = tuple(int(s) for s in tuple(output_size)[-n:])
    else:
        size = tuple((s - 1) * st - 2 * p + k for s, st, p, k in zip(spatial, stride, padding,
                                                                      kernel))
    lead = tuple(input.shape[:2])
    plane = int(np.prod(size))
    flat_idx = indices._data.reshape(lead + (-1,))
    if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= plane):
        raise RuntimeError(f"Found an invalid max index: {int(flat_idx.max())} (output volumes "
                           f"are of size {'x'.join(map(str, size))})")
    zeros = constant(np.zeros(lead + (plane,), dtype=input._data.dtype), input)
    out = I.scatter(zeros, 2, constant(flat_idx.astype(np.int64), input),
                    S.reshape(input, *lead, -1))
    out = S.reshape(out, *(lead + size))
    return out if batched else S.squeeze(out, 0)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, 2)


def _lp_finish(pooled, window, norm_type):
    return (E.sign(pooled) * E.relu(E.abs(pooled)) * float(window)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    k = _tuple(kernel_size, 1)[0]
    pooled = avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode)
    return _lp_finish(pooled, k, norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    kh, kw = _tuple(kernel_size, 2)
    pooled = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return _lp_finish(pooled, kh * kw, norm_type)
