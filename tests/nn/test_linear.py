"""Linear and Bilinear against torch.nn: outputs, gradients, double backward, default init."""
import math

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
import deepgrad.nn.functional as F
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")


def _pair(ours_cls, theirs_cls, *args, **kw):
    ours = ours_cls(*args, **kw).double()
    theirs = theirs_cls(*args, **kw).double()
    ours.load_state_dict({k: deepgrad.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


def _grad_check(ours, theirs, inputs):
    xs = [deepgrad.tensor(a, requires_grad=True) for a in inputs]
    xts = [to_torch(x) for x in xs]
    y, yt = ours(*xs), theirs(*xts)
    assert_close(y, yt)
    w = np.random.default_rng(1).standard_normal(y.shape)
    (y * deepgrad.tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    for x, xt in zip(xs, xts):
        assert_close(x.grad, xt.grad)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, tp[name].grad, msg=name)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(6, 4), (2, 3, 4), (4,)])
def test_linear_matches_torch(bias, shape):
    ours, theirs = _pair(nn.Linear, torch.nn.Linear, 4, 3, bias=bias)
    _grad_check(ours, theirs, [np.random.default_rng(0).standard_normal(shape)])


def test_bilinear_matches_torch():
    ours, theirs = _pair(nn.Bilinear, torch.nn.Bilinear, 3, 4, 2)
    rng = np.random.default_rng(0)
    _grad_check(ours, theirs, [rng.standard_normal((5, 3)), rng.standard_normal((5, 4))])
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_linear_double_backward(bias, shape):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape), rng.standard_normal((3, 4)), rng.standard_normal(3)]
    if not bias:
        arrays = arrays[:2]
    ours = [deepgrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [to_torch(t) for t in ours]

    def run(lib, fn, ts):
        y = fn(*ts)
        out = (y.tanh() ** 2).sum()
        grads = lib.autograd.grad(out, ts, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        return grads, lib.autograd.grad(total, ts)

    g1, gg1 = run(deepgrad, F.linear, ours)
    g2, gg2 = run(torch, torch.nn.functional.linear, theirs)
    for a, b in zip(g1 + gg1, g2 + gg2):
        assert_close(a, b)


def test_bilinear_double_backward():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((4, 3)), rng.standard_normal((4, 2)),
              rng.standard_normal((5, 3, 2)), rng.standard_normal(5)]
    ours = [deepgrad.tensor(a, requires_grad=True) for a in arrays]
    theirs = [to_torch(t) for t in ours]
    res = []
    for lib, fn, ts in [(deepgrad, F.bilinear, ours), (torch, torch.nn.functional.bilinear, theirs)]:
        out = (fn(*ts) ** 2).sum()
        grads = lib.autograd.grad(out, ts, create_graph=True)
        res.append(list(grads) + list(lib.autograd.grad(sum((g ** 2).sum() for g in grads), ts)))
    for a, b in zip(*res):
        assert_close(a, b)


def test_default_init_matches_torch_distribution():
    fan_in = 400
    ours, theirs = nn.Linear(fan_in, 300), torch.nn.Linear(fan_in, 300)
    bound = 1 / math.sqrt(fan_in)
    for a, b in [(ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
        a, b = a.detach().numpy(), b.detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        # U(-b, b): std b / sqrt(3); both samples near it and near each other
        # 6-sigma tolerances: sd(sample std of U(-b, b)) ~ 0.45 b / sqrt(n)
        tol_std = 6 * 0.45 * bound / math.sqrt(a.size)
        tol_mean = 6 * bound / math.sqrt(3 * a.size)
        assert abs(a.std() - bound / math.sqrt(3)) < tol_std
        assert abs(a.std() - b.std()) < 1.5 * tol_std
        assert abs(a.mean()) < tol_mean
    assert ours.weight.dtype == deepgrad.float32
    bil, tbil = nn.Bilinear(20, 30, 40), torch.nn.Bilinear(20, 30, 40)
    w, tw = bil.weight.detach().numpy(), tbil.weight.detach().numpy()
    assert np.abs(w).max() <= 1 / math.sqrt(20) and abs(w.std() - tw.std()) < 0.01


def test_wrong_in_features_names_expected_and_actual():
    lin = nn.Linear(4, 3)
    with pytest.raises(RuntimeError, match=r"4 features \(in_features=4\).*got 5 .*\[2, 5\]"):
        lin(deepgrad.randn(2, 5))
    with pytest.raises(RuntimeError, match="expected input with 4 features"):
        F.linear(deepgrad.randn(2, 5), lin.weight)


def test_linear_float32_stays_float32():
    lin = nn.Linear(4, 3)
    x = deepgrad.randn(2, 4, requires_grad=True)
    y = lin(x)
    y.sum().backward()
    assert y.dtype == deepgrad.float32 and lin.weight.grad.dtype == deepgrad.float32
