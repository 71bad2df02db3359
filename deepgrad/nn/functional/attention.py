"""Scaled dot-product attention, the core of every Transformer, as one fused graph node.

Each query vector asks "which keys look like me?"; the answer weights the values:

    S = Q K^T * scale + M          Q (..., L, E), K (..., S, E)  ->  scores S (..., L, S)
    A = softmax(S) along the keys   each row of A sums to 1 (the attention weights)
    O = dropout(A) V                V (..., S, Ev)                ->  output O (..., L, Ev)

``scale`` defaults to 1/sqrt(E): with unit-variance entries a dot product of length E
has variance E, and dividing by sqrt(E) keeps the softmax out of its flat, saturated
region. M is the additive mask: a float mask is added as it is; a boolean mask keeps
the positions that are True (0) and removes the others (-inf, so exp gives 0);
``is_causal`` removes every key after the query's own position (j > i: the "top-left"
causal mask, also for L != S). A row whose scores are all -inf attends to nothing: its
weights and output are 0, as in torch (a plain softmax would give 0/0 = NaN).

Gradients, with G = dO, D the dropout mask (0 or 1/(1-p)) and Ad = A * D:

    dV = Ad^T G
    dA = (G V^T) * D
    dS = A * (dA - rowsum(dA * A))        the softmax backward
    dQ = scale * dS K,   dK = scale * dS^T Q,   dM = dS (summed to the mask's shape)

Grouped-query attention (``enable_gqa``): K and V may have fewer heads (dim -3) than Q;
each of their heads serves a group of consecutive query heads (torch's
``repeat_interleave``), so its gradient is the sum over its group.

The forward and the plain backward run on arrays. The backward is written with
differentiable ops; under ``create_graph=True`` it recomputes A from Q, K and M with
recorded ops (the saved A is a constant to the graph), so double backward is exact.
"""
import math

import numpy as np

from ...autograd.function import ArrayFunction
from ...autograd.grad_mode import _state as _grad_state
from ...backend import move_array
from ...ops import convert as _convert
from ...ops import shape as _shape
from ...ops._util import broadcast_shapes, constant
from ...ops.arithmetic import sum_to
from ...ops.elementwise import masked_fill
from ...ops.linalg import Matmul
from ...ops.softmax import SoftmaxBackward, softmax
from ...tensor import Tensor
from .dropout import _keep_mask


class ScaledDotProductAttention(ArrayFunction):
    """O = dropout(softmax(Q K^T * scale + M)) V for inputs (q, k, v[, mask]).

    Attributes: ``scale``; ``keep``, the dropout multiplier array (None: no dropout);
    ``k_repeat``/``v_repeat``, how many query heads share one key/value head.
    """

    def forward(self, q, k, v, bias=None, *, scale, keep=None, k_repeat=1, v_repeat=1):
        self.scale, self.keep = scale, keep
        self.k_repeat, self.v_repeat = k_repeat, v_repeat
        scores = q @ _repeat_heads(k, k_repeat).swapaxes(-1, -2)
        scores *= scale  # a fresh array: scaling in place saves one temporary
        if bias is not None:
            scores = scores + bias  # may broadcast the scores to a larger batch shape
        self.probs, self.dead_rows = _safe_softmax(scores)
        weights = self.probs if keep is None else self.probs * keep
        return weights @ _repeat_heads(v, v_repeat)

    def backward(self, g):
        q, k, v = self.inputs[0], self.inputs[1], self.inputs[2]
        bias = self.inputs[3] if len(self.inputs) > 3 else None
        need = self.needs_input_grad
        kr = _repeat_heads_tensor(k, self.k_repeat)
        vr = _repeat_heads_tensor(v, self.v_repeat)
        if _grad_state.enabled:  # create_graph: A must be a recorded function of Q, K, M
            probs = _recorded_probs(q, kr, bias, self.scale, self.dead_rows)
        else:
            probs = constant(self.probs, g)
        keep = None if self.keep is None else constant(self.keep, g)
        grads = [None] * len(need)
        if need[2]:
            weights = probs if keep is None else probs * keep
            grads[2] = _sum_heads(Matmul.apply(weights, g, ta=True), v, self.v_repeat)
        if need[0] or need[1] or (bias is not None and need[3]):
            d_weights = Matmul.apply(g, vr, tb=True)
            if keep is not None:
                d_weights = d_weights * keep
            d_scores = SoftmaxBackward.apply(d_weights, probs, dim=-1)
            if bias is not None and need[3]:
                grads[3] = sum_to(d_scores, bias._data.shape)
            d_scores = d_scores * self.scale
            if need[0]:
                grads[0] = sum_to(Matmul.apply(d_scores, kr), q._data.shape)
            if need[1]:
                grads[1] = _sum_heads(Matmul.apply(d_scores, q, ta=True), k, self.k_repeat)
        return tuple(grads)


def _safe_softmax(scores):
    """Softmax along the last axis; rows that are all -inf give 0 instead of NaN.

    Returns (probabilities, dead_rows) with dead_rows a (..., L, 1) boolean array, or None
    when every row has at least one finite score.
    """
    if scores.shape[-1] == 0:  # no keys: nothing to attend to, the output is 0
        return scores.copy(), None
    row_max = scores.max(axis=-1, keepdims=True)
    dead = row_max == -np.inf
    # NumPy: skip the masking when no row is dead. A device array always takes the masked
    # path instead, which gives the same values without waiting for the GPU to answer.
    if isinstance(dead, np.ndarray) and not dead.any():
        dead = None
    else:
        row_max = np.where(dead, 0.0, row_max)  # exp(-inf - 0) = 0 for the whole row
    e = np.exp(scores - row_max)
    total = e.sum(axis=-1, keepdims=True)
    if dead is not None:
        total[dead] = 1.0  # 0 / 1 = 0
    e /= total
    return e, dead


def _recorded_probs(q, kr, bias, scale, dead_rows):
    """softmax(Q K^T * scale + M) with recorded ops (for create_graph), dead rows zeroed."""
    scores = Matmul.apply(q, kr, tb=True) * scale
    if bias is not None:
        scores = scores + bias
    if dead_rows is None:
        return softmax(scores, -1)
    scores = masked_fill(scores, constant(dead_rows, q), 0.0)
    alive = constant((~dead_rows).astype(q._data.dtype), q)
    return softmax(scores, -1) * alive


def _repeat_heads(x, repeat):
    """Each head (dim -3) repeated ``repeat`` times in place: torch's repeat_interleave."""
    return x if repeat == 1 else np.repeat(x, repeat, axis=-3)


def _repeat_heads_tensor(x, repeat):
    """``_repeat_heads`` with recorded ops: (..., H, S, E) -> (..., H, r, S, E) -> (..., H*r, S, E)."""
    if repeat == 1:
        return x
    *lead, heads, s, e = x._data.shape
    grouped = _shape.expand(_shape.unsqueeze(x, -3), (*lead, heads, repeat, s, e))
    return _shape.reshape(grouped, (*lead, heads * repeat, s, e))


def _sum_heads(grad, x, repeat):
    """The gradient of ``_repeat_heads`` (sum each group of copies), then of broadcasting."""
    if repeat > 1:
        *lead, heads, s, e = grad._data.shape
        grad = _shape.reshape(grad, (*lead, heads // repeat, repeat, s, e)).sum(-3)
    return sum_to(grad, x._data.shape)


# --- the functional API ----------------------------------------------------------------

def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, *, scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + M) V, one graph node (see the module docstring for the maths).

    Args:
        query: (N, ..., Hq, L, E).  key: (N, ..., H, S, E).  value: (N, ..., H, S, Ev).
            Leading (batch) dims broadcast against each other.
        attn_mask (Tensor, optional): broadcastable to the weights' shape (N, ..., Hq, L, S);
            boolean (True = takes part in attention) or float (added to the scores).
        dropout_p (float): dropout probability on the attention weights, applied whenever
            it is > 0 (pass 0.0 in evaluation, as with torch). Default: 0.0.
        is_causal (bool): mask out keys j > i (top-left aligned); not with attn_mask.
        scale (float, keyword-only): default 1/sqrt(E).
        enable_gqa (bool, keyword-only): allow key/value with fewer heads than query;
            each must divide the number of query heads. Default: False.
    Returns: (N, ..., Hq, L, Ev), contiguous.

    Example::

        q = k = v = deepgrad.randn(2, 8, 16, 64)       # (batch, heads, sequence, head dim)
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (2, 8, 16, 64)
    """
    q, k, v = query, key, value
    _check_qkv(q, k, v)
    k_repeat = v_repeat = 1
    if enable_gqa:
        k_repeat, v_repeat = _gqa_repeats(q, k, v)
    qs, ks, vs = q._data.shape, k._data.shape, v._data.shape
    k_heads = ks[:-3] + (ks[-3] * k_repeat,) if len(ks) >= 3 else ks[:-2]
    v_heads = vs[:-3] + (vs[-3] * v_repeat,) if len(vs) >= 3 else vs[:-2]
    batch = broadcast_shapes(qs[:-2], k_heads, v_heads)
    score_shape = tuple(batch) + (qs[-2], ks[-2])
    dropout_p = float(dropout_p)
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    bias = _mask_as_bias(attn_mask, is_causal, q, score_shape)
    if scale is None:
        scale = 1.0 / math.sqrt(qs[-1]) if qs[-1] else 1.0
    keep = _dropout_multiplier(dropout_p, score_shape, q) if dropout_p > 0.0 else None
    attrs = dict(scale=float(scale), keep=keep, k_repeat=k_repeat, v_repeat=v_repeat)
    if bias is None:
        return ScaledDotProductAttention.apply(q, k, v, **attrs)
    return ScaledDotProductAttention.apply(q, k, v, bias, **attrs)


def _check_qkv(q, k, v):
    for name, t in (("query", q), ("key", k), ("value", v)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): {name} must be a Tensor, got "
                            f"{type(t).__name__}")
    if min(q._data.ndim, k._data.ndim, v._data.ndim) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be at least 2 dimensional, "
                           f"but got query.dim: {q._data.ndim} key.dim: {k._data.ndim} and "
                           f"value.dim: {v._data.ndim} instead.")
    if not q._data.dtype == k._data.dtype == v._data.dtype:
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {q.dtype} key.dtype: {k.dtype} and value.dtype: "
                           f"{v.dtype} instead.")
    if q._data.dtype.kind != "f":
        raise RuntimeError(f"scaled_dot_product_attention(): expected floating-point query, "
                           f"key and value, but got {q.dtype}")
    qs, ks, vs = q._data.shape, k._data.shape, v._data.shape
    if qs[-1] != ks[-1]:
        raise RuntimeError(f"scaled_dot_product_attention(): query and key must have the same "
                           f"embedding size E (last dim), but got query {list(qs)} and key "
                           f"{list(ks)}")
    if ks[-2] != vs[-2]:
        raise RuntimeError(f"scaled_dot_product_attention(): key and value must have the same "
                           f"sequence length S (dim -2), but got key {list(ks)} and value "
                           f"{list(vs)}")


def _gqa_repeats(q, k, v):
    """How many query heads share each key head and each value head (dim -3)."""
    for name, t in (("query", q), ("key", k), ("value", v)):
        if t._data.ndim < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [-2, 1], but "
                             f"got -3): enable_gqa needs a heads dim (-3) in {name}, whose "
                             f"shape is {list(t._data.shape)}")
    hq, hk, hv = q._data.shape[-3], k._data.shape[-3], v._data.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError(f"Number of heads in key and value must divide the number of heads "
                           f"in query: query has {hq}, key {hk} and value {hv} heads")
    return hq // hk, hq // hv


def _mask_as_bias(attn_mask, is_causal, q, score_shape):
    """The additive mask M as a Tensor (None when there is none)."""
    L, S = score_shape[-2], score_shape[-1]
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
        allowed = np.tril(np.ones_like(q._data, shape=(L, S), dtype=bool))  # key j <= query i
        return constant(_bool_to_bias(allowed, q), q)
    if attn_mask is None:
        return None
    kind = attn_mask._data.dtype.kind
    if kind not in "bf":
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {attn_mask.dtype} and query.dtype: "
                           f"{q.dtype} instead.")
    mshape = attn_mask._data.shape
    try:
        grown = broadcast_shapes(mshape, score_shape)
    except RuntimeError:
        grown = None
    if grown != score_shape:
        raise RuntimeError(f"scaled_dot_product_attention(): attn_mask of shape {list(mshape)} "
                           f"does not broadcast to the attention weights' shape "
                           f"{list(score_shape)} (batch..., L, S)")
    if kind == "b":
        return constant(_bool_to_bias(attn_mask._data, q), q)
    if attn_mask._data.dtype != q._data.dtype:
        return _convert.cast(attn_mask, q._data.dtype)
    return attn_mask


def _bool_to_bias(allowed, q):
    """0 where a key takes part, -inf where it does not, in the query's dtype and device."""
    bias = np.where(allowed, 0.0, -np.inf).astype(q._data.dtype, copy=False)
    return move_array(bias, q._device)


def _dropout_multiplier(p, shape, q):
    """The dropout mask times 1/(1-p) (all zeros for p = 1), drawn from deepgrad's RNG."""
    if p == 1.0:
        return np.zeros_like(q._data, shape=shape)
    keep = _keep_mask(shape, p, q, None).astype(q._data.dtype)
    keep *= 1.0 / (1.0 - p)
    return keep
