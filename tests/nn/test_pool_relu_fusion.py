"""Conv -> ReLU -> max-pool: the pooling's plain backward applies ReLU's gradient in the
same pass (``_pool_ops.MaxPool.backward_arrays``). Checked against torch, and bit for bit
against the unfused path (a no-op hook on the ReLU output turns the fusion off), including
the cases where it must not apply or must not change anything."""
import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.nn.functional import _fast_kernels as fast

needs_numba = pytest.mark.skipif(fast.kernel("max_pool_scatter_relu") is None,
                                 reason="the fused loop needs numba (deepgrad[fast])")


def _inputs(seed=0, n=3, c=4, h=12, w=12):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    x[0, 0, :4, :4] = 0.0        # whole windows of ReLU zeros: ties at 0, gradient 0
    x[1, 1, 2, :] = -np.float32(0.0)
    return x


def _run(lib, x, *, hook=False, second_use=False, retain=False, kernel=2, stride=None):
    xt = lib.tensor(x, requires_grad=True)
    y = lib.relu(xt * 1.5)
    if hook:
        y.register_hook(lambda g: None)
    if retain:
        y.retain_grad()
    p = lib.nn.functional.max_pool2d(y, kernel, stride)
    # a weight per output, so that windows of ReLU zeros also receive a gradient
    weights = np.random.default_rng(9).standard_normal(tuple(p.shape)).astype(np.float32)
    loss = (p * lib.tensor(weights)).sum()
    if second_use:
        loss = loss + (y * 0.25).sum()
    loss.backward()
    return xt.grad.numpy().copy(), (y.grad.numpy().copy() if retain else None)


@needs_numba
@pytest.mark.parametrize("second_use", [False, True])
def test_the_fused_gradient_matches_torch_and_the_unfused_path_bit_for_bit(second_use):
    x = _inputs()
    fused, _ = _run(dg, x, second_use=second_use)
    unfused, _ = _run(dg, x, hook=True, second_use=second_use)
    want, _ = _run(torch, x, second_use=second_use)
    if second_use:
        # ReLU masks the sum (pooled, already masked, + the other use's gradient): the same
        # values, but where the mask is 0 the sign of that zero follows the sum's sign
        np.testing.assert_array_equal(fused, unfused)
    else:
        np.testing.assert_array_equal(fused.view(np.uint32), unfused.view(np.uint32))
    np.testing.assert_allclose(fused, want, rtol=1e-6, atol=1e-7)


@needs_numba
def test_the_relu_node_passes_the_pooled_gradient_on_without_masking_again(monkeypatch):
    from deepgrad.ops import elementwise

    calls = []
    original = elementwise.ReluBackward.forward
    monkeypatch.setattr(elementwise.ReluBackward, "forward",
                        staticmethod(lambda ctx, g, y: calls.append(1) or original(ctx, g, y)))
    x = _inputs()
    _run(dg, x)
    assert calls == []            # fused: ReLU's own mask did not run
    _run(dg, x, second_use=True)
    assert calls == [1]           # a second consumer: ReLU masks the sum itself


@needs_numba
def test_retain_grad_on_the_relu_output_sees_the_unmasked_gradient():
    x = _inputs(1)
    got_x, got_y = _run(dg, x, retain=True)
    want_x, want_y = _run(torch, x, retain=True)
    np.testing.assert_allclose(got_y, want_y, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got_x, want_x, rtol=1e-6, atol=1e-7)


@needs_numba
def test_overlapping_windows_are_not_fused_and_still_match_torch():
    x = _inputs(2)
    got, _ = _run(dg, x, kernel=3, stride=1)
    want, _ = _run(torch, x, kernel=3, stride=1)
    # up to 9 windows add into one element: the order of those float sums differs
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_relu_output_changed_in_place_without_grad_still_fails_loudly():
    for lib in (torch, dg):
        xt = lib.tensor(_inputs(3), requires_grad=True)
        y = lib.relu(xt * 2)
        p = lib.nn.functional.max_pool2d(y, 2)
        with lib.no_grad():
            y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            p.sum().backward()


def test_retain_graph_twice_accumulates_as_torch():
    x = _inputs(4)
    got = []
    for lib in (torch, dg):
        xt = lib.tensor(x, requires_grad=True)
        p = lib.nn.functional.max_pool2d(lib.relu(xt - 0.1), 2)
        loss = (p * p).sum()
        loss.backward(retain_graph=True)
        loss.backward()
        got.append(xt.grad.numpy())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-6)


def test_double_backward_through_relu_and_pool_matches_torch():
    x = _inputs(5)
    got = []
    for lib in (torch, dg):
        xt = lib.tensor(x, requires_grad=True)
        p = lib.nn.functional.max_pool2d(lib.relu(xt), 2)
        (g,) = lib.autograd.grad((p * p).sum(), xt, create_graph=True)
        (g * g).sum().backward()
        got.append(xt.grad.numpy())
    np.testing.assert_allclose(got[1], got[0], rtol=1e-5)
