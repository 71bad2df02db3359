"""A plain backward hands a built-in formula's fresh array to a leaf's .grad directly;
accumulation, 0-d leaves, shared gradients and leaves used twice must match torch."""
import numpy as np
import torch

import deepgrad as dg
from tests.conftest import assert_close


def test_zero_dim_leaf_accumulates_into_a_writable_array_as_torch():
    w, tw = dg.tensor(2.0, requires_grad=True), torch.tensor(2.0, requires_grad=True)
    for _ in range(2):
        (w * 3.0).backward()
        (tw * 3.0).backward()
    assert_close(w.grad.numpy(), tw.grad.numpy())
    assert w.grad.numpy().flags.writeable
    w.grad.add_(1.0)  # .grad is its own array
    assert_close(w.grad.numpy(), np.array(7.0))


def test_one_gradient_reaching_two_leaves_gives_each_its_own_array():
    a = dg.tensor(np.ones(3, np.float32), requires_grad=True)
    b = dg.tensor(np.ones(3, np.float32), requires_grad=True)
    (a + b).sum().backward()
    a.grad.add_(1.0)
    assert_close(b.grad.numpy(), np.ones(3, np.float32))


def test_leaf_used_twice_and_accumulating_matches_torch():
    rng = np.random.default_rng(0)
    x, w0 = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((2, 3))
    w, tw = dg.tensor(w0.astype(np.float32), requires_grad=True), torch.tensor(
        w0.astype(np.float32), requires_grad=True)
    for lib, ww in ((dg, w), (torch, tw)):
        xx = lib.tensor(x)
        for _ in range(2):
            y = lib.nn.functional.linear(xx, ww) + lib.nn.functional.linear(xx * 2.0, ww)
            y.sum().backward()
    assert_close(w.grad.numpy(), tw.grad.numpy(), rtol=1e-5)
