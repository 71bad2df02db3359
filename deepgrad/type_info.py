"""``finfo``/``iinfo``: the numerical limits of a dtype, read from NumPy's.

``deepgrad.finfo(deepgrad.float32).eps`` is what training code asks for (a safe epsilon);
the fields and their names are PyTorch's. ``finfo()`` describes the default float dtype.
"""
import numpy as np

from . import dtypes


class finfo:  # noqa: N801 - PyTorch's name
    """Limits of a floating dtype: bits, eps, max, min, tiny (= smallest_normal), resolution."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's argument name
        d = dtypes.get_default_dtype() if type is None else type
        np_dtype = np.dtype(dtypes.to_numpy_dtype(d))
        if np_dtype.kind != "f":
            raise TypeError(f"torch.finfo() requires a floating point input type, got {d}")
        info = np.finfo(np_dtype)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision    # a power of ten, as torch (not rounded)
        self.dtype = np_dtype.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """Limits of an integer dtype: bits, min, max."""

    def __init__(self, type):  # noqa: A002
        np_dtype = np.dtype(dtypes.to_numpy_dtype(type))
        if np_dtype.kind not in "iub":
            raise TypeError(f"torch.iinfo() requires an integer input type, got {type}")
        info = np.iinfo(np_dtype) if np_dtype.kind != "b" else np.iinfo(np.uint8)
        self.bits, self.min, self.max = info.bits, int(info.min), int(info.max)
        self.dtype = np_dtype.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
