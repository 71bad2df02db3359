"""MaxUnpool1d/2d and LPPool1d/2d (see ``functional/unpool.py``)."""
from ..functional.unpool import _tuple, lp_pool1d, lp_pool2d, max_unpool1d, max_unpool2d
from .module import Module


class _MaxUnpoolNd(Module):
    fn = None
    dims = 1

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        # stored as tuples, as torch (its repr shows kernel_size=(2, 2))
        self.kernel_size = _tuple(kernel_size, self.dims)
        self.stride = _tuple(stride if stride is not None else kernel_size, self.dims)
        self.padding = _tuple(padding, self.dims)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return type(self).fn(input, indices, self.kernel_size, self.stride, self.padding,
                             output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    fn = staticmethod(max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    fn = staticmethod(max_unpool2d)
    dims = 2


class _LPPoolNd(Module):
    fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):  # noqa: A002
        return type(self).fn(input, float(self.norm_type), self.kernel_size, self.stride,
                             self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    fn = staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    fn = staticmethod(lp_pool2d)
