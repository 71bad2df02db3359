"""The backward engine: accumulation, graph freeing, hooks, grad modes, custom Functions."""
import numpy as np
import pytest
import torch

import deepgrad
from deepgrad.autograd import Function

from ..conftest import assert_close


def test_gradients_accumulate_across_backward_calls():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    assert_close(x.grad, np.array([2 * 1 + 3, 2 * 2 + 3.0]))


def test_shared_gradient_arrays_are_not_aliased_between_leaves():
    a = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    b = deepgrad.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # add passes one gradient array to both inputs
    a.grad.mul_(10)
    assert_close(b.grad, np.ones(2))


def test_second_backward_through_freed_graph_raises():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    assert_close(x.grad, 2 * first.numpy())


def test_chain_of_ten_thousand_ops_needs_no_recursion():
    x = deepgrad.tensor(1.0, dtype=deepgrad.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    assert np.isclose(x.grad.item(), 1.0001 ** 10_000, rtol=1e-4)


def test_backward_of_non_scalar_needs_gradient():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(gradient=deepgrad.tensor([1.0, 0.5]))
    assert_close(x.grad, np.array([2.0, 1.0]))


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        deepgrad.tensor([1.0]).sum().backward()


def test_no_grad_enable_grad_and_set_grad_enabled():
    x = deepgrad.tensor([1.0], requires_grad=True)
    with deepgrad.no_grad():
        assert not (x * 2).requires_grad
        with deepgrad.enable_grad():
            assert (x * 2).requires_grad
    with deepgrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @deepgrad.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    assert deepgrad.is_grad_enabled()


def test_grad_matches_torch_and_does_not_touch_dot_grad():
    x = deepgrad.tensor([0.5, -1.0, 2.0], dtype=deepgrad.float64, requires_grad=True)
    tx = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (g,) = deepgrad.autograd.grad((x.sin() * x).sum(), x)
    (tg,) = torch.autograd.grad((tx.sin() * tx).sum(), tx)
    assert_close(g, tg)
    assert x.grad is None


def test_grad_with_respect_to_intermediate_tensor():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (gh,) = deepgrad.autograd.grad(y, h)
    assert_close(gh, 2 * h.detach().numpy())


def test_grad_allow_unused():
    x = deepgrad.tensor([1.0], requires_grad=True)
    z = deepgrad.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        deepgrad.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = deepgrad.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0


def test_grad_of_grad_third_order():
    x = deepgrad.tensor(0.7, dtype=deepgrad.float64, requires_grad=True)
    (g1,) = deepgrad.autograd.grad(x.tanh(), x, create_graph=True)
    (g2,) = deepgrad.autograd.grad(g1, x, create_graph=True)
    (g3,) = deepgrad.autograd.grad(g2, x)
    t = np.tanh(0.7)
    assert np.isclose(g3.item(), -2 * (1 - t * t) ** 2 + 4 * t * t * (1 - t * t))


def test_tensor_hooks_modify_gradients_and_retain_grad_sees_the_result():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    handle = y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    assert_close(y.grad, np.array([40.0, 80.0]))
    assert_close(x.grad, np.array([80.0, 160.0]))
    handle.remove()
    leaf_seen = []
    x.grad = None
    x.register_hook(lambda g: leaf_seen.append(g.clone()))
    (x * 3).sum().backward()
    assert_close(leaf_seen[0], np.array([3.0, 3.0]))


def test_in_place_change_of_saved_tensor_is_detected():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = (h * h).sum()  # mul saves h
    with deepgrad.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_in_place_change_of_saved_output_is_detected():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp's backward reads its output
    z = y.sum()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_in_place_on_leaf_requiring_grad_is_refused():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with deepgrad.no_grad():
        x.add_(1)
    assert x._version == 1


def test_recorded_in_place_ops_match_torch():
    x = deepgrad.tensor([0.5, -1.0, 2.0], dtype=deepgrad.float64, requires_grad=True)
    tx = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for m, v in ((deepgrad, x), (torch, tx)):
        h = v * 2
        h.mul_(v)
        h.add_(3.0)
        h[1] = v[0] * 5
        h.relu_()
        h.sum().backward()
    assert_close(x.grad, tx.grad)


def test_views_share_the_version_counter():
    x = deepgrad.zeros(3, 4)
    v = x[0]
    before = x._version
    v.add_(1.0)
    assert x._version == before + 1
    assert x.numpy()[0].sum() == 4


class _Cube(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x ** 3 * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2 * ctx.k, None


def test_custom_function_like_torch():
    x = deepgrad.tensor([1.0, -2.0], dtype=deepgrad.float64, requires_grad=True)
    y = _Cube.apply(x, 2.0)
    assert y.grad_fn is not None
    y.sum().backward()
    assert_close(x.grad, 6 * x.detach().numpy() ** 2)
    assert deepgrad.autograd.gradcheck(lambda t: _Cube.apply(t, 2.0), (x,))
    assert deepgrad.autograd.gradgradcheck(lambda t: _Cube.apply(t, 2.0), (x,))


def test_custom_function_needs_input_grad_and_mark_non_differentiable():
    seen = {}

    class Split(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            idx = (a > 0).long()
            ctx.mark_non_differentiable(idx)
            return a + b, idx

        @staticmethod
        def backward(ctx, g, _):
            return g, g

    a = deepgrad.tensor([1.0, -1.0], requires_grad=True)
    b = deepgrad.tensor([1.0, 1.0])
    out, idx = Split.apply(a, b)
    assert seen["needs"] == (True, False)
    assert not idx.requires_grad and out.requires_grad
    out.sum().backward()
    assert_close(a.grad, np.ones(2))


def test_detach_and_requires_grad_rules():
    x = deepgrad.tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.detach().is_leaf and not y.detach().requires_grad
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        deepgrad.tensor([1, 2]).requires_grad_()


def test_backward_inputs_argument_limits_accumulation():
    a = deepgrad.tensor([1.0], requires_grad=True)
    b = deepgrad.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None
