"""Exporter of scaled dot-product attention, written out as ONNX MatMul and Softmax.

    O = softmax(Q Kᵀ · scale + M) V

``F.scaled_dot_product_attention`` is one fused node in deepgrad; its inputs are
Q, K, V and, when there is a mask, the additive mask M (a boolean or causal mask
has already become 0 / -inf). ``nn.MultiheadAttention`` needs no exporter of its
own: its forward is traced through its projections (``F.linear``), reshapes and
this node (or, with ``need_weights=True``, plain matmul and softmax).

Differences from deepgrad kept in the file: a query whose keys are all masked
gives NaN in ONNX's Softmax where deepgrad gives 0; dropout on the weights cannot
be exported (export runs in eval mode, where MultiheadAttention uses none).
"""
from ..nn.functional.attention import ScaledDotProductAttention
from .errors import UnsupportedOperatorError


def _repeat_heads(g, x, t, repeat):
    """Each head (axis -3) repeated ``repeat`` times in a row (grouped-query attention):
    (..., H, S, E) -> (..., H, 1, S, E) -> (..., H, r, S, E) -> (..., H·r, S, E)."""
    if repeat == 1:
        return x
    nd = t.dim()
    grown = g.unsqueeze(x, [nd - 2])
    tiles = [1] * (nd - 2) + [repeat, 1, 1]
    tiled = g.op("Tile", [grown, g.ints(tiles, "repeats")])
    *lead, heads, _s, e = t.shape
    target = [0] * len(lead) + [heads * repeat, -1, e]   # -1: the sequence, maybe dynamic
    return g.op("Reshape", [tiled, g.ints(target)])


def export_sdpa(g, node, ins, out):
    if node.keep is not None:
        raise UnsupportedOperatorError(
            "scaled_dot_product_attention with dropout_p > 0 is random; export it with "
            "dropout_p=0.0 (as in eval mode)")
    q_t, k_t, v_t = node.inputs[:3]
    q, k, v = ins[:3]
    k = _repeat_heads(g, k, k_t, node.k_repeat)
    v = _repeat_heads(g, v, v_t, node.v_repeat)
    scores = g.op("MatMul", [q, g.transpose_last2(k, k_t.dim())])
    scores = g.op("Mul", [scores, g.scalar(node.scale, out)])
    if len(ins) > 3 and ins[3] is not None:
        scores = g.op("Add", [scores, ins[3]])
    weights = g.softmax("Softmax", scores, -1, out.dim())
    return g.op("MatMul", [weights, v])


OP_EXPORTERS = {ScaledDotProductAttention: export_sdpa}
MODULE_EXPORTERS = {}
