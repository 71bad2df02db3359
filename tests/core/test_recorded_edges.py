"""The graph's edges are fixed when an op is recorded, as in PyTorch.

An in-place op gives the tensor it writes a new ``grad_fn``. Ops that read the tensor
*before* the write must still send their gradient to the old node: the engine follows the
edges recorded with each op, not the inputs' ``grad_fn`` at backward time. Each case runs
the same program in torch (the oracle) and deepgrad.
"""
import numpy as np
import pytest
import torch

import deepgrad as dg


def _both(program):
    """program(lib) -> dict of named tensors; returns the two results as NumPy arrays."""
    out = {}
    for lib in (torch, dg):
        got = program(lib)
        out[lib.__name__] = {k: None if v is None else np.asarray(v.detach().numpy())
                             for k, v in got.items()}
    return out["torch"], out["deepgrad"]


def _assert_same(program):
    want, got = _both(program)
    assert want.keys() == got.keys()
    for key in want:
        if want[key] is None:
            assert got[key] is None, key
        else:
            assert got[key] is not None, key
            np.testing.assert_allclose(got[key], want[key], rtol=1e-6, err_msg=key)


def test_a_read_before_an_in_place_multiply_keeps_the_old_history():
    def program(lib):
        x = lib.tensor([1.0, 2.0, -3.0], requires_grad=True)
        y = x * 3
        z = y + 3          # reads y before the write: its gradient goes to x * 3 only
        y.mul_(2)
        z.sum().backward()
        return {"x.grad": x.grad}
    _assert_same(program)


def test_reads_before_and_after_the_write_each_take_their_own_path():
    def program(lib):
        x = lib.tensor([1.0, 2.0, -3.0], requires_grad=True)
        y = x * 3
        before = y + 3
        y.mul_(2)
        after = y * 1.5
        (before.sum() + (after * after).sum()).backward()
        return {"x.grad": x.grad}
    _assert_same(program)


def test_a_constant_that_later_joins_the_graph_sends_nothing_back():
    def program(lib):
        a = lib.tensor([1.0, 2.0])          # no grad when the sum below reads it
        v = lib.tensor([0.5, -1.0], requires_grad=True)
        w = lib.tensor([4.0, 5.0], requires_grad=True)
        z = a + v
        a.add_(w)                            # now a depends on w
        (z * z).sum().backward()
        return {"v.grad": v.grad, "w.grad": w.grad}
    _assert_same(program)


def test_the_write_is_differentiated_for_later_reads():
    def program(lib):
        x = lib.tensor([1.0, 2.0, -3.0], requires_grad=True)
        y = x * 2
        y.add_(1)
        y.mul_(3.0)
        (y * x).sum().backward()             # d/dx of (6x + 3) x
        return {"x.grad": x.grad}
    _assert_same(program)


def test_create_graph_follows_the_recorded_edges_too():
    def program(lib):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = x * x
        z = y * 2
        y.mul_(3)
        (g,) = lib.autograd.grad(z.sum(), x, create_graph=True)
        g.sum().backward()                   # d/dx of 4x summed: 4 per element
        return {"g": g, "x.grad": x.grad}
    _assert_same(program)


def test_a_custom_function_records_its_edges_before_its_forward_runs():
    def program(lib):
        class Double(lib.autograd.Function):
            @staticmethod
            def forward(ctx, t):
                return t * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2

        x = lib.tensor([1.0, -2.0], requires_grad=True)
        y = x * 5
        z = Double.apply(y)
        y.mul_(10)
        z.sum().backward()
        return {"x.grad": x.grad}
    _assert_same(program)


def test_a_saved_output_written_in_place_still_fails_loudly():
    for lib in (torch, dg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()                          # exp's backward reads its output
        z = y * 1.0
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            (z.sum() + y.sum()).backward()


def _read_then_rewritten(lib):
    """y = 3x, z = y + 1 read before y.mul_(2): returns (y, z)."""
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y + 1
    y.mul_(2)
    return y, z


def test_next_functions_name_the_node_recorded_not_the_later_one():
    for lib in (torch, dg):
        y, z = _read_then_rewritten(lib)
        first = z.grad_fn.next_functions[0][0]
        assert first.name().startswith("Mul"), (lib.__name__, first.name())
        assert y.grad_fn is not first, lib.__name__


def test_asking_for_the_gradient_of_the_rewritten_tensor_says_it_was_not_used():
    for lib in (torch, dg):
        y, z = _read_then_rewritten(lib)
        with pytest.raises(RuntimeError):
            lib.autograd.grad(z.sum(), y)
