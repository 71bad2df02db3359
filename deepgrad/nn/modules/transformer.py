"""The Transformer (Vaswani et al. 2017) as torch builds it: encoder and decoder stacks.

An encoder layer (post-norm, torch's default; ``norm_first=True`` gives pre-norm):

    x = LayerNorm(x + Dropout(SelfAttention(x)))                 pre-norm: x + SA(LN(x))
    x = LayerNorm(x + Dropout(W2 Dropout(act(W1 x + b1)) + b2))           x + FF(LN(x))

A decoder layer adds attention over the encoder's output ("memory") between the two:

    x = LayerNorm(x + SelfAttention(x, tgt_mask))   (a causal mask: no peeking ahead)
    x = LayerNorm(x + Attention(x, memory, memory))
    x = LayerNorm(x + FeedForward(x))

The stacks hold deep copies of one layer (independent weights, same initial values),
optionally followed by a final LayerNorm. ``Transformer`` re-initialises every matrix
with xavier_uniform_ after building both stacks, as torch does.

Masks follow MultiheadAttention: True (or -inf) forbids attention. Shapes are (S, N, E)
(sequence first) unless ``batch_first=True``. deepgrad always computes the reference
path; torch's inference fast paths compute the same values (its nested-tensor path
also writes 0 at padded positions, which is reproduced here).

Example::

    model = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=2, num_decoder_layers=2)
    src, tgt = deepgrad.randn(10, 3, 32), deepgrad.randn(7, 3, 32)
    mask = nn.Transformer.generate_square_subsequent_mask(7)
    out = model(src, tgt, tgt_mask=mask)              # (7, 3, 32)
"""
import copy
import warnings

import numpy as np

from ... import dtypes
from ...backend import device as _device
from ...backend import move_array
from ...tensor import Tensor
from .. import functional as F
from ..functional.multi_head_attention import _canonical_mask, _none_or_dtype
from ..init import xavier_uniform_
from .container import ModuleList
from .module import Module
from .normalization import LayerNorm
from .transformer_layers import TransformerDecoderLayer, TransformerEncoderLayer


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """(sz, sz) float mask: 0 on and below the diagonal, -inf above (position i sees j <= i)."""
    np_dtype = dtypes.to_numpy_dtype(dtype) if dtype is not None else dtypes.default_float_numpy()
    mask = np.triu(np.full((sz, sz), -np.inf, dtype=np_dtype), 1)
    dev = _device(device) if device is not None else _device("cpu")
    return Tensor._make(move_array(mask, dev), dev)


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """``is_causal`` if given; otherwise whether ``mask`` equals the square causal mask."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        arr = mask._data
        # in the mask's dtype, as torch: for a bool mask that is True above the diagonal
        causal = np.triu(np.full_like(arr, -np.inf, shape=(sz, sz)), 1)
        make_causal = tuple(arr.shape) == (sz, sz) and bool((arr == causal).all())
    return make_causal


def _get_seq_len(src, batch_first):
    if src.dim() == 2:
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer`` and an optional final norm.

    Args: encoder_layer, num_layers, norm (Module or None), enable_nested_tensor (bool,
    torch's inference switch; kept for its attribute and warning), mask_check (bool).
    forward(src, mask=None, src_key_padding_mask=None, is_causal=None) -> same shape as src.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor = self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {why_not}", UserWarning, stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        src_key_padding_mask = _canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                               _none_or_dtype(mask), "mask", src.dtype)
        mask = _canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        first = self.layers[0]
        batch_first = first.self_attn.batch_first
        is_causal = _detect_is_causal_mask(mask, is_causal, _get_seq_len(src, batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal,
                           src_key_padding_mask=src_key_padding_mask)
        if self._torch_would_nest(src, mask, src_key_padding_mask):
            # torch runs padded sequences as nested tensors here and pads them back with 0
            pad = src_key_padding_mask._data != 0
            output = output.masked_fill(Tensor._make(pad[..., None], src._device), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _torch_would_nest(self, src, mask, key_padding_mask):
        """torch's nested-tensor inference path: eval, no gradient, batched, padding mask only
        (left-aligned), and none of the parameters recording a gradient."""
        from ...autograd.grad_mode import is_grad_enabled  # noqa: PLC0415

        if not self.use_nested_tensor or self.layers[0].training or src.dim() != 3:
            return False
        if key_padding_mask is None or mask is not None:
            return False
        if is_grad_enabled() and (src.requires_grad or any(p.requires_grad for p in
                                                             self.layers[0].parameters())):
            return False
        pad = key_padding_mask._data != 0
        left_aligned = not (pad[:, :-1] & ~pad[:, 1:]).any()  # no kept key after a padded one
        return left_aligned or not self.mask_check


def _why_not_nested(layer):
    """torch's reasons for not using nested tensors with this layer ('' when it would)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not layer.self_attn.batch_first:
        return (f"{name}.self_attn.batch_first was not True(use batch_first for better "
                f"inference performance)")
    if not layer.self_attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerDecoder(Module):
    """A stack of ``num_layers`` deep copies of ``decoder_layer`` and an optional final norm.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False).
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        seq_len = _get_seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """Encoder-decoder Transformer with torch's arguments (d_model=512, nhead=8, 6 + 6
    layers, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
    batch_first=False, norm_first=False, bias=True); custom_encoder/custom_decoder replace
    the stacks.

    forward(src, tgt, src_mask, tgt_mask, memory_mask, src_key_padding_mask,
    tgt_key_padding_mask, memory_key_padding_mask, src_is_causal, tgt_is_causal,
    memory_is_causal): src (S, N, E), tgt (T, N, E) -> (T, N, E).
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False,
                 norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        factory = dict(device=device, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first, bias,
                                            **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                            layer_norm_eps, batch_first, norm_first, bias,
                                            **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        batched = src.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if batched and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError(f"the batch number of src and tgt must be equal (src "
                               f"{tuple(src.shape)}, tgt {tuple(tgt.shape)})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}): got {src.shape[-1]} and {tgt.shape[-1]}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """The causal mask for a sequence of length ``sz``: (sz, sz), 0 where j <= i, -inf
        above the diagonal. Float32 unless ``dtype`` says otherwise (the default dtype)."""
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self):
        """xavier_uniform_ on every parameter with more than one dim (as torch)."""
        for p in self.parameters():
            if p.dim() > 1:
                xavier_uniform_(p)
