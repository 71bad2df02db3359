"""Exporters of Linear and Embedding layers.

Linear: y = x Wᵀ + b. A 2-D input is one ``Gemm`` (which takes ``transB=1`` and the
bias directly); an input with more axes is ``MatMul`` with ``Wᵀ`` then ``Add``.
Embedding: row lookup, ``Gather(weight, indices, axis=0)``.
"""
from ..nn.modules import linear as _linear
from ..nn.modules import sparse as _sparse
from .errors import UnsupportedOperatorError


def export_linear(g, call, name):
    m, (x,) = call.module, call.tensors()
    w = g.tensor(m.weight)
    b = None if m.bias is None else g.tensor(m.bias)
    if x.dim() == 2:
        return [g.op("Gemm", [name(x), w, b], transB=1)]
    y = g.op("MatMul", [name(x), g.op("Transpose", [w], perm=[1, 0])])
    return [y if b is None else g.op("Add", [y, b])]


def export_embedding(g, call, name):
    m, (idx,) = call.module, call.tensors()
    if m.max_norm is not None:
        raise UnsupportedOperatorError(
            f"Embedding with max_norm (in {call.where()}) renormalises its weight while "
            "running; deepgrad.onnx.export cannot write that")
    return [g.op("Gather", [g.tensor(m.weight), name(idx)], axis=0)]


OP_EXPORTERS = {}
MODULE_EXPORTERS = {_linear.Linear: export_linear, _sparse.Embedding: export_embedding}
