"""Embedding against torch.nn.Embedding in float64: lookups, gradients (repeated indices
accumulate, padding_idx gets none), max_norm renormalisation, from_pretrained, errors."""
import numpy as np
import pytest

import deepgrad
import deepgrad.nn.functional as F
from deepgrad import nn
from deepgrad.autograd import gradcheck, gradgradcheck
from tests.conftest import assert_close, to_numpy

torch = pytest.importorskip("torch")

IDX = np.array([[1, 3, 3, 0], [7, 1, 1, 1], [0, 9, 3, 2]])


def _twin(**kwargs):
    theirs = torch.nn.Embedding(10, 4, dtype=torch.float64, **kwargs)
    ours = nn.Embedding(10, 4, dtype=deepgrad.float64, **kwargs)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(np.random.default_rng(0).standard_normal((10, 4))))
    ours.load_state_dict({k: v.numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _compare(ours, theirs, idx=IDX):
    y = ours(deepgrad.tensor(idx))
    ty = theirs(torch.from_numpy(idx))
    assert_close(y, ty)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    y.backward(deepgrad.tensor(g))
    ty.backward(torch.from_numpy(g))
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours.weight, theirs.weight)


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"padding_idx": -1},
                                    {"scale_grad_by_freq": True},
                                    {"scale_grad_by_freq": True, "padding_idx": 1},
                                    {"max_norm": 1.0}, {"max_norm": 1.5, "norm_type": 1.0}])
def test_embedding_matches_torch(kwargs):
    ours, theirs = _twin(**kwargs)
    assert ours.padding_idx == theirs.padding_idx
    assert repr(ours) == repr(theirs)
    _compare(ours, theirs)


def test_repeated_indices_accumulate_gradient():
    w = deepgrad.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    F.embedding(deepgrad.tensor([2, 2, 2, 0]), w).sum().backward()
    assert_close(w.grad, np.array([[1.0] * 3, [0.0] * 3, [3.0] * 3, [0.0] * 3]))


def test_padding_row_initialised_to_zero_and_gets_no_gradient():
    emb = nn.Embedding(6, 5, padding_idx=2)
    assert_close(emb.weight[2], np.zeros(5, np.float32))
    out = emb(deepgrad.tensor([[2, 1], [2, 2]]))
    assert_close(out[0, 0], np.zeros(5, np.float32))
    out.sum().backward()
    assert_close(emb.weight.grad[2], np.zeros(5, np.float32))
    assert_close(emb.weight.grad[1], np.ones(5, np.float32))


def test_default_init_is_standard_normal():
    w = to_numpy(nn.Embedding(2000, 50).weight)
    n = w.size
    assert abs(w.mean()) < 5 / np.sqrt(n)
    assert abs(w.var() - 1) < 5 * np.sqrt(2 / n)


def test_from_pretrained_freeze_and_sharing():
    table = deepgrad.tensor(np.random.default_rng(2).standard_normal((5, 3)))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    assert_close(frozen(deepgrad.tensor([4, 0])), to_numpy(table)[[4, 0]])
    trainable = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)
    assert trainable.weight.requires_grad and trainable.padding_idx == 0
    assert repr(trainable) == repr(torch.nn.Embedding.from_pretrained(
        torch.from_numpy(to_numpy(table)), freeze=False, padding_idx=0))
    with pytest.raises(ValueError, match="2-dimensional"):
        nn.Embedding.from_pretrained(deepgrad.ones(5))


def test_double_backward_matches_torch():
    ours, theirs = _twin(padding_idx=1)
    y = ours(deepgrad.tensor(IDX))
    ty = theirs(torch.from_numpy(IDX))
    (g,) = deepgrad.autograd.grad((y ** 3).sum(), (ours.weight,), create_graph=True)
    (tg,) = torch.autograd.grad((ty ** 3).sum(), (theirs.weight,), create_graph=True)
    assert_close(g, tg)
    (g2,) = deepgrad.autograd.grad((g * g).sum(), (ours.weight,))
    (tg2,) = torch.autograd.grad((tg * tg).sum(), (theirs.weight,))
    assert_close(g2, tg2)


def test_gradcheck():
    # padding_idx and scale_grad_by_freq change the gradient on purpose (checked against
    # torch above): finite differences check the plain lookup, with a repeated index
    w = deepgrad.tensor(np.random.default_rng(3).standard_normal((4, 2)), requires_grad=True)
    idx = deepgrad.tensor([[0, 2], [2, 3]])

    def fn(w):
        return F.embedding(idx, w) ** 2
    assert gradcheck(fn, (w,))
    assert gradgradcheck(fn, (w,))


def test_bad_indices_give_clear_errors():
    emb = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match="index 10 .*num_embeddings=10"):
        emb(deepgrad.tensor([1, 10]))
    with pytest.raises(IndexError, match="index -1 .*num_embeddings=10"):
        emb(deepgrad.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        emb(deepgrad.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(10, 3, padding_idx=10)
    w = emb.weight.detach().clone()
    with pytest.raises(IndexError):
        F.embedding(deepgrad.tensor([12]), emb.weight, max_norm=0.1)
    assert_close(emb.weight, w)  # the failed call renormalised nothing
