"""``inplace=True`` on activations and dropouts writes into the input and returns it, under
autograd too, with torch's gradients and errors (torch is the oracle)."""
import numpy as np
import pytest
import torch

import deepgrad as dg

CASES = [
    ("leaky_relu", lambda F, x, ip: F.leaky_relu(x, 0.2, inplace=ip)),
    ("elu", lambda F, x, ip: F.elu(x, 1.3, inplace=ip)),
    ("selu", lambda F, x, ip: F.selu(x, inplace=ip)),
    ("celu", lambda F, x, ip: F.celu(x, 0.7, inplace=ip)),
    ("silu", lambda F, x, ip: F.silu(x, inplace=ip)),
    ("mish", lambda F, x, ip: F.mish(x, inplace=ip)),
    ("hardtanh", lambda F, x, ip: F.hardtanh(x, -0.5, 0.8, inplace=ip)),
    ("relu6", lambda F, x, ip: F.relu6(x, inplace=ip)),
    ("hardsigmoid", lambda F, x, ip: F.hardsigmoid(x, inplace=ip)),
    ("hardswish", lambda F, x, ip: F.hardswish(x, inplace=ip)),
    ("threshold", lambda F, x, ip: F.threshold(x, 0.1, -2.0, inplace=ip)),
    ("rrelu eval", lambda F, x, ip: F.rrelu(x, 0.1, 0.3, training=False, inplace=ip)),
    ("relu", lambda F, x, ip: F.relu(x, inplace=ip)),
]
X = 4 * np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
X[0, :6] = (0.0, -0.5, 0.8, 3.0, -3.0, 6.0)  # kinks and bounds


def _program(lib, fn):
    leaf = lib.tensor(X, requires_grad=True)
    h = leaf * 1.0                           # a non-leaf: may be written in place
    out = fn(lib.nn.functional, h, True)
    same = out is h
    values = h.detach().numpy().copy()
    (out * out).sum().backward()
    return same, values, leaf.grad.numpy()


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_inplace_under_autograd_writes_the_input_and_matches_torch(name, fn):
    t_same, t_values, t_grad = _program(torch, fn)
    d_same, d_values, d_grad = _program(dg, fn)
    assert t_same and d_same
    np.testing.assert_allclose(d_values, t_values, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(d_grad, t_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_inplace_on_a_leaf_that_requires_grad_fails_as_in_torch(name, fn):
    for lib in (torch, dg):
        leaf = lib.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            fn(lib.nn.functional, leaf, True)


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_inplace_without_grad_writes_the_input(name, fn):
    for lib in (torch, dg):
        x = lib.tensor(X)
        assert fn(lib.nn.functional, x, True) is x
    want = fn(torch.nn.functional, torch.tensor(X), False).numpy()
    x = dg.tensor(X)
    got = fn(dg.nn.functional, x, True)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6, atol=1e-7)


def test_overwriting_a_value_saved_for_backward_fails_as_in_torch():
    for lib in (torch, dg):
        leaf = lib.tensor(X, requires_grad=True)
        h = leaf.exp()                           # exp's backward reads its output h
        lib.nn.functional.leaky_relu(h, 0.1, inplace=True)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            h.sum().backward()


ALPHA_PRIME = 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


@pytest.mark.parametrize("make,scale", [
    (lambda F, x: F.dropout(x, 0.4, True, True), 1 / 0.6),
    (lambda F, x: F.dropout2d(x, 0.4, True, True), 1 / 0.6),
    (lambda F, x: F.alpha_dropout(x, 0.4, True, True), (0.6 * (1 + 0.4 * ALPHA_PRIME ** 2)) ** -0.5),
])
def test_dropout_inplace_writes_the_input_and_its_gradient_is_the_mask(make, scale):
    x4 = np.random.default_rng(1).standard_normal((3, 5, 4, 4)).astype(np.float32)
    leaf = dg.tensor(x4, requires_grad=True)
    h = leaf * 1.0
    out = make(dg.nn.functional, h)
    assert out is h
    out.sum().backward()
    # y = mask * x (+ shift) elementwise: dy/dx is mask, recovered from y's dependence on x
    kept = leaf.grad.numpy()
    y = h.detach().numpy()
    shift = y - kept * x4
    np.testing.assert_allclose(kept * x4 + shift, y, rtol=1e-6)
    assert set(np.unique(kept)) == {0.0, np.float32(scale)}   # dropped, or kept and rescaled
    assert 0 < np.mean(kept == 0) < 1


def test_dropout_inplace_in_eval_returns_the_input_untouched():
    for lib in (torch, dg):
        leaf = lib.tensor(X, requires_grad=True)
        assert lib.nn.functional.dropout(leaf, 0.5, training=False, inplace=True) is leaf
