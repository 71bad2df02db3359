"""Exporters of convolution and pooling layers (1-D and 2-D).

ONNX ``Conv`` and ``ConvTranspose`` use PyTorch's weight layouts
((C_out, C_in/groups, k...) and (C_in, C_out/groups, k...)), so weights are stored
as they are. Padding is written per side: ONNX ``pads`` lists every spatial
axis's start, then every axis's end. An input without a batch axis (C, L) or
(C, H, W), which PyTorch accepts, gets one for the ONNX op and loses it after.
"""
import numpy as np

from ..nn.modules import conv as _conv
from ..nn.modules import pooling as _pool
from ..nn.modules import upsampling as _up
from .errors import UnsupportedOperatorError

_PAD_MODES = {"reflect": ("reflect", 2), "replicate": ("edge", 2), "circular": ("wrap", 19)}


def _tuple(value, n):
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * n


def _batched(g, x, t, n_spatial):
    """(name, unbatched?): ONNX conv and pool ops want (N, C, spatial...)."""
    if t.dim() == n_spatial + 1:
        return g.unsqueeze(x, [0]), True
    return x, False


def _unbatch(g, y, unbatched):
    return g.squeeze(y, [0]) if unbatched else y


def _conv_pads(m, n):
    """Per-side padding of a Conv layer: begins then ends."""
    if m.padding == "valid":
        return [0] * (2 * n)
    if m.padding == "same":   # PyTorch puts the odd extra pixel at the end
        total = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    return list(m.padding) * 2


def export_conv(g, call, name):
    m, (t,) = call.module, call.tensors()
    n = len(m.kernel_size)
    x, unbatched = _batched(g, name(t), t, n)
    pads = _conv_pads(m, n)
    if m.padding_mode != "zeros":
        mode, since = _PAD_MODES[m.padding_mode]
        g.require_opset(since, f"padding_mode={m.padding_mode!r} (in {call.where()})")
        full = [0, 0] + pads[:n] + [0, 0] + pads[n:]
        x = g.pad(x, full, mode)
        pads = [0] * (2 * n)
    w = g.tensor(m.weight)
    b = None if m.bias is None else g.tensor(m.bias)
    y = g.op("Conv", [x, w, b], kernel_shape=list(m.kernel_size), strides=list(m.stride),
             pads=pads, dilations=list(m.dilation), group=int(m.groups))
    return [_unbatch(g, y, unbatched)]


def export_conv_transpose(g, call, name):
    """``output_padding`` is read off the traced output, so ``output_size=`` works too:
    out = (in - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""
    m, t = call.module, call.tensors()[0]
    n = len(m.kernel_size)
    x, unbatched = _batched(g, name(t), t, n)
    out_sizes = call.outputs[0].shape[-n:]
    extra = [o - ((i - 1) * s - 2 * p + d * (k - 1) + 1) for o, i, s, p, d, k in zip(
        out_sizes, t.shape[-n:], m.stride, m.padding, m.dilation, m.kernel_size)]
    w = g.tensor(m.weight)
    b = None if m.bias is None else g.tensor(m.bias)
    y = g.op("ConvTranspose", [x, w, b], kernel_shape=list(m.kernel_size),
             strides=list(m.stride), pads=list(m.padding) * 2, dilations=list(m.dilation),
             group=int(m.groups), output_padding=extra)
    return [_unbatch(g, y, unbatched)]


def _pool_n(m):
    return 1 if "1d" in type(m).__name__ else 2


def export_max_pool(g, call, name):
    m, t = call.module, call.tensors()[0]
    if m.return_indices:
        raise UnsupportedOperatorError(f"MaxPool with return_indices=True (in {call.where()})")
    n = _pool_n(m)
    x, unbatched = _batched(g, name(t), t, n)
    y = g.op("MaxPool", [x], kernel_shape=list(_tuple(m.kernel_size, n)),
             strides=list(_tuple(m.stride, n)), pads=list(_tuple(m.padding, n)) * 2,
             dilations=list(_tuple(m.dilation, n)), ceil_mode=int(bool(m.ceil_mode)))
    return [_unbatch(g, y, unbatched)]


def export_avg_pool(g, call, name):
    m, t = call.module, call.tensors()[0]
    if getattr(m, "divisor_override", None):
        raise UnsupportedOperatorError(f"AvgPool with divisor_override (in {call.where()})")
    n = _pool_n(m)
    x, unbatched = _batched(g, name(t), t, n)
    y = g.op("AveragePool", [x], kernel_shape=list(_tuple(m.kernel_size, n)),
             strides=list(_tuple(m.stride, n)), pads=list(_tuple(m.padding, n)) * 2,
             ceil_mode=int(bool(m.ceil_mode)), count_include_pad=int(bool(m.count_include_pad)))
    return [_unbatch(g, y, unbatched)]


def _adaptive(op_type, global_op):
    """Adaptive pooling whose windows are all equal: output 1 (global pooling) or an
    output size that divides the input size (window = stride = in / out)."""
    def export(g, call, name):
        m, t = call.module, call.tensors()[0]
        if getattr(m, "return_indices", False):
            raise UnsupportedOperatorError(f"{type(m).__name__} with return_indices=True "
                                           f"(in {call.where()})")
        n = _pool_n(m)
        x, unbatched = _batched(g, name(t), t, n)
        sizes = list(t.shape[-n:])
        outs = [i if o is None else int(o) for o, i in zip(_tuple_or_none(m.output_size, n),
                                                            sizes)]
        if all(o == 1 for o in outs):
            y = g.op(global_op, [x])
        elif all(o > 0 and i % o == 0 for i, o in zip(sizes, outs)):
            kernel = [i // o for i, o in zip(sizes, outs)]
            y = g.op(op_type, [x], kernel_shape=kernel, strides=kernel)
        else:
            raise UnsupportedOperatorError(
                f"{type(m).__name__} from size {sizes} to {outs} (in {call.where()}): ONNX "
                "pooling has one window size; only output 1 or a size dividing the input is "
                "exported")
        return [_unbatch(g, y, unbatched)]
    export.__name__ = f"export_adaptive_{op_type.lower()}"
    return export


def _tuple_or_none(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


# How each mode maps output coordinates to input ones, as ONNX Resize names it
_RESIZE_MODES = {
    "nearest": ("nearest", "asymmetric", "floor"),            # src = floor(dst / scale)
    "nearest-exact": ("nearest", "half_pixel", "round_prefer_ceil"),  # floor((dst + ½) / s)
    "linear": ("linear", "half_pixel", None), "bilinear": ("linear", "half_pixel", None),
}


def export_upsample(g, call, name):
    """Upsample as ONNX Resize, given per-axis scales (so the batch stays free).

    The scale is the one PyTorch maps coordinates with: ``scale_factor`` when given,
    else output size / input size. ``align_corners=True`` maps the corner pixels
    onto each other (``align_corners`` in ONNX)."""
    m, t = call.module, call.tensors()[0]
    if m.mode not in _RESIZE_MODES or m.recompute_scale_factor:
        raise UnsupportedOperatorError(f"Upsample with mode={m.mode!r}, recompute_scale_factor="
                                       f"{m.recompute_scale_factor} (in {call.where()})")
    g.require_opset(11, f"Upsample (in {call.where()})")
    mode, transform, nearest = _RESIZE_MODES[m.mode]
    if m.align_corners:
        transform = "align_corners"
    x, n = name(t), t.dim() - 2
    roi = g.const(np.zeros(0, dtype=np.float32), "roi")
    if m.scale_factor is not None:
        sf = m.scale_factor
        factors = [float(f) for f in (sf if isinstance(sf, tuple) else (sf,) * n)]
        scales = g.const(np.asarray([1.0, 1.0] + factors, dtype=np.float32), "scales")
        inputs = [x, roi, scales]
    else:   # the output size: (N, C) of the input at run time, then the spatial sizes
        lead = g.op("Slice", [g.op("Shape", [x]), g.ints([0], "starts"), g.ints([2], "ends")])
        sizes = g.op("Concat", [lead, g.ints(call.outputs[0].shape[2:], "sizes")], axis=0)
        inputs = [x, roi, g.const(np.zeros(0, dtype=np.float32), "scales"), sizes]
    return [g.op("Resize", inputs, mode=mode, coordinate_transformation_mode=transform,
                 nearest_mode=nearest)]


OP_EXPORTERS = {}
MODULE_EXPORTERS = {
    _conv.Conv1d: export_conv, _conv.Conv2d: export_conv,
    _conv.ConvTranspose1d: export_conv_transpose, _conv.ConvTranspose2d: export_conv_transpose,
    _pool.MaxPool1d: export_max_pool, _pool.MaxPool2d: export_max_pool,
    _pool.AvgPool1d: export_avg_pool, _pool.AvgPool2d: export_avg_pool,
    _pool.AdaptiveAvgPool1d: _adaptive("AveragePool", "GlobalAveragePool"),
    _pool.AdaptiveAvgPool2d: _adaptive("AveragePool", "GlobalAveragePool"),
    _pool.AdaptiveMaxPool1d: _adaptive("MaxPool", "GlobalMaxPool"),
    _pool.AdaptiveMaxPool2d: _adaptive("MaxPool", "GlobalMaxPool"),
    _up.Upsample: export_upsample, _up.UpsamplingNearest2d: export_upsample,
    _up.UpsamplingBilinear2d: export_upsample,
}
