"""activation_stats against torch forward hooks on the same weights; init_explorer against
the variance-propagation theory of initialisation; gradient_norms against torch's gradients."""
import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.lab import activation_stats, gradient_norms, init_explorer
from deepgrad.nn import functional as F

torch = pytest.importorskip("torch")


def _pair(seed=0):
    deepgrad.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(),
                          nn.Linear(8, 4), nn.Sigmoid())
    with deepgrad.no_grad():
        model[0].bias[:3] = -20.0              # three ReLU units that never fire
        model[2].weight.mul_(25.0)             # push tanh into saturation
        model[4].weight.mul_(8.0)
    ref = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8),
                              torch.nn.Tanh(), torch.nn.Linear(8, 4), torch.nn.Sigmoid())
    with torch.no_grad():
        for p, q in zip(model.parameters(), ref.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy()))
    return model, ref


def test_activation_stats_match_torch_hooks(tmp_path):
    model, ref = _pair()
    x = np.random.default_rng(0).standard_normal((50, 6)).astype(np.float32)
    ours = activation_stats(model, deepgrad.tensor(x))
    seen = {}
    for name in ("1", "3", "5"):
        ref.get_submodule(name).register_forward_hook(
            lambda m, i, o, _n=name: seen.__setitem__(_n, o.detach().double().numpy()))
    ref(torch.from_numpy(x))
    rows = {r["name"]: r for r in ours.layers}
    assert list(rows) == ["1", "3", "5"]
    for name, out in seen.items():
        np.testing.assert_allclose(rows[name]["mean"], out.mean(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(rows[name]["std"], out.std(), rtol=1e-5, atol=1e-6)
    assert rows["1"]["dead"] == pytest.approx((seen["1"].max(axis=0) <= 0).mean())
    assert rows["1"]["dead"] >= 3 / 8
    assert rows["3"]["saturated"] == pytest.approx((np.abs(seen["3"]) > 0.99).mean())
    assert rows["3"]["saturated"] > 0.2
    sig = seen["5"]
    assert rows["5"]["saturated"] == pytest.approx(((sig < 0.01) | (sig > 0.99)).mean())
    ours.plot(tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


def test_init_explorer_follows_variance_propagation(tmp_path):
    relu = init_explorer("relu", depth=10, width=128, n_samples=256)
    he = relu.std[("he", False)]
    assert he[1:].max() / he[1:].min() < 2            # Var(out) = 2/n * n/2 * Var(in)
    small = relu.std[("normal", False)]
    assert small[1] / small[10] > 10                  # sigma^2 n / 2 = 0.0064 a layer
    xavier = relu.std[("xavier", False)]
    assert xavier[1] / xavier[10] > 4                 # 1/n * n/2: halves the variance a layer
    assert np.all(relu.std[("zero", False)][1:] == 0)
    for init in ("normal", "xavier", "he", "lecun"):  # batch norm resets the scale each layer
        bn = relu.std[(init, True)]
        assert bn[1:].max() / bn[1:].min() < 1.2
    tanh = init_explorer("tanh", inits=("normal", "xavier"), batch_norm=(False,), depth=10,
                         width=128, n_samples=256)
    assert tanh.std[("normal", False)][10] < 1e-3     # tanh collapses with small weights
    assert tanh.std[("xavier", False)][10] > 0.1
    relu.plot(tmp_path / "i.png")
    assert (tmp_path / "i.png").read_bytes()[:4] == b"\x89PNG"


def test_gradient_norms_first_step_is_torchs_and_flags():
    model, ref = _pair(1)
    x = np.random.default_rng(1).standard_normal((20, 6)).astype(np.float32)
    y = np.random.default_rng(2).random((20, 4)).astype(np.float32)
    norms = gradient_norms(model, F.mse_loss, (deepgrad.tensor(x), deepgrad.tensor(y)),
                           optim.SGD(model.parameters(), lr=0.0), steps=2)
    torch.nn.functional.mse_loss(ref(torch.from_numpy(x)), torch.from_numpy(y)).backward()
    for (name, values), q in zip(norms.norms.items(), ref.parameters()):
        np.testing.assert_allclose(values[0], q.grad.norm().item(), rtol=1e-4, atol=1e-9)
    deepgrad.manual_seed(0)
    layers = []
    for _ in range(12):
        layers += [nn.Linear(16, 16), nn.Sigmoid()]
    deep = nn.Sequential(*layers, nn.Linear(16, 2))
    flagged = gradient_norms(deep, F.cross_entropy,
                             (deepgrad.randn(32, 16), deepgrad.randint(0, 2, (32,))),
                             optim.SGD(deep.parameters(), lr=0.1), steps=3)
    assert "0.weight" in flagged.vanishing and flagged.exploding == []
    assert "24.weight" not in flagged.vanishing


def test_bad_input():
    model, _ = _pair()
    with pytest.raises(ValueError, match="empty"):
        activation_stats(model, deepgrad.randn(0, 6))
    with pytest.raises(ValueError, match="no layer to watch"):
        activation_stats(nn.Linear(2, 2), deepgrad.randn(3, 2))
    with pytest.raises(ValueError, match="unknown init"):
        init_explorer(inits=("orthogonal",))
    with pytest.raises(ValueError, match="activation"):
        init_explorer("softmax")
    with pytest.raises(ValueError, match="steps"):
        gradient_norms(model, F.mse_loss, (deepgrad.randn(2, 6), deepgrad.randn(2, 4)),
                       optim.SGD(model.parameters(), lr=0.1), steps=0)
