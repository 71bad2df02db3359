"""freeze / unfreeze / param_groups, and load_state_dict(strict=False)'s return value."""
import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.train import Trainer, freeze, param_groups, unfreeze
from tests.conftest import torch

from .common import weights



class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6))
        self.fc = nn.Linear(6, 3)
        self.fc2 = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc2(self.fc(self.features(x)))


def test_freeze_and_unfreeze_by_prefix():
    net = Net()
    frozen = freeze(net, "features")
    assert frozen == ["features.0.weight", "features.0.bias", "features.2.weight",
                      "features.2.bias"]
    flags = {n: p.requires_grad for n, p in net.named_parameters()}
    assert flags == {**{n: False for n in frozen}, "fc.weight": True, "fc.bias": True,
                     "fc2.weight": True, "fc2.bias": True}
    freeze(net, ["fc"])              # a whole component: fc2 untouched
    assert net.fc2.weight.requires_grad and not net.fc.weight.requires_grad
    unfreeze(net, "features.2")
    assert net.features[2].weight.requires_grad and not net.features[0].weight.requires_grad
    unfreeze(net)
    assert all(p.requires_grad for p in net.parameters())
    with pytest.raises(ValueError, match=r"unknown module name\(s\) \['featurs'\]; available: "
                                         r"features, features.0"):
        freeze(net, "featurs")


def test_param_groups_cover_every_trainable_parameter_once():
    net = Net()
    freeze(net, "fc2")
    groups = param_groups(net, {"features": 1e-4, "features.2": 1e-3, "fc": {"lr": 1e-2,
                                                                            "momentum": 0.5}})
    names = [n for g in groups for n in g["param_names"]]
    trainable = [n for n, p in net.named_parameters() if p.requires_grad]
    assert sorted(names) == sorted(trainable) and len(names) == len(set(names))
    by_name = {n: g for g in groups for n in g["param_names"]}
    assert by_name["features.0.weight"]["lr"] == 1e-4
    assert by_name["features.2.weight"]["lr"] == 1e-3          # the longer prefix wins
    assert by_name["fc.bias"]["momentum"] == 0.5
    opt = optim.SGD(groups, lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [1e-4, 1e-3, 1e-2]
    # unmatched trainable parameters go to a last group with the optimizer's defaults
    unfreeze(net)
    groups = param_groups(net, {"features": 1e-4})
    assert groups[-1]["param_names"] == ["fc.weight", "fc.bias", "fc2.weight", "fc2.bias"]
    assert "lr" not in groups[-1] and optim.SGD(groups, lr=0.1).param_groups[-1]["lr"] == 0.1
    with pytest.raises(ValueError, match="unknown module name"):
        param_groups(net, {"head": 1e-3})


def test_discriminative_learning_rates_match_torch_param_groups():
    """One SGD step with per-group lrs equals torch's with the same groups."""
    net = Net()
    t_net = torch.nn.Sequential()
    t_net.features = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(),
                                         torch.nn.Linear(6, 6))
    t_net.fc, t_net.fc2 = torch.nn.Linear(6, 3), torch.nn.Linear(3, 3)
    t_net.load_state_dict({k: torch.from_numpy(v) for k, v in weights(net).items()})
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 4)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    opt = optim.SGD(param_groups(net, {"features": 1e-3, "fc": 1e-1}), lr=1e-2)
    Trainer(net, opt, nn.CrossEntropyLoss(), progress=None, batch_size=8).fit((X, y))
    t_opt = torch.optim.SGD([{"params": t_net.features.parameters(), "lr": 1e-3},
                             {"params": t_net.fc.parameters(), "lr": 1e-1},
                             {"params": t_net.fc2.parameters()}], lr=1e-2)
    out = t_net.fc2(t_net.fc(t_net.features(torch.from_numpy(X))))
    torch.nn.functional.cross_entropy(out, torch.from_numpy(y)).backward()
    t_opt.step()
    for k, v in weights(net).items():
        np.testing.assert_allclose(v, t_net.state_dict()[k].numpy(), rtol=1e-5, atol=1e-7)


def test_frozen_parameters_do_not_move_during_fit():
    net = Net()
    freeze(net, "features")
    before = weights(net)
    opt = optim.Adam([p for p in net.parameters() if p.requires_grad], lr=0.1)
    rng = np.random.default_rng(1)
    Trainer(net, opt, nn.CrossEntropyLoss(), progress=None).fit(
        (rng.standard_normal((20, 4)).astype(np.float32), rng.integers(0, 3, 20)), epochs=2)
    after = weights(net)
    for k in before:
        same = np.array_equal(before[k], after[k])
        assert same == k.startswith("features"), k


def test_load_state_dict_strict_false_returns_torch_incompatible_keys():
    net = nn.Linear(2, 2)
    t_net = torch.nn.Linear(2, 2)
    ours = net.load_state_dict({"weight": deepgrad.zeros(2, 2), "extra": deepgrad.zeros(1)},
                               strict=False)
    theirs = t_net.load_state_dict({"weight": torch.zeros(2, 2), "extra": torch.zeros(1)},
                                   strict=False)
    assert repr(ours) == repr(theirs)
    assert type(ours).__name__ == type(theirs).__name__ == "_IncompatibleKeys"
    assert ours._fields == theirs._fields and ours == theirs
    assert repr(net.load_state_dict(net.state_dict())) == \
        repr(t_net.load_state_dict(t_net.state_dict()))
