"""Convolutions against torch.nn.functional / torch.nn in float64: values, first and second
derivatives, modules with copied weights, default initialisation, and bad input."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad
import deepgrad.nn.functional.conv as F
from deepgrad.autograd import gradcheck, gradgradcheck
from deepgrad.nn.modules.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from tests.conftest import assert_close

RNG = np.random.default_rng(1234)
# torch warns that it copies the input for an even kernel with padding="same"
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")


def _pair(shape):
    """The same random float64 values as a deepgrad and a torch leaf (both requiring grad)."""
    arr = RNG.standard_normal(shape)
    return deepgrad.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)


def _check_first_order(dg_fn, t_fn, x_shape, w_shape, bias_len, **kw):
    (dx, tx), (dw, tw) = _pair(x_shape), _pair(w_shape)
    db, tb = _pair((bias_len,)) if bias_len else (None, None)
    y, ty = dg_fn(dx, dw, db, **kw), t_fn(tx, tw, tb, **kw)
    assert_close(y, ty, msg="output")
    go = RNG.standard_normal(tuple(ty.shape))
    (y * deepgrad.tensor(go)).sum().backward()
    (ty * torch.tensor(go)).sum().backward()
    assert_close(dx.grad, tx.grad, msg="input grad")
    assert_close(dw.grad, tw.grad, msg="weight grad")
    if bias_len:
        assert_close(db.grad, tb.grad, msg="bias grad")


# (x shape, w shape, kwargs): odd sizes, strides, paddings, dilations and groups
CONV2D = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((2, 1, 9, 8), (5, 1, 3, 2), dict(stride=2, padding=1)),
    ((1, 4, 8, 9), (6, 2, 3, 3), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ((2, 4, 7, 7), (4, 1, 3, 3), dict(padding=1, groups=4)),  # depthwise
    ((2, 3, 6, 7), (2, 3, 4, 2), dict(padding="same")),         # even kernel: asymmetric pad
    ((2, 2, 9, 9), (3, 2, 3, 3), dict(padding="same", dilation=2)),
    ((2, 3, 5, 6), (4, 3, 2, 3), dict(padding="valid", stride=3)),
    ((3, 6, 10, 5), (4, 3, 1, 1), dict(groups=2)),
    ((1, 2, 11, 10), (3, 2, 5, 4), dict(stride=(3, 2), padding=(2, 0), dilation=(2, 1))),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape,w_shape,kw", CONV2D)
def test_conv2d_matches_torch(x_shape, w_shape, kw, bias):
    _check_first_order(F.conv2d, TF.conv2d, x_shape, w_shape, w_shape[0] if bias else 0, **kw)


CONV1D = [
    ((2, 3, 9), (4, 3, 3), {}),
    ((2, 4, 11), (6, 2, 4), dict(stride=2, padding=3, dilation=2, groups=2)),
    ((1, 1, 10), (2, 1, 5), dict(padding="same")),
    ((3, 2, 7), (2, 2, 2), dict(stride=3, padding=1)),
]


@pytest.mark.parametrize("x_shape,w_shape,kw", CONV1D)
def test_conv1d_matches_torch(x_shape, w_shape, kw):
    _check_first_order(F.conv1d, TF.conv1d, x_shape, w_shape, w_shape[0], **kw)


# transposed weights are (C_in, C_out / groups, k...)
CONVT2D = [
    ((2, 3, 4, 5), (3, 2, 3, 3), {}),
    ((2, 4, 5, 4), (4, 3, 3, 2), dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                                      groups=2)),
    ((1, 2, 5, 5), (2, 3, 3, 3), dict(stride=2, padding=1, dilation=2, output_padding=1)),
    ((2, 2, 3, 4), (2, 1, 4, 4), dict(stride=2, padding=1)),
]


@pytest.mark.parametrize("x_shape,w_shape,kw", CONVT2D)
def test_conv_transpose2d_matches_torch(x_shape, w_shape, kw):
    groups = kw.get("groups", 1)
    _check_first_order(F.conv_transpose2d, TF.conv_transpose2d, x_shape, w_shape,
                       w_shape[1] * groups, **kw)


@pytest.mark.parametrize("x_shape,w_shape,kw", [
    ((2, 3, 6), (3, 2, 3), dict(stride=3, padding=1, output_padding=2)),
    ((1, 4, 5), (4, 1, 2), dict(groups=2, dilation=3)),
])
def test_conv_transpose1d_matches_torch(x_shape, w_shape, kw):
    groups = kw.get("groups", 1)
    _check_first_order(F.conv_transpose1d, TF.conv_transpose1d, x_shape, w_shape,
                       w_shape[1] * groups, **kw)


def test_unbatched_input():
    (dx, tx), (dw, tw) = _pair((3, 6, 5)), _pair((2, 3, 3, 3))
    assert_close(F.conv2d(dx, dw, padding=1), TF.conv2d(tx, tw, padding=1))
    (dx, tx), (dw, tw) = _pair((3, 6)), _pair((2, 3, 3))
    assert_close(F.conv1d(dx, dw), TF.conv1d(tx, tw))


DOUBLE = [
    ("conv2d", (2, 3, 6, 5), (4, 3, 3, 2), dict(stride=2, padding=1, dilation=(1, 2))),
    ("conv2d", (1, 4, 5, 5), (4, 2, 3, 3), dict(padding="same", groups=2)),
    ("conv2d", (2, 1, 6, 6), (3, 1, 3, 3), {}),
    ("conv1d", (2, 3, 9), (2, 3, 3), dict(stride=2, padding=2, dilation=2)),
    ("conv_transpose2d", (2, 3, 4, 4), (3, 2, 3, 3), dict(stride=2, padding=1,
                                                           output_padding=1)),
]


@pytest.mark.parametrize("name,x_shape,w_shape,kw", DOUBLE)
def test_double_backward_matches_torch(name, x_shape, w_shape, kw):
    """WGAN-GP style: gradients with create_graph, then backward of a function of them."""
    (dx, tx), (dw, tw) = _pair(x_shape), _pair(w_shape)
    n_out = w_shape[1] * kw.get("groups", 1) if "transpose" in name else w_shape[0]
    db, tb = _pair((n_out,))
    y, ty = getattr(F, name)(dx, dw, db, **kw), getattr(TF, name)(tx, tw, tb, **kw)
    go = RNG.standard_normal(tuple(ty.shape))
    loss, t_loss = (y.tanh() * deepgrad.tensor(go)).sum(), (ty.tanh() * torch.tensor(go)).sum()
    gx, gw = deepgrad.autograd.grad(loss, [dx, dw], create_graph=True)
    tgx, tgw = torch.autograd.grad(t_loss, [tx, tw], create_graph=True)
    assert_close(gx, tgx, msg="gx")
    assert_close(gw, tgw, msg="gw")
    ((gx ** 2).sum() + (gw * gw.sin()).sum()).backward()
    ((tgx ** 2).sum() + (tgw * tgw.sin()).sum()).backward()
    assert_close(dx.grad, tx.grad, msg="d/dx")
    assert_close(dw.grad, tw.grad, msg="d/dw")
    assert_close(db.grad, tb.grad, msg="d/db")


@pytest.mark.parametrize("fn,x_shape,w_shape,kw", [
    (F.conv2d, (1, 2, 4, 4), (2, 1, 2, 2), dict(stride=2, padding=1, groups=2)),
    (F.conv1d, (2, 2, 5), (1, 2, 3), dict(dilation=2, padding=1)),
    (F.conv_transpose2d, (1, 2, 3, 3), (2, 1, 2, 2), dict(stride=2, output_padding=1)),
])
def test_gradcheck_and_gradgradcheck(fn, x_shape, w_shape, kw):
    x = deepgrad.tensor(RNG.standard_normal(x_shape), requires_grad=True)
    w = deepgrad.tensor(RNG.standard_normal(w_shape), requires_grad=True)
    n_out = w_shape[1] if fn is F.conv_transpose2d else w_shape[0]
    b = deepgrad.tensor(RNG.standard_normal(n_out), requires_grad=True)
    assert gradcheck(lambda x, w, b: fn(x, w, b, **kw), (x, w, b))
    assert gradgradcheck(lambda x, w, b: fn(x, w, b, **kw), (x, w, b))


def test_float32_stays_float32():
    x, w = deepgrad.randn(2, 3, 5, 5, requires_grad=True), deepgrad.randn(4, 3, 3, 3)
    y = F.conv2d(x, w, padding=1)
    y.sum().backward()
    assert y.dtype == deepgrad.float32 and x.grad.dtype == deepgrad.float32


# --- modules ------------------------------------------------------------------------------------

def _copy_weights(module, t_module):
    module.load_state_dict({k: deepgrad.tensor(v.detach().numpy())
                            for k, v in t_module.state_dict().items()})


@pytest.mark.parametrize("cls,t_cls,args,kw,x_shape", [
    (Conv2d, torch.nn.Conv2d, (3, 4, 3), dict(stride=2, padding=1), (2, 3, 7, 6)),
    (Conv2d, torch.nn.Conv2d, (4, 6, (3, 2)), dict(groups=2, bias=False, dilation=2), (2, 4, 8, 7)),
    (Conv2d, torch.nn.Conv2d, (2, 3, 3), dict(padding="same", padding_mode="reflect"),
     (2, 2, 5, 6)),
    (Conv2d, torch.nn.Conv2d, (2, 3, 3), dict(padding=2, padding_mode="replicate"), (1, 2, 4, 5)),
    (Conv2d, torch.nn.Conv2d, (2, 3, 3), dict(padding=(1, 2), padding_mode="circular"),
     (2, 2, 5, 4)),
    (Conv1d, torch.nn.Conv1d, (3, 5, 4), dict(stride=2, padding=3), (2, 3, 11)),
    (Conv1d, torch.nn.Conv1d, (2, 2, 3), dict(padding=1, padding_mode="circular"), (2, 2, 6)),
    (ConvTranspose2d, torch.nn.ConvTranspose2d, (4, 6, 3), dict(stride=2, padding=1,
                                                                 output_padding=1, groups=2),
     (2, 4, 4, 5)),
    (ConvTranspose1d, torch.nn.ConvTranspose1d, (3, 2, 4), dict(stride=3, dilation=2), (2, 3, 5)),
])
def test_module_matches_torch(cls, t_cls, args, kw, x_shape):
    t_module = t_cls(*args, **kw).double()
    module = cls(*args, **kw, dtype=deepgrad.float64)
    _copy_weights(module, t_module)
    assert repr(module) == repr(t_module)
    (dx, tx) = _pair(x_shape)
    y, ty = module(dx), t_module(tx)
    assert_close(y, ty)
    go = RNG.standard_normal(tuple(ty.shape))
    (y * deepgrad.tensor(go)).sum().backward()
    (ty * torch.tensor(go)).sum().backward()
    assert_close(dx.grad, tx.grad)
    for (name, p), (_, tp) in zip(module.named_parameters(), t_module.named_parameters()):
        assert_close(p.grad, tp.grad, msg=name)


def test_conv_transpose_output_size():
    t_module = torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1).double()
    module = ConvTranspose2d(2, 3, 3, stride=2, padding=1, dtype=deepgrad.float64)
    _copy_weights(module, t_module)
    dx, tx = _pair((1, 2, 4, 4))
    assert_close(module(dx, output_size=[8, 8]), t_module(tx, output_size=[8, 8]))
    with pytest.raises(ValueError, match="output size"):
        module(dx, output_size=[12, 12])


@pytest.mark.parametrize("cls,t_cls,args", [
    (Conv2d, torch.nn.Conv2d, (16, 32, 5)),
    (Conv1d, torch.nn.Conv1d, (24, 40, 7)),
    (ConvTranspose2d, torch.nn.ConvTranspose2d, (32, 24, 4)),
])
def test_default_init_matches_torch(cls, t_cls, args):
    """kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias the same."""
    module, t_module = cls(*args), t_cls(*args)
    w, tw = module.weight.detach().numpy(), t_module.weight.detach().numpy()
    assert w.shape == tw.shape and w.dtype == np.float32
    fan_in = tw.shape[1] * int(np.prod(tw.shape[2:]))
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(tw).max() <= bound
    # uniform on (-b, b): std b/sqrt(3); both samples within a few standard errors of it
    for sample in (w.ravel(), tw.ravel()):
        se = bound / math.sqrt(3) / math.sqrt(sample.size)
        assert abs(sample.mean()) < 5 * se
        assert abs(sample.std() - bound / math.sqrt(3)) < 0.03 * bound
    b = module.bias.detach().numpy()
    assert np.abs(b).max() <= bound and b.std() > 0.3 * bound


# --- bad input ----------------------------------------------------------------------------------

def test_wrong_channels_names_expected_and_actual():
    conv = Conv2d(3, 8, 3)
    with pytest.raises(RuntimeError, match=r"in_channels=3.*got 4 channels"):
        conv(deepgrad.randn(2, 4, 8, 8))
    with pytest.raises(RuntimeError, match=r"to have 6 channels, but got 5"):
        F.conv2d(deepgrad.randn(1, 5, 4, 4), deepgrad.randn(4, 3, 1, 1), groups=2)


def test_bad_arguments():
    x = deepgrad.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match="strided"):
        F.conv2d(x, deepgrad.randn(2, 2, 3, 3), padding="same", stride=2)
    with pytest.raises(ValueError, match="Invalid padding string"):
        F.conv2d(x, deepgrad.randn(2, 2, 3, 3), padding="full")
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        F.conv2d(x, deepgrad.randn(2, 2, 5, 5))
    with pytest.raises(ValueError, match="divisible by groups"):
        Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="output padding must be smaller"):
        F.conv_transpose2d(x, deepgrad.randn(2, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="input type"):
        F.conv2d(x.double(), deepgrad.randn(2, 2, 3, 3))
