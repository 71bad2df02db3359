"""The plain-backward fast path: ops' ``backward_arrays`` move raw arrays between nodes.

Each graph here is run three ways and compared: deepgrad's plain ``backward()`` (the
array path), deepgrad's ``autograd.grad`` (the Tensor path, same formulas on Tensors)
and torch.
"""
import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.nn.functional as F

from ..conftest import assert_close


def _three_ways(build, arrays):
    """Gradients of sum(build(*leaves)) by deepgrad's backward(), deepgrad's grad() and torch."""
    leaves = [deepgrad.tensor(a, requires_grad=True) for a in arrays]
    build(deepgrad, *leaves).sum().backward()
    plain = [x.grad for x in leaves]
    again = [deepgrad.tensor(a, requires_grad=True) for a in arrays]
    by_grad = deepgrad.autograd.grad(build(deepgrad, *again).sum(), again, allow_unused=True)
    tleaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    build(torch, *tleaves).sum().backward()
    for p, g, t in zip(plain, by_grad, tleaves):
        assert_close(p, t.grad.numpy(), atol=1e-5)
        assert_close(g, t.grad.numpy(), atol=1e-5)
    return leaves


def _gru_like(lib, x, h, w):
    r, z = lib.sigmoid(lib.cat([x, h], 1) @ w).chunk(2, 1)
    n = lib.tanh(x * r + h)
    return (1 - z) * h + z * n


def test_gru_like_cell_matches_torch():
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal((2, 3, 4)).astype(np.float32)
    w = rng.standard_normal((8, 8)).astype(np.float32)
    _three_ways(_gru_like, [x, h, w])


def test_slices_and_a_full_use_of_one_tensor_add_up():
    # x[:, :2] and x[:, 2:] send slice gradients into the same buffer as x * 3
    def build(lib, x):
        y = x.exp()
        return y[:, :2] * 2 + y[:, 2:] + (y * 3)[:, 1:3] + y[0, 1:3]
    _three_ways(build, [np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)])


def test_slice_gradient_reaching_a_leaf():
    def build(lib, x):
        a, b = x.chunk(2, 0)
        return a * b + a
    leaves = _three_ways(build, [np.arange(6, dtype=np.float32).reshape(3, 2) / 7])
    assert leaves[0].grad.shape == (3, 2)


def test_cat_gradients_are_views_but_leaf_grads_own_their_memory():
    a = deepgrad.ones(2, 3, requires_grad=True)
    b = deepgrad.ones(2, 1, requires_grad=True)
    deepgrad.cat([a, b], 1).sum().backward()
    a.grad.mul_(5)
    assert_close(b.grad, np.ones((2, 1)))
    assert_close(a.grad, np.full((2, 3), 5.0))


def test_mlp_with_indexing_log_softmax_and_mean_matches_torch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    w1 = rng.standard_normal((4, 3)).astype(np.float32)
    b1 = rng.standard_normal(3).astype(np.float32)
    target = np.array([0, 2, 1, 1, 0])

    def build(lib, w, b):
        logp = (lib.tensor(x) @ w + b).relu().log_softmax(1)
        return -logp[lib.arange(5), lib.tensor(target)].mean()
    _three_ways(build, [w1, b1])


def test_linear_embedding_cross_entropy_match_torch():
    rng = np.random.default_rng(3)
    table = rng.standard_normal((6, 4)).astype(np.float32)
    w = rng.standard_normal((5, 4)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    idx = np.array([[1, 3, 1], [0, 5, 3]])

    def build(lib, table, w, b):
        e = lib.nn.functional.embedding(lib.tensor(idx), table)
        out = lib.nn.functional.linear(e, w, b).reshape(6, 5)
        return lib.nn.functional.cross_entropy(out, lib.tensor(idx.reshape(-1) % 5))
    _three_ways(build, [table, w, b])


def test_hooks_and_retain_grad_on_array_path_nodes():
    x = deepgrad.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x.sigmoid()
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    z = y * y
    seen = []
    z.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(grad_outputs[0]))
    z.sum().backward()

    tx = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    ty = tx.sigmoid()
    ty.retain_grad()
    ty.register_hook(lambda g: g * 2)
    (ty * ty).sum().backward()
    assert_close(y.grad, ty.grad.numpy())
    assert_close(x.grad, tx.grad.numpy())
    assert isinstance(seen[0], deepgrad.Tensor)
    assert_close(seen[0], np.ones(3))


def test_in_place_change_of_a_saved_output_is_detected_on_the_array_path():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.tanh()
    z = y * 2
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_retain_graph_and_shared_weight_sums_over_steps():
    rng = np.random.default_rng(4)
    w = rng.standard_normal((3, 3)).astype(np.float32)
    h0 = rng.standard_normal((2, 3)).astype(np.float32)

    def build(lib, w, h):
        for _ in range(4):
            h = lib.tanh(h @ w) + h
        return h
    _three_ways(build, [w, h0])
    dw = deepgrad.tensor(w, requires_grad=True)
    loss = build(deepgrad, dw, deepgrad.tensor(h0)).sum()
    loss.backward(retain_graph=True)
    first = dw.grad.clone()
    loss.backward()
    assert_close(dw.grad, 2 * first.numpy())


def test_custom_function_in_the_middle_of_array_path_nodes():
    class Square(deepgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = deepgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (Square.apply(x.exp()) * 3)[1:].sum().backward()
    expected = np.array([0.0, 6 * np.exp(4.0), 6 * np.exp(6.0)])
    assert_close(x.grad, expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "exp"])
def test_zero_dim_leaf_grad_is_a_writable_array_as_in_torch(name):
    """A 0-d formula can give NumPy a scalar; the leaf's .grad must still take in-place
    updates (an optimiser's grad.add_, zero_grad's zero_) as torch's does."""
    x = deepgrad.tensor(0.5, requires_grad=True)
    tx = torch.tensor(0.5, requires_grad=True)
    for _ in range(2):
        getattr(deepgrad, name)(x).backward()
        getattr(torch, name)(tx).backward()
    x.grad.add_(1)
    tx.grad.add_(1)
    assert isinstance(x.grad.numpy(), np.ndarray) and x.grad.shape == tx.grad.shape
    assert abs(x.grad.item() - tx.grad.item()) < 1e-6
    x.grad.zero_()
    assert x.grad.item() == 0.0
