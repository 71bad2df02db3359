"""Activations against torch.nn: value, input gradient and double backward; erf vs math.erf."""
import math

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
import deepgrad.nn.functional as F
from deepgrad.ops.special import erf, erfc
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")

# (module name, constructor args): the same on both sides
CASES = [
    ("ReLU", ()), ("ReLU6", ()), ("LeakyReLU", (0.2,)), ("ELU", (0.7,)), ("SELU", ()),
    ("CELU", (1.3,)), ("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("Mish", ()),
    ("Softplus", ()), ("Softplus", (2.0, 1.5)), ("Softsign", ()), ("Sigmoid", ()), ("Tanh", ()),
    ("Hardtanh", (-0.5, 2.0)), ("Hardsigmoid", ()), ("Hardswish", ()), ("LogSigmoid", ()),
    ("Threshold", (0.3, -2.0)), ("Softmax", (1,)), ("LogSoftmax", (-1,)), ("Softmin", (0,)),
    ("Tanhshrink", ()), ("GLU", (1,)),
]


def _input(shape=(4, 6, 5), scale=3.0, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    x[0, 0, :3] = [25.0, -25.0, 40.0]  # large values exercise the stable formulas
    return x


def _both(name, args, x):
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    xd = deepgrad.tensor(x, requires_grad=True)
    return ours, theirs, xd, to_torch(xd)


@pytest.mark.parametrize("name,args", CASES, ids=[f"{n}{a}" for n, a in CASES])
def test_activation_value_grad_and_double_backward(name, args):
    ours, theirs, x, xt = _both(name, args, _input())
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt, msg="forward")
    w = deepgrad.tensor(np.random.default_rng(1).standard_normal(y.shape))
    wt = to_torch(w)
    (g,) = deepgrad.autograd.grad((y * w).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((yt * wt).sum(), xt, create_graph=True)
    assert_close(g, gt, msg="grad")
    if name == "Hardsigmoid":  # torch has no double backward here; the exact answer is 0
        ggt = np.zeros(x.shape)
    else:
        (ggt,) = torch.autograd.grad((gt * gt * gt).sum(), xt)
    if g.requires_grad:
        (gg,) = deepgrad.autograd.grad((g * g * g).sum(), x, allow_unused=True)
    else:  # piecewise-linear: the gradient is a constant, its derivative is 0
        gg = None
    assert_close(gg if gg is not None else np.zeros(x.shape), ggt, msg="double backward")
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("num", [1, 6])
def test_prelu_matches_torch(num):
    ours, theirs = nn.PReLU(num).double(), torch.nn.PReLU(num).double()
    slopes = np.random.default_rng(0).uniform(0.05, 0.5, num)
    ours.weight.data.numpy()[...] = slopes
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(slopes))
    x = deepgrad.tensor(_input(), requires_grad=True)
    xt = to_torch(x)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    (y ** 2).sum().backward()
    (yt ** 2).sum().backward()
    assert_close(x.grad, xt.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    with pytest.raises(RuntimeError, match="6 elements.*4 channels"):
        F.prelu(deepgrad.randn(2, 4), deepgrad.ones(6))


def test_rrelu_eval_uses_mean_slope_and_train_draws_in_range():
    x = deepgrad.tensor(_input(), requires_grad=True)
    xt = to_torch(x)
    ours, theirs = nn.RReLU(0.1, 0.3).eval(), torch.nn.RReLU(0.1, 0.3).eval()
    assert_close(ours(x), theirs(xt))
    ours.train()
    y = ours(x)
    y.sum().backward()
    xs, ys, gs = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    neg = xs < 0
    slopes = ys[neg] / xs[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_allclose(gs[neg], slopes)  # the gradient is the drawn slope
    np.testing.assert_array_equal(ys[~neg], xs[~neg])


def test_softmax_default_dim_follows_torch():
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5)]:
        x = deepgrad.randn(*shape, dtype=deepgrad.float64)
        xt = to_torch(x)
        with pytest.warns(UserWarning):
            expected = torch.nn.functional.softmax(xt)
        assert_close(F.softmax(x), expected)


def test_inplace_modifies_input_when_no_grad_needed():
    x = deepgrad.tensor([-1.0, 2.0])
    out = nn.ReLU(inplace=True)(x)
    assert out is x and x.tolist() == [0.0, 2.0]
    y = deepgrad.tensor([-1.0, 2.0], requires_grad=True)
    out = F.leaky_relu(y * 1, 0.5, inplace=True)
    out.sum().backward()
    assert y.grad.tolist() == [0.5, 1.0]
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="none or tanh"):
        F.gelu(deepgrad.randn(2), approximate="fast")


# --- erf -----------------------------------------------------------------------------

def test_erf_matches_math_erf_to_float64_precision():
    x = np.concatenate([np.linspace(-8, 8, 20001), np.logspace(-30, 1.5, 500),
                        -np.logspace(-30, 1.5, 500), [0.46875, 4.0, 26.0, 30.0]])
    ours = erf(deepgrad.tensor(x)).numpy()
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(ours, ref, rtol=2e-15, atol=0)
    oc = erfc(deepgrad.tensor(x)).numpy()
    refc = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(oc, refc, rtol=5e-14, atol=0)  # relative even in the far tail
    special = erf(deepgrad.tensor([np.inf, -np.inf, np.nan])).numpy()
    assert special[0] == 1 and special[1] == -1 and np.isnan(special[2])


def test_erf_grad_and_double_backward_match_torch():
    x = deepgrad.tensor(np.linspace(-3, 3, 31), requires_grad=True)
    xt = to_torch(x)
    assert_close(erf(x), torch.special.erf(xt), rtol=1e-14)
    (g,) = deepgrad.autograd.grad(erf(x).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad(torch.special.erf(xt).sum(), xt, create_graph=True)
    assert_close(g, gt)
    (gg,) = deepgrad.autograd.grad(g.sum(), x)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    assert_close(gg, ggt)
    assert erf(deepgrad.tensor([0.5], dtype=deepgrad.float32)).dtype == deepgrad.float32


@pytest.mark.parametrize("name", ["softshrink", "hardshrink"])
def test_shrink_functions(name):
    x = deepgrad.tensor(_input(), requires_grad=True)
    xt = to_torch(x)
    y, yt = getattr(F, name)(x, 0.7), getattr(torch.nn.functional, name)(xt, 0.7)
    assert_close(y, yt)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    assert_close(x.grad, xt.grad)
