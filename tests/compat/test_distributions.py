"""deepgrad.distributions against torch.distributions (float64): log_prob, entropy, moments,
their gradients, KL divergences, sample shapes and sample statistics."""
import numpy as np
import pytest
import torch
import torch.distributions as TD

import deepgrad
import deepgrad.distributions as DD

from ..conftest import assert_close


def _params(*arrays):
    d = [deepgrad.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    return d, t


RNG = np.random.default_rng(0)
CASES = [
    ("Normal", lambda: (RNG.standard_normal((2, 3)), RNG.uniform(0.5, 2.0, (2, 3))), {},
     lambda: RNG.standard_normal((4, 2, 3))),
    ("Uniform", lambda: (RNG.uniform(-2, -1, (3,)), RNG.uniform(1, 2, (3,))), {},
     lambda: RNG.uniform(-0.9, 0.9, (5, 3))),
    ("Bernoulli", lambda: (RNG.uniform(0.1, 0.9, (4,)),), {"kw": "probs"},
     lambda: (RNG.random((3, 4)) < 0.5).astype(np.float64)),
    ("Bernoulli", lambda: (RNG.standard_normal((4,)),), {"kw": "logits"},
     lambda: (RNG.random((4,)) < 0.5).astype(np.float64)),
    ("Categorical", lambda: (RNG.uniform(0.1, 1.0, (2, 5)),), {"kw": "probs"},
     lambda: RNG.integers(0, 5, (3, 2))),
    ("Categorical", lambda: (RNG.standard_normal((2, 5)),), {"kw": "logits"},
     lambda: RNG.integers(0, 5, (2,))),
]


def _build(name, arrays, kw):
    d_par, t_par = _params(*arrays)
    if "kw" in kw:
        return (getattr(DD, name)(**{kw["kw"]: d_par[0]}),
                getattr(TD, name)(**{kw["kw"]: t_par[0]}), d_par, t_par)
    return getattr(DD, name)(*d_par), getattr(TD, name)(*t_par), d_par, t_par


@pytest.mark.parametrize("name,make,kw,value", CASES)
def test_log_prob_entropy_and_their_gradients_match_torch(name, make, kw, value):
    d_dist, t_dist, d_par, t_par = _build(name, make(), kw)
    v = value()
    assert tuple(d_dist.batch_shape) == tuple(t_dist.batch_shape)
    assert tuple(d_dist.event_shape) == tuple(t_dist.event_shape)
    d_lp, t_lp = d_dist.log_prob(deepgrad.tensor(v)), t_dist.log_prob(torch.tensor(v))
    assert_close(d_lp, t_lp)
    d_h, t_h = d_dist.entropy(), t_dist.entropy()
    assert_close(d_h, t_h)
    (d_lp.sum() + d_h.sum()).backward()
    (t_lp.sum() + t_h.sum()).backward()
    for d, t in zip(d_par, t_par):
        assert_close(d.grad, t.grad, rtol=1e-6, atol=1e-9)
    if name != "Categorical":
        assert_close(d_dist.mean, t_dist.mean.detach())
        assert_close(d_dist.variance, t_dist.variance.detach())


@pytest.mark.parametrize("name,make,kw,value", CASES)
def test_samples_have_torchs_shapes_and_the_right_moments(name, make, kw, value):
    d_dist, t_dist, _, _ = _build(name, make(), kw)
    deepgrad.manual_seed(0)
    draws = d_dist.sample((4000,))
    assert tuple(draws.shape) == tuple(t_dist.sample((4000,)).shape)
    assert not draws.requires_grad
    x = draws.numpy().astype(np.float64)
    if name == "Categorical":
        freq = np.stack([(x == k).mean(0) for k in range(5)], -1)
        assert np.abs(freq - t_dist.probs.detach().numpy()).max() < 0.04
        return
    mean, var = t_dist.mean.detach().numpy(), t_dist.variance.detach().numpy()
    assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(var / 4000))


def test_rsample_carries_gradients_to_the_parameters():
    (mu, sigma), _ = _params(np.array([0.5, -1.0]), np.array([2.0, 0.5]))
    deepgrad.manual_seed(1)
    z = DD.Normal(mu, sigma).rsample((3,))
    z.sum().backward()
    eps = (z.detach().numpy() - mu.detach().numpy()) / sigma.detach().numpy()
    assert_close(mu.grad, np.full(2, 3.0))
    assert_close(sigma.grad, eps.sum(0))           # d(mu + sigma eps)/dsigma = eps


@pytest.mark.parametrize("pair", [
    lambda lib: (lib.distributions.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, 2.0])),
                 lib.distributions.Normal(lib.tensor([1.0, 0.0]), lib.tensor([0.5, 1.0]))),
    lambda lib: (lib.distributions.Categorical(logits=lib.tensor([[0.0, 1.0, 2.0]])),
                 lib.distributions.Categorical(probs=lib.tensor([[0.2, 0.3, 0.5]]))),
    lambda lib: (lib.distributions.Bernoulli(probs=lib.tensor([0.3, 0.9])),
                 lib.distributions.Bernoulli(logits=lib.tensor([0.0, -1.0]))),
])
def test_kl_divergence_matches_torch(pair):
    ours = DD.kl_divergence(*pair(deepgrad))
    theirs = TD.kl_divergence(*pair(torch))
    assert_close(ours, theirs, rtol=1e-5, atol=1e-7)


def test_bad_parameters_raise_like_torch():
    for lib in (torch, deepgrad):
        with pytest.raises(ValueError, match="scale"):
            lib.distributions.Normal(lib.zeros(2), -lib.ones(2))
        with pytest.raises(ValueError, match="probs.*logits|logits.*probs"):
            lib.distributions.Categorical(probs=lib.ones(3), logits=lib.zeros(3))
