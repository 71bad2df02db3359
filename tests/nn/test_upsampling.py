"""interpolate / Upsample against torch.nn.functional.interpolate / torch.nn in float64."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad
from deepgrad.autograd import gradcheck, gradgradcheck
from deepgrad.nn.functional.upsampling import interpolate
from deepgrad.nn.modules.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from tests.conftest import assert_close

RNG = np.random.default_rng(7)


def _check(shape, **kw):
    arr = RNG.standard_normal(shape)
    dx, tx = deepgrad.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    y, ty = interpolate(dx, **kw), TF.interpolate(tx, **kw)
    assert_close(y, ty, msg="output")
    go = RNG.standard_normal(tuple(ty.shape))
    (y * deepgrad.tensor(go)).sum().backward()
    (ty * torch.tensor(go)).sum().backward()
    assert_close(dx.grad, tx.grad, msg="input grad")


SIZES_4D = [dict(scale_factor=2), dict(scale_factor=3), dict(size=(11, 4)),
            dict(scale_factor=1.7), dict(scale_factor=(0.6, 2.5)),
            dict(scale_factor=1.7, recompute_scale_factor=True), dict(size=5)]
SIZES_3D = [dict(scale_factor=2), dict(size=11), dict(scale_factor=0.6),
            dict(scale_factor=1.7, recompute_scale_factor=True)]


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("kw", SIZES_4D)
def test_nearest_4d(kw, mode):
    _check((2, 3, 5, 7), mode=mode, **kw)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kw", SIZES_4D)
def test_bilinear(kw, align_corners):
    _check((2, 3, 5, 7), mode="bilinear", align_corners=align_corners, **kw)


@pytest.mark.parametrize("mode,align_corners", [("nearest", None), ("nearest-exact", None),
                                                ("linear", False), ("linear", True)])
@pytest.mark.parametrize("kw", SIZES_3D)
def test_3d_inputs(kw, mode, align_corners):
    _check((2, 3, 6), mode=mode, align_corners=align_corners, **kw)


@pytest.mark.parametrize("kw", [dict(mode="nearest", scale_factor=2),
                                dict(mode="bilinear", size=(3, 5), align_corners=False)])
def test_gradcheck(kw):
    x = deepgrad.tensor(RNG.standard_normal((1, 2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda x: interpolate(x, **kw), (x,))
    assert gradgradcheck(lambda x: interpolate(x, **kw) ** 2, (x,))


def test_float32_stays_float32():
    x = deepgrad.randn(1, 2, 4, 4, requires_grad=True)
    for mode in ("nearest", "bilinear"):
        y = interpolate(x, scale_factor=2, mode=mode)
        y.sum().backward()
        assert y.dtype == deepgrad.float32 and x.grad.dtype == deepgrad.float32


@pytest.mark.parametrize("cls,t_cls,kw", [
    (Upsample, torch.nn.Upsample, dict(scale_factor=2)),
    (Upsample, torch.nn.Upsample, dict(size=(7, 9), mode="bilinear")),
    (Upsample, torch.nn.Upsample, dict(scale_factor=1.5, mode="bilinear", align_corners=True)),
    (UpsamplingNearest2d, torch.nn.UpsamplingNearest2d, dict(scale_factor=3)),
    (UpsamplingBilinear2d, torch.nn.UpsamplingBilinear2d, dict(size=(6, 8))),
])
def test_modules_match_torch(cls, t_cls, kw):
    module, t_module = cls(**kw), t_cls(**kw)
    assert repr(module) == repr(t_module)
    arr = RNG.standard_normal((2, 3, 4, 5))
    assert_close(module(deepgrad.tensor(arr)), t_module(torch.tensor(arr)))


def test_bad_arguments():
    x = deepgrad.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        interpolate(x)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        interpolate(x, size=8, scale_factor=2)
    with pytest.raises(ValueError, match="expects a 4-D input"):
        interpolate(deepgrad.randn(1, 2, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners"):
        interpolate(x, scale_factor=2, mode="nearest", align_corners=True)
    with pytest.raises(NotImplementedError, match="bicubic"):
        interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match="size must have 2 elements"):
        interpolate(x, size=(2, 3, 4))
