"""Attention exported as MatMul/Softmax: F.scaled_dot_product_attention, MultiheadAttention."""
import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
import deepgrad.nn.functional as F
import deepgrad.onnx as donnx

from ._roundtrip import check_roundtrip


class SDPA(nn.Module):
    def __init__(self, **options):
        super().__init__()
        self.options = options

    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, **self.options)


@pytest.mark.parametrize("options", [
    {}, {"is_causal": True}, {"scale": 0.3}, {"enable_gqa": True},
], ids=["plain", "causal", "scale", "gqa"])
def test_scaled_dot_product_attention(options):
    heads_kv = 2 if options.get("enable_gqa") else 4
    q = deepgrad.randn(2, 4, 5, 8)
    k, v = deepgrad.randn(2, heads_kv, 6, 8), deepgrad.randn(2, heads_kv, 6, 3)
    if options.get("is_causal"):
        k, v = k[:, :, :5], v[:, :, :5]
    check_roundtrip(SDPA(**options), (q, k, v))


def test_sdpa_with_a_fixed_float_mask():
    mask = deepgrad.randn(5, 6)

    class Masked(nn.Module):
        def forward(self, q, k, v):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)

    check_roundtrip(Masked(), (deepgrad.randn(2, 5, 8), deepgrad.randn(2, 6, 8),
                               deepgrad.randn(2, 6, 8)))


def test_sdpa_with_dropout_is_refused():
    with pytest.raises(donnx.UnsupportedOperatorError, match="dropout_p"):
        donnx.export(SDPA(dropout_p=0.5), tuple(deepgrad.randn(1, 3, 4) for _ in range(3)))


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_self_attention(need_weights, batch_first):
    mha = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    with deepgrad.no_grad():
        mha.in_proj_bias.copy_(deepgrad.randn(24))
        mha.out_proj.bias.copy_(deepgrad.randn(8))

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = mha

        def forward(self, x):
            out, weights = self.mha(x, x, x, need_weights=need_weights)
            return (out, weights) if need_weights else out

    x = deepgrad.randn(3, 5, 8) if batch_first else deepgrad.randn(5, 3, 8)
    check_roundtrip(SelfAttention(), x)


def test_multihead_cross_attention_with_kdim_vdim_bias_kv_and_mask():
    mha = nn.MultiheadAttention(8, 4, kdim=6, vdim=5, add_bias_kv=True, batch_first=True)
    mask = deepgrad.randn(4, 3)     # (L, S): added to the scores

    class Cross(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = mha

        def forward(self, q, k, v):
            return self.mha(q, k, v, attn_mask=mask, need_weights=False)[0]

    check_roundtrip(Cross(), (deepgrad.randn(2, 4, 8), deepgrad.randn(2, 3, 6),
                              deepgrad.randn(2, 3, 5)))


def test_mask_given_as_an_input_is_refused_not_frozen():
    mha = nn.MultiheadAttention(4, 1, batch_first=True)

    class Padded(nn.Module):
        def __init__(self):
            super().__init__()
            self.mha = mha

        def forward(self, x, pad):
            return self.mha(x, x, x, key_padding_mask=pad, need_weights=False)[0]

    pad = deepgrad.tensor(np.array([[False, False, True], [False, True, True]]))
    with pytest.raises(donnx.OnnxExporterError, match="computed from the inputs"):
        donnx.export(Padded(), (deepgrad.randn(2, 3, 4), pad))


def _encoder():
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)


def test_transformer_encoder_with_causal_mask():
    encoder = _encoder()
    mask = nn.Transformer.generate_square_subsequent_mask(5)

    class Causal(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = encoder

        def forward(self, src):
            return self.encoder(src, mask=mask, is_causal=True)

    check_roundtrip(Causal(), deepgrad.randn(3, 5, 8))


def test_transformer_encoder_batch_axis_is_dynamic():
    names = dict(input_names=["src"], dynamic_axes={"src": {0: "batch"}, "output": {0: "batch"}})
    check_roundtrip(_encoder(), deepgrad.randn(2, 5, 8), run_args=deepgrad.randn(5, 5, 8),
                    **names)


def test_transformer_encoder_batch_and_time_are_dynamic():
    # MultiheadAttention folds (L * N) rows back into (L, N, E): with both L and N dynamic
    # one size is -1 and the other is read from the input's shape at run time
    names = dict(input_names=["src"], dynamic_axes={"src": {0: "batch", 1: "time"},
                                                    "output": {0: "batch", 1: "time"}})
    check_roundtrip(_encoder(), deepgrad.randn(2, 5, 8), run_args=deepgrad.randn(4, 7, 8),
                    **names)


def test_two_unknown_sizes_in_one_reshape_are_refused():
    class Fold(nn.Module):
        def forward(self, x):                      # (N, T, E) -> (2 N, T E / 2)
            return x.reshape(x.shape[0] * 2, x.shape[1] * x.shape[2] // 2)

    with pytest.raises(donnx.UnsupportedOperatorError, match="several sizes"):
        donnx.export(Fold(), deepgrad.randn(2, 4, 6), dynamic_axes={"x": {0: "b", 1: "t"}})
