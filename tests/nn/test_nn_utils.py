"""nn.utils: gradient clipping and parameter/vector conversion, against torch.nn.utils."""
import math

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
from tests.conftest import assert_close

torch = pytest.importorskip("torch")


def _params(scale, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) * scale for s in [(3, 4), (4,), (2, 2, 2)]]
    ours = [nn.Parameter(deepgrad.tensor(a)) for a in arrays]
    theirs = [torch.nn.Parameter(torch.from_numpy(a.copy())) for a in arrays]
    for p, q, a in zip(ours, theirs, arrays):
        g = rng.standard_normal(a.shape) * scale
        p.grad = deepgrad.tensor(g)
        q.grad = torch.from_numpy(g.copy())
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("scale", [0.01, 10.0])  # below and above max_norm
def test_clip_grad_norm_matches_torch(norm_type, scale):
    ours, theirs = _params(scale)
    total = nn.utils.clip_grad_norm_(ours, max_norm=1.0, norm_type=norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.0, norm_type=norm_type)
    assert_close(total, total_t)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad)


def test_clip_grad_norm_nonfinite_and_single_tensor():
    ours, _ = _params(1.0)
    ours[0].grad.numpy()[0, 0] = np.inf
    before = ours[1].grad.numpy().copy()
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(ours[1].grad.numpy(), before)  # nothing changed
    p = nn.Parameter(deepgrad.ones(3))
    p.grad = deepgrad.tensor([3.0, 4.0, 0.0])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    assert np.linalg.norm(p.grad.numpy()) == pytest.approx(1.0, rel=1e-5)
    assert nn.utils.clip_grad_norm_([nn.Parameter(deepgrad.ones(2))], 1.0).item() == 0.0


def test_clip_grad_value_matches_torch():
    ours, theirs = _params(2.0)
    nn.utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, q in zip(ours, theirs):
        assert_close(p.grad, q.grad)


def test_parameters_to_vector_and_back():
    ours, theirs = _params(1.0)
    v = nn.utils.parameters_to_vector(ours)
    assert_close(v, torch.nn.utils.parameters_to_vector(theirs))
    for p in ours:
        p.grad = None
    (v * deepgrad.arange(float(v.numel()), dtype=deepgrad.float64)).sum().backward()
    assert_close(ours[1].grad, np.arange(12.0, 16.0))  # the second block of the vector
    ident = [id(p) for p in ours]
    nn.utils.vector_to_parameters(v.detach() * 2, ours)
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(torch.nn.utils.parameters_to_vector(theirs) * 2,
                                            theirs)
    for p, q in zip(ours, theirs):
        assert_close(p.detach(), q.detach())
    assert [id(p) for p in ours] == ident
    with pytest.raises(TypeError, match="expected deepgrad.Tensor"):
        nn.utils.vector_to_parameters(np.zeros(3), ours)
    with pytest.raises(RuntimeError, match="hold 24 numbers"):
        nn.utils.vector_to_parameters(deepgrad.zeros(5), ours)
