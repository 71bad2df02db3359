"""nn.MultiheadAttention and F.multi_head_attention_forward against torch 2.13: same weights
(through state_dict), float64 outputs, attention weights and every gradient."""
import math
import warnings

import numpy as np
import pytest

import deepgrad
import deepgrad.nn.functional as F
from deepgrad.nn import MultiheadAttention
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")
RTOL, ATOL = 1e-10, 1e-12
E, H, L, S, N = 8, 2, 3, 5, 2


def _pair(**kwargs):
    t = torch.nn.MultiheadAttention(E, H, **kwargs, dtype=torch.float64)
    d = MultiheadAttention(E, H, **kwargs, dtype=deepgrad.float64)
    assert list(d.state_dict()) == list(t.state_dict())
    assert [n for n, _ in d.named_parameters()] == [n for n, _ in t.named_parameters()]
    d.load_state_dict({k: deepgrad.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return d, t


def _inputs(rng, kind, batch_first=False, kdim=E, vdim=E, batched=True):
    """(query, key, value) leaves for self-, encoder-decoder (k is v) or general attention."""
    def seq(length, width):
        if not batched:
            return rng.standard_normal((length, width))
        return rng.standard_normal((N, length, width) if batch_first else (length, N, width))

    q = deepgrad.tensor(seq(L if kind != "self" else S, E), requires_grad=True)
    if kind == "self":
        return q, q, q
    k = deepgrad.tensor(seq(S, kdim), requires_grad=True)
    if kind == "kv":
        return q, k, k
    return q, k, deepgrad.tensor(seq(S, vdim), requires_grad=True)


def _torch_like(ins):
    """torch copies of the inputs, keeping which of them are the same tensor."""
    copies = {}
    return [copies.setdefault(id(x), to_torch(x)) for x in ins]


def _masks(rng, attn, padding, tgt, src, batched=True):
    """An attn_mask and a key_padding_mask of the requested kinds (or None)."""
    def make(kind, shape):
        if kind is None:
            return None
        block = rng.random(shape) > 0.7
        block[..., 0] = False  # True = forbidden; every row keeps its first key
        return block if kind == "bool" else np.where(block, -np.inf, rng.standard_normal(shape))

    attn_shape = {"2d": (tgt, src), "3d": (N * H, tgt, src)}
    a = None if attn is None else make(attn[1], attn_shape[attn[0]])
    p = make(padding, (N, src) if batched else (src,))
    return a, p


def _run(d, t, ins, t_ins, rng, masks=(None, None), **kwargs):
    a, p = masks
    d_out, d_w = d(*ins, attn_mask=None if a is None else deepgrad.tensor(a),
                   key_padding_mask=None if p is None else deepgrad.tensor(p), **kwargs)
    t_out, t_w = t(*t_ins, attn_mask=None if a is None else torch.tensor(a),
                   key_padding_mask=None if p is None else torch.tensor(p), **kwargs)
    assert_close(d_out, t_out, rtol=RTOL, atol=ATOL)
    assert d_out.is_contiguous() == t_out.is_contiguous()
    assert (d_w is None) == (t_w is None)
    total_d, total_t = d_out, t_out
    if t_w is not None:
        assert_close(d_w, t_w, rtol=RTOL, atol=ATOL)
        assert d_w.is_contiguous() == t_w.is_contiguous()
    g = rng.standard_normal(tuple(t_out.shape))
    loss_d = (d_out * deepgrad.tensor(g)).sum()
    loss_t = (t_out * torch.tensor(g)).sum()
    if t_w is not None:
        gw = rng.standard_normal(tuple(t_w.shape))
        loss_d = loss_d + (d_w * deepgrad.tensor(gw)).sum()
        loss_t = loss_t + (t_w * torch.tensor(gw)).sum()
    loss_d.backward()
    loss_t.backward()
    for x, tx in zip(ins, t_ins):
        assert_close(x.grad, tx.grad, rtol=RTOL, atol=ATOL)
    for (name, pd), (_, pt) in zip(d.named_parameters(), t.named_parameters()):
        assert_close(pd.grad, pt.grad, rtol=RTOL, atol=ATOL, msg=name)
    return total_d, total_t


OPTIONS = {  # name -> (module kwargs, input kind, forward kwargs, (attn mask, padding mask))
    "default": ({}, "self", {}, (None, None)),
    "cross_kv": ({}, "kv", {}, (None, None)),
    "general": ({}, "qkv", {}, (None, None)),
    "batch_first": ({"batch_first": True}, "self", {}, (None, None)),
    "batch_first_general": ({"batch_first": True}, "qkv", {}, (None, None)),
    "per_head_weights": ({}, "qkv", {"average_attn_weights": False}, (None, None)),
    "no_weights": ({}, "qkv", {"need_weights": False}, (None, None)),
    "kdim_vdim": ({"kdim": 3, "vdim": 6}, "qkv", {}, (None, None)),
    "kdim_vdim_no_weights": ({"kdim": 3, "vdim": 6}, "qkv", {"need_weights": False},
                             (None, None)),
    "bias_kv": ({"add_bias_kv": True}, "qkv", {}, (("2d", "bool"), "bool")),
    "zero_attn": ({"add_zero_attn": True}, "qkv", {}, (("2d", "bool"), "bool")),
    "bias_kv_zero_attn": ({"add_bias_kv": True, "add_zero_attn": True}, "qkv",
                          {"need_weights": False}, (("3d", "float"), None)),
    "no_bias": ({"bias": False}, "qkv", {}, (None, None)),
    "mask2d_bool": ({}, "qkv", {}, (("2d", "bool"), None)),
    "mask2d_float": ({}, "qkv", {}, (("2d", "float"), None)),
    "mask3d_bool": ({}, "qkv", {}, (("3d", "bool"), None)),
    "mask3d_float_no_weights": ({}, "qkv", {"need_weights": False}, (("3d", "float"), None)),
    "padding_bool": ({}, "qkv", {}, (None, "bool")),
    "padding_float_no_weights": ({}, "qkv", {"need_weights": False}, (None, "float")),
    "both_masks": ({}, "qkv", {}, (("2d", "bool"), "bool")),
    "both_masks_no_weights": ({"batch_first": True}, "qkv", {"need_weights": False},
                              (("2d", "bool"), "bool")),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_mha_matches_torch(name):
    kwargs, kind, fwd, (attn, padding) = OPTIONS[name]
    rng = np.random.default_rng(0)
    d, t = _pair(**kwargs)
    ins = _inputs(rng, kind, kwargs.get("batch_first", False), kwargs.get("kdim", E),
                  kwargs.get("vdim", E))
    tgt = S if kind == "self" else L
    _run(d, t, ins, _torch_like(ins), rng, _masks(rng, attn, padding, tgt, S), **fwd)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_causal_hint(need_weights):
    rng = np.random.default_rng(1)
    d, t = _pair()
    ins = _inputs(rng, "self")
    causal = np.triu(np.full((S, S), -np.inf), 1)
    _run(d, t, ins, _torch_like(ins), rng, (causal, None), is_causal=True,
         need_weights=need_weights)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_unbatched(need_weights):
    rng = np.random.default_rng(2)
    d, t = _pair(batch_first=True)  # batch_first is ignored for unbatched inputs
    ins = _inputs(rng, "qkv", batched=False)
    a, p = _masks(rng, ("3d", "bool"), "bool", L, S, batched=False)
    _run(d, t, ins, _torch_like(ins), rng, (a[:H], p), need_weights=need_weights)


def test_mha_fully_padded_sequence_nan_with_weights_zero_without():
    """As torch: the weights path gives NaN for a sequence whose keys are all padding,
    the fused path (need_weights=False) gives 0."""
    rng = np.random.default_rng(3)
    d, t = _pair()
    x = rng.standard_normal((S, N, E))
    pad = np.zeros((N, S), bool)
    pad[1] = True
    for need in (True, False):
        out, _ = d(*[deepgrad.tensor(x)] * 3, key_padding_mask=deepgrad.tensor(pad),
                   need_weights=need)
        t_out, _ = t(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(pad),
                     need_weights=need)
        np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), rtol=RTOL,
                                   atol=ATOL)  # NaN positions must agree too
        assert np.isnan(out.detach().numpy()[:, 1]).all() == need


def test_mha_eval_no_grad_matches_torch_fast_path():
    rng = np.random.default_rng(4)
    d, t = _pair(batch_first=True)
    d.eval(), t.eval()
    x = rng.standard_normal((N, S, E))
    pad = np.zeros((N, S), bool)
    pad[0, -2:] = True
    with deepgrad.no_grad(), torch.no_grad():
        out, w = d(*[deepgrad.tensor(x)] * 3, key_padding_mask=deepgrad.tensor(pad))
        t_out, t_w = t(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(pad))
    assert_close(out, t_out, rtol=1e-9, atol=1e-12)
    assert_close(w, t_w, rtol=1e-9, atol=1e-12)


def test_mha_dropout_in_training_drops_weights():
    """Per-head weights in training are 0 or (eval weights) / (1 - p); about p are 0."""
    rng = np.random.default_rng(5)
    p = 0.3
    d = MultiheadAttention(E, H, dropout=p, dtype=deepgrad.float64)
    x = deepgrad.tensor(rng.standard_normal((20, 4, E)))
    d.eval()
    _, w_eval = d(x, x, x, average_attn_weights=False)
    d.train()
    _, w = d(x, x, x, average_attn_weights=False)
    w, w_eval = w.detach().numpy(), w_eval.detach().numpy()
    kept = w != 0
    np.testing.assert_allclose(w[kept], w_eval[kept] / (1 - p), rtol=1e-12)
    assert abs((~kept).mean() - p) < 0.03  # 3200 draws: sd 0.008
    out, _ = d(x, x, x, need_weights=False)  # the fused path drops too: differs from eval
    d.eval()
    assert not np.allclose(out.detach().numpy(), d(x, x, x)[0].detach().numpy())


def test_functional_form_matches_torch():
    rng = np.random.default_rng(6)
    d, t = _pair()
    x = deepgrad.tensor(rng.standard_normal((L, N, E)), requires_grad=True)
    args = lambda m: (E, H, m.in_proj_weight, m.in_proj_bias, None, None, False, 0.0,  # noqa
                      m.out_proj.weight, m.out_proj.bias)
    out, w = F.multi_head_attention_forward(x, x, x, *args(d))
    tx = to_torch(x)
    t_out, t_w = torch.nn.functional.multi_head_attention_forward(tx, tx, tx, *args(t))
    assert_close(out, t_out, rtol=RTOL, atol=ATOL)
    assert_close(w, t_w, rtol=RTOL, atol=ATOL)


def test_default_initialisation_follows_torch():
    d = MultiheadAttention(64, 4, add_bias_kv=True)
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier_uniform_ on the (3E, E) in_proj_weight
    w = d.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert np.all(d.in_proj_bias.detach().numpy() == 0)
    assert np.all(d.out_proj.bias.detach().numpy() == 0)
    out_bound = 1 / math.sqrt(64)  # out_proj keeps a Linear's kaiming_uniform_(a=sqrt(5))
    assert np.abs(d.out_proj.weight.detach().numpy()).max() <= out_bound
    bk = np.concatenate([d.bias_k.detach().numpy().ravel(), d.bias_v.detach().numpy().ravel()])
    assert abs(bk.std() - math.sqrt(1 / 64)) < 0.25 * math.sqrt(1 / 64)  # xavier_normal_
    sep = MultiheadAttention(64, 4, kdim=32, vdim=16)
    assert sep.in_proj_weight is None and tuple(sep.k_proj_weight.shape) == (64, 32)
    assert np.abs(sep.k_proj_weight.detach().numpy()).max() <= math.sqrt(6 / 96)
    assert type(d.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert repr(d) == repr(torch.nn.MultiheadAttention(64, 4, add_bias_kv=True))


BAD_CONSTRUCTION = [dict(embed_dim=5, num_heads=2), dict(embed_dim=0, num_heads=2),
                    dict(embed_dim=4, num_heads=0)]


@pytest.mark.parametrize("kwargs", BAD_CONSTRUCTION)
def test_bad_construction_raises_torch_error_type(kwargs):
    with pytest.raises(Exception) as t_err:
        torch.nn.MultiheadAttention(**kwargs)
    with pytest.raises(type(t_err.value)):
        MultiheadAttention(**kwargs)


BAD_FORWARD = {  # name -> (query, key, value shapes, attn_mask, key_padding_mask, kwargs)
    "attn_mask_2d_shape": ((L, N, E), (S, N, E), (S, N, E), np.zeros((L, L), bool), None, {}),
    "attn_mask_3d_shape": ((L, N, E), (S, N, E), (S, N, E), np.zeros((N, L, S), bool), None,
                           {}),
    "attn_mask_4d": ((L, N, E), (S, N, E), (S, N, E), np.zeros((1, 1, L, S), bool), None, {}),
    "attn_mask_int": ((L, N, E), (S, N, E), (S, N, E), np.zeros((L, S), np.int64), None, {}),
    "padding_shape": ((L, N, E), (S, N, E), (S, N, E), None, np.zeros((N, L), bool), {}),
    "padding_dims": ((L, N, E), (S, N, E), (S, N, E), None, np.zeros((S,), bool), {}),
    "key_value_mismatch": ((L, N, E), (S, N, E), (L, N, E), None, None, {}),
    "wrong_embed": ((L, N, 6), (S, N, 6), (S, N, 6), None, None, {}),
    "four_dims": ((1, L, N, E), (1, S, N, E), (1, S, N, E), None, None, {}),
    "causal_without_mask": ((L, N, E), (S, N, E), (S, N, E), None, None, {"is_causal": True}),
}


@pytest.mark.parametrize("name", sorted(BAD_FORWARD))
def test_bad_forward_raises_torch_error_type(name):
    qs, ks, vs, a, p, kwargs = BAD_FORWARD[name]
    d, t = _pair()
    wrap_t = lambda m: None if m is None else torch.tensor(m)  # noqa: E731
    wrap_d = lambda m: None if m is None else deepgrad.tensor(m)  # noqa: E731
    with pytest.raises(Exception) as t_err:
        t(*[torch.ones(s, dtype=torch.float64) for s in (qs, ks, vs)], attn_mask=wrap_t(a),
          key_padding_mask=wrap_t(p), **kwargs)
    with pytest.raises(type(t_err.value)):
        d(*[deepgrad.ones(s, dtype=deepgrad.float64) for s in (qs, ks, vs)],
          attn_mask=wrap_d(a), key_padding_mask=wrap_d(p), **kwargs)


def test_mismatched_mask_types_warn_as_torch():
    d, t = _pair()
    x = np.ones((L, N, E))
    a, p = np.zeros((L, L), bool), np.zeros((N, L))
    with warnings.catch_warnings(record=True) as t_warn:
        warnings.simplefilter("always")
        t(*[torch.tensor(x)] * 3, attn_mask=torch.tensor(a), key_padding_mask=torch.tensor(p))
    with warnings.catch_warnings(record=True) as d_warn:
        warnings.simplefilter("always")
        d(*[deepgrad.tensor(x)] * 3, attn_mask=deepgrad.tensor(a),
          key_padding_mask=deepgrad.tensor(p))
    t_msgs = [str(w.message) for w in t_warn if "mismatched" in str(w.message)]
    assert [str(w.message) for w in d_warn if "mismatched" in str(w.message)] == t_msgs
    assert len(t_msgs) == 1


def test_mha_gradcheck_and_gradgradcheck_through_the_fused_path():
    rng = np.random.default_rng(7)
    d = MultiheadAttention(4, 2, add_bias_kv=True, dtype=deepgrad.float64)
    x = deepgrad.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)
    mem = deepgrad.tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    pad = deepgrad.tensor(np.array([[False, True]]))

    def f(x, mem):
        return d(x, mem, mem, key_padding_mask=pad, need_weights=False)[0]

    assert deepgrad.autograd.gradcheck(f, (x, mem))
    assert deepgrad.autograd.gradgradcheck(f, (x, mem))
