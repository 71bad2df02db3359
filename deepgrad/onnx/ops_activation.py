"""Exporters of activation layers (``nn.ReLU`` ... ``nn.LogSoftmax``).

Most map to one ONNX op with the same formula; the others are written from
ONNX ops, with the formula beside them. The functional forms used inside a
custom ``forward`` (``F.relu``, ``x.sigmoid()``, ``F.softmax``) are exported op
by op from their primitives (``ops_math``).
"""
import math

from ..nn.modules import activation as M


def _simple(op_type, **fixed):
    def export(g, call, name):
        return [g.op(op_type, [name(call.tensors()[0])], **fixed)]
    export.__name__ = f"export_{op_type.lower()}"
    return export


def _x(call, name):
    t = call.tensors()[0]
    return t, name(t)


def export_leaky_relu(g, call, name):
    return [g.op("LeakyRelu", [_x(call, name)[1]], alpha=float(call.module.negative_slope))]


def export_elu(g, call, name):
    return [g.op("Elu", [_x(call, name)[1]], alpha=float(call.module.alpha))]


def export_celu(g, call, name):
    """max(0, x) + min(0, α (exp(x / α) - 1)); an op of its own from opset 12."""
    t, x = _x(call, name)
    alpha = float(call.module.alpha)
    if g.opset >= 12:
        return [g.op("Celu", [x], alpha=alpha)]
    zero, a = g.scalar(0.0, t), g.scalar(alpha, t)
    neg = g.op("Mul", [g.op("Sub", [g.op("Exp", [g.op("Div", [x, a])]), g.scalar(1.0, t)]), a])
    return [g.op("Add", [g.op("Max", [x, zero]), g.op("Min", [neg, zero])])]


def export_hardswish(g, call, name):
    """x · hardsigmoid(x) = x · clip(x / 6 + 1/2, 0, 1); an op of its own from opset 14."""
    x = _x(call, name)[1]
    if g.opset >= 14:
        return [g.op("HardSwish", [x])]
    return [g.op("Mul", [x, g.op("HardSigmoid", [x], alpha=1 / 6, beta=0.5)])]


def export_hardtanh(g, call, name):
    t, x = _x(call, name)
    m = call.module
    return [g.clip(x, m.min_val, m.max_val, t)]


def export_relu6(g, call, name):
    t, x = _x(call, name)
    return [g.clip(x, 0.0, 6.0, t)]


def export_gelu(g, call, name):
    """Exact: x Φ(x) = x (1 + erf(x / √2)) / 2.
    'tanh': x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2.
    Opset 20 has a Gelu op; before it the formula is written out."""
    t, x = _x(call, name)
    approximate = call.module.approximate
    if g.opset >= 20:
        return [g.op("Gelu", [x], approximate=approximate)]
    if approximate == "tanh":
        cube = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = g.op("Add", [x, g.op("Mul", [cube, g.scalar(0.044715, t)])])
        core = g.op("Tanh", [g.op("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), t)])])
    else:
        core = g.op("Erf", [g.op("Mul", [x, g.scalar(1 / math.sqrt(2.0), t)])])
    half = g.op("Mul", [g.op("Add", [core, g.scalar(1.0, t)]), g.scalar(0.5, t)])
    return [g.op("Mul", [x, half])]


def export_silu(g, call, name):
    """x σ(x)."""
    x = _x(call, name)[1]
    return [g.op("Mul", [x, g.op("Sigmoid", [x])])]


def export_mish(g, call, name):
    """x tanh(softplus(x))."""
    x = _x(call, name)[1]
    return [g.op("Mul", [x, g.op("Tanh", [g.op("Softplus", [x])])])]


def export_softplus(g, call, name):
    """log(1 + e^(βx)) / β, and x itself where βx > threshold."""
    t, x = _x(call, name)
    m = call.module
    bx = g.op("Mul", [x, g.scalar(m.beta, t)])
    soft = g.op("Div", [g.op("Softplus", [bx]), g.scalar(m.beta, t)])
    return [g.op("Where", [g.op("Greater", [bx, g.scalar(m.threshold, t)]), x, soft])]


def export_threshold(g, call, name):
    """x where x > threshold, else value."""
    t, x = _x(call, name)
    m = call.module
    above = g.op("Greater", [x, g.scalar(m.threshold, t)])
    return [g.op("Where", [above, x, g.scalar(m.value, t)])]


def export_prelu(g, call, name):
    """max(0, x) + a min(0, x), one a per channel (axis 1): the slope is reshaped to
    (C, 1, ..., 1) so that ONNX broadcasting puts it on axis 1."""
    t, x = _x(call, name)
    w = g.tensor(call.module.weight)
    if t.dim() >= 2:
        shape = [-1] + [1] * (t.dim() - 2)
        w = g.op("Reshape", [w, g.ints(shape)])
    return [g.op("PRelu", [x, w])]


def export_log_sigmoid(g, call, name):
    """log σ(x) = -softplus(-x)."""
    x = _x(call, name)[1]
    return [g.op("Neg", [g.op("Softplus", [g.op("Neg", [x])])])]


def export_tanhshrink(g, call, name):
    """x - tanh(x)."""
    x = _x(call, name)[1]
    return [g.op("Sub", [x, g.op("Tanh", [x])])]


def _softmax_axis(call):
    t = call.tensors()[0]
    dim = call.module.dim
    if dim is None:   # torch's legacy rule for a missing dim
        dim = 0 if t.dim() in (0, 1, 3) else 1
    return int(dim) % max(t.dim(), 1)


def export_softmax(g, call, name):
    t, x = _x(call, name)
    return [g.softmax("Softmax", x, _softmax_axis(call), t.dim())]


def export_log_softmax(g, call, name):
    t, x = _x(call, name)
    return [g.softmax("LogSoftmax", x, _softmax_axis(call), t.dim())]


def export_softmin(g, call, name):
    t, x = _x(call, name)
    return [g.softmax("Softmax", g.op("Neg", [x]), _softmax_axis(call), t.dim())]


def export_glu(g, call, name):
    """a σ(b), where a and b are the two halves of x along ``dim``."""
    t, x = _x(call, name)
    axis = int(call.module.dim) % t.dim()
    half = t.shape[axis] // 2
    if g.opset >= 18:
        a, b = g.op("Split", [x], outputs=2, axis=axis, num_outputs=2)
    elif g.opset >= 13:
        a, b = g.op("Split", [x, g.ints([half, half], "split")], outputs=2, axis=axis)
    else:
        a, b = g.op("Split", [x], outputs=2, axis=axis, split=[half, half])
    return [g.op("Mul", [a, g.op("Sigmoid", [b])])]


def export_rrelu(g, call, name):
    """In eval mode RReLU is a leaky ReLU with slope (lower + upper) / 2."""
    m = call.module
    return [g.op("LeakyRelu", [_x(call, name)[1]], alpha=(m.lower + m.upper) / 2)]


OP_EXPORTERS = {}
MODULE_EXPORTERS = {
    M.ReLU: _simple("Relu"), M.Sigmoid: _simple("Sigmoid"), M.Tanh: _simple("Tanh"),
    M.SELU: _simple("Selu"), M.Softsign: _simple("Softsign"),
    M.Hardsigmoid: _simple("HardSigmoid", alpha=1 / 6, beta=0.5),
    M.Hardswish: export_hardswish,
    M.LeakyReLU: export_leaky_relu, M.ELU: export_elu, M.CELU: export_celu,
    M.Hardtanh: export_hardtanh, M.ReLU6: export_relu6, M.GELU: export_gelu,
    M.SiLU: export_silu, M.Mish: export_mish, M.Softplus: export_softplus,
    M.Threshold: export_threshold, M.PReLU: export_prelu, M.LogSigmoid: export_log_sigmoid,
    M.Tanhshrink: export_tanhshrink, M.Softmax: export_softmax,
    M.LogSoftmax: export_log_softmax, M.Softmin: export_softmin, M.GLU: export_glu,
    M.RReLU: export_rrelu,
}
