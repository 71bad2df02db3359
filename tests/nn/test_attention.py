"""scaled_dot_product_attention against torch 2.13 (float64), finite differences (gradcheck)
and closed-form checks of its dropout. MultiheadAttention: test_multihead_attention.py."""
import math

import numpy as np
import pytest

import deepgrad
import deepgrad.nn.functional as F
from deepgrad.nn.functional.attention import ScaledDotProductAttention
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12


def _leaf(rng, *shape):
    return deepgrad.tensor(rng.standard_normal(shape), requires_grad=True)


def _grads_both(d_out, t_out, d_in, t_in, rng, create_graph=False):
    """Gradients of <out, G> for a random G, in both libraries."""
    g = rng.standard_normal(tuple(t_out.shape))
    dg = deepgrad.autograd.grad(d_out, d_in, deepgrad.tensor(g), create_graph=create_graph)
    tg = torch.autograd.grad(t_out, t_in, torch.tensor(g), create_graph=create_graph)
    return dg, tg


# --- scaled_dot_product_attention ---------------------------------------------------------

def _bool_mask(rng, shape):
    m = rng.random(shape) > 0.3
    m[..., 0] = True  # every query row keeps a key (fully masked rows are tested apart)
    return m


SDPA_CASES = {  # name -> (q shape, k shape, v shape, mask builder or None, kwargs)
    "3d": ((2, 3, 4), (2, 5, 4), (2, 5, 6), None, {}),
    "4d_heads": ((2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), None, {}),
    "2d_unbatched": ((3, 4), (5, 4), (5, 4), None, {}),
    "5d": ((2, 2, 2, 3, 4), (2, 2, 2, 5, 4), (2, 2, 2, 5, 4), None, {}),
    "broadcast_batch": ((1, 3, 4), (3, 5, 4), (3, 5, 4), None, {}),
    "query_2d_kv_3d": ((3, 4), (2, 5, 4), (2, 5, 4), None, {}),
    "scale": ((2, 3, 4), (2, 5, 4), (2, 5, 4), None, {"scale": 0.37}),
    "bool_mask_LS": ((2, 3, 4), (2, 5, 4), (2, 5, 4), lambda r: _bool_mask(r, (3, 5)), {}),
    "bool_mask_full": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4),
                       lambda r: _bool_mask(r, (2, 2, 3, 5)), {}),
    "bool_mask_keys": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4),
                       lambda r: _bool_mask(r, (2, 1, 1, 5)), {}),
    "float_mask": ((2, 3, 4), (2, 5, 4), (2, 5, 4), lambda r: r.standard_normal((3, 5)), {}),
    "float_mask_batched": ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4),
                           lambda r: r.standard_normal((2, 1, 3, 5)), {}),
    "causal_square": ((2, 4, 4), (2, 4, 4), (2, 4, 4), None, {"is_causal": True}),
    "causal_L_lt_S": ((2, 3, 4), (2, 5, 4), (2, 5, 4), None, {"is_causal": True}),
    "causal_L_gt_S": ((2, 5, 4), (2, 3, 4), (2, 3, 4), None, {"is_causal": True}),
    "gqa": ((2, 6, 3, 4), (2, 2, 5, 4), (2, 3, 5, 4), None, {"enable_gqa": True}),
    "gqa_mask": ((2, 4, 3, 4), (2, 1, 5, 4), (2, 2, 5, 4), lambda r: _bool_mask(r, (3, 5)),
                 {"enable_gqa": True}),
}


def _sdpa_inputs(case, rng, mask_grad=False):
    qs, ks, vs, make_mask, kwargs = SDPA_CASES[case]
    q, k, v = _leaf(rng, *qs), _leaf(rng, *ks), _leaf(rng, *vs)
    mask = None
    if make_mask is not None:
        arr = make_mask(rng)
        mask = deepgrad.tensor(arr, requires_grad=mask_grad and arr.dtype != bool)
    return [q, k, v], mask, kwargs


@pytest.mark.parametrize("case", sorted(SDPA_CASES))
def test_sdpa_forward_and_gradients_match_torch(case):
    rng = np.random.default_rng(0)
    ins, mask, kwargs = _sdpa_inputs(case, rng, mask_grad=True)
    t_ins = [to_torch(x) for x in ins]
    t_mask = None if mask is None else to_torch(mask)
    out = F.scaled_dot_product_attention(*ins, attn_mask=mask, **kwargs)
    t_out = TF.scaled_dot_product_attention(*t_ins, attn_mask=t_mask, **kwargs)
    assert_close(out, t_out, rtol=RTOL, atol=ATOL)
    assert out.dtype == deepgrad.float64 and out.is_contiguous() == t_out.is_contiguous()
    wrt = ins + ([mask] if mask is not None and mask.requires_grad else [])
    t_wrt = t_ins + ([t_mask] if t_mask is not None and t_mask.requires_grad else [])
    for a, b in zip(*_grads_both(out, t_out, wrt, t_wrt, rng)):
        assert_close(a, b, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", ["3d", "float_mask", "causal_L_gt_S", "gqa", "broadcast_batch"])
def test_sdpa_double_backward_matches_torch(case):
    rng = np.random.default_rng(1)
    ins, mask, kwargs = _sdpa_inputs(case, rng, mask_grad=True)
    t_ins = [to_torch(x) for x in ins]
    t_mask = None if mask is None else to_torch(mask)
    wrt = ins + ([mask] if mask is not None else [])
    t_wrt = t_ins + ([t_mask] if t_mask is not None else [])
    out = F.scaled_dot_product_attention(*ins, attn_mask=mask, **kwargs)
    t_out = TF.scaled_dot_product_attention(*t_ins, attn_mask=t_mask, **kwargs)
    dg, tg = _grads_both(out, t_out, wrt, t_wrt, rng, create_graph=True)
    # a second derivative: the gradient of a weighted sum of the first-order gradients
    weights = [rng.standard_normal(tuple(g.shape)) for g in tg]
    d_sum = sum((g * deepgrad.tensor(w)).sum() for g, w in zip(dg, weights))
    t_sum = sum((g * torch.tensor(w)).sum() for g, w in zip(tg, weights))
    d_second = deepgrad.autograd.grad(d_sum, wrt, allow_unused=True)
    t_second = torch.autograd.grad(t_sum, t_wrt, allow_unused=True)
    for a, b in zip(d_second, t_second):
        assert_close(a, b, rtol=1e-9, atol=1e-11)


def test_sdpa_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(2)
    q, k, v = _leaf(rng, 2, 2, 3), _leaf(rng, 2, 4, 3), _leaf(rng, 2, 4, 2)
    m = deepgrad.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    keys = deepgrad.tensor(_bool_mask(rng, (2, 4)))

    def f(q, k, v, m):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=0.8)

    def g(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=keys)

    assert deepgrad.autograd.gradcheck(f, (q, k, v, m))
    assert deepgrad.autograd.gradgradcheck(f, (q, k, v, m))
    assert deepgrad.autograd.gradcheck(g, (q, k, v))
    assert deepgrad.autograd.gradgradcheck(g, (q, k, v))


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_rows_give_zero_like_torch(kind):
    rng = np.random.default_rng(3)
    q, k, v = _leaf(rng, 2, 3, 4), _leaf(rng, 2, 5, 4), _leaf(rng, 2, 5, 4)
    keep = np.ones((3, 5), bool)
    keep[1] = False
    arr = keep if kind == "bool" else np.where(keep, 0.0, -np.inf)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=deepgrad.tensor(arr))
    t_ins = [to_torch(x) for x in (q, k, v)]
    t_out = TF.scaled_dot_product_attention(*t_ins, attn_mask=torch.tensor(arr))
    assert_close(out, t_out, rtol=RTOL, atol=ATOL)
    assert np.all(out.detach().numpy()[:, 1] == 0.0)
    dg, tg = _grads_both(out, t_out, [q, k, v], t_ins, rng, create_graph=True)
    for a, b in zip(dg, tg):
        assert_close(a, b, rtol=RTOL, atol=ATOL)
    assert not np.isnan(sum(g.sum() for g in dg).item())
    second = deepgrad.autograd.grad(sum((x * x).sum() for x in dg), [q, k, v])
    t_second = torch.autograd.grad(sum((x * x).sum() for x in tg), t_ins)
    for a, b in zip(second, t_second):
        assert_close(a, b, rtol=1e-9, atol=1e-11)


def test_sdpa_is_one_graph_node():
    rng = np.random.default_rng(4)
    q, k, v = _leaf(rng, 2, 3, 4), _leaf(rng, 2, 5, 4), _leaf(rng, 2, 5, 4)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=deepgrad.ones(3, 5, dtype=deepgrad.bool))
    assert isinstance(out.grad_fn, ScaledDotProductAttention)
    assert [fn for fn, _ in out.grad_fn.next_functions[:3]] == [None, None, None]  # leaves


def test_sdpa_dropout_keeps_or_rescales_each_weight():
    """With V = I the output is the dropped weight matrix itself: every entry is 0 or
    A / (1 - p), about p of them are 0, and the gradients equal torch's for that mask."""
    rng = np.random.default_rng(5)
    p, L, S = 0.4, 40, 50
    q, k = _leaf(rng, 4, L, 8), _leaf(rng, 4, S, 8)
    eye = deepgrad.tensor(np.eye(S))
    deepgrad.manual_seed(7)
    out = F.scaled_dot_product_attention(q, k, eye, dropout_p=p)
    weights = TF.softmax(to_torch(q) @ to_torch(k).transpose(-1, -2) / math.sqrt(8), -1)
    o, w = out.detach().numpy(), weights.detach().numpy()
    kept = o != 0
    np.testing.assert_allclose(o[kept], w[kept] / (1 - p), rtol=1e-12)
    assert abs((~kept).mean() - p) < 0.02  # 8000 Bernoulli draws: sd 0.0055
    deepgrad.manual_seed(7)
    again = F.scaled_dot_product_attention(q, k, eye, dropout_p=p)
    np.testing.assert_array_equal(again.detach().numpy(), o)  # seeded: same mask
    tq, tk = to_torch(q), to_torch(k)
    t_out = (TF.softmax(tq @ tk.transpose(-1, -2) / math.sqrt(8), -1)
             * torch.tensor(kept / (1 - p))) @ torch.tensor(np.eye(S))
    for a, b in zip(*_grads_both(out, t_out, [q, k], [tq, tk], rng)):
        assert_close(a, b, rtol=1e-9, atol=1e-12)


def test_sdpa_dropout_one_zeroes_everything():
    rng = np.random.default_rng(6)
    out = F.scaled_dot_product_attention(_leaf(rng, 3, 4), _leaf(rng, 5, 4), _leaf(rng, 5, 4),
                                         dropout_p=1.0)
    assert np.all(out.detach().numpy() == 0.0)


def test_sdpa_float32_and_no_keys():
    rng = np.random.default_rng(7)
    arrs = [rng.standard_normal(s).astype(np.float32) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 4))]
    out = F.scaled_dot_product_attention(*map(deepgrad.tensor, arrs), is_causal=True)
    t_out = TF.scaled_dot_product_attention(*map(torch.tensor, arrs), is_causal=True)
    assert out.dtype == deepgrad.float32
    assert_close(out, t_out, rtol=1e-5, atol=1e-6)
    empty = [np.zeros((3, 4)), np.zeros((0, 4)), np.zeros((0, 4))]
    assert_close(F.scaled_dot_product_attention(*map(deepgrad.tensor, empty)),
                 TF.scaled_dot_product_attention(*map(torch.tensor, empty)))


SDPA_ERRORS = {  # name -> (q, k, v shapes, kwargs); each is an error in torch too
    "causal_and_mask": ((3, 4), (5, 4), (5, 4), {"is_causal": True,
                                                  "attn_mask": np.ones((3, 5), bool)}),
    "int_mask": ((3, 4), (5, 4), (5, 4), {"attn_mask": np.zeros((3, 5), np.int64)}),
    "mask_shape": ((2, 3, 4), (2, 5, 4), (2, 5, 4), {"attn_mask": np.zeros((3, 4))}),
    "mask_grows_batch": ((3, 4), (5, 4), (5, 4), {"attn_mask": np.zeros((2, 3, 5))}),
    "embed_mismatch": ((2, 3, 4), (2, 5, 3), (2, 5, 4), {}),
    "seq_mismatch": ((2, 3, 4), (2, 5, 4), (2, 6, 4), {}),
    "batch_mismatch": ((2, 3, 4), (3, 5, 4), (3, 5, 4), {}),
    "one_dim": ((4,), (5, 4), (5, 4), {}),
    "gqa_indivisible": ((2, 6, 3, 4), (2, 4, 5, 4), (2, 4, 5, 4), {"enable_gqa": True}),
    "heads_without_gqa": ((2, 6, 3, 4), (2, 2, 5, 4), (2, 2, 5, 4), {}),
    "dropout_above_one": ((3, 4), (5, 4), (5, 4), {"dropout_p": 1.5}),
}


@pytest.mark.parametrize("case", sorted(SDPA_ERRORS))
def test_sdpa_bad_input_raises_like_torch(case):
    shapes, kwargs = SDPA_ERRORS[case][:3], SDPA_ERRORS[case][3]
    arrs = [np.ones(s) for s in shapes]
    t_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    d_kwargs = {k: deepgrad.tensor(v) if isinstance(v, np.ndarray) else v
                for k, v in kwargs.items()}
    with pytest.raises(Exception) as t_err:
        TF.scaled_dot_product_attention(*map(torch.tensor, arrs), **t_kwargs)
    with pytest.raises(type(t_err.value)):
        F.scaled_dot_product_attention(*map(deepgrad.tensor, arrs), **d_kwargs)


def test_sdpa_dtype_mismatch_raises():
    q = deepgrad.ones(3, 4)
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)
