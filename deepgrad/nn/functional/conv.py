"""Convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d (torch.nn.functional's API).

conv2d computes a cross-correlation, as every deep-learning library does:

    out[n, o, i, j] = bias[o] + sum_{c, a, b} input_pad[n, g(o) + c, s_h i + d_h a, s_w j + d_w b]
                                              * weight[o, c, a, b]

with ``g(o)`` the first input channel of output channel ``o``'s group. Shapes:
input (N, C_in, H, W), weight (C_out, C_in / groups, kH, kW), output
(N, C_out, H_out, W_out), H_out = (H + 2 p_h - d_h (kH - 1) - 1) // s_h + 1.

conv_transpose2d is the adjoint (the input gradient) of conv2d: it maps
(N, C_in, H, W) to (N, C_out, H_out, W_out), weight (C_in, C_out / groups, kH, kW),
H_out = (H - 1) s_h - 2 p_h + d_h (kH - 1) + output_padding_h + 1.

The 1-D versions add a height of 1 and call the 2-D kernels. The kernels (im2col
+ GEMM) and their derivatives live in ``_conv_ops.py``.
"""
import numbers

from ...ops.arithmetic import add
from ...ops.memory_format import keep_channels_last
from ...ops.shape import reshape, squeeze, unsqueeze
from ._conv_ops import Conv2d, ConvTranspose2d, out_size


def _pair(v, n, name):
    """An int or a sequence of n ints as a tuple of n ints."""
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return (int(v),) * n
    v = tuple(v)
    if len(v) == 1:
        v = v * n
    if len(v) != n or not all(isinstance(e, numbers.Integral) for e in v):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
    return tuple(int(e) for e in v)


def _check_positive(values, name):
    if any(e <= 0 for e in values):
        raise RuntimeError(f"{name} should be greater than zero, got {list(values)}")


def _conv_pads(padding, n, kernel, dilation, stride):
    """Padding as ((lo, hi), ...) per spatial dim; 'same' pads d(k-1) split as torch does."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             f"['valid', 'same']")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return tuple((t // 2, t - t // 2) for t in total)
    pad = _pair(padding, n, "padding")
    if any(p < 0 for p in pad):
        raise RuntimeError(f"negative padding is not supported, got {list(pad)}")
    return tuple((p, p) for p in pad)


def _check_inputs(name, x, weight, bias, dims, groups, in_channels_dim):
    """Shape checks shared by the four functions; returns (x, unbatched)."""
    if weight._data.ndim != dims + 2:
        raise RuntimeError(f"{name}: expected a {dims + 2}-D weight, got shape "
                           f"{list(weight.shape)}")
    if x._data.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}: expected {dims + 1}-D (unbatched) or {dims + 2}-D (batched) "
                           f"input, but got input of size {list(x.shape)}")
    if x._data.dtype != weight._data.dtype:
        raise RuntimeError(f"{name}: input type ({x.dtype}) and weight type ({weight.dtype}) "
                           f"should be the same")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise RuntimeError(f"{name}: groups must be a positive integer, got {groups!r}")
    unbatched = x._data.ndim == dims + 1
    if unbatched:
        x = unsqueeze(x, 0)
    channels = x._data.shape[1]
    expected = weight._data.shape[in_channels_dim]
    if in_channels_dim == 1:
        expected *= groups
    if channels != expected:
        raise RuntimeError(f"{name}: given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have {expected} channels, but got "
                           f"{channels} channels instead")
    out_channels = weight._data.shape[0]
    if out_channels % groups:
        raise RuntimeError(f"{name}: the weight's dim 0 ({out_channels}) must be divisible by "
                           f"groups ({groups})")
    if bias is not None:
        n_out = weight._data.shape[0] if in_channels_dim == 1 else weight._data.shape[1] * groups
        if tuple(bias.shape) != (n_out,):
            raise RuntimeError(f"{name}: expected bias of shape [{n_out}], got "
                               f"{list(bias.shape)}")
    return x, unbatched


def _conv(name, x, weight, bias, stride, padding, dilation, groups, dims):
    x, unbatched = _check_inputs(name, x, weight, bias, dims, groups, 1)
    stride, dilation = _pair(stride, dims, "stride"), _pair(dilation, dims, "dilation")
    _check_positive(stride, "stride")
    _check_positive(dilation, "dilation")
    kernel = tuple(weight._data.shape[2:])
    pads = _conv_pads(padding, dims, kernel, dilation, stride)
    for size, (lo, hi), k, s, d in zip(x._data.shape[2:], pads, kernel, stride, dilation):
        if out_size(size, lo, hi, k, s, d) < 1:
            padded = " x ".join(str(sz + lo + hi) for sz, (lo, hi) in zip(x.shape[2:], pads))
            span = " x ".join(str(d * (k - 1) + 1) for d, k in zip(dilation, kernel))
            raise RuntimeError(f"{name}: calculated padded input size per channel: ({padded}). "
                               f"Kernel size: ({span}). Kernel size can't be greater than actual "
                               f"input size")
    if dims == 1:  # add a height of 1 and use the 2-D kernels
        x, weight = unsqueeze(x, 2), unsqueeze(weight, 2)
        stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = Conv2d.apply(*inputs, stride=stride, pads=pads, dilation=dilation, groups=int(groups))
    if dims == 1:
        out = squeeze(out, 2)
    elif not (x._data.flags.c_contiguous and weight._data.flags.c_contiguous or unbatched):
        out = keep_channels_last(out, x, weight)  # torch: channels-last input or weight
    return squeeze(out, 0) if unbatched else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D cross-correlation (see the module docstring for the formula).

    Args: input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kH, kW);
    bias (C_out,) or None; stride, padding, dilation: int or pair (padding may also be
    'valid' = 0 or 'same' = output as large as the input, stride 1 only); groups: the
    channels are split into ``groups`` independent convolutions.

    Example::

        y = F.conv2d(deepgrad.randn(8, 3, 32, 32), deepgrad.randn(16, 3, 5, 5), padding=2)
        y.shape  # (8, 16, 32, 32)
    """
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D cross-correlation: input (N, C_in, L), weight (C_out, C_in/groups, k) ->
    (N, C_out, L_out), L_out = (L + 2p - d(k - 1) - 1) // s + 1. Arguments as for :func:`conv2d`."""
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def _conv_transpose(name, x, weight, bias, stride, padding, output_padding, groups, dilation,
                    dims):
    x, unbatched = _check_inputs(name, x, weight, bias, dims, groups, 0)
    stride, dilation = _pair(stride, dims, "stride"), _pair(dilation, dims, "dilation")
    _check_positive(stride, "stride")
    _check_positive(dilation, "dilation")
    if isinstance(padding, str):
        raise ValueError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
    pad = _pair(padding, dims, "padding")
    out_pad = _pair(output_padding, dims, "output_padding")
    for op, s, d in zip(out_pad, stride, dilation):
        if op < 0 or (op >= s and op >= d):
            raise ValueError(f"{name}: output padding must be smaller than either stride or "
                             f"dilation, got output_padding={list(out_pad)}, stride={list(stride)}"
                             f", dilation={list(dilation)}")
    kernel = tuple(weight._data.shape[2:])
    out_hw = tuple((size - 1) * s - 2 * p + d * (k - 1) + op + 1 for size, s, p, d, k, op in
                   zip(x._data.shape[2:], stride, pad, dilation, kernel, out_pad))
    if any(e < 1 for e in out_hw):
        raise RuntimeError(f"{name}: given input size {list(x.shape[2:])}, the calculated output "
                           f"size {list(out_hw)} is too small")
    pads = tuple((p, p) for p in pad)
    if dims == 1:
        x, weight = unsqueeze(x, 2), unsqueeze(weight, 2)
        stride, dilation, pads, out_hw = (1,) + stride, (1,) + dilation, ((0, 0),) + pads, \
            (1,) + out_hw
    c_out = weight._data.shape[1] * groups
    x_shape = (x._data.shape[0], c_out) + out_hw
    out = ConvTranspose2d.apply(x, weight, x_shape=x_shape, stride=stride, pads=pads,
                                dilation=dilation, groups=int(groups))
    if bias is not None:
        out = add(out, reshape(bias, (1, -1, 1, 1)))
    if dims == 1:
        out = squeeze(out, 2)
    elif not (x._data.flags.c_contiguous and weight._data.flags.c_contiguous or unbatched):
        out = keep_channels_last(out, x, weight)  # torch: channels-last input or weight
    return squeeze(out, 0) if unbatched else out


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """2-D transposed convolution ("deconvolution"): the gradient of conv2d w.r.t. its input.

    Args: input (N, C_in, H, W); weight (C_in, C_out/groups, kH, kW); bias (C_out,);
    stride, padding, output_padding (extra rows/columns at the bottom/right, smaller than
    stride or dilation), groups, dilation. Output size:
    H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1.

    Example::

        up = F.conv_transpose2d(deepgrad.randn(1, 8, 7, 7), deepgrad.randn(8, 4, 4, 4),
                                stride=2, padding=1)   # (1, 4, 14, 14)
    """
    return _conv_transpose("conv_transpose2d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation, 2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """1-D transposed convolution: (N, C_in, L) -> (N, C_out, L_out),
    L_out = (L - 1) s - 2p + d(k - 1) + output_padding + 1. See :func:`conv_transpose2d`."""
    return _conv_transpose("conv_transpose1d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation, 1)
