"""Memory layout of every nn layer against torch 2.13: for the same module (weights copied
through state_dict) and the same inputs, each output has torch's shape, stride() and
is_contiguous(), ``out.view(out.size(0), -1)`` succeeds or fails exactly where torch's
does, and the gradients users see (param.grad, input.grad) have torch's layout.

Every Module class exported by deepgrad.nn must appear in LAYERS or in NOT_LAYERS (with
the reason), so a new layer cannot skip this test.
"""
import inspect

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.nn as nn

# torch warns about a few legacy arguments and an even kernel with padding="same"
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# input kinds: standard normal, class index, probability, standard normal without grad
F, I, P, T = "float", "int", "prob", "target"

# name: (constructor args, constructor kwargs, inputs as (kind, shape[, high]))
LAYERS = {
    "Linear": ((4, 3), {}, [(F, (5, 4))]),
    "Bilinear": ((4, 3, 2), {}, [(F, (5, 4)), (F, (5, 3))]),
    "Conv1d": ((3, 4, 3), dict(padding=1), [(F, (2, 3, 7))]),
    "Conv2d": ((3, 4, 3), dict(stride=2, padding=1), [(F, (2, 3, 7, 6))]),
    "ConvTranspose1d": ((3, 4, 3), dict(stride=2), [(F, (2, 3, 5))]),
    "ConvTranspose2d": ((3, 4, 3), dict(stride=2, padding=1), [(F, (2, 3, 4, 5))]),
    "MaxPool1d": ((2,), {}, [(F, (2, 3, 8))]),
    "MaxPool2d": ((3,), dict(stride=2, padding=1), [(F, (2, 3, 7, 6))]),
    "AvgPool1d": ((3,), dict(stride=2), [(F, (2, 3, 9))]),
    "AvgPool2d": ((2,), {}, [(F, (2, 3, 6, 6))]),
    "LPPool1d": ((2, 3), dict(stride=2), [(F, (2, 3, 9))]),
    "LPPool2d": ((2, 2), {}, [(F, (2, 3, 6, 6))]),
    "AdaptiveAvgPool1d": ((3,), {}, [(F, (2, 3, 7))]),
    "AdaptiveAvgPool2d": (((2, 3),), {}, [(F, (2, 3, 7, 6))]),
    "AdaptiveMaxPool1d": ((3,), {}, [(F, (2, 3, 7))]),
    "AdaptiveMaxPool2d": ((2,), {}, [(F, (2, 3, 6, 5))]),
    "Upsample": ((), dict(scale_factor=2, mode="nearest"), [(F, (2, 3, 3, 4))]),
    "UpsamplingNearest2d": ((), dict(scale_factor=2), [(F, (2, 3, 3, 4))]),
    "UpsamplingBilinear2d": ((), dict(size=(5, 7)), [(F, (2, 3, 3, 4))]),
    "BatchNorm1d": ((3,), {}, [(F, (4, 3, 5))]),
    "BatchNorm2d": ((3,), {}, [(F, (4, 3, 2, 5))]),
    "BatchNorm3d": ((3,), {}, [(F, (2, 3, 2, 2, 3))]),
    "LayerNorm": ((5,), {}, [(F, (2, 3, 5))]),
    "GroupNorm": ((2, 4), {}, [(F, (3, 4, 5))]),
    "InstanceNorm1d": ((3,), dict(affine=True), [(F, (2, 3, 5))]),
    "InstanceNorm2d": ((3,), {}, [(F, (2, 3, 4, 5))]),
    "InstanceNorm3d": ((3,), {}, [(F, (2, 3, 2, 3, 2))]),
    "Embedding": ((10, 4), {}, [(I, (3, 5), 10)]),
    "EmbeddingBag": ((10, 4), dict(mode="mean"), [(I, (3, 5), 10)]),
    "RNN": ((4, 3), dict(num_layers=2), [(F, (5, 2, 4))]),
    "LSTM": ((4, 3), dict(batch_first=True, bidirectional=True), [(F, (2, 5, 4))]),
    "GRU": ((4, 3), dict(num_layers=2, bidirectional=True), [(F, (5, 2, 4))]),
    "RNNCell": ((4, 3), {}, [(F, (2, 4))]),
    "LSTMCell": ((4, 3), {}, [(F, (2, 4))]),
    "GRUCell": ((4, 3), {}, [(F, (2, 4))]),
    "Flatten": ((), {}, [(F, (2, 3, 4))]),
    "Unflatten": ((1, (2, 6)), {}, [(F, (3, 12))]),
    "Identity": ((), {}, [(F, (3, 4))]),
    "PReLU": ((3,), {}, [(F, (2, 3, 4))]),
    "GLU": ((), {}, [(F, (3, 4))]),
    "Softmax": ((1,), {}, [(F, (3, 4))]),
    "LogSoftmax": ((0,), {}, [(F, (3, 4))]),
    "Softmin": ((-1,), {}, [(F, (3, 4))]),
    "Threshold": ((0.1, 20.0), {}, [(F, (3, 4))]),
    "Hardtanh": ((-0.5, 0.5), {}, [(F, (3, 4))]),
    "LeakyReLU": ((0.2,), {}, [(F, (3, 4))]),
    "CELU": ((0.7,), {}, [(F, (3, 4))]),
    "ELU": ((0.7,), {}, [(F, (3, 4))]),
    "Softplus": ((2.0,), {}, [(F, (3, 4))]),
    # losses, element by element (reduction="none") and reduced
    "CrossEntropyLoss": ((), dict(reduction="none"), [(F, (4, 3, 2)), (I, (4, 2), 3)]),
    "NLLLoss": ((), dict(reduction="none"), [(F, (4, 3)), (I, (4,), 3)]),
    "BCELoss": ((), dict(reduction="none"), [(P, (3, 4)), (P, (3, 4))]),
    "BCEWithLogitsLoss": ((), dict(reduction="none"), [(F, (3, 4)), (P, (3, 4))]),
    "KLDivLoss": ((), dict(reduction="none"), [(F, (3, 4)), (P, (3, 4))]),
    "MultiMarginLoss": ((), dict(reduction="none"), [(F, (4, 3)), (I, (4,), 3)]),
    "MultiLabelMarginLoss": ((), dict(reduction="none"), [(F, (4, 3)), (I, (4, 3), 3)]),
    "MultiLabelSoftMarginLoss": ((), dict(reduction="none"), [(F, (4, 3)), (P, (4, 3))]),
    "HingeEmbeddingLoss": ((), dict(reduction="none"), [(F, (3, 4)), (F, (3, 4))]),
    "SoftMarginLoss": ((), dict(reduction="none"), [(F, (3, 4)), (T, (3, 4))]),
    "CosineEmbeddingLoss": ((), dict(reduction="none"), [(F, (4, 3)), (F, (4, 3)),
                                                           (F, (4,))]),
    "MarginRankingLoss": ((), dict(reduction="none"), [(F, (5,)), (F, (5,)), (F, (5,))]),
    "TripletMarginLoss": ((), dict(reduction="none"), [(F, (4, 3)), (F, (4, 3)), (F, (4, 3))]),
    "PoissonNLLLoss": ((), dict(reduction="none"), [(F, (3, 4)), (P, (3, 4))]),
    "GaussianNLLLoss": ((), dict(reduction="none"), [(F, (3, 4)), (F, (3, 4)), (P, (3, 4))]),
    "MSELoss": ((), {}, [(F, (3, 4)), (F, (3, 4))]),
    "L1Loss": ((), dict(reduction="none"), [(F, (3, 4)), (F, (3, 4))]),
    "SmoothL1Loss": ((), dict(reduction="none"), [(F, (3, 4)), (F, (3, 4))]),
    "HuberLoss": ((), dict(reduction="sum"), [(F, (3, 4)), (F, (3, 4))]),
    "NLLLoss2d": ((), dict(reduction="none"), [(F, (2, 3, 4, 5)), (I, (2, 4, 5), 3)]),
    "TripletMarginWithDistanceLoss": ((), dict(reduction="none"),
                                      [(F, (4, 3)), (F, (4, 3)), (F, (4, 3))]),
    "CosineSimilarity": ((), {}, [(F, (3, 4)), (F, (3, 4))]),
    "PairwiseDistance": ((), {}, [(F, (3, 4)), (F, (3, 4))]),
    "Hardshrink": ((0.5,), {}, [(F, (3, 4))]),
    "Softshrink": ((0.5,), {}, [(F, (3, 4))]),
    "Softmax2d": ((), {}, [(F, (2, 3, 4, 5))]),
    "LocalResponseNorm": ((2,), {}, [(F, (2, 4, 3, 3))]),
    "RMSNorm": ((5,), {}, [(F, (2, 3, 5))]),
    "ChannelShuffle": ((2,), {}, [(F, (2, 4, 3, 3))]),
    "PixelShuffle": ((2,), {}, [(F, (1, 8, 3, 3))]),
    "PixelUnshuffle": ((2,), {}, [(F, (1, 2, 4, 6))]),
    # attention and transformers (dropout 0: deterministic)
    "MultiheadAttention": ((4, 2), {}, [(F, (3, 2, 4)), (F, (5, 2, 4)), (F, (5, 2, 4))]),
    "TransformerEncoderLayer": ((4, 2, 8, 0.0), {}, [(F, (3, 2, 4))]),
    "TransformerDecoderLayer": ((4, 2, 8, 0.0), {}, [(F, (3, 2, 4)), (F, (5, 2, 4))]),
    "TransformerEncoder": (lambda m: (m.TransformerEncoderLayer(4, 2, 8, 0.0), 2), {},
                           [(F, (3, 2, 4))]),
    "TransformerDecoder": (lambda m: (m.TransformerDecoderLayer(4, 2, 8, 0.0), 2), {},
                           [(F, (3, 2, 4)), (F, (5, 2, 4))]),
    "Transformer": ((), dict(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                             dim_feedforward=8, dropout=0.0), [(F, (5, 2, 4)), (F, (3, 2, 4))]),
}
# padding layers, 1-D, 2-D and 3-D
for _kind, _extra in (("Constant", (0.5,)), ("Zero", ()), ("Reflection", ()),
                      ("Replication", ()), ("Circular", ())):
    LAYERS[f"{_kind}Pad1d"] = ((2,) + _extra, {}, [(F, (2, 3, 5))])
    LAYERS[f"{_kind}Pad2d"] = (((1, 2, 0, 1),) + _extra, {}, [(F, (2, 3, 4, 5))])
    LAYERS[f"{_kind}Pad3d"] = ((1,) + _extra, {}, [(F, (1, 2, 3, 3, 3))])
# elementwise activations without arguments: a (3, 4) input
for _name in ("ReLU", "ReLU6", "SELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Softsign",
              "Tanhshrink", "LogSigmoid", "Hardsigmoid", "Hardswish"):
    LAYERS[_name] = ((), {}, [(F, (3, 4))])
# random in training mode: compared in eval mode (the identity), see _build
for _name in ("Dropout", "Dropout2d", "AlphaDropout",
              "FeatureAlphaDropout", "RReLU"):
    LAYERS[_name] = ((), {}, [(F, (2, 3, 4, 5))])
LAYERS["Dropout1d"] = ((), {}, [(F, (2, 3, 4))])
LAYERS["Dropout3d"] = ((), {}, [(F, (2, 3, 2, 2, 2))])

# deepgrad's own layers (no torch counterpart): torch returns every freshly computed
# tensor contiguous, so these are held to that rule
OWN_LAYERS = {
    "Maxout": ((4, 3, 2), {}, [(F, (5, 4))]),
    "FocalLoss": ((), dict(reduction="none"), [(F, (3, 4)), (P, (3, 4))]),
    "LogCoshLoss": ((), dict(reduction="none"), [(F, (3, 4)), (F, (3, 4))]),
    "QuantileLoss": ((), dict(reduction="none"), [(F, (3, 4)), (F, (3, 4))]),
    "SquaredHingeLoss": ((), dict(reduction="none"), [(F, (3, 4)), (F, (3, 4))]),
}

NOT_LAYERS = {  # Module classes exported by deepgrad.nn that are not layers of their own
    "Module": "base class", "RNNBase": "base class of RNN/LSTM/GRU (tested through them)",
    "RNNCellBase": "base class of the cells", "Sequential": "container",
    "ModuleList": "container", "ModuleDict": "container", "ParameterList": "container",
    "ParameterDict": "container", "DataParallel": "wraps a module; runs it unchanged",
    "DistributedDataParallel": "wraps a module; needs a process group (tests/distributed)",
    "MaxUnpool1d": "its inputs are a max-pool's values and indices (tests/compat); the "
                   "output is a fresh zero tensor written by scatter",
    "MaxUnpool2d": "as MaxUnpool1d",
}


def _module_classes():
    return sorted(n for n in dir(nn) if inspect.isclass(getattr(nn, n))
                  and issubclass(getattr(nn, n), nn.Module))


def test_every_layer_is_covered():
    missing = [n for n in _module_classes()
               if n not in LAYERS and n not in OWN_LAYERS and n not in NOT_LAYERS]
    assert not missing, f"add these layers to tests/nn/test_layout.py: {missing}"


def _arrays(specs, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for kind, shape, *high in specs:
        if kind == I:
            out.append(rng.integers(0, high[0], size=shape))
        elif kind == P:
            out.append(rng.uniform(0.05, 0.95, size=shape))
        else:
            out.append(rng.standard_normal(shape))
    return out


def _leaf(m, arr, requires_grad=True):
    if arr.dtype.kind == "i":
        return m.tensor(arr)
    return m.tensor(arr, requires_grad=requires_grad)


def _leaves(m, specs, arrays):
    return [_leaf(m, a, spec[0] != T) for spec, a in zip(specs, arrays)]


def _build(name, args, kwargs):
    torch.manual_seed(0)
    t_args, d_args = (args(torch.nn), args(nn)) if callable(args) else (args, args)
    t_mod = getattr(torch.nn, name)(*t_args, **kwargs).double()
    d_mod = getattr(nn, name)(*d_args, **kwargs).double()
    d_mod.load_state_dict({k: deepgrad.tensor(v.detach().numpy())
                           for k, v in t_mod.state_dict().items()})
    if "Dropout" in name or name == "RReLU":
        t_mod.eval()
        d_mod.eval()
    return d_mod, t_mod


def _tensors(out):
    """The tensors of a module's output, flattened (RNNs return (output, h_n or (h, c)))."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return [out]


def _view_outcome(t):
    """'ok', or the error type, of torch's classic flattening ``t.view(t.size(0), -1)``."""
    if t.dim() == 0 or t.numel() == 0:
        return "n/a"
    try:
        t.view(t.size(0), -1)
    except RuntimeError:
        return "RuntimeError"
    return "ok"


def assert_same_layout(d, t, what):
    assert tuple(d.shape) == tuple(t.shape), f"{what}: shape {tuple(d.shape)} != {tuple(t.shape)}"
    assert d.stride() == t.stride(), f"{what}: stride {d.stride()} != torch's {t.stride()}"
    assert d.is_contiguous() == t.is_contiguous(), f"{what}: is_contiguous differs"
    assert _view_outcome(d) == _view_outcome(t), f"{what}: view(n, -1) differs"


def _weighted_sum(m, outs, rng_seed=1):
    rng = np.random.default_rng(rng_seed)
    total = 0
    for o in outs:
        if o.dtype.is_floating_point and o.requires_grad:
            total = total + (o * m.tensor(rng.standard_normal(tuple(o.shape)))).sum()
    return total


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_layout_matches_torch(name):
    args, kwargs, specs = LAYERS[name]
    d_mod, t_mod = _build(name, args, kwargs)
    arrays = _arrays(specs)
    d_in, t_in = _leaves(deepgrad, specs, arrays), _leaves(torch, specs, arrays)
    d_outs, t_outs = _tensors(d_mod(*d_in)), _tensors(t_mod(*t_in))
    assert len(d_outs) == len(t_outs)
    for i, (d, t) in enumerate(zip(d_outs, t_outs)):
        assert_same_layout(d, t, f"{name} output {i}")
    _weighted_sum(deepgrad, d_outs).backward()
    _weighted_sum(torch, t_outs).backward()
    for (pname, dp), (_, tp) in zip(d_mod.named_parameters(), t_mod.named_parameters()):
        assert (dp.grad is None) == (tp.grad is None), f"{name}.{pname}.grad"
        if tp.grad is not None:
            assert_same_layout(dp.grad, tp.grad, f"{name}.{pname}.grad")
    for i, (d, t) in enumerate(zip(d_in, t_in)):
        if t.grad is not None:
            assert_same_layout(d.grad, t.grad, f"{name} input {i} grad")


@pytest.mark.parametrize("name", sorted(OWN_LAYERS))
def test_own_layer_outputs_are_contiguous(name):
    args, kwargs, specs = OWN_LAYERS[name]
    mod = getattr(nn, name)(*args, **kwargs).double()
    d_in = _leaves(deepgrad, specs, _arrays(specs))
    outs = _tensors(mod(*d_in))
    for o in outs:
        assert o.is_contiguous()
    _weighted_sum(deepgrad, outs).backward()
    for p in list(mod.parameters()) + [x for x in d_in if x.requires_grad]:
        assert p.grad.is_contiguous()


# --- layers fed non-contiguous inputs ---------------------------------------------------------

STRIDED_INPUTS = {
    # (layer name, permutation making the input from a contiguous array of the permuted shape)
    "Linear": (1, 0),          # x.t() of a (4, 5) array: a (5, 4) input with strides (1, 5)
    "Conv1d": (0, 2, 1),       # (N, L, C) memory seen as (N, C, L)
    "MaxPool1d": (1, 0, 2),    # (C, N, L) memory; see test_channels_last_inputs_keep_...
    "AvgPool2d": (1, 0, 2, 3),
    "Conv2d": (1, 0, 2, 3),
    "LayerNorm": (1, 0, 2),
    "Softmax": (1, 0),
    "LSTM": (1, 0, 2),         # a time-major array read batch-first
    "GRU": (1, 0, 2),
    "BatchNorm1d": (2, 1, 0),
    "Embedding": (1, 0),
}


@pytest.mark.parametrize("name", sorted(STRIDED_INPUTS))
def test_layer_on_a_permuted_input_matches_torch(name):
    args, kwargs, specs = LAYERS[name]
    perm = STRIDED_INPUTS[name]
    inv = tuple(np.argsort(perm))
    d_mod, t_mod = _build(name, args, kwargs)
    arr = _arrays(specs)[0]
    base = np.ascontiguousarray(arr.transpose(inv))  # base.transpose(perm) == arr
    d_x, t_x = _leaf(deepgrad, base), _leaf(torch, base)
    d_in, t_in = d_x.permute(*perm), t_x.permute(*perm)
    assert d_in.stride() == t_in.stride()
    d_outs, t_outs = _tensors(d_mod(d_in)), _tensors(t_mod(t_in))
    for i, (d, t) in enumerate(zip(d_outs, t_outs)):
        assert_same_layout(d, t, f"{name} output {i}")
    _weighted_sum(deepgrad, d_outs).backward()
    _weighted_sum(torch, t_outs).backward()
    if t_x.grad is not None:
        assert_same_layout(d_x.grad, t_x.grad, f"{name} input grad")


def test_classic_flatten_after_conv_and_pool():
    """The pattern of every CNN tutorial: x.view(x.size(0), -1) after conv and pooling."""
    x = deepgrad.randn(2, 1, 12, 12)
    conv, pool = nn.Conv2d(1, 4, 3), nn.MaxPool2d(2)
    y = pool(nn.functional.relu(conv(x)))
    flat = y.view(y.size(0), -1)
    assert tuple(flat.shape) == (2, 100)
    assert flat.is_contiguous() and y.is_contiguous()


CHANNELS_LAST = {  # layer: (input shape, its (N, H, W, C)-memory permutation)
    "Conv2d": ((2, 3, 7, 6), (0, 3, 1, 2)),
    "MaxPool2d": ((2, 3, 7, 6), (0, 3, 1, 2)),
    "MaxPool1d": ((2, 3, 8), (0, 2, 1)),
    "BatchNorm2d": ((4, 3, 2, 5), (0, 3, 1, 2)),
}


@pytest.mark.parametrize("name", sorted(CHANNELS_LAST))
def test_channels_last_inputs_keep_their_layout_as_torch(name):
    """torch keeps a channels-last (N, H, W, C)-strided input's layout through conv,
    pooling and batch norm (for max_pool1d only when the input requires grad: then it
    runs the 2-D kernel on an (N, C, 1, L) view); deepgrad too (tests/nn/test_memory_format.py
    covers the memory_format API)."""
    args, kwargs, _ = LAYERS[name]
    shape, perm = CHANNELS_LAST[name]
    d_mod, t_mod = _build(name, args, kwargs)
    inv = tuple(int(i) for i in np.argsort(perm))
    base = np.random.default_rng(0).standard_normal(tuple(shape[i] for i in inv))
    d_in = _leaf(deepgrad, base).permute(*perm)
    t_in = _leaf(torch, base).permute(*perm)
    d_out, t_out = d_mod(d_in), t_mod(t_in)
    assert tuple(d_in.shape) == shape and not t_out.is_contiguous()
    assert_same_layout(d_out, t_out, f"{name} output")
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
