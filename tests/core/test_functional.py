"""deepgrad.autograd.functional against torch.autograd.functional."""
import numpy as np
import torch
import torch.autograd.functional as TF

import deepgrad
import deepgrad.autograd.functional as DF

from ..conftest import assert_close


def _f(m, x, y):
    return (m.sin(x) * y).sum(0) + (x ** 2).mean()


def _scalar(m, x):
    return (m.tanh(x) ** 3).sum() + x[0, 0] * x[1, 1] * x[2, 0]


def _inputs():
    rng = np.random.default_rng(0)
    x, y, v = rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    return x, y, v


def test_vjp_and_jvp():
    x, y, v = _inputs()
    d_out, d_vjp = DF.vjp(lambda a, b: _f(deepgrad, a, b), (deepgrad.tensor(x), deepgrad.tensor(y)),
                          deepgrad.tensor(v))
    t_out, t_vjp = TF.vjp(lambda a, b: _f(torch, a, b), (torch.tensor(x), torch.tensor(y)),
                          torch.tensor(v))
    assert_close(d_out, t_out)
    for a, b in zip(d_vjp, t_vjp):
        assert_close(a, b)
    u = np.random.default_rng(1).standard_normal((3, 2))
    _, d_jvp = DF.jvp(lambda a: _f(deepgrad, a, deepgrad.tensor(y)), deepgrad.tensor(x),
                      deepgrad.tensor(u))
    _, t_jvp = TF.jvp(lambda a: _f(torch, a, torch.tensor(y)), torch.tensor(x), torch.tensor(u))
    assert_close(d_jvp, t_jvp)


def test_jacobian_hessian_hvp():
    x, y, _ = _inputs()
    d_j = DF.jacobian(lambda a: _f(deepgrad, a, deepgrad.tensor(y)), deepgrad.tensor(x))
    t_j = TF.jacobian(lambda a: _f(torch, a, torch.tensor(y)), torch.tensor(x))
    assert_close(d_j, t_j)
    d_h = DF.hessian(lambda a: _scalar(deepgrad, a), deepgrad.tensor(x))
    t_h = TF.hessian(lambda a: _scalar(torch, a), torch.tensor(x))
    assert_close(d_h, t_h)
    v = np.random.default_rng(2).standard_normal((3, 2))
    _, d_hv = DF.hvp(lambda a: _scalar(deepgrad, a), deepgrad.tensor(x), deepgrad.tensor(v))
    _, t_hv = TF.hvp(lambda a: _scalar(torch, a), torch.tensor(x), torch.tensor(v))
    assert_close(d_hv, t_hv)
    # and H v agrees with the full Hessian contracted with v
    assert_close(d_hv, np.tensordot(d_h.numpy(), v, axes=2))


def test_jacobian_of_several_inputs():
    x, y, _ = _inputs()
    d_j = DF.jacobian(lambda a, b: _f(deepgrad, a, b), (deepgrad.tensor(x), deepgrad.tensor(y)))
    t_j = TF.jacobian(lambda a, b: _f(torch, a, b), (torch.tensor(x), torch.tensor(y)))
    for a, b in zip(d_j, t_j):
        assert_close(a, b)
