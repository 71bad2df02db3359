"""Copies into a memory format, and the rule the channels-last-aware layers follow.

torch's convolution, pooling and batch-norm kernels write their result in the format
their input *suggests* (``suggest_format``: channels-last strides give a channels-last
result; convolution also looks at the weight; the 1-D poolings run the 2-D kernels on an
(N, C, 1, L) view, so an (N, L, C)-stored input counts). deepgrad computes those layers
on any strides and then stores the result channels-last where torch would: one extra
copy, on the channels-last path only (a row-major input pays one flag check).
"""
from .._memory_format import channels_last, copy_in_format, is_in_format, suggest_format
from ..autograd.function import ArrayFunction


class ToFormat(ArrayFunction):
    """y = x stored in another memory format; the same values, so dy flows to x as is."""
    saves_inputs = False

    def forward(self, a, fmt):
        return copy_in_format(a, fmt)

    def backward(self, g):
        return g


def to_format(t, fmt):
    """``t`` itself when already stored in ``fmt``, else a recorded copy in ``fmt``."""
    if is_in_format(t._data, fmt):
        return t
    return ToFormat.apply(t, fmt=fmt)


def keep_channels_last(out, *sources):
    """``out`` (a 4-D layer result) stored channels-last when any of ``sources`` (the
    layer's input, and for a convolution its weight) suggests channels-last, as torch's
    kernels store it; else ``out`` unchanged."""
    if out._data.ndim != 4:
        return out
    for s in sources:
        if s._data.ndim == 4 and not s._data.flags.c_contiguous \
                and suggest_format(s._data) is channels_last:
            return to_format(out, channels_last)
    return out


__all__ = ["ToFormat", "to_format", "keep_channels_last"]
