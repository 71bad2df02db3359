"""The second pass over the per-op path: each shortcut must give what torch gives.

Covered: sigmoid's single-division form (values at the extremes, gradients, dtypes),
SGD's plain small-parameter update, Embedding reading its weight from the registry,
cross-entropy's label-range check, and split/chunk with NumPy integer sizes.
"""
import numpy as np
import pytest
import torch

import deepgrad as dg

EXTREMES = [0.0, -0.0, 1e-30, -1e-30, 0.5, -0.5, 5.0, -5.0, 20.0, -20.0, 88.0, -88.0,
            89.0, -89.0, 700.0, -700.0, 1e30, -1e30, np.inf, -np.inf]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(20,), (4, 5), (5, 4)])
def test_sigmoid_matches_torch_at_the_extremes(dtype, shape):
    x = np.array(EXTREMES, dtype=dtype).reshape(shape)
    ours = dg.sigmoid(dg.tensor(x)).numpy()
    ref = torch.sigmoid(torch.tensor(x)).numpy()
    assert ours.dtype == ref.dtype
    # torch flushes results below the normal range (sigmoid(-89) in float32) to zero
    tiny = np.finfo(dtype).tiny
    np.testing.assert_allclose(ours, ref, rtol=1e-6 if dtype == np.float32 else 1e-15, atol=tiny)
    assert np.all((ours >= 0) & (ours <= 1))


def test_sigmoid_nan_and_non_contiguous_input():
    x = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32) * 10
    x[2, 3] = np.nan
    t = dg.tensor(x).t()                      # a transposed (column-major) view
    ours = dg.sigmoid(t)
    ref = torch.sigmoid(torch.tensor(x).t())
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6, atol=1e-37, equal_nan=True)
    assert ours.stride() == ref.stride()


@pytest.mark.parametrize("shape", [(), (7,), (3, 9)])
def test_sigmoid_gradient_matches_torch(shape):
    x = (np.random.default_rng(1).standard_normal(shape) * 4).astype(np.float32)
    a, b = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    (dg.sigmoid(a) * dg.tensor(g)).sum().backward()
    (torch.sigmoid(b) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(np.asarray(a.grad.numpy()), b.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [dg.float32, dg.float64])
def test_plain_sgd_small_parameters_match_torch(dtype):
    rng = np.random.default_rng(3)
    shapes = [(16, 8), (8,), (3, 4)]
    tdtype = torch.float32 if dtype == dg.float32 else torch.float64
    ours = [dg.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in shapes]
    theirs = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in ours]
    grads = [rng.standard_normal(s) for s in shapes]
    for p, g in zip(ours, grads):
        p.grad = dg.tensor(g, dtype=dtype)
    for p, g in zip(theirs, grads):
        p.grad = torch.tensor(g, dtype=tdtype)
    ours[2].grad = None                      # a parameter without a gradient is skipped
    theirs[2].grad = None
    before = [p._version for p in ours]
    dg.optim.SGD(ours, lr=0.1).step()
    torch.optim.SGD(theirs, lr=0.1).step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert [p._version for p in ours] == [before[0] + 1, before[1] + 1, before[2]]


def test_plain_sgd_update_is_p_minus_lr_g():
    p = dg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    p.grad = dg.tensor([0.5, 0.5, -1.0])
    dg.optim.SGD([p], lr=0.5).step()
    np.testing.assert_allclose(p.detach().numpy(), [0.75, -2.25, 3.5])


def test_embedding_reads_a_replaced_weight():
    emb = dg.nn.Embedding(5, 3)
    idx = dg.tensor([[0, 4], [2, 2]])
    np.testing.assert_array_equal(emb(idx).detach().numpy(), emb.weight.detach().numpy()[idx.numpy()])
    new = dg.nn.Parameter(dg.arange(15, dtype=dg.float32).reshape(5, 3))
    emb.weight = new
    np.testing.assert_array_equal(emb(idx).detach().numpy(), new.detach().numpy()[idx.numpy()])
    del emb.weight
    plain = dg.ones(5, 3)
    emb.weight = plain                       # a plain attribute now, not a parameter
    np.testing.assert_array_equal(emb(idx).numpy(), np.ones((2, 2, 3), np.float32))


def test_embedding_index_checks_unchanged():
    emb = dg.nn.Embedding(5, 3)
    with pytest.raises(IndexError):
        emb(dg.tensor([0, 5]))
    with pytest.raises(IndexError):
        emb(dg.tensor([-1, 2]))
    with pytest.raises(RuntimeError):
        emb(dg.tensor([0.0, 1.0]))


def test_cross_entropy_label_range():
    logits = np.random.default_rng(4).standard_normal((4, 3)).astype(np.float32)
    labels = np.array([0, 2, 1, 2])
    ours = dg.nn.functional.cross_entropy(dg.tensor(logits), dg.tensor(labels))
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-6)
    with pytest.raises(IndexError):          # torch: IndexError (target out of bounds)
        dg.nn.functional.cross_entropy(dg.tensor(logits), dg.tensor([0, 3, 1, 2]))


@pytest.mark.parametrize("size", [2, np.int64(2)])
def test_chunk_and_split_with_numpy_integer_sizes(size):
    x = dg.arange(12.0).reshape(3, 4)
    parts = x.split(size, 1)
    assert [tuple(p.shape) for p in parts] == [(3, 2), (3, 2)]
    assert [tuple(p.shape) for p in x.chunk(size, 1)] == [(3, 2), (3, 2)]
