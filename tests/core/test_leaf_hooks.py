"""Leaf gradients are summed over the leaf's uses and accumulated once (PyTorch's
AccumulateGrad), so leaf hooks and post-accumulate hooks see the whole gradient once;
callbacks queued during backward run after it."""
import numpy as np
import pytest

import deepgrad
from deepgrad.autograd.engine import queue_callback

from ..conftest import torch


def _record(lib):
    a = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
    events = []
    a.register_hook(lambda g: events.append(("hook", g.detach().numpy().copy())))
    a.register_post_accumulate_grad_hook(
        lambda t: events.append(("post", t.grad.detach().numpy().copy())))
    ((a * a).sum() + (a * 3).sum() + a.exp().sum()).backward()
    return events, a.grad.detach().numpy()


def test_leaf_hooks_fire_once_with_the_summed_gradient_as_torch():
    ours, grad = _record(deepgrad)
    theirs, t_grad = _record(torch)
    assert [kind for kind, _ in ours] == [kind for kind, _ in theirs] == ["hook", "post"]
    for (_, mine), (_, ref) in zip(ours, theirs):
        np.testing.assert_allclose(mine, ref, rtol=1e-12)
    np.testing.assert_allclose(grad, t_grad, rtol=1e-12)


def test_leaf_hook_may_replace_the_whole_gradient():
    for lib in (deepgrad, torch):
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        a.register_hook(lambda g: g * 0 + 7)
        (a * a + a).sum().backward()
        np.testing.assert_array_equal(a.grad.detach().numpy(), [7.0, 7.0])


def test_post_accumulate_hook_refuses_non_leaves_as_torch():
    a = deepgrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (a * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        deepgrad.ones(2).register_post_accumulate_grad_hook(lambda t: None)


def test_queued_callback_runs_after_every_gradient_is_in():
    a = deepgrad.ones(3, requires_grad=True)
    b = deepgrad.ones(3, requires_grad=True)
    seen = []

    def post(t):
        queue_callback(lambda: seen.append((a.grad is not None, b.grad is not None)))

    a.register_post_accumulate_grad_hook(post)
    (a * 2 + b.exp()).sum().backward()
    assert seen == [(True, True)]
    with pytest.raises(RuntimeError, match="during a backward pass"):
        queue_callback(lambda: None)
