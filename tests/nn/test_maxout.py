"""Maxout (deepgrad's own): h_i(x) = max_j (x^T W_ij + b_ij), checked against the formula."""
import math

import numpy as np
import pytest

import deepgrad
from deepgrad.nn import Maxout
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")


def _numpy_maxout(x, w, b, out_features, pool):
    """The paper's formula with explicit loops over units i and pieces j."""
    h = np.empty(x.shape[:-1] + (out_features,))
    for i in range(out_features):
        pieces = [x @ w[i * pool + j] + (b[i * pool + j] if b is not None else 0.0)
                  for j in range(pool)]
        h[..., i] = np.max(pieces, axis=0)
    return h


@pytest.mark.parametrize("shape,bias", [((6, 5), True), ((2, 3, 5), False), ((5,), True)])
def test_forward_matches_formula(shape, bias):
    m = Maxout(5, 4, pool_size=3, bias=bias, dtype=deepgrad.float64)
    x = np.random.default_rng(0).standard_normal(shape)
    y = m(deepgrad.tensor(x))
    w = m.weight.detach().numpy()
    b = m.bias.detach().numpy() if bias else None
    assert_close(y, _numpy_maxout(x, w, b, 4, 3))


def test_gradients_match_torch_reference():
    m = Maxout(5, 4, pool_size=3, dtype=deepgrad.float64)
    x = deepgrad.tensor(np.random.default_rng(1).standard_normal((7, 5)), requires_grad=True)
    tx, tw, tb = to_torch(x), to_torch(m.weight), to_torch(m.bias)
    g = np.random.default_rng(2).standard_normal((7, 4))
    (m(x) * deepgrad.tensor(g)).sum().backward()
    ty = torch.nn.functional.linear(tx, tw, tb).view(7, 4, 3).amax(-1)
    (ty * torch.from_numpy(g)).sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(m.weight.grad, tw.grad)
    assert_close(m.bias.grad, tb.grad)


def test_gradcheck_and_gradgradcheck():
    m = Maxout(3, 2, pool_size=2, dtype=deepgrad.float64)
    x = deepgrad.randn(4, 3, dtype=deepgrad.float64, requires_grad=True)
    assert deepgrad.autograd.gradcheck(lambda x: m(x), (x,))
    assert deepgrad.autograd.gradgradcheck(lambda x: m(x), (x,))


def test_pool_size_one_is_linear_and_max_of_two_pieces_can_be_abs():
    m = Maxout(3, 2, pool_size=1, dtype=deepgrad.float64)
    x = deepgrad.randn(4, 3, dtype=deepgrad.float64)
    assert_close(m(x), x.numpy() @ m.weight.detach().numpy().T + m.bias.detach().numpy())
    # two pieces w and -w, no bias: h(x) = |x^T w|
    m = Maxout(3, 1, pool_size=2, bias=False, dtype=deepgrad.float64)
    w = np.array([0.5, -1.0, 2.0])
    with deepgrad.no_grad():
        m.weight.copy_(deepgrad.tensor(np.stack([w, -w])))
    assert_close(m(x), np.abs(x.numpy() @ w)[:, None])


def test_default_init_and_shapes():
    m = Maxout(100, 30, pool_size=4)
    assert tuple(m.weight.shape) == (120, 100) and tuple(m.bias.shape) == (120,)
    assert m.weight.dtype == deepgrad.float32
    bound = 1 / math.sqrt(100)
    w = m.weight.detach().numpy()
    assert w.min() >= -bound and w.max() <= bound
    assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.05
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert "pool_size=4" in repr(m)


def test_bad_input_names_expected_and_actual():
    with pytest.raises(RuntimeError, match="in_features=5.*got 7"):
        Maxout(5, 2, pool_size=2)(deepgrad.randn(3, 7))
    with pytest.raises(ValueError, match="pool_size"):
        Maxout(5, 2, pool_size=0)
