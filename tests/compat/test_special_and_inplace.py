"""deepgrad.special and torch's top-level in-place functions against torch 2.13."""
import numpy as np
import pytest
import torch

import deepgrad
from deepgrad.autograd import gradcheck

from ..conftest import assert_close


@pytest.mark.parametrize("name,low,high", [
    ("expit", -5, 5), ("ndtr", -4, 4), ("log_ndtr", -6, 4), ("entr", 0.05, 3), ("erf", -3, 3),
    ("erfc", -3, 3), ("exp2", -3, 3), ("expm1", -2, 2), ("log1p", -0.5, 2), ("sinc", -2, 2),
    ("logit", 0.05, 0.95),
])
def test_special_functions_match_torch_with_gradients(name, low, high):
    x = np.random.default_rng(0).uniform(low, high, (3, 4))
    d, t = deepgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    d_out, t_out = getattr(deepgrad.special, name)(d), getattr(torch.special, name)(t)
    assert_close(d_out, t_out)
    d_out.sum().backward()
    t_out.sum().backward()
    assert_close(d.grad, t.grad, rtol=1e-5, atol=1e-8)
    assert gradcheck(getattr(deepgrad.special, name), (deepgrad.tensor(x, requires_grad=True),))


def test_special_edge_values_match_torch():
    x = [-1.0, 0.0, 2.0]
    assert_close(deepgrad.special.entr(deepgrad.tensor(x)), torch.special.entr(torch.tensor(x)))
    args = ([0.0, 1.0, 2.0], [-1.0, 1.0, 3.0])
    assert_close(deepgrad.special.xlog1py(*map(deepgrad.tensor, args)),
                 torch.special.xlog1py(*map(torch.tensor, args)))
    y = np.random.default_rng(1).standard_normal((2, 3))
    for fn in ("softmax", "log_softmax"):
        assert_close(getattr(deepgrad.special, fn)(deepgrad.tensor(y), 1),
                     getattr(torch.special, fn)(torch.tensor(y), 1))
    assert_close(deepgrad.special.logsumexp(deepgrad.tensor(y), 0),
                 torch.special.logsumexp(torch.tensor(y), 0))


@pytest.mark.parametrize("name,args", [
    ("exp_", ()), ("sqrt_", ()), ("abs_", ()), ("floor_", ()), ("sigmoid_", ()), ("tanh_", ()),
    ("round_", ()), ("clamp_", (0.2, 0.8)), ("clamp_min_", (0.5,)), ("neg_", ()),
    ("reciprocal_", ()), ("asin_", ()), ("deg2rad_", ()), ("nan_to_num_", ()), ("logit_", ()),
])
def test_top_level_inplace_functions_write_into_their_input_like_torch(name, args):
    x = np.random.default_rng(2).uniform(0.1, 0.9, (2, 3))
    d, t = deepgrad.tensor(x), torch.tensor(x)
    assert getattr(deepgrad, name)(d, *args) is d
    getattr(torch, name)(t, *args)
    assert_close(d, t)
