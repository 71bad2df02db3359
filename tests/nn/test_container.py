"""Containers (Sequential, ModuleList, ModuleDict, ParameterList/Dict) and Identity/Flatten/
Unflatten, compared with torch.nn."""
from collections import OrderedDict

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")


def _seq(lib, ordered=False):
    layers = [("fc1", lib.nn.Linear(4, 5)), ("act", lib.nn.Tanh()), ("fc2", lib.nn.Linear(5, 2))]
    if ordered:
        return lib.nn.Sequential(OrderedDict(layers))
    return lib.nn.Sequential(*[m for _, m in layers])


@pytest.mark.parametrize("ordered", [False, True])
def test_sequential_matches_torch(ordered):
    ours, theirs = _seq(deepgrad, ordered).double(), _seq(torch, ordered).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: deepgrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = deepgrad.randn(3, 4, dtype=deepgrad.float64, requires_grad=True)
    xt = to_torch(x)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    y.sum().backward()
    yt.sum().backward()
    assert_close(x.grad, xt.grad)
    assert repr(ours) == repr(theirs)


def test_sequential_indexing_slicing_len_append():
    s = _seq(deepgrad)
    assert len(s) == 3
    assert isinstance(s[1], nn.Tanh) and s[-1] is s[2]
    sub = s[:2]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[0] is s[0]
    named = _seq(deepgrad, ordered=True)
    assert list(named[1:]._modules) == ["act", "fc2"]  # slicing keeps names, as in torch
    s.append(nn.ReLU())
    assert len(s) == 4 and list(s._modules)[-1] == "3"
    assert [type(m).__name__ for m in s] == ["Linear", "Tanh", "Linear", "ReLU"]
    with pytest.raises(IndexError, match="out of range"):
        s[10]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and isinstance(s[1], nn.Linear)
    s[2] = nn.Sigmoid()
    assert isinstance(s[2], nn.Sigmoid)


def test_module_list():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    ml.append(nn.Linear(2, 3))
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "ReLU", "Linear", "Tanh"]
    assert len(list(ml.parameters())) == 4
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    tl = torch.nn.ModuleList([torch.nn.Identity(), torch.nn.Linear(2, 2), torch.nn.ReLU(),
                              torch.nn.Linear(2, 3), torch.nn.Tanh()])
    assert list(ml.state_dict()) == list(tl.state_dict())
    same = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    tsame = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU()])
    assert repr(same) == repr(tsame)


def test_module_dict():
    md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    md["c"] = nn.Linear(2, 1)
    assert list(md.keys()) == ["a", "b", "c"] and "a" in md and len(md) == 3
    assert list(md.state_dict()) == ["a.weight", "a.bias", "c.weight", "c.bias"]
    md.pop("b")
    assert list(md) == ["a", "c"]
    with pytest.raises(TypeError):
        md["d"] = 3


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(deepgrad.ones(2)), deepgrad.zeros(3)])
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    assert list(pl.state_dict()) == ["0", "1"]
    pl.append(deepgrad.ones(1))
    assert len(list(pl.parameters())) == 3
    pd = nn.ParameterDict({"w": deepgrad.ones(2, 2)})
    pd["b"] = nn.Parameter(deepgrad.zeros(2))
    assert list(pd.state_dict()) == ["w", "b"] and isinstance(pd["w"], nn.Parameter)


def test_identity_flatten_unflatten():
    x = deepgrad.randn(2, 3, 4, 5, dtype=deepgrad.float64, requires_grad=True)
    xt = to_torch(x)
    assert nn.Identity(54, unused="x")(x) is x
    for args in [(), (0, -1), (2, 3), (1, 2)]:
        assert_close(nn.Flatten(*args)(x), torch.nn.Flatten(*args)(xt))
        assert repr(nn.Flatten(*args)) == repr(torch.nn.Flatten(*args))
    y = nn.Unflatten(1, (3, 1))(x)
    assert_close(y, torch.nn.Unflatten(1, (3, 1))(xt))
    flat = nn.Flatten()(x)
    flat.sum().backward()
    assert_close(x.grad, np.ones((2, 3, 4, 5)))
