"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, AdaptiveMaxPool1d/2d.

Thin modules over ``deepgrad.nn.functional.pooling`` (formulas there); the
arguments, defaults and ``repr`` are torch.nn's. They hold no parameters.

Example::

    pool = nn.MaxPool2d(2)
    pool(deepgrad.randn(8, 16, 28, 28)).shape    # (8, 16, 14, 14)
"""
from ..functional import pooling as P
from .module import Module


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling: out[n, c, i, j] = max over the window at (stride i, stride j).

    Args: kernel_size; stride (default kernel_size); padding (-inf, default 0);
    dilation (default 1); return_indices (default False: also return argmax positions);
    ceil_mode (default False). Shapes: (N, C, H, W) -> (N, C, H_out, W_out).
    """

    def forward(self, input):  # noqa: A002
        return P.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over (N, C, L); arguments as for :class:`MaxPool2d`."""

    def forward(self, input):  # noqa: A002
        return P.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool2d(Module):
    """2-D average pooling: the mean of each window.

    Args: kernel_size; stride (default kernel_size); padding (zeros, default 0);
    ceil_mode (default False); count_include_pad (default True: padding counts in the
    divisor); divisor_override (default None). Shapes: (N, C, H, W) -> (N, C, H_out, W_out).
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):  # noqa: A002
        return P.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """1-D average pooling over (N, C, L); arguments as for :class:`AvgPool2d`."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = P._tuple(kernel_size, 1, "kernel_size")
        self.stride = P._tuple(stride if stride is not None else kernel_size, 1, "stride")
        self.padding = P._tuple(padding, 1, "padding")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):  # noqa: A002
        return P.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (H_out, W_out): (N, C, H, W) -> (N, C, H_out, W_out).

    Output i averages input [floor(i H / H_out), ceil((i + 1) H / H_out)).
    ``output_size``: int or pair (None keeps that input size).
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return P.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average pooling of (N, C, L) to length ``output_size``."""

    def forward(self, input):  # noqa: A002
        return P.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size (adaptive windows as in :class:`AdaptiveAvgPool2d`).

    Args: output_size; return_indices (default False).
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return P.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max pooling of (N, C, L) to length ``output_size``."""

    def forward(self, input):  # noqa: A002
        return P.adaptive_max_pool1d(input, self.output_size, self.return_indices)
