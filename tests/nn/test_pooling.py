"""Pooling against torch.nn.functional / torch.nn in float64: values, indices, gradients
(first and second order), modules and bad input."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad
import deepgrad.nn.functional.pooling as F
from deepgrad.autograd import gradcheck, gradgradcheck
from deepgrad.nn.modules import pooling as M
from tests.conftest import assert_close

RNG = np.random.default_rng(99)


def _inputs(shape, ties):
    arr = RNG.standard_normal(shape)
    if ties:  # ReLU-like input: many equal values per window, to test the tie rule
        arr = np.maximum(arr, 0)
    return deepgrad.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)


def _check(name, shape, args, kw, ties=False, double=True):
    dx, tx = _inputs(shape, ties)
    y, ty = getattr(F, name)(dx, *args, **kw), getattr(TF, name)(tx, *args, **kw)
    if isinstance(ty, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        assert y[1].dtype == deepgrad.int64
        y, ty = y[0], ty[0]
    assert_close(y, ty, msg="output")
    go = RNG.standard_normal(tuple(ty.shape))
    gx, = deepgrad.autograd.grad((y * deepgrad.tensor(go)).sum(), [dx], create_graph=double)
    tgx, = torch.autograd.grad((ty * torch.tensor(go)).sum(), [tx], create_graph=double)
    assert_close(gx, tgx, msg="input grad")
    if double and tgx.requires_grad:  # the gradient's gradient (pooling is piecewise linear)
        v = RNG.standard_normal(tuple(tx.shape))
        ((gx * deepgrad.tensor(v)).sum() + (y ** 2).sum()).backward()
        ((tgx * torch.tensor(v)).sum() + (ty ** 2).sum()).backward()
        assert_close(dx.grad, tx.grad, msg="second order")


MAX2D = [
    ((2, 3, 8, 8), (2,), {}),
    ((2, 3, 9, 7), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ((2, 3, 9, 10), ((3, 2),), dict(stride=(1, 2), padding=(1, 0), dilation=(2, 1))),
    ((1, 2, 11, 11), (2,), {}),                                   # odd size: last row dropped
    ((2, 2, 10, 9), (3,), dict(stride=3, ceil_mode=True)),
    ((3, 7, 7), (2,), dict(stride=1)),                            # unbatched, overlapping
]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("return_indices", [False, True])
@pytest.mark.parametrize("shape,args,kw", MAX2D)
def test_max_pool2d(shape, args, kw, return_indices, ties):
    _check("max_pool2d", shape, args, dict(kw, return_indices=return_indices), ties)


@pytest.mark.parametrize("shape,args,kw", [
    ((2, 3, 11), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ((2, 3, 12), (2,), {}),
    ((1, 2, 13), (3,), dict(dilation=2, padding=1, stride=2)),
])
def test_max_pool1d(shape, args, kw):
    _check("max_pool1d", shape, args, dict(kw, return_indices=True), ties=True)


AVG2D = [
    ((2, 3, 8, 8), (2,), {}),
    ((2, 3, 9, 7), (3,), dict(stride=2, padding=1, ceil_mode=True)),
    ((2, 3, 9, 7), (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((2, 3, 9, 7), ((3, 2),), dict(stride=(2, 1), padding=(1, 1), divisor_override=5)),
    ((1, 2, 10, 11), (4,), dict(stride=3, padding=2, ceil_mode=True, count_include_pad=False)),
    ((2, 5, 6), (2,), dict(stride=1)),
]


@pytest.mark.parametrize("shape,args,kw", AVG2D)
def test_avg_pool2d(shape, args, kw):
    _check("avg_pool2d", shape, args, kw)


@pytest.mark.parametrize("kw", [dict(), dict(stride=3, padding=2, ceil_mode=True),
                                dict(stride=3, padding=2, ceil_mode=True,
                                     count_include_pad=False)])
def test_avg_pool1d(kw):
    _check("avg_pool1d", (2, 3, 10), (4,), kw)


@pytest.mark.parametrize("shape,out", [((2, 3, 9, 7), (4, 3)), ((2, 3, 8, 6), (4, 3)),
                                       ((2, 3, 5, 5), 1), ((2, 3, 5, 6), (None, 4)),
                                       ((2, 3, 4, 4), (6, 7))])
def test_adaptive_avg_pool2d(shape, out):
    _check("adaptive_avg_pool2d", shape, (out,), {})


def test_adaptive_avg_pool1d():
    _check("adaptive_avg_pool1d", (2, 3, 10), (4,), {})
    _check("adaptive_avg_pool1d", (2, 3, 9), (3,), {})


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape,out", [((2, 3, 9, 7), (4, 3)), ((2, 3, 8, 6), (4, 3)),
                                       ((1, 2, 5, 5), 1), ((2, 2, 3, 3), (5, 4))])
def test_adaptive_max_pool2d(shape, out, ties):
    _check("adaptive_max_pool2d", shape, (out,), dict(return_indices=True), ties)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    lambda x: F.adaptive_max_pool2d(x, (2, 3)),
])
def test_gradcheck(fn):
    x = deepgrad.tensor(RNG.standard_normal((1, 2, 5, 5)), requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_float32_stays_float32_and_channels_last_inputs_work():
    x = deepgrad.randn(2, 4, 6, 6, requires_grad=True)
    y = F.max_pool2d(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2), 2)
    y.sum().backward()
    assert y.dtype == deepgrad.float32 and x.grad.dtype == deepgrad.float32
    assert_close(y.detach(), TF.max_pool2d(torch.from_numpy(x.detach().numpy()), 2))


# --- modules ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,args,kw,shape", [
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 9, 8)),
    ("MaxPool1d", (2,), {}, (2, 3, 9)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 9, 8)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("AdaptiveAvgPool2d", ((3, 2),), {}, (2, 3, 9, 8)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 9)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 9, 8)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 9)),
])
def test_modules_match_torch(name, args, kw, shape):
    module, t_module = getattr(M, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(module) == repr(t_module)
    dx, tx = _inputs(shape, ties=False)
    y, ty = module(dx), t_module(tx)
    assert_close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_close(dx.grad, tx.grad)


def test_module_return_indices():
    dx, tx = _inputs((1, 2, 6, 6), ties=True)
    (y, i), (ty, ti) = M.MaxPool2d(2, return_indices=True)(dx), \
        torch.nn.MaxPool2d(2, return_indices=True)(tx)
    assert_close(y, ty)
    np.testing.assert_array_equal(i.numpy(), ti.numpy())


# --- bad input ----------------------------------------------------------------------------------

def test_bad_arguments():
    x = deepgrad.randn(1, 2, 5, 5)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="too small"):
        F.max_pool2d(x, 7)
    with pytest.raises(RuntimeError, match="expected 3-D .* or 4-D"):
        F.max_pool2d(deepgrad.randn(5, 5), 2)
    with pytest.raises(ValueError, match="greater than zero"):
        F.avg_pool2d(x, 2, stride=0)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="output_size"):
        F.adaptive_avg_pool2d(x, (2, 0))
