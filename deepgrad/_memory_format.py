"""Memory formats: the order in which a 4-D (N, C, H, W) or 5-D (N, C, D, H, W) tensor's
values are stored, as torch names them.

* ``contiguous_format``: row-major, (N, C, H, W) order: the width varies fastest;
* ``channels_last``: stored as (N, H, W, C), the channels of one pixel side by side
  (strides ``(H*W*C, 1, W*C, C)``); the shape stays (N, C, H, W);
* ``channels_last_3d``: the same for 5-D tensors, stored as (N, D, H, W, C);
* ``preserve_format``: keep the input's format (for ``*_like``, ``clone`` and ``to``).

``x.contiguous(memory_format=deepgrad.channels_last)`` returns such a copy (a recorded
op: gradients flow through it), ``x.is_contiguous(memory_format=...)`` asks whether x is
stored so. Convolution, pooling and batch norm keep a channels-last input's format, as
torch's do (deepgrad/ops/memory_format.py); elementwise ops follow their operands'
strides anyway.
"""
import numpy as np

from ._layout import (channels_last_strides, elementwise_strides, is_channels_last, restride,
                      torch_strides)


class memory_format:  # noqa: N801 - torch's name
    """A memory format (compare with ``is``; print as ``deepgrad.channels_last``)."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"deepgrad.{self._name}"

    def __reduce__(self):
        return self._name  # pickled as the module-level singleton


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

_RANK = {channels_last: 4, channels_last_3d: 5}


def check_format(fmt, allow_preserve=True):
    if not isinstance(fmt, memory_format) or (fmt is preserve_format and not allow_preserve):
        raise RuntimeError(f"expected a memory format (deepgrad.contiguous_format, "
                           f"channels_last or channels_last_3d), got {fmt!r}")
    return fmt


def format_strides(shape, fmt):
    """Strides (in elements) of a fresh tensor of ``shape`` stored in ``fmt``."""
    if fmt is contiguous_format:
        from ._layout import row_major_strides  # noqa: PLC0415

        return row_major_strides(shape)
    if len(shape) != _RANK[fmt]:
        raise RuntimeError(f"required rank {_RANK[fmt]} tensor to use {fmt!r} format, "
                           f"got a tensor of shape {tuple(shape)}")
    return channels_last_strides(shape)


def is_in_format(arr, fmt):
    """torch's ``is_contiguous(memory_format=fmt)`` for the tensor of values ``arr``."""
    if fmt is contiguous_format:
        return bool(arr.flags.c_contiguous)
    check_format(fmt, allow_preserve=False)
    if arr.ndim != _RANK[fmt]:
        return False
    return is_channels_last(arr.shape, torch_strides(arr))


def _strides_like_channels_last(shape, strides):
    """torch's guess that a tensor is channels-last (``suggest_memory_format``): the
    strides grow along C, W, H, N (C, W, H, D, N for 5-D) with no dim overlapping the
    next; ambiguous cases (a size-1 C with N's stride) count as contiguous."""
    if strides[1] == 0:
        return False
    lo = 0
    order = (1, 3, 2, 0) if len(shape) == 4 else (1, 4, 3, 2, 0)
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return False
        if d == 0 and lo == strides[1]:
            return False
        lo = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def suggest_format(arr):
    """The format torch's channels-last-aware kernels would write their result in."""
    if arr.ndim == 4 and not arr.flags.c_contiguous:
        if _strides_like_channels_last(arr.shape, torch_strides(arr)):
            return channels_last
    elif arr.ndim == 5 and not arr.flags.c_contiguous:
        if _strides_like_channels_last(arr.shape, torch_strides(arr)):
            return channels_last_3d
    return contiguous_format


def empty_in_format(shape, dtype, fmt):
    """An uninitialised NumPy array of ``shape`` stored in ``fmt``."""
    if fmt is contiguous_format:
        return np.empty(shape, dtype)
    return restride(np.empty(int(np.prod(shape)), dtype), shape, format_strides(shape, fmt))


def preserved_strides(arr):
    """The strides torch's ``preserve_format`` gives a copy of ``arr``: arr's own when it is
    dense (no gaps, no overlaps), else dense strides in arr's dim order (None: row-major)."""
    strides = torch_strides(arr)
    dims = sorted((s, n) for s, n in zip(strides, arr.shape) if n != 1)
    expected = 1
    for s, n in dims:
        if s != expected:
            return elementwise_strides(arr.shape, [arr])
        expected *= n
    return strides


def relayout(arr, strides):
    """A copy of ``arr`` with the given strides (in elements; None: row-major)."""
    if strides is None or not isinstance(arr, np.ndarray):  # CuPy: row-major copies only
        return arr.copy(order="C")
    out = restride(np.empty(arr.size, arr.dtype), arr.shape, strides)
    np.copyto(out, arr)
    return out


def copy_in_format(arr, fmt):
    """A copy of ``arr`` stored in ``fmt`` (``preserve_format``: see :func:`preserved_strides`)."""
    if fmt is contiguous_format:
        return arr.copy(order="C")
    if fmt is preserve_format:
        return relayout(arr, preserved_strides(arr))
    return relayout(arr, format_strides(arr.shape, fmt))
