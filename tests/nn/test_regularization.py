"""Regularisation penalties and constraints against closed forms and torch."""
import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
from deepgrad.nn import regularization as R
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return [deepgrad.tensor(rng.standard_normal(s), requires_grad=True)
            for s in [(4, 3), (5,), (2, 3, 2)]]


def test_l1_l2_elastic_values_and_gradients():
    ws = _weights()
    arrays = [w.detach().numpy() for w in ws]
    l1 = sum(np.abs(a).sum() for a in arrays)
    l2 = sum((a * a).sum() for a in arrays)
    assert R.l1_penalty(ws).item() == pytest.approx(l1)
    assert R.l2_penalty(ws).item() == pytest.approx(l2)
    e = R.elastic_net_penalty(ws, l1_ratio=0.3)
    assert e.item() == pytest.approx(0.3 * l1 + 0.35 * l2)
    e.backward()
    for w, a in zip(ws, arrays):
        assert_close(w.grad, 0.3 * np.sign(a) + 0.7 * a)
    with pytest.raises(ValueError, match="l1_ratio"):
        R.elastic_net_penalty(ws, 1.5)


@pytest.mark.parametrize("shape", [(5, 3), (3, 6), (4, 2, 3)])
def test_nuclear_norm_matches_torch(shape):
    w = deepgrad.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    wt = to_torch(w)
    ours = R.nuclear_norm(w)
    theirs = torch.linalg.matrix_norm(wt.reshape(shape[0], -1), ord="nuc")
    assert_close(ours, theirs)
    ours.backward()
    theirs.backward()
    assert_close(w.grad, wt.grad)


def test_activity_penalties_match_their_formulas():
    a = deepgrad.tensor(np.random.default_rng(2).uniform(0.01, 0.99, (8, 5)), requires_grad=True)
    at = to_torch(a)
    assert_close(R.activity_l1(a), at.abs().sum() / 8)
    rho = 0.1
    ours = R.kl_sparsity(a, rho)
    r = at.mean(0)
    theirs = (rho * torch.log(rho / r) + (1 - rho) * torch.log((1 - rho) / (1 - r))).sum()
    assert_close(ours, theirs)
    ours.backward()
    theirs.backward()
    assert_close(a.grad, at.grad)
    assert_close(R.KLSparsity(2.0, rho)(a), theirs * 2)
    assert_close(R.ActivityL1(0.5)(a), at.abs().sum() / 16)


def test_l0_count():
    w = deepgrad.tensor([[0.0, 1e-5, -2.0], [0.0, 0.0, 3.0]])
    assert R.l0_count(w) == 3
    assert R.l0_count([w, deepgrad.ones(4)], threshold=1e-3) == 6


def test_max_norm_projection_matches_torch_renorm():
    w = deepgrad.tensor(np.random.default_rng(3).standard_normal((6, 4)) * 2)
    expected = torch.renorm(to_torch(w), p=2, dim=0, maxnorm=1.5)
    R.max_norm_(w, 1.5)
    assert_close(w, expected)
    norms = np.linalg.norm(w.numpy(), axis=1)
    assert norms.max() <= 1.5 + 1e-6


def test_penalty_objects_on_a_model_skip_biases():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    weights = [model[0].weight, model[2].weight]
    assert_close(R.L2(0.1)(model), R.l2_penalty(weights) * 0.1)
    assert_close(R.L1(0.1)(model), R.l1_penalty(weights) * 0.1)
    assert_close(R.L1(0.1, include_bias=True)(model), R.l1_penalty(list(model.parameters())) * 0.1)
    assert_close(R.ElasticNet(2.0, 0.5)(model), R.elastic_net_penalty(weights, 0.5) * 2)
    nuc = R.NuclearNormPenalty(0.5)(model)
    assert_close(nuc, (R.nuclear_norm(weights[0]) + R.nuclear_norm(weights[1])) * 0.5)
    (R.L2(0.1)(model)).backward()
    assert_close(model[0].weight.grad, model[0].weight.detach().numpy() * 0.2)
    assert model[0].bias.grad is None
    for p in model.parameters():
        p.data.numpy()[...] *= 10
    R.MaxNorm(0.5)(model)
    assert np.linalg.norm(model[0].weight.detach().numpy(), axis=1).max() <= 0.5 + 1e-6
    assert np.abs(model[0].bias.detach().numpy()).max() > 0.5  # biases untouched
