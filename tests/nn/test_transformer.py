"""nn.Transformer and its encoder/decoder layers and stacks against torch 2.13 (float64, same
weights through state_dict), plus pytorch/examples' word_language_model model unmodified."""
import inspect
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as dnn
import deepgrad.nn.functional as F
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")
RTOL, ATOL = 1e-9, 1e-11
D, NHEAD, FF, N = 8, 2, 16, 3


def _load(d, t):
    assert list(d.state_dict()) == list(t.state_dict())
    d.load_state_dict({k: deepgrad.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return d, t


def _quiet(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the nested-tensor notice (tested on its own)
        return make()


def _compare(d, t, d_out, t_out, leaves, t_leaves, rng):
    assert_close(d_out, t_out, rtol=RTOL, atol=ATOL)
    assert d_out.is_contiguous() == t_out.is_contiguous()
    g = rng.standard_normal(tuple(t_out.shape))
    (d_out * deepgrad.tensor(g)).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    for x, tx in zip(leaves, t_leaves):
        assert_close(x.grad, tx.grad, rtol=RTOL, atol=ATOL)
    for (name, p), (_, q) in zip(d.named_parameters(), t.named_parameters()):
        assert_close(p.grad, q.grad, rtol=RTOL, atol=ATOL, msg=name)


def _seq(rng, length, batch_first=False, batched=True):
    shape = ((N, length, D) if batch_first else (length, N, D)) if batched else (length, D)
    x = deepgrad.tensor(rng.standard_normal(shape), requires_grad=True)
    return x, to_torch(x)


def _mask(rng, kind, length, batched=True, key_len=None):
    """A (length, key_len) attention mask or (N, key_len) padding mask as numpy."""
    key_len = key_len or length
    if kind == "causal":
        return np.triu(np.full((length, key_len), -np.inf), 1)
    shape = (N, key_len) if kind.startswith("pad") else (length, key_len)
    if kind.startswith("pad") and not batched:
        shape = (key_len,)
    block = rng.random(shape) > 0.7
    block[..., 0] = False
    return block if kind.endswith("bool") else np.where(block, -np.inf, 0.1 * rng.random(shape))


def _both(m):
    return (None, None) if m is None else (deepgrad.tensor(m), torch.tensor(m))


ACTIVATIONS = {
    "relu": ("relu", "relu"),
    "gelu": ("gelu", "gelu"),
    "gelu_fn": (F.gelu, torch.nn.functional.gelu),
    "gelu_module": (dnn.GELU(), torch.nn.GELU()),
    "lambda": (lambda x: x.tanh() * 2, lambda x: x.tanh() * 2),
}

ENCODER_CASES = {  # name -> (layer kwargs, src mask kind, padding kind, forward kwargs, batched)
    "default": ({}, None, None, {}, True),
    "batch_first": ({"batch_first": True}, None, "pad_bool", {}, True),
    "norm_first": ({"norm_first": True}, "bool", None, {}, True),
    "no_bias": ({"bias": False}, "float", None, {}, True),
    "gelu": ({"activation": "gelu"}, None, "pad_float", {}, True),
    "gelu_fn": ({"activation": "gelu_fn"}, None, None, {}, True),
    "gelu_module": ({"activation": "gelu_module"}, None, None, {}, True),
    "callable": ({"activation": "lambda"}, None, None, {}, True),
    "causal": ({}, "causal", None, {"is_causal": True}, True),
    "causal_padding": ({"norm_first": True}, "causal", "pad_bool", {"is_causal": True}, True),
    "both_masks": ({"batch_first": True}, "bool", "pad_bool", {}, True),
    "unbatched": ({}, "bool", "pad_bool", {}, False),
}


def _layer_kwargs(kwargs, index):
    out = dict(kwargs)
    if "activation" in out:
        out["activation"] = ACTIVATIONS[out["activation"]][index]
    return out


@pytest.mark.parametrize("name", sorted(ENCODER_CASES))
def test_encoder_layer_matches_torch(name):
    kwargs, mask_kind, pad_kind, fwd, batched = ENCODER_CASES[name]
    rng = np.random.default_rng(0)
    t = torch.nn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, dtype=torch.float64,
                                         **_layer_kwargs(kwargs, 1))
    d, t = _load(dnn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.0, dtype=deepgrad.float64,
                                             **_layer_kwargs(kwargs, 0)), t)
    assert d.activation_relu_or_gelu == t.activation_relu_or_gelu
    bf = kwargs.get("batch_first", False)
    x, tx = _seq(rng, 5, bf, batched)
    dm, tm = _both(None if mask_kind is None else _mask(rng, mask_kind, 5))
    dp, tp = _both(None if pad_kind is None else _mask(rng, pad_kind, 5, batched))
    d_out = d(x, src_mask=dm, src_key_padding_mask=dp, **fwd)
    t_out = t(tx, src_mask=tm, src_key_padding_mask=tp, **fwd)
    _compare(d, t, d_out, t_out, [x], [tx], rng)


DECODER_CASES = {  # name -> (layer kwargs, tgt mask, memory mask, tgt padding, memory padding)
    "default": ({}, None, None, None, None),
    "causal": ({}, "causal", None, None, None),
    "all_masks": ({"batch_first": True}, "bool", "float", "pad_bool", "pad_bool"),
    "norm_first_gelu": ({"norm_first": True, "activation": "gelu"}, "causal", "bool", None,
                        "pad_float"),
    "no_bias": ({"bias": False, "activation": "lambda"}, "float", None, "pad_float", None),
}


@pytest.mark.parametrize("name", sorted(DECODER_CASES))
def test_decoder_layer_matches_torch(name):
    kwargs, tgt_kind, mem_kind, tpad, mpad = DECODER_CASES[name]
    rng = np.random.default_rng(1)
    t = torch.nn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0, dtype=torch.float64,
                                         **_layer_kwargs(kwargs, 1))
    d, t = _load(dnn.TransformerDecoderLayer(D, NHEAD, FF, dropout=0.0, dtype=deepgrad.float64,
                                             **_layer_kwargs(kwargs, 0)), t)
    bf = kwargs.get("batch_first", False)
    y, ty = _seq(rng, 4, bf)
    mem, tmem = _seq(rng, 6, bf)
    masks = [_both(None if k is None else _mask(rng, k, 4, key_len=n))
             for k, n in ((tgt_kind, 4), (mem_kind, 6), (tpad, 4), (mpad, 6))]
    names = ["tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask"]
    d_out = d(y, mem, **{n: m[0] for n, m in zip(names, masks)},
              tgt_is_causal=tgt_kind == "causal")
    t_out = t(ty, tmem, **{n: m[1] for n, m in zip(names, masks)},
              tgt_is_causal=tgt_kind == "causal")
    _compare(d, t, d_out, t_out, [y, mem], [ty, tmem], rng)


@pytest.mark.parametrize("options", [{}, {"batch_first": True, "norm_first": True},
                                     {"bias": False, "activation": "gelu"}])
def test_transformer_matches_torch_with_masks(options):
    rng = np.random.default_rng(2)
    t = _quiet(lambda: torch.nn.Transformer(D, NHEAD, 2, 2, FF, dropout=0.0,
                                            dtype=torch.float64, **options))
    d, t = _load(_quiet(lambda: dnn.Transformer(D, NHEAD, 2, 2, FF, dropout=0.0,
                                                dtype=deepgrad.float64, **options)), t)
    bf = options.get("batch_first", False)
    src, tsrc = _seq(rng, 6, bf)
    tgt, ttgt = _seq(rng, 4, bf)
    causal = dnn.Transformer.generate_square_subsequent_mask(4, dtype=deepgrad.float64)
    t_causal = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    dpad, tpad = _both(_mask(rng, "pad_bool", 6))
    d_out = d(src, tgt, tgt_mask=causal, src_key_padding_mask=dpad,
              memory_key_padding_mask=dpad)
    t_out = t(tsrc, ttgt, tgt_mask=t_causal, src_key_padding_mask=tpad,
              memory_key_padding_mask=tpad)
    _compare(d, t, d_out, t_out, [src, tgt], [tsrc, ttgt], rng)


def test_state_dict_keys_and_parameter_order_match_torch():
    for kwargs in ({}, {"bias": False}, {"norm_first": True, "batch_first": True}):
        t = _quiet(lambda: torch.nn.Transformer(D, NHEAD, 2, 1, FF, **kwargs))
        d = _quiet(lambda: dnn.Transformer(D, NHEAD, 2, 1, FF, **kwargs))
        assert list(d.state_dict()) == list(t.state_dict())
        assert [n for n, _ in d.named_parameters()] == [n for n, _ in t.named_parameters()]
        assert [tuple(p.shape) for p in d.parameters()] == [tuple(p.shape) for p in
                                                             t.parameters()]
        assert repr(d) == repr(t)


def test_custom_encoder_and_decoder_are_used_and_reinitialised():
    encoder, decoder = dnn.Linear(D, D), dnn.Linear(D, D)
    model = dnn.Transformer(D, NHEAD, custom_encoder=encoder, custom_decoder=decoder)
    assert model.encoder is encoder and model.decoder is decoder
    t = torch.nn.Transformer(D, NHEAD, custom_encoder=torch.nn.Linear(D, D),
                             custom_decoder=torch.nn.Linear(D, D))
    assert list(model.state_dict()) == list(t.state_dict())
    bound = math.sqrt(6 / (2 * D))  # xavier_uniform_ replaced the Linear's own init
    w = np.abs(encoder.weight.detach().numpy())
    assert 1 / math.sqrt(D) < w.max() <= bound  # beyond a Linear's own U(-1/sqrt(8), ..) range


def test_encoder_stack_deep_copies_the_layer():
    layer = dnn.TransformerEncoderLayer(D, NHEAD, FF)
    stack = _quiet(lambda: dnn.TransformerEncoder(layer, 3, norm=dnn.LayerNorm(D)))
    first, second = stack.layers[0], stack.layers[1]
    assert first is not layer and first is not second
    assert first.linear1.weight is not second.linear1.weight
    np.testing.assert_array_equal(first.linear1.weight.detach().numpy(),
                                  layer.linear1.weight.detach().numpy())
    t_stack = _quiet(lambda: torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(D, NHEAD, FF), 3, norm=torch.nn.LayerNorm(D)))
    assert list(stack.state_dict()) == list(t_stack.state_dict())


@pytest.mark.parametrize("kwargs", [{}, {"batch_first": True}, {"batch_first": True,
                                                                   "norm_first": True},
                                    {"batch_first": True, "activation": F.silu}])
def test_nested_tensor_notice_matches_torch(kwargs):
    t_kwargs = dict(kwargs)
    if "activation" in t_kwargs:
        t_kwargs["activation"] = torch.nn.functional.silu
    messages = []
    for lib, kw in ((torch.nn, t_kwargs), (dnn, kwargs)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            enc = lib.TransformerEncoder(lib.TransformerEncoderLayer(D, NHEAD, FF, **kw), 2)
        messages.append(([str(w.message) for w in caught], enc.use_nested_tensor))
    assert messages[0] == messages[1]


def test_encoder_eval_with_padding_matches_torch_nested_path():
    """torch runs this case on nested tensors and returns 0 at padded positions (before the
    final norm); deepgrad reproduces the result."""
    rng = np.random.default_rng(3)
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(
        D, NHEAD, FF, batch_first=True, dtype=torch.float64), 2)
    d, t = _load(dnn.TransformerEncoder(dnn.TransformerEncoderLayer(
        D, NHEAD, FF, batch_first=True, dtype=deepgrad.float64), 2), t)
    d.eval(), t.eval()
    x = rng.standard_normal((N, 5, D))
    pad = np.zeros((N, 5), bool)
    pad[0, 3:] = True
    pad[2, 4:] = True
    with deepgrad.no_grad(), torch.no_grad():
        out = d(deepgrad.tensor(x), src_key_padding_mask=deepgrad.tensor(pad))
        t_out = t(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
    assert np.all(t_out.numpy()[pad] == 0)
    assert_close(out, t_out, rtol=1e-9, atol=1e-11)


def test_generate_square_subsequent_mask_matches_torch():
    for kwargs in ({}, {"dtype": deepgrad.float64}):
        mask = dnn.Transformer.generate_square_subsequent_mask(5, **kwargs)
        t_kwargs = {"dtype": torch.float64} if kwargs else {}
        t_mask = torch.nn.Transformer.generate_square_subsequent_mask(5, **t_kwargs)
        np.testing.assert_array_equal(mask.numpy(), t_mask.numpy())
        assert str(mask.dtype).split(".")[-1] == str(t_mask.dtype).split(".")[-1]


def test_transformer_reset_parameters_is_xavier_on_matrices():
    model = _quiet(lambda: dnn.Transformer(16, 2, 1, 1, 64))
    for name, p in model.named_parameters():
        arr = p.detach().numpy()
        if arr.ndim > 1:
            fan_out, fan_in = arr.shape
            assert np.abs(arr).max() <= math.sqrt(6 / (fan_in + fan_out)), name
        elif "norm" in name and name.endswith("weight"):
            assert np.all(arr == 1), name
        elif "in_proj_bias" in name or "out_proj.bias" in name or "norm" in name:
            assert np.all(arr == 0), name


@pytest.mark.parametrize("case", ["batch", "features", "activation"])
def test_transformer_errors_match_torch(case):
    errors = []
    for lib, ones in ((torch.nn, torch.ones), (dnn, deepgrad.ones)):
        try:
            if case == "activation":
                lib.TransformerEncoderLayer(D, NHEAD, activation="tanh")
            else:
                model = _quiet(lambda: lib.Transformer(D, NHEAD, 1, 1, FF))
                tgt = (4, 2, D) if case == "batch" else (4, N, D + 2)
                model(ones(5, N, D), ones(*tgt))
        except Exception as err:  # noqa: BLE001 - comparing the two libraries' errors
            errors.append(type(err))
    assert len(errors) == 2 and errors[0] is errors[1] and errors[0] is RuntimeError


def test_dropout_in_training_changes_outputs_and_eval_is_deterministic():
    model = dnn.TransformerEncoderLayer(D, NHEAD, FF, dropout=0.5)
    x = deepgrad.randn(5, N, D)
    a, b = model(x), model(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    model.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), model(x).detach().numpy())


# --- conformance: pytorch/examples word_language_model/model.py, unmodified ---------------

MIRROR = "/work/.mirror/pytorch+examples/repo"


def _example_source():
    try:
        done = subprocess.run(["git", "-C", MIRROR, "show", "HEAD:word_language_model/model.py"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _exec_with(source, torch_like, monkeypatch):
    """Run the file with ``import torch`` bound to ``torch_like``; returns its namespace."""
    if torch_like is not torch:
        monkeypatch.setitem(sys.modules, "torch", torch_like)
        monkeypatch.setitem(sys.modules, "torch.nn", torch_like.nn)
        monkeypatch.setitem(sys.modules, "torch.nn.functional", torch_like.nn.functional)
    namespace = {"__name__": "model"}
    exec(compile(source, "word_language_model/model.py", "exec"), namespace)  # noqa: S102
    monkeypatch.undo()
    return namespace


@pytest.mark.skipif(not hasattr(deepgrad, "tril"),
                    reason="the example's causal mask needs deepgrad.tril (not built yet)")
def test_word_language_model_transformer_matches_torch(monkeypatch):
    source = _example_source()
    if source is None:
        pytest.skip("pytorch/examples mirror not available")
    t_ns = _exec_with(source, torch, monkeypatch)
    d_ns = _exec_with(source, deepgrad, monkeypatch)
    t_model = _quiet(lambda: t_ns["TransformerModel"](30, 8, 2, 16, 2, dropout=0.2))
    d_model = _quiet(lambda: d_ns["TransformerModel"](30, 8, 2, 16, 2, dropout=0.2))
    d_model.load_state_dict({k: deepgrad.tensor(v.detach().numpy())
                             for k, v in t_model.state_dict().items()})
    tokens = np.random.default_rng(4).integers(0, 30, (7, 3))
    d_model.eval(), t_model.eval()
    d_out = d_model(deepgrad.tensor(tokens))
    t_out = t_model(torch.tensor(tokens))
    assert_close(d_out, t_out, rtol=1e-4, atol=1e-5)
    d_model.train()
    loss = F.nll_loss(d_model(deepgrad.tensor(tokens)).view(-1, 30),
                      deepgrad.tensor(tokens.ravel()))
    loss.backward()
    assert all(p.grad is not None for p in d_model.parameters())


SIGNATURES = [  # (deepgrad callable, torch callable)
    (dnn.MultiheadAttention.__init__, torch.nn.MultiheadAttention.__init__),
    (dnn.MultiheadAttention.forward, torch.nn.MultiheadAttention.forward),
    (dnn.Transformer.__init__, torch.nn.Transformer.__init__),
    (dnn.Transformer.forward, torch.nn.Transformer.forward),
    (dnn.TransformerEncoder.__init__, torch.nn.TransformerEncoder.__init__),
    (dnn.TransformerEncoder.forward, torch.nn.TransformerEncoder.forward),
    (dnn.TransformerDecoder.__init__, torch.nn.TransformerDecoder.__init__),
    (dnn.TransformerDecoder.forward, torch.nn.TransformerDecoder.forward),
    (dnn.TransformerEncoderLayer.__init__, torch.nn.TransformerEncoderLayer.__init__),
    (dnn.TransformerEncoderLayer.forward, torch.nn.TransformerEncoderLayer.forward),
    (dnn.TransformerDecoderLayer.__init__, torch.nn.TransformerDecoderLayer.__init__),
    (dnn.TransformerDecoderLayer.forward, torch.nn.TransformerDecoderLayer.forward),
    (F.multi_head_attention_forward, torch.nn.functional.multi_head_attention_forward),
]


@pytest.mark.parametrize("ours, theirs", SIGNATURES)
def test_signatures_match_torch(ours, theirs):
    def described(fn):
        out = []
        for p in inspect.signature(fn).parameters.values():
            default = p.default
            if callable(default):
                default = default.__name__  # F.relu in both libraries
            out.append((p.name, p.kind, default))
        return out

    assert described(ours) == described(theirs)
