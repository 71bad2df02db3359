"""Padding layers (torch's ZeroPad/ConstantPad/ReflectionPad/ReplicationPad/CircularPad 1-3d).

``padding`` is an int (the same width on every side) or a tuple of (before, after) widths
from the last dim backwards, as ``F.pad`` takes them.
"""
from ..functional.padding import pad
from .module import Module


class _PadNd(Module):
    dims = 1
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self.dims)
        padding = tuple(int(p) for p in padding)
        if len(padding) != 2 * self.dims:
            raise ValueError(f"{type(self).__name__} expects padding of {2 * self.dims} values, "
                             f"got {padding}")
        self.padding = padding
        self.value = value

    def forward(self, input):  # noqa: A002
        if self.mode == "constant":
            return pad(input, self.padding, "constant", self.value)
        return pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding, value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    dims = 1


class ConstantPad2d(_ConstantPadNd):
    dims = 2


class ConstantPad3d(_ConstantPadNd):
    dims = 3


class ZeroPad1d(_PadNd):
    dims = 1


class ZeroPad2d(_PadNd):
    dims = 2


class ZeroPad3d(_PadNd):
    dims = 3


class ReflectionPad1d(_PadNd):
    dims, mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    dims, mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    dims, mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    dims, mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    dims, mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    dims, mode = 3, "replicate"


class CircularPad1d(_PadNd):
    dims, mode = 1, "circular"


class CircularPad2d(_PadNd):
    dims, mode = 2, "circular"


class CircularPad3d(_PadNd):
    dims, mode = 3, "circular"
