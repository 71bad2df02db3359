"""Constructors take torch.optim's arguments in torch's order, with torch's defaults; named
parameters and torch's implementation switches (foreach, fused, ...) are accepted."""
import inspect

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim as optim

NAMES = ["SGD", "Adagrad", "Adadelta", "RMSprop", "Rprop", "ASGD", "Adam", "AdamW", "Adamax",
         "NAdam", "RAdam", "Adafactor", "Muon", "LBFGS"]
ELEMENTWISE = [n for n in NAMES if n not in ("Adafactor", "Muon", "LBFGS")]


def test_every_torch_optimizer_is_here():
    torch_names = {n for n in dir(torch.optim) if isinstance(getattr(torch.optim, n), type)
                   and issubclass(getattr(torch.optim, n), torch.optim.Optimizer)}
    # SparseAdam needs sparse gradients, which deepgrad does not have
    assert torch_names - {"Optimizer", "SparseAdam"} == set(NAMES)


def _parameters(cls):
    return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]


@pytest.mark.parametrize("name", NAMES)
def test_constructor_signature_matches_torch(name):
    assert _parameters(getattr(optim, name)) == _parameters(getattr(torch.optim, name))


def _trajectory(name, **flags):
    p = deepgrad.tensor([1.0, -2.0, 0.5], requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.1, **flags)
    for _ in range(5):
        opt.zero_grad()
        (p ** 4).sum().backward()
        opt.step()
    return p.detach().numpy()


@pytest.mark.parametrize("name", ELEMENTWISE + ["Adafactor"])
def test_foreach_and_fused_change_nothing(name):
    plain = _trajectory(name)
    assert np.array_equal(_trajectory(name, foreach=True), plain)
    assert np.array_equal(_trajectory(name, foreach=False), plain)
    if "fused" in inspect.signature(getattr(optim, name)).parameters:
        assert np.array_equal(_trajectory(name, fused=True), plain)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_unsupported_switches_raise(name):
    params = inspect.signature(getattr(optim, name)).parameters
    p = [deepgrad.zeros(2, requires_grad=True)]
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        getattr(optim, name)(p, differentiable=True)
    if "capturable" in params:
        with pytest.raises(NotImplementedError, match="capturable=True"):
            getattr(optim, name)(p, capturable=True)
    if "fused" in params:
        for lib in (optim, torch.optim):  # torch refuses the pair too
            q = [torch.zeros(2, requires_grad=True)] if lib is torch.optim else p
            with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True`"):
                getattr(lib, name)(q, fused=True, foreach=True)
    with pytest.raises(ValueError, match="foreach must be None, True or False, got 'yes'"):
        getattr(optim, name)(p, foreach="yes")


def _mlp(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))


def test_named_parameters_as_torch():
    ours = optim.Adam(_mlp(deepgrad).named_parameters(), lr=0.01)
    theirs = torch.optim.Adam(_mlp(torch).named_parameters(), lr=0.01)
    assert ours.param_groups[0]["param_names"] == theirs.param_groups[0]["param_names"] \
        == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(isinstance(p, deepgrad.Tensor) for p in ours.param_groups[0]["params"])
    saved = ours.state_dict()
    assert saved["param_groups"][0]["param_names"] == ours.param_groups[0]["param_names"]
    fresh = optim.Adam(_mlp(deepgrad).parameters(), lr=0.01)  # no names: the saved ones come
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["param_names"] == ours.param_groups[0]["param_names"]


def test_named_parameter_groups_as_torch():
    for lib in (deepgrad, torch):
        named = list(_mlp(lib).named_parameters())
        opt = lib.optim.SGD([{"params": named[:2]}, {"params": named[2:], "lr": 0.5}], lr=0.1)
        assert [g["param_names"] for g in opt.param_groups] == [["0.weight", "0.bias"],
                                                                ["2.weight", "2.bias"]]
        with pytest.raises(ValueError, match="with/without names"):
            lib.optim.SGD([named[0], named[1][1]], lr=0.1)
        with pytest.raises(ValueError, match="with/without names"):
            opt.add_param_group({"params": [lib.zeros(2, requires_grad=True)]})
