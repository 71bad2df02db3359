"""Memory formats against torch 2.13: ``channels_last`` and friends, the tensor and module
methods that take ``memory_format``, and the layers that keep a channels-last input's
format (torch's channels-last-aware CPU kernels). Every layout and value is compared with
torch's for the same inputs and weights; gradients too."""
import pickle

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.nn as nn
import deepgrad.nn.functional as F

CL, CL3 = deepgrad.channels_last, deepgrad.channels_last_3d
FORMATS = {"contiguous": (deepgrad.contiguous_format, torch.contiguous_format),
           "channels_last": (CL, torch.channels_last),
           "channels_last_3d": (CL3, torch.channels_last_3d)}


def _pair(arr, requires_grad=False):
    return (deepgrad.tensor(arr, requires_grad=requires_grad),
            torch.tensor(arr, requires_grad=requires_grad))


def _layout(t, formats=("contiguous", "channels_last", "channels_last_3d")):
    """stride() and is_contiguous() in each format (torch's answers, or deepgrad's)."""
    lib = 0 if isinstance(t, deepgrad.Tensor) else 1
    return (tuple(t.shape), tuple(t.stride()),
            tuple(t.is_contiguous(memory_format=FORMATS[f][lib]) for f in formats))


# --- the API ----------------------------------------------------------------------------------

def test_formats_are_singletons_that_print_and_pickle():
    assert repr(CL) == "deepgrad.channels_last"
    assert isinstance(CL, deepgrad.memory_format) and CL is not deepgrad.contiguous_format
    assert pickle.loads(pickle.dumps(CL)) is CL


VIEWS = {  # ways to get a 4-D or 5-D tensor: each compared in every format
    "fresh": lambda m, x: x,
    "permuted_nhwc": lambda m, x: x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
    "to_cl": lambda m, x: x.to(memory_format=m.channels_last),
    "contiguous_cl": lambda m, x: x.contiguous(memory_format=m.channels_last),
    "cl_then_back": lambda m, x: x.contiguous(memory_format=m.channels_last).contiguous(),
    "cl_slice": lambda m, x: x.contiguous(memory_format=m.channels_last)[:, :, 1:],
    "cl_one_channel": lambda m, x: x[:, :1].contiguous(memory_format=m.channels_last),
    "transposed": lambda m, x: x.transpose(2, 3),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 3, 1, 1), (2, 1, 3, 1)])
def test_layouts_and_is_contiguous_in_each_format_match_torch(name, shape):
    arr = np.random.default_rng(0).standard_normal(shape)
    d, t = VIEWS[name](deepgrad, deepgrad.tensor(arr)), VIEWS[name](torch, torch.tensor(arr))
    assert _layout(d) == _layout(t)
    np.testing.assert_array_equal(d.numpy(), t.numpy())


def test_channels_last_3d_matches_torch():
    arr = np.random.default_rng(0).standard_normal((2, 3, 2, 4, 5))
    d = deepgrad.tensor(arr).contiguous(memory_format=CL3)
    t = torch.tensor(arr).contiguous(memory_format=torch.channels_last_3d)
    assert _layout(d) == _layout(t)
    assert _layout(d.to(memory_format=deepgrad.contiguous_format)) == \
        _layout(t.to(memory_format=torch.contiguous_format))


def test_bad_formats_raise_as_torch():
    x = deepgrad.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="rank 4"):
        x.contiguous(memory_format=CL)
    with pytest.raises(RuntimeError, match="preserve"):
        x.contiguous(memory_format=deepgrad.preserve_format)
    with pytest.raises(RuntimeError, match="preserve"):
        x.is_contiguous(memory_format=deepgrad.preserve_format)
    with pytest.raises(RuntimeError, match="memory format"):
        x.is_contiguous(memory_format="channels_last")
    assert x.is_contiguous(memory_format=CL) is False   # torch: False for another rank
    assert torch.zeros(2, 3, 4).is_contiguous(memory_format=torch.channels_last) is False


def test_contiguous_in_a_format_passes_gradients_as_torch():
    arr = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    up = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    grads = []
    for m, (x, _) in ((deepgrad, _pair(arr, True)), (torch, _pair(arr, True)[::-1])):
        y = x.contiguous(memory_format=m.channels_last)
        assert y is not x
        (y * m.tensor(up)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_to_keeps_the_format_through_a_cast_as_torch():
    arr = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    d = deepgrad.tensor(arr).to(memory_format=CL)
    t = torch.tensor(arr).to(memory_format=torch.channels_last)
    assert _layout(d.float()) == _layout(t.float())
    assert _layout(d.to(deepgrad.float32, memory_format=deepgrad.contiguous_format)) == \
        _layout(t.to(torch.float32, memory_format=torch.contiguous_format))
    assert d.to(memory_format=CL) is d


def test_module_to_channels_last_converts_4d_parameters_as_torch():
    torch.manual_seed(0)
    t_mod = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                                torch.nn.Flatten(), torch.nn.Linear(4 * 3 * 3, 2)).double()
    d_mod = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 2)).double()
    d_mod.load_state_dict({k: deepgrad.tensor(v.numpy()) for k, v in t_mod.state_dict().items()})
    weight = d_mod[0].weight
    assert d_mod.to(memory_format=CL) is d_mod
    t_mod.to(memory_format=torch.channels_last)
    assert d_mod[0].weight is weight  # the same Parameter, its values restored in place
    for (name, d), (_, t) in zip(d_mod.named_parameters(), t_mod.named_parameters()):
        assert _layout(d) == _layout(t), name
    arr = np.random.default_rng(0).standard_normal((2, 3, 5, 5))
    d_x, t_x = _pair(arr)
    d_out, t_out = d_mod(d_x), t_mod(t_x)
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "rand_like"])
def test_like_constructors_take_a_memory_format_as_torch(fn):
    arr = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    d_cl = deepgrad.tensor(arr).contiguous(memory_format=CL)
    t_cl = torch.tensor(arr).contiguous(memory_format=torch.channels_last)
    for (d_x, t_x) in ((d_cl, t_cl), _pair(arr)):
        for name, (d_fmt, t_fmt) in FORMATS.items():
            if name == "channels_last_3d":
                continue
            d, t = getattr(deepgrad, fn)(d_x, memory_format=d_fmt), \
                getattr(torch, fn)(t_x, memory_format=t_fmt)
            assert _layout(d) == _layout(t), name
        # preserve_format (torch's default; deepgrad's default stays row-major, see
        # creation._in_format): a dense input's strides
        assert _layout(getattr(deepgrad, fn)(d_x, memory_format=deepgrad.preserve_format)) \
            == _layout(getattr(torch, fn)(t_x, memory_format=torch.preserve_format))
        assert getattr(deepgrad, fn)(d_x).is_contiguous()
    # preserve_format of a strided (not dense) input: dense, in the input's dim order
    d_s, t_s = d_cl[:, :, ::2].transpose(2, 3), t_cl[:, :, ::2].transpose(2, 3)
    assert _layout(getattr(deepgrad, fn)(d_s, memory_format=deepgrad.preserve_format)) == \
        _layout(getattr(torch, fn)(t_s, memory_format=torch.preserve_format))


# --- layers keep a channels-last input's format -----------------------------------------------

LAYERS = {  # name: (module factory, input shape, input format)
    "Conv2d": (lambda m: m.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 7, 6)),
    "Conv2d_depthwise": (lambda m: m.Conv2d(3, 6, 3, groups=3, bias=False), (2, 3, 5, 6)),
    "ConvTranspose2d": (lambda m: m.ConvTranspose2d(3, 4, 3, stride=2, padding=1), (2, 3, 4, 5)),
    "MaxPool2d": (lambda m: m.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 6)),
    "AvgPool2d": (lambda m: m.AvgPool2d(2), (2, 3, 6, 6)),
    "AdaptiveAvgPool2d": (lambda m: m.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 6)),
    "AdaptiveAvgPool2d_regular": (lambda m: m.AdaptiveAvgPool2d(2), (2, 3, 6, 4)),
    "AdaptiveMaxPool2d": (lambda m: m.AdaptiveMaxPool2d((2, 3)), (2, 3, 7, 6)),
    "BatchNorm2d": (lambda m: m.BatchNorm2d(3), (4, 3, 2, 5)),
    "BatchNorm2d_eval": (lambda m: m.BatchNorm2d(3).eval(), (4, 3, 2, 5)),
    "ReLU": (lambda m: m.ReLU(), (2, 3, 4, 5)),
    "GELU": (lambda m: m.GELU(), (2, 3, 4, 5)),
    "Sigmoid": (lambda m: m.Sigmoid(), (2, 3, 4, 5)),
    "Dropout_eval": (lambda m: m.Dropout().eval(), (2, 3, 4, 5)),
    "Flatten": (lambda m: m.Flatten(), (2, 3, 4, 5)),
}


def _build(factory):
    torch.manual_seed(0)
    t_mod = factory(torch.nn).double()
    d_mod = factory(nn).double()
    d_mod.load_state_dict({k: deepgrad.tensor(v.detach().numpy())
                           for k, v in t_mod.state_dict().items()})
    return d_mod, t_mod


def _channels_last_input(m, arr, requires_grad):
    """A leaf in row-major order, fed to the layer channels-last (a recorded copy)."""
    leaf = m.tensor(arr, requires_grad=requires_grad)
    return leaf, leaf.contiguous(memory_format=m.channels_last)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_keeps_channels_last_as_torch(name):
    factory, shape = LAYERS[name]
    d_mod, t_mod = _build(factory)
    arr = np.random.default_rng(0).standard_normal(shape)
    d_leaf, d_x = _channels_last_input(deepgrad, arr, True)
    t_leaf, t_x = _channels_last_input(torch, arr, True)
    d_out, t_out = d_mod(d_x), t_mod(t_x)
    fmts = ("contiguous", "channels_last") if t_out.dim() == 4 else ("contiguous",)
    assert _layout(d_out, fmts) == _layout(t_out, fmts)
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    up = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
    (d_out * deepgrad.tensor(up)).sum().backward()
    (t_out * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(d_leaf.grad.numpy(), t_leaf.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert _layout(d_leaf.grad) == _layout(t_leaf.grad)
    for (pname, dp), (_, tp) in zip(d_mod.named_parameters(), t_mod.named_parameters()):
        np.testing.assert_allclose(dp.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12)
        assert _layout(dp.grad, ("contiguous",)) == _layout(tp.grad, ("contiguous",)), pname


def test_conv_with_a_channels_last_weight_gives_channels_last_as_torch():
    """torch's convolution also stores its result channels-last when only the weight is."""
    d_mod, t_mod = _build(lambda m: m.Conv2d(3, 4, 3))
    d_mod.to(memory_format=CL)
    t_mod.to(memory_format=torch.channels_last)
    arr = np.random.default_rng(0).standard_normal((2, 3, 6, 5))
    d_out, t_out = d_mod(deepgrad.tensor(arr)), t_mod(torch.tensor(arr))
    assert _layout(d_out) == _layout(t_out)
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10)


def test_max_pool_indices_keep_channels_last_as_torch():
    arr = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    d_x = deepgrad.tensor(arr).contiguous(memory_format=CL)
    t_x = torch.tensor(arr).contiguous(memory_format=torch.channels_last)
    d_out, d_idx = F.max_pool2d(d_x, 2, return_indices=True)
    t_out, t_idx = torch.nn.functional.max_pool2d(t_x, 2, return_indices=True)
    assert _layout(d_idx) == _layout(t_idx) and _layout(d_out) == _layout(t_out)
    np.testing.assert_array_equal(d_idx.numpy(), t_idx.numpy())


POOL_1D = {  # torch runs these through their 2-D kernels on an (N, C, 1, L) view
    "avg_pool1d": lambda f, x: f.avg_pool1d(x, 2),
    "adaptive_avg_pool1d": lambda f, x: f.adaptive_avg_pool1d(x, 3),
    "adaptive_max_pool1d": lambda f, x: f.adaptive_max_pool1d(x, 3),
    "max_pool1d": lambda f, x: f.max_pool1d(x, 2),  # only when x requires grad
}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", sorted(POOL_1D))
def test_1d_pooling_of_a_length_major_input_matches_torch(name, requires_grad):
    """(N, L, C) memory read as (N, C, L): torch's 2-D kernels see a channels-last view."""
    arr = np.random.default_rng(0).standard_normal((2, 8, 3))
    d_x = deepgrad.tensor(arr, requires_grad=requires_grad).permute(0, 2, 1)
    t_x = torch.tensor(arr, requires_grad=requires_grad).permute(0, 2, 1)
    d_out = POOL_1D[name](F, d_x)
    t_out = POOL_1D[name](torch.nn.functional, t_x)
    assert _layout(d_out, ("contiguous",)) == _layout(t_out, ("contiguous",))
    np.testing.assert_allclose(d_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)


def test_elementwise_ops_keep_channels_last_as_torch():
    arr = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    bias = np.random.default_rng(1).standard_normal((1, 3, 1, 1))
    d_x = deepgrad.tensor(arr).contiguous(memory_format=CL)
    t_x = torch.tensor(arr).contiguous(memory_format=torch.channels_last)
    d_c, t_c = _pair(arr)
    for fn in (lambda x, c, b: x + b, lambda x, c, b: x * x, lambda x, c, b: x.exp(),
               lambda x, c, b: x - c, lambda x, c, b: c * x, lambda x, c, b: (x > 0) * x):
        d, t = fn(d_x, d_c, deepgrad.tensor(bias)), fn(t_x, t_c, torch.tensor(bias))
        assert _layout(d) == _layout(t)
        np.testing.assert_allclose(d.numpy(), t.numpy())
