"""Exporters of normalisation layers, in eval mode.

* BatchNorm (eval): y = (x - running_mean) / √(running_var + eps) · γ + β,
  ONNX ``BatchNormalization`` with the running statistics.
* LayerNorm: normalise over the last ``len(normalized_shape)`` axes, ONNX
  ``LayerNormalization`` (opset 17).
* GroupNorm: x as (N, G, rest), each row normalised, then γ, β per channel.
  Written out with ReduceMean so that it means the same in every opset (ONNX's
  GroupNormalization changed meaning in opset 21).
"""
import numpy as np

from ..nn.modules import batchnorm as _bn
from ..nn.modules import normalization as _norm
from .errors import UnsupportedOperatorError


def _ones_or(g, param, shape, like, value):
    """The parameter's initializer, or a constant filled with ``value`` when it is absent."""
    if param is not None:
        return g.tensor(param)
    return g.const(np.full(shape, value, dtype=like._data.dtype), "ones" if value else "zeros")


def export_batch_norm(g, call, name):
    m, t = call.module, call.tensors()[0]
    if m.running_mean is None:
        raise UnsupportedOperatorError(
            f"{type(m).__name__} with track_running_stats=False (in {call.where()}) uses the "
            "statistics of each batch even in eval mode; it is not exported")
    c = m.num_features
    scale = _ones_or(g, m.weight, (c,), t, 1.0)
    bias = _ones_or(g, m.bias, (c,), t, 0.0)
    return [g.op("BatchNormalization", [name(t), scale, bias, g.tensor(m.running_mean),
                                        g.tensor(m.running_var)], epsilon=float(m.eps))]


def export_instance_norm(g, call, name):
    m, t = call.module, call.tensors()[0]
    if m.track_running_stats:
        raise UnsupportedOperatorError(f"{type(m).__name__} with track_running_stats=True "
                                       f"(in {call.where()})")
    x, unbatched = name(t), t.dim() == m._spatial + 1
    if unbatched:
        x = g.unsqueeze(x, [0])
    c = m.num_features
    y = g.op("InstanceNormalization", [x, _ones_or(g, m.weight, (c,), t, 1.0),
                                       _ones_or(g, m.bias, (c,), t, 0.0)], epsilon=float(m.eps))
    return [g.squeeze(y, [0]) if unbatched else y]


def export_layer_norm(g, call, name):
    """LayerNormalization from opset 17; before, (x - mean) / √(var + eps) · γ + β written
    out over the last ``len(normalized_shape)`` axes."""
    m, t = call.module, call.tensors()[0]
    shape = m.normalized_shape
    scale = _ones_or(g, m.weight, shape, t, 1.0)
    bias = None if m.bias is None else g.tensor(m.bias)
    if g.opset >= 17:
        return [g.op("LayerNormalization", [name(t), scale, bias], axis=-len(shape),
                     epsilon=float(m.eps))]
    axes = list(range(-len(shape), 0))
    centred = g.op("Sub", [name(t), g.reduce("ReduceMean", name(t), axes, keepdims=True)])
    var = g.reduce("ReduceMean", g.op("Mul", [centred, centred]), axes, keepdims=True)
    y = g.op("Div", [centred, g.op("Sqrt", [g.op("Add", [var, g.scalar(m.eps, t)])])])
    y = g.op("Mul", [y, scale])
    return [y if bias is None else g.op("Add", [y, bias])]


def export_group_norm(g, call, name):
    """(x - mean) / √(var + eps) over each group's channels and positions, then γ, β."""
    m, t = call.module, call.tensors()[0]
    x = name(t)
    rows = g.op("Reshape", [x, g.ints([0, m.num_groups, -1])])
    mean = g.reduce("ReduceMean", rows, [2], keepdims=True)
    centred = g.op("Sub", [rows, mean])
    var = g.reduce("ReduceMean", g.op("Mul", [centred, centred]), [2], keepdims=True)
    std = g.op("Sqrt", [g.op("Add", [var, g.scalar(m.eps, t)])])
    y = g.op("Reshape", [g.op("Div", [centred, std]), g.op("Shape", [x])])
    if not m.affine:
        return [y]
    per_channel = g.ints([-1] + [1] * (t.dim() - 2))
    y = g.op("Mul", [y, g.op("Reshape", [g.tensor(m.weight), per_channel])])
    if m.bias is not None:
        y = g.op("Add", [y, g.op("Reshape", [g.tensor(m.bias), per_channel])])
    return [y]


OP_EXPORTERS = {}
MODULE_EXPORTERS = {
    _bn.BatchNorm1d: export_batch_norm, _bn.BatchNorm2d: export_batch_norm,
    _bn.BatchNorm3d: export_batch_norm,
    _bn.InstanceNorm1d: export_instance_norm, _bn.InstanceNorm2d: export_instance_norm,
    _bn.InstanceNorm3d: export_instance_norm,
    _norm.LayerNorm: export_layer_norm, _norm.GroupNorm: export_group_norm,
}
