"""``MultiheadAttention``: attention with several heads and learnt projections (torch's layer).

    head_i = softmax((Q W_q_i)(K W_k_i)^T / sqrt(d) + M) (V W_v_i)       d = embed_dim / h
    output = concat(head_1, ..., head_h) W_o^T + b_o

Each head projects the inputs to a d-dimensional subspace and attends there, so the h
heads can follow different relations (syntax, position, coreference) at the cost of one
full-width attention. The maths and the mask conventions are in
``deepgrad/nn/functional/multi_head_attention.py`` and ``attention.py``.

Parameters (torch's names, so state_dicts load both ways): ``in_proj_weight`` (3E, E)
holding W_q, W_k, W_v (or ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim),
``v_proj_weight`` (E, vdim) when kdim or vdim differ from E), ``in_proj_bias`` (3E,),
``out_proj`` (a Linear E -> E), and with ``add_bias_kv`` ``bias_k``, ``bias_v`` (1, 1, E).

Example::

    mha = nn.MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True)
    x = deepgrad.randn(2, 10, 16)                     # (batch, sequence, features)
    out, weights = mha(x, x, x)                       # (2, 10, 16), (2, 10, 10)
"""
from ...creation import empty
from ..functional.multi_head_attention import _canonical_mask, _none_or_dtype
from ..functional.multi_head_attention import multi_head_attention_forward
from ..init import constant_, xavier_normal_, xavier_uniform_
from ..parameter import Parameter
from .linear import Linear
from .module import Module


class NonDynamicallyQuantizableLinear(Linear):
    """A plain Linear; torch gives MultiheadAttention's ``out_proj`` this class (its name only
    matters to torch's quantisation tools), so the module prints the same here."""


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al. 2017), with torch's arguments and parameters.

    Args:
        embed_dim (int): model width E (the query size); split into num_heads heads.
        num_heads (int): number of heads h; must divide embed_dim.
        dropout (float): dropout on the attention weights in training. Default: 0.0.
        bias (bool): learn in_proj_bias and out_proj.bias. Default: True.
        add_bias_kv (bool): learn one more key and value appended to the sequence.
        add_zero_attn (bool): append one all-zero key and value.
        kdim, vdim (int): key and value sizes (default embed_dim).
        batch_first (bool): inputs and output are (N, L, E) instead of (L, N, E).
    Shapes: query (L, N, E), key (S, N, kdim), value (S, N, vdim), or (L, E) unbatched;
    forward returns (attn_output (L, N, E), attn_weights (N, L, S) or None).
    Init (torch's): xavier_uniform_ on the input projections, zeros on the biases,
    xavier_normal_ on bias_k and bias_v; out_proj.weight as a Linear's.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if (embed_dim // num_heads) * num_heads != embed_dim:
            raise AssertionError(f"embed_dim must be divisible by num_heads (got embed_dim="
                                 f"{embed_dim} and num_heads={num_heads})")
        super().__init__()
        factory = dict(dtype=dtype, device=device)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        # registration order decides parameters() order: torch's, for optimiser state_dicts
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **factory))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        **factory)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            xavier_uniform_(self.in_proj_weight)
        else:
            xavier_uniform_(self.q_proj_weight)
            xavier_uniform_(self.k_proj_weight)
            xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            constant_(self.in_proj_bias, 0.0)
            constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """Attention of ``query`` over ``key``/``value``; returns (output, weights or None).

        key_padding_mask: (N, S) or (S,), True (or -inf) marks padding keys to ignore.
        attn_mask: (L, S) or (N * num_heads, L, S), True (or -inf) forbids a position.
        need_weights: also return the weights (averaged over heads unless
        ``average_attn_weights=False``); False takes the fused attention path.
        is_causal: a hint that attn_mask is the causal mask (attn_mask is still required).
        """
        batched = query.dim() == 3
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                           _none_or_dtype(attn_mask), "attn_mask", query.dtype)
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if self.batch_first and batched:  # the functional form works on (L, N, E)
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            return out.transpose(1, 0), weights  # a view, not contiguous, as torch's
        return out, weights

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """One (N, h, L, L) additive mask from attn_mask and key_padding_mask (torch's helper);
        returns (mask, type) with type 0: attn_mask, 1: key_padding_mask, 2: merged."""
        mask_type = merged = None
        if key_padding_mask is not None:
            mask_type, merged = 1, key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.dim() == 3:
                merged = attn_mask.view(batch_size, -1, seq_len, seq_len)
            else:
                merged = attn_mask.view(1, 1, seq_len, seq_len).expand(
                    batch_size, self.num_heads, -1, -1)
            if key_padding_mask is not None:
                merged = merged + key_padding_mask.view(batch_size, 1, 1, seq_len).expand(
                    -1, self.num_heads, -1, -1)
        return merged, mask_type

