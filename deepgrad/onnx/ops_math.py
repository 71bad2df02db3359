"""Exporters of arithmetic, elementwise functions, reductions and matmul (op level).

Each function receives the graph builder ``g``, the autograd node (which holds
the op's attributes, e.g. ``node.c`` for ``x * c``), the ONNX names of the
node's inputs, and the output Tensor; it returns the output's ONNX name.
Broadcasting needs no work: NumPy's rules and ONNX's are the same.
"""
import numpy as np

from ..nn.functional.activation import Softplus as SoftplusOp
from ..nn.functional.linear import Linear as LinearOp
from ..ops import arithmetic as A
from ..ops import convert as C
from ..ops import elementwise as E
from ..ops import linalg as L
from ..ops import reduce as R
from ..ops import softmax as S
from ..ops import special as SP
from .errors import UnsupportedOperatorError


def _unary(op_type):
    def export(g, node, ins, out):
        return g.op(op_type, [ins[0]])
    export.__name__ = f"export_{op_type.lower()}"
    return export


def _binary(op_type):
    def export(g, node, ins, out):
        return g.op(op_type, ins[:2])
    export.__name__ = f"export_{op_type.lower()}"
    return export


def scalar_of(node, out):
    """The Python number ``c`` of a scalar op (``x + c``, ``c - x``, ``c / x``): every scalar
    primitive keeps it on its node."""
    return node.c


def export_add_scalar(g, node, ins, out):
    return g.op("Add", [ins[0], g.scalar(scalar_of(node, out), out)])


def export_rsub_scalar(g, node, ins, out):
    return g.op("Sub", [g.scalar(scalar_of(node, out), out), ins[0]])


def export_mul_scalar(g, node, ins, out):
    return g.op("Mul", [ins[0], g.scalar(node.c, out)])


def export_div_scalar(g, node, ins, out):
    return g.op("Div", [ins[0], g.scalar(node.c, out)])


def export_rdiv_scalar(g, node, ins, out):
    return g.op("Div", [g.scalar(scalar_of(node, out), out), ins[0]])


def export_pow_scalar(g, node, ins, out):
    return g.op("Pow", [ins[0], g.scalar(node.c, out)])


def export_rpow_scalar(g, node, ins, out):
    return g.op("Pow", [g.scalar(node.c, out), ins[0]])


def export_rsqrt(g, node, ins, out):
    return g.op("Reciprocal", [g.op("Sqrt", [ins[0]])])


def export_clamp(g, node, ins, out):
    return g.clip(ins[0], node.lo, node.hi, out)


def export_softmax(g, node, ins, out):
    return g.softmax("Softmax", ins[0], int(node.dim), out.dim())


def export_log_softmax(g, node, ins, out):
    return g.softmax("LogSoftmax", ins[0], int(node.dim), out.dim())


def export_softplus(g, node, ins, out):
    """log(1 + e^(b x)) / b, and x itself where b x > threshold."""
    x, beta = ins[0], node.beta
    bx = g.op("Mul", [x, g.scalar(beta, out)])
    soft = g.op("Div", [g.op("Softplus", [bx]), g.scalar(beta, out)])
    above = g.op("Greater", [bx, g.scalar(node.threshold, out)])
    return g.op("Where", [above, x, soft])


def _reduction(op_type):
    def export(g, node, ins, out):
        axes = node.axes
        if axes == () and node.inputs[0].dim() > 0:
            return g.op("Identity", [ins[0]])   # summing over no axis changes nothing
        op = "ReduceMin" if getattr(node, "take_min", False) else op_type
        return g.reduce(op, ins[0], axes, node.keepdim)
    export.__name__ = f"export_{op_type.lower()}"
    return export


def export_max_dim(g, node, ins, out):
    """``x.max(dim)`` / ``x.min(dim)``: the values (output 0). The indices are integers,
    which carry no graph node; a model that uses them is refused by the probe run.
    The node does not say whether it took the max or the min: the traced values do."""
    x = node.inputs[0]._data
    maxima = np.max(x, axis=node.dim, keepdims=node.keepdim)
    took_max = np.array_equal(maxima, out._data, equal_nan=True)
    op = "ReduceMax" if took_max else "ReduceMin"
    return g.reduce(op, ins[0], [node.dim], node.keepdim)


def export_logsumexp(g, node, ins, out):
    return g.reduce("ReduceLogSumExp", ins[0], node.axes, node.keepdim)


def export_cumsum(g, node, ins, out):
    g.require_opset(11, "cumsum")
    axis = g.const(np.asarray(int(node.dim) % max(out.dim(), 1), dtype=np.int64), "axis")
    return g.op("CumSum", [ins[0], axis])


def export_where(g, node, ins, out):
    cond = ins[0]
    if node.inputs[0]._data.dtype != np.bool_:
        cond = g.op("Cast", [cond], to=g.onnx.TensorProto.BOOL)
    return g.op("Where", [cond, ins[1], ins[2]])


def export_matmul(g, node, ins, out):
    """A @ B, with the node's flags for a transposed operand (Aᵀ B or A Bᵀ)."""
    a, b = ins
    if node.ta:
        a = g.transpose_last2(a, node.inputs[0].dim())
    if node.tb:
        b = g.transpose_last2(b, node.inputs[1].dim())
    return g.op("MatMul", [a, b])


def export_linear_op(g, node, ins, out):
    """F.linear: x Wᵀ + b."""
    y = g.op("MatMul", [ins[0], g.op("Transpose", [ins[1]], perm=[1, 0])])
    return y if len(ins) < 3 or ins[2] is None else g.op("Add", [y, ins[2]])


def export_cast(g, node, ins, out):
    to = g.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(out._data.dtype))
    return g.op("Cast", [ins[0]], to=to)


OP_EXPORTERS = {
    A.Add: _binary("Add"), A.Sub: _binary("Sub"), A.Mul: _binary("Mul"), A.Div: _binary("Div"),
    A.Pow: _binary("Pow"), A.Neg: _unary("Neg"),
    A.AddScalar: export_add_scalar, A.RSubScalar: export_rsub_scalar,
    A.MulScalar: export_mul_scalar, A.DivScalar: export_div_scalar,
    A.RDivScalar: export_rdiv_scalar, A.PowScalar: export_pow_scalar,
    A.RPowScalar: export_rpow_scalar,
    E.Exp: _unary("Exp"), E.Log: _unary("Log"), E.Sqrt: _unary("Sqrt"), E.Rsqrt: export_rsqrt,
    E.Abs: _unary("Abs"), E.Sin: _unary("Sin"), E.Cos: _unary("Cos"), E.Tan: _unary("Tan"),
    E.Tanh: _unary("Tanh"), E.Sigmoid: _unary("Sigmoid"), E.Relu: _unary("Relu"),
    E.Clamp: export_clamp, E.Maximum: _binary("Max"), E.Minimum: _binary("Min"),
    SP.Erf: _unary("Erf"),
    S.Softmax: export_softmax, S.LogSoftmax: export_log_softmax,
    SoftplusOp: export_softplus,
    R.Sum: _reduction("ReduceSum"), R.Mean: _reduction("ReduceMean"),
    R.Amax: _reduction("ReduceMax"), R.MaxDim: export_max_dim,
    R.LogSumExp: export_logsumexp, R.Cumsum: export_cumsum, E.Where: export_where,
    L.Matmul: export_matmul, LinearOp: export_linear_op,
    C.Cast: export_cast, C.Clone: _unary("Identity"),
}
MODULE_EXPORTERS = {}
