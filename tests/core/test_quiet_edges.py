"""Floating-point edge cases: torch's IEEE values, and torch's silence.

torch gives log(0) = -inf, x / 0 = inf, exp(1000) = inf, sqrt(-1) = nan, a softmax over a
row of -inf = nan, and prints nothing. NumPy computes the same values but warns; deepgrad's
ops must not (deepgrad/_quiet.py). Each case runs under both libraries with every warning
turned into an error, and the values must agree with torch's.
"""
import warnings

import numpy as np
import pytest
import torch

import deepgrad

INF = float("inf")


def _grad_of(m, fn, values):
    x = m.tensor(values, requires_grad=True)
    fn(m, x).sum().backward()
    return x.grad


CASES = {
    "log of 0 and -1": lambda m: m.log(m.tensor([0.0, 1.0, -1.0])),
    "log1p of -1": lambda m: m.log1p(m.tensor([-1.0, -2.0])),
    "tensor / 0": lambda m: m.tensor([1.0, 0.0, -1.0]) / m.tensor([0.0, 0.0, 0.0]),
    "tensor / 0.0": lambda m: m.tensor([1.0, 0.0]) / 0.0,
    "1 / tensor": lambda m: 1.0 / m.tensor([0.0, 2.0]),
    "exp overflow": lambda m: m.exp(m.tensor([1000.0], dtype=m.float32)),
    "sqrt of -1": lambda m: m.sqrt(m.tensor([-1.0, 4.0])),
    "rsqrt of 0": lambda m: m.rsqrt(m.tensor([0.0, 4.0])),
    "0 ** -1": lambda m: m.tensor([0.0, 2.0]) ** -1.0,
    "pow of tensors": lambda m: m.tensor([0.0, -2.0]) ** m.tensor([-1.0, 0.5]),
    "softmax of a -inf row": lambda m: m.softmax(m.tensor([[-INF] * 3, [0.0, 1.0, 2.0]]), dim=1),
    "log_softmax of a -inf row":
        lambda m: m.log_softmax(m.tensor([[-INF] * 3, [0.0, 1.0, 2.0]]), dim=1),
    "logsumexp of -inf": lambda m: m.logsumexp(m.tensor([[-INF] * 3, [0.0, 1.0, 2.0]]), dim=1),
    "log backward at 0": lambda m: _grad_of(m, lambda m, x: m.log(x), [0.0, 1.0]),
    "sqrt backward at 0": lambda m: _grad_of(m, lambda m, x: m.sqrt(x), [0.0, 1.0]),
    "fully masked attention row": lambda m: m.nn.functional.scaled_dot_product_attention(
        m.ones(1, 2, 3), m.ones(1, 2, 3), m.ones(1, 2, 3),
        attn_mask=m.tensor([[False, False], [True, True]])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_edge_values_equal_torchs_and_warn_as_little(name):
    results = {}
    for m in (torch, deepgrad):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = CASES[name](m)
        results[m.__name__] = (out.detach().numpy(), [str(w.message) for w in caught])
    (t_val, t_warn), (d_val, d_warn) = results["torch"], results["deepgrad"]
    assert t_warn == [] and d_warn == [], results
    assert d_val.dtype == t_val.dtype
    np.testing.assert_allclose(d_val, t_val, rtol=1e-6, equal_nan=True)


def test_the_users_numpy_error_state_is_left_alone():
    before = np.geterr()
    with np.errstate(divide="raise"):
        deepgrad.log(deepgrad.tensor([0.0]))  # deepgrad's op: silent
        with pytest.raises(FloatingPointError):
            np.log(np.array([0.0]))           # the user's own NumPy call: as they asked
    assert np.geterr() == before


def test_error_state_is_restored_when_the_op_raises():
    before = np.geterr()
    with pytest.raises((ValueError, RuntimeError)):
        deepgrad.ones(2, 3) / deepgrad.ones(4, 5)
    assert np.geterr() == before
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        np.log(np.array([0.0]))
    assert any("divide by zero" in str(w.message) for w in caught)
