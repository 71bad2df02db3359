"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d (torch.nn's API).

Parameters, shapes and default initialisation are PyTorch's:

    Conv:           weight (out_channels, in_channels / groups, *kernel_size)
    ConvTranspose:  weight (in_channels, out_channels / groups, *kernel_size)
    bias (out_channels,)
    weight ~ kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    bias   ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),  fan_in = weight.shape[1] * prod(kernel_size)

padding_mode 'zeros' pads inside the convolution; 'reflect', 'replicate' and
'circular' pad the input first (an index gather, differentiable like any
indexing) and convolve without padding.

Example::

    conv = nn.Conv2d(3, 16, kernel_size=3, padding=1)
    y = conv(deepgrad.randn(8, 3, 32, 32))      # (8, 16, 32, 32)
"""

import numpy as np

from ...backend import move_array
from ...creation import empty
from ...ops.index import getitem
from .. import init
from ..functional.conv import (_conv_pads, _pair, conv1d, conv2d, conv_transpose1d,
                               conv_transpose2d)
from ..parameter import Parameter, register_empty_parameter
from .module import Module

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _mode_index(size, lo, hi, mode):
    """Source index of every position of an axis padded by (lo, hi) in a non-zero mode."""
    i = np.arange(-lo, size + hi)
    if mode == "circular":
        return i % size
    if mode == "replicate":
        return np.clip(i, 0, size - 1)
    period = 2 * (size - 1)  # reflect (without repeating the edge)
    i = np.abs(i) % period if period else np.zeros_like(i)
    return np.where(i >= size, period - i, i)


def _pad_by_mode(x, pads, mode):
    """x (N, C, *spatial) padded by ((lo, hi), ...) per spatial dim (reflect/replicate/circular)."""
    dims = len(pads)
    for k, (lo, hi) in enumerate(pads):
        axis = x._data.ndim - dims + k
        size = x._data.shape[axis]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(f"reflect padding ({lo}, {hi}) must be smaller than the input "
                               f"size {size} along dim {axis}")
        if lo or hi:
            index = move_array(_mode_index(size, lo, hi, mode), x._device)
            x = getitem(x, (slice(None),) * axis + (index,))
    return x


class _ConvNd(Module):
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None):
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError(f"groups must be a positive integer, got {groups}")
        if in_channels % groups:
            raise ValueError(f"in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, n, "kernel_size")
        self.stride = _pair(stride, n, "stride")
        self.dilation = _pair(dilation, n, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"['valid', 'same']")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _pair(padding, n, "padding")
        self.transposed = transposed
        self.output_padding = _pair(output_padding, n, "output_padding")
        self.groups, self.padding_mode = groups, padding_mode
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(empty(shape, dtype=dtype, device=device))
        register_empty_parameter(self, "bias", out_channels, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def _check_channels(self, x):
        n = self._dims
        ndim = x._data.ndim
        if ndim not in (n + 1, n + 2):
            raise RuntimeError(f"{type(self).__name__}: expected {n + 1}-D (unbatched) or "
                               f"{n + 2}-D (batched) input, but got input of size "
                               f"{list(x.shape)}")
        channels = x._data.shape[ndim - n - 1]
        if channels != self.in_channels:
            raise RuntimeError(f"{type(self).__name__}: expected input with in_channels="
                               f"{self.in_channels} channels, but got {channels} channels "
                               f"(input of size {list(x.shape)})")

    def extra_repr(self):
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _fn = staticmethod(conv2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         False, 0, groups, bias, padding_mode, device, dtype)

    def forward(self, input):  # noqa: A002
        self._check_channels(input)
        padding = self.padding
        if self.padding_mode != "zeros":
            pads = _conv_pads(padding, self._dims, self.kernel_size, self.dilation, self.stride)
            input, padding = _pad_by_mode(input, pads, self.padding_mode), 0
        return self._fn(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv2d(_Conv):
    """2-D convolution (cross-correlation) over (N, C_in, H, W) -> (N, C_out, H_out, W_out).

    out[n, o] = bias[o] + sum_c weight[o, c] (*) input[n, g(o) + c], with (*) the 2-D
    cross-correlation and H_out = (H + 2 padding - dilation (k - 1) - 1) // stride + 1.

    Args:
        in_channels, out_channels (int); kernel_size (int or pair);
        stride (default 1); padding (int, pair, 'valid' or 'same'; default 0);
        dilation (default 1); groups (default 1: every output sees every input channel);
        bias (default True); padding_mode ('zeros' (default), 'reflect', 'replicate',
        'circular'); device, dtype.
    """

    _dims = 2
    _fn = staticmethod(conv2d)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) -> (N, C_out, L_out); arguments as for :class:`Conv2d`.

    L_out = (L + 2 padding - dilation (k - 1) - 1) // stride + 1.
    """

    _dims = 1
    _fn = staticmethod(conv1d)


class _ConvTranspose(_ConvNd):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f'{type(self).__name__}, got {padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         True, output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, x, output_size):
        """The output_padding that gives ``output_size`` (torch's forward argument)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        output_size = tuple(output_size)[-n:]
        if len(output_size) != n:
            raise ValueError(f"output_size must have {n} or {n + 2} elements, got "
                             f"{len(output_size)}")
        pads = []
        for size, want, k, s, p, d in zip(x.shape[-n:], output_size, self.kernel_size,
                                           self.stride, self.padding, self.dilation):
            smallest = (size - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= want < smallest + s:
                raise ValueError(f"requested an output size of {list(output_size)}, but valid "
                                 f"sizes range from {smallest} to {smallest + s - 1} "
                                 f"(for an input of {list(x.shape[-n:])})")
            pads.append(want - smallest)
        return tuple(pads)

    def forward(self, input, output_size=None):  # noqa: A002
        self._check_channels(input)
        return self._fn(input, self.weight, self.bias, self.stride, self.padding,
                        self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution (the gradient of Conv2d w.r.t. its input): upsamples.

    H_out = (H - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1, padding_mode='zeros', device, dtype.
    ``forward(input, output_size=None)``: output_size picks output_padding for you.

    Example::

        up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
        up(deepgrad.randn(1, 16, 7, 7)).shape     # (1, 8, 14, 14)
    """

    _dims = 2
    _fn = staticmethod(conv_transpose2d)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution (N, C_in, L) -> (N, C_out, L_out); see ConvTranspose2d."""

    _dims = 1
    _fn = staticmethod(conv_transpose1d)
