"""Multi-head attention: h attention "heads" look at the sequence through different projections.

    head_i = Attention(Q W_q_i, K W_k_i, V W_v_i)          W_*_i: (E, E/h) slices of the
    MultiHead(Q, K, V) = concat(head_1 .. head_h) W_o + b_o  input projections

with Attention(q, k, v) = softmax(q k^T / sqrt(E/h) + M) v. One (3E, E) matrix
``in_proj_weight`` holds W_q, W_k and W_v one under the other (or three separate
matrices when key and value have other sizes than the query). Sequences are (L, N, E):
length first, as in torch.

Masks, in torch's (MultiheadAttention's) convention: a boolean ``attn_mask`` or
``key_padding_mask`` is True where attention is *not* allowed (it becomes -inf); a float
mask is added to the scores. Both are merged into one additive mask.

Two paths, as in torch: with ``need_weights`` the weights are computed with separate
ops (softmax, dropout, matmul) so they can be returned, and a query row whose keys are
all masked gives NaN; without, the fused ``scaled_dot_product_attention`` runs and such a
row gives 0.
"""
import math
import warnings

import numpy as np

from ... import dtypes
from ...creation import zeros
from ...ops import linalg as _linalg
from ...ops import shape as _shape
from ...ops.softmax import softmax
from ...tensor import Tensor
from .attention import scaled_dot_product_attention
from .dropout import dropout
from .linear import linear


def _none_or_dtype(input):  # noqa: A002 - torch's name
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or deepgrad.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A mask as an additive float mask: True (not allowed) -> -inf, False -> 0; floats pass."""
    if mask is None:
        return None
    kind = mask._data.dtype.kind
    if kind not in "bf":
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      f"same type for both instead.", UserWarning, stacklevel=2)
    if kind == "f":
        return mask
    additive = np.zeros_like(mask._data, dtype=dtypes.to_numpy_dtype(target_type))
    additive[mask._data] = -np.inf
    return Tensor._make(additive, mask._device)


def _in_projection_packed(q, k, v, w, b=None):
    """q W_q^T + b_q, k W_k^T + b_k, v W_v^T + b_v with W = [W_q; W_k; W_v] packed in rows."""
    E = q.shape[-1]
    if k is v and q is k:  # self-attention: one matrix product for all three
        return linear(q, w, b).chunk(3, -1)
    if k is v:  # encoder-decoder attention: one product for key and value
        w_q, w_kv = w.split([E, 2 * E])
        b_q, b_kv = (None, None) if b is None else b.split([E, 2 * E])
        return (linear(q, w_q, b_q),) + linear(k, w_kv, b_kv).chunk(2, -1)
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    """Three separate projections (key and value sizes kdim, vdim may differ from E)."""
    Eq, Ek, Ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for name, w, shape in (("query", w_q, (Eq, Eq)), ("key", w_k, (Eq, Ek)),
                           ("value", w_v, (Eq, Ev))):
        if tuple(w.shape) != shape:
            raise AssertionError(f"expecting {name} weights shape of {shape}, but got "
                                 f"{tuple(w.shape)}")
    for name, b in (("query", b_q), ("key", b_k), ("value", b_v)):
        if b is not None and tuple(b.shape) != (Eq,):
            raise AssertionError(f"expecting {name} bias shape of {(Eq,)}, but got "
                                 f"{tuple(b.shape)}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True for batched (L, N, E) inputs, False for unbatched (L, E); errors as torch's."""
    if query.dim() not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.dim()}-D query tensor")
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be "
                             f"{query.dim()}-D but found {key.dim()}-D and {value.dim()}-D "
                             f"tensors respectively")
    want = 2 if batched else 1
    if key_padding_mask is not None and key_padding_mask.dim() != want:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{want}-D but found {key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None:
        if attn_mask.dim() not in (2, 3):
            raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D "
                                 f"or 3-D but found {attn_mask.dim()}-D tensor instead")
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.dim() == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                 f"{tuple(attn_mask.shape)}")
    return batched


def _check_attn_mask_shape(attn_mask, tgt_len, src_len, bsz, num_heads):
    """A 2-D mask (L, S) gains a leading 1; a 3-D one must be (N * num_heads, L, S)."""
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but "
                               f"should be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
        raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but "
                           f"should be {(bsz * num_heads, tgt_len, src_len)}.")
    return attn_mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """The computation of ``nn.MultiheadAttention`` (torch's functional form, same arguments).

    Shapes: query (L, N, E) or (L, E); key (S, N, kdim), value (S, N, vdim) (or unbatched);
    key_padding_mask (N, S) or (S); attn_mask (L, S) or (N * num_heads, L, S).
    Returns (attn_output (L, N, E), attn_weights (N, L, S) averaged over heads, or
    (N, num_heads, L, S), or None when need_weights is False).
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the fused attention builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                                 f"match value's {tuple(value.shape[:2])}")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                                 f"{tuple(value.shape)}")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)

    if attn_mask is not None:
        attn_mask = _check_attn_mask_shape(attn_mask, tgt_len, src_len, bsz, num_heads)
    if bias_k is not None and bias_v is not None:  # one more learnt key and value
        if static_k is not None or static_v is not None:
            raise AssertionError("bias cannot be added to static key or value.")
        k = _shape.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _shape.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must both be set or both be None")

    # heads become batch entries: (L, N, E) -> (N * h, L, E / h)
    q = _shape.reshape(q, (tgt_len, bsz * num_heads, head_dim)).transpose(0, 1)
    k = _heads_first(k, static_k, bsz, num_heads, head_dim, "static_k")
    v = _heads_first(v, static_v, bsz, num_heads, head_dim, "static_v")
    if add_zero_attn:  # one more all-zero key and value
        zero = zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype, device=k.device)
        k, v = _shape.cat([k, zero], dim=1), _shape.cat([v, zero], dim=1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"Expected key_padding_mask of shape {(bsz, src_len)} (batch, "
                                 f"source length), but got {tuple(key_padding_mask.shape)}")
        per_head = _shape.reshape(key_padding_mask.view(bsz, 1, 1, src_len)
                                  .expand(-1, num_heads, -1, -1), (bsz * num_heads, 1, src_len))
        attn_mask = per_head if attn_mask is None else attn_mask + per_head
    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        weights = _linalg.matmul(q_scaled, k.transpose(-2, -1))
        if attn_mask is not None:
            weights = attn_mask + weights
        weights = softmax(weights, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = _linalg.matmul(weights, v)                           # (N * h, L, E / h)
        out = _shape.reshape(out.transpose(0, 1), (tgt_len * bsz, embed_dim))
        out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, embed_dim)
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = _shape.reshape(attn_mask, (bsz, num_heads, -1, src_len))
    q = _shape.reshape(q, (bsz, num_heads, tgt_len, head_dim))
    k = _shape.reshape(k, (bsz, num_heads, src_len, head_dim))
    v = _shape.reshape(v, (bsz, num_heads, src_len, head_dim))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = _shape.reshape(out.permute(2, 0, 1, 3), (bsz * tgt_len, embed_dim))
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, embed_dim)
    if not batched:
        out = out.squeeze(1)
    return out, None


def _pad_last(mask):
    """One more column (for an added key) that is not masked."""
    return None if mask is None else _shape.pad(mask, (0, 1))


def _heads_first(x, static, bsz, num_heads, head_dim, name):
    """(S, N, E) -> (N * h, S, E / h), or the given static key/value of that shape."""
    if static is None:
        return _shape.reshape(x, (x.shape[0], bsz * num_heads, head_dim)).transpose(0, 1)
    if static.shape[0] != bsz * num_heads or static.shape[2] != head_dim:
        raise AssertionError(f"expecting {name} of shape ({bsz * num_heads}, S, {head_dim}), "
                             f"but got {tuple(static.shape)}")
    return static
