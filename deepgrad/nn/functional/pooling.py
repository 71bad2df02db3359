"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d.

Output size along each spatial dim (PyTorch's formula), for input size L,
kernel k, stride s, padding p, dilation d:

    L_out = floor((L + 2p - d(k - 1) - 1) / s) + 1        (ceil instead of floor with
                                                          ceil_mode, dropping a last window
                                                          that would start in the right padding)

max_pool takes the maximum over each window (padding counts as -inf); avg_pool
the mean, dividing by the window size (count_include_pad=True, padding counted
as zeros), by the number of real elements (False), or by divisor_override.
Adaptive pools choose windows so that the output has a given size: output i
covers input [floor(i L / L_out), ceil((i + 1) L / L_out)).

The 1-D versions add a height of 1. The kernels live in ``_pool_ops.py``.
"""
import numbers

import numpy as np

from ...autograd.grad_mode import is_grad_enabled
from ...backend import move_array
from ...ops._util import constant
from ...ops.index import gather
from ...ops.linalg import matmul
from ...ops.memory_format import keep_channels_last
from ...ops.shape import reshape, squeeze, transpose, unsqueeze
from ._pool_ops import AvgPool, MaxPool, Window, max_indices, max_pool_array
from .conv import _pair as _tuple



def _out_len(size, k, s, p, d, ceil_mode):
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1  # the last window must start inside the input or the left padding
    return out


def _batched(name, x, dims):
    if x._data.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}: expected {dims + 1}-D (unbatched) or {dims + 2}-D (batched) "
                           f"input, but got input of size {list(x.shape)}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got {x.dtype}")
    unbatched = x._data.ndim == dims + 1
    x = unsqueeze(x, 0) if unbatched else x
    return (unsqueeze(x, 2) if dims == 1 else x), unbatched


def _keep_format(y, x, unbatched):
    """torch's pooling kernels store their result channels-last when their (4-D, for 1-D
    pooling the (N, C, 1, L) view's) input is: one flag check on the row-major path."""
    if unbatched or x._data.flags.c_contiguous:
        return y
    return keep_channels_last(y, x)


def _unbatch(y, dims, unbatched):
    if dims == 1:
        y = squeeze(y, 2)
    return squeeze(y, 0) if unbatched else y


def _window(name, x, dims, kernel_size, stride, padding, dilation, ceil_mode):
    """Validate the arguments and build the 2-D window plan (a height-1 kernel for 1-D)."""
    kernel = _tuple(kernel_size, dims, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _tuple(stride, dims, "stride")
    padding, dilation = _tuple(padding, dims, "padding"), _tuple(dilation, dims, "dilation")
    for vals, what in ((kernel, "kernel_size"), (stride, "stride"), (dilation, "dilation")):
        if any(v <= 0 for v in vals):
            raise ValueError(f"{name}: {what} must be greater than zero, got {list(vals)}")
    if any(p < 0 or p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(f"{name}: pad should be at most half of kernel size, but got "
                           f"padding={list(padding)} and kernel_size={list(kernel)}")
    spatial = x._data.shape[2:] if dims == 2 else x._data.shape[3:]
    out = tuple(_out_len(n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{name}: given input size {list(spatial)}, the calculated output size "
                           f"{list(out)} is too small")
    if dims == 1:
        kernel, stride, padding, dilation, out = ((1,) + kernel, (1,) + stride, (0,) + padding,
                                                  (1,) + dilation, (1,) + out)
    return Window(x._data.shape, kernel, stride, padding, dilation, out)


def _max_pool(name, dims, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, unbatched = _batched(name, x, dims)
    win = _window(name, x, dims, kernel_size, stride, padding, dilation, ceil_mode)
    y = MaxPool.apply(x, win=win)
    # torch's max_pool1d takes its 2-D kernel (and so keeps the format) only for a grad
    keep = dims == 2 or (x._requires_grad and is_grad_enabled())
    out = _unbatch(_keep_format(y, x, unbatched) if keep else y, dims, unbatched)
    if not return_indices:
        return out
    # the node keeps the tap indices when recording; otherwise compute them again
    node = y.grad_fn
    idx = node.idx if isinstance(node, MaxPool) else max_pool_array(x._data, win)[1]
    indices = constant(max_indices(idx, win), x)
    return out, _unbatch(_keep_format(indices, x, unbatched), dims, unbatched)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """2-D max pooling: out[n, c, i, j] = max_{a, b} x_pad[n, c, s_h i + d_h a, s_w j + d_w b].

    Args: input (N, C, H, W) or (C, H, W); kernel_size; stride (default kernel_size);
    padding (-inf, at most half the kernel); dilation; ceil_mode; return_indices (also
    return the flat index h * W + w of each maximum, as torch's max_unpool expects).
    Ties go to the first maximum in the window, as in PyTorch.

    Example::

        F.max_pool2d(deepgrad.randn(1, 3, 8, 8), 2).shape   # (1, 3, 4, 4)
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L); arguments as for :func:`max_pool2d`."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def _avg_pool(name, dims, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x, unbatched = _batched(name, x, dims)
    win = _window(name, x, dims, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{name}: divisor must be not zero")
    inv_div = win.divisor(count_include_pad, divisor_override, x._data)
    y = AvgPool.apply(x, win=win, inv_div=inv_div)
    return _unbatch(_keep_format(y, x, unbatched), dims, unbatched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """2-D average pooling: the mean of each window.

    Args: input (N, C, H, W) or (C, H, W); kernel_size; stride (default kernel_size);
    padding (zeros); ceil_mode; count_include_pad (divide by the window size including
    padding, default True; False divides by the number of real elements);
    divisor_override (divide by this number instead).

    Example::

        F.avg_pool2d(deepgrad.ones(1, 1, 4, 4), 2, padding=1, count_include_pad=False)
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L); arguments as for :func:`avg_pool2d`."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


# --- adaptive pools ----------------------------------------------------------------------------

def _adaptive_bounds(size, out):
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _output_size(name, output_size, spatial):
    if isinstance(output_size, numbers.Integral):
        output_size = (output_size,) * len(spatial)
    output_size = tuple(s if o is None else o for o, s in zip(output_size, spatial))
    if len(output_size) != len(spatial) or any(o < 1 for o in output_size):
        raise ValueError(f"{name}: output_size must be {len(spatial)} positive ints, got "
                         f"{output_size!r}")
    return tuple(int(o) for o in output_size)


def _averaging_matrix(size, out, like):
    """(out, size) matrix whose row i averages the inputs of adaptive window i."""
    start, end = _adaptive_bounds(size, out)
    cols = np.arange(size)
    m = ((cols >= start[:, None]) & (cols < end[:, None])) / (end - start)[:, None]
    return constant(move_array(np.asarray(m, dtype=like._data.dtype), like._device), like)


def _adaptive_avg(name, dims, x, output_size):
    x, unbatched = _batched(name, x, dims)
    h, w = x._data.shape[2:]
    ho, wo = (1,) + _output_size(name, output_size, (w,)) if dims == 1 else \
        _output_size(name, output_size, (h, w))
    if h % ho == 0 and w % wo == 0:  # regular windows: a plain average pooling
        win = Window(x._data.shape, (h // ho, w // wo), (h // ho, w // wo), (0, 0), (1, 1),
                     (ho, wo))
        y = AvgPool.apply(x, win=win, inv_div=win.divisor(True, None, x._data))
    else:  # separable: y = P_h x P_w^T with averaging matrices (linear, so any order of grad)
        a_h, a_w = _averaging_matrix(h, ho, x), _averaging_matrix(w, wo, x)
        y = matmul(matmul(a_h, x), transpose(a_w, 0, 1))
    return _unbatch(_keep_format(y, x, unbatched), dims, unbatched)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output size (Ho, Wo) (an int for both; None keeps a size).

    Example::

        F.adaptive_avg_pool2d(deepgrad.randn(2, 8, 7, 9), 1).shape   # (2, 8, 1, 1)
    """
    return _adaptive_avg("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """Average pooling of (N, C, L) to length ``output_size``."""
    return _adaptive_avg("adaptive_avg_pool1d", 1, input, output_size)


def _adaptive_max(name, dims, x, output_size, return_indices):
    x, unbatched = _batched(name, x, dims)
    n, c, h, w = x._data.shape
    ho, wo = (1,) + _output_size(name, output_size, (w,)) if dims == 1 else \
        _output_size(name, output_size, (h, w))
    hs, he = _adaptive_bounds(h, ho)
    ws, we = _adaptive_bounds(w, wo)
    arr = x._data
    flat = np.empty_like(arr, shape=(n, c, ho, wo), dtype=np.int64, order="C")  # x's device
    for i in range(ho):  # one argmax per output position over its (variable) window
        for j in range(wo):
            region = arr[:, :, hs[i]:he[i], ws[j]:we[j]]
            k = region.reshape(n, c, -1).argmax(axis=2)
            rw = we[j] - ws[j]
            flat[:, :, i, j] = (hs[i] + k // rw) * w + ws[j] + k % rw
    index = constant(flat.reshape(n, c, ho * wo), x)
    y = reshape(gather(reshape(x, (n, c, h * w)), 2, index), (n, c, ho, wo))
    out = _unbatch(_keep_format(y, x, unbatched), dims, unbatched)
    if return_indices:
        return out, _unbatch(_keep_format(constant(flat, x), x, unbatched), dims, unbatched)
    return out


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Max pooling to a fixed output size (Ho, Wo); ``return_indices`` as in max_pool2d."""
    return _adaptive_max("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    """Max pooling of (N, C, L) to length ``output_size``."""
    return _adaptive_max("adaptive_max_pool1d", 1, input, output_size, return_indices)
