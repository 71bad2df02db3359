"""Module system: registration, traversal, modes, hooks, to(), state_dict and atomic loading."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")


def _net(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(4, 3)
            self.register_buffer("running", lib.zeros(3))
            self.register_buffer("scratch", lib.ones(2), persistent=False)
            self.scale = lib.nn.Parameter(lib.ones(1))

        def forward(self, x):
            return self.fc(x) * self.scale + self.running

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Linear(3, 2, bias=False))
            self.extra = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(2)])

        def forward(self, x):
            y = self.head(self.block(x))
            for m in self.extra:
                y = m(y)
            return y
    return Net()


def _copy_from_torch(ours, theirs):
    ours.load_state_dict({k: deepgrad.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def test_state_dict_keys_match_torch():
    ours, theirs = _net(deepgrad), _net(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]


def test_forward_and_grads_match_torch_after_loading():
    ours, theirs = _net(deepgrad).double(), _net(torch).double()
    _copy_from_torch(ours, theirs)
    x = deepgrad.randn(5, 4, dtype=deepgrad.float64, requires_grad=True)
    xt = to_torch(x)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    assert_close(x.grad, xt.grad)
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, tp[name].grad, msg=name)


def test_repr_matches_torch():
    ours, theirs = _net(deepgrad), _net(torch)
    assert repr(ours) == repr(theirs)
    assert repr(nn.Linear(3, 4, bias=False)) == repr(torch.nn.Linear(3, 4, bias=False))


def test_parameter_repr_and_defaults():
    p = nn.Parameter(deepgrad.ones(2))
    assert p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor([1., 1.]")
    assert not nn.Parameter(deepgrad.ones(2), requires_grad=False).requires_grad


def test_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(deepgrad.ones(2))
    m.register_buffer("b", deepgrad.zeros(2))
    m.sub = nn.Linear(2, 2)
    m.plain = 3
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert list(m.state_dict()) == ["w", "b", "sub.weight", "sub.bias"]
    with pytest.raises(TypeError, match="parameter 'w'"):
        m.w = deepgrad.ones(2)  # a plain tensor cannot replace a parameter
    m.w = None
    assert "w" not in m.state_dict()
    with pytest.raises(KeyError, match="cannot contain"):
        m.register_buffer("a.b", deepgrad.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("plain", deepgrad.zeros(1))
    del m.sub
    assert not hasattr(m, "sub")
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing


def test_shared_parameters_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == list(torch.nn.Sequential(*[torch.nn.Linear(2, 2)] * 2)
                                          .state_dict())


def test_train_eval_requires_grad_zero_grad():
    m = _net(deepgrad)
    assert m.training
    m.eval()
    assert not any(sub.training for sub in m.modules())
    m.train()
    assert all(sub.training for sub in m.modules())
    m(deepgrad.randn(2, 4)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    with pytest.raises(ValueError, match="boolean"):
        m.train("yes")


def test_apply_visits_children_first():
    order = []
    m = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    m.apply(lambda mod: order.append(type(mod).__name__))
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_to_double_keeps_parameter_identity_and_casts_buffers():
    m = _net(deepgrad)
    w = m.block.fc.weight
    m.double()
    assert m.block.fc.weight is w and w.dtype == deepgrad.float64
    assert m.block.running.dtype == deepgrad.float64
    m.to(deepgrad.float32)
    assert w.dtype == deepgrad.float32
    m.to("cpu")
    with pytest.raises(TypeError, match="floating point"):
        m.to(deepgrad.int64)


def test_hooks():
    m = nn.Linear(2, 2)
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: seen.append(out) or out + 1)
    x = deepgrad.randn(3, 2)
    y = m(x)
    assert_close(y, m.bias.detach().numpy()[None].repeat(3, 0) + 1)
    assert len(seen) == 1
    h1.remove()
    h2.remove()
    assert_close(m(x), deepgrad.nn.functional.linear(x, m.weight, m.bias))


def test_load_state_dict_errors_are_collected_and_atomic():
    m = _net(deepgrad)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    sd = {k: v.clone() + 1 for k, v in m.state_dict().items()}
    del sd["block.scale"]                                  # missing
    sd["block.bogus"] = deepgrad.zeros(1)                  # unexpected
    sd["head.1.weight"] = deepgrad.zeros(5, 5)             # wrong shape
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(sd)
    msg = str(err.value)
    assert 'Missing key(s) in state_dict: "block.scale"' in msg
    assert 'Unexpected key(s) in state_dict: "block.bogus"' in msg
    assert "size mismatch for head.1.weight" in msg and "[5, 5]" in msg and "[2, 3]" in msg
    for k, v in m.state_dict().items():  # bit-identical: nothing was copied
        np.testing.assert_array_equal(v.numpy(), before[k])
    # strict=False still refuses a shape mismatch, and still changes nothing
    with pytest.raises(RuntimeError, match="size mismatch"):
        m.load_state_dict(sd, strict=False)
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_load_state_dict_non_strict_returns_keys_like_torch():
    ours, theirs = _net(deepgrad), _net(torch)
    sd = OrderedDict((k, v.clone()) for k, v in ours.state_dict().items())
    del sd["block.scale"]
    sd["zzz"] = deepgrad.zeros(1)
    res = ours.load_state_dict(sd, strict=False)
    sdt = OrderedDict((k, v.clone()) for k, v in theirs.state_dict().items())
    del sdt["block.scale"]
    sdt["zzz"] = torch.zeros(1)
    rest = theirs.load_state_dict(sdt, strict=False)
    assert res.missing_keys == rest.missing_keys
    assert res.unexpected_keys == rest.unexpected_keys
    assert repr(ours.load_state_dict(ours.state_dict())) == "<All keys matched successfully>"


def test_load_state_dict_copies_values_and_bumps_version():
    m = nn.Linear(3, 2)
    src = nn.Linear(3, 2)
    v = m.weight._version
    m.load_state_dict(src.state_dict())
    assert_close(m.weight.detach(), src.weight.detach())
    assert m.weight._version > v
    src.weight.data.numpy()[...] = 0  # later changes to the source do not leak in
    assert m.weight.detach().numpy().any()


def test_state_dict_shares_memory_and_is_detached():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad
    sd["weight"].numpy()[0, 0] = 42.0
    assert m.weight.detach().numpy()[0, 0] == 42.0
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_deepcopy_and_pickle():
    m = nn.Sequential(nn.Linear(4, 3), nn.PReLU(), nn.ModuleDict({"out": nn.Linear(3, 1)}))
    m[0].register_buffer("stat", deepgrad.arange(3.0))
    for clone in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert list(clone.state_dict()) == list(m.state_dict())
        for (k, a), (_, b) in zip(clone.state_dict().items(), m.state_dict().items()):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert isinstance(clone[0].weight, nn.Parameter)
        assert clone[0].weight is not m[0].weight


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_get_submodule_and_parameter():
    m = _net(deepgrad)
    assert m.get_submodule("head.1") is m.head[1]
    assert m.get_parameter("block.fc.weight") is m.block.fc.weight
    with pytest.raises(AttributeError):
        m.get_submodule("head.7")


def test_buffer_assignment_like_torch():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Buffer(deepgrad.zeros(2))
            self.b = nn.Buffer(deepgrad.ones(1), persistent=False)

    class T(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Buffer(torch.zeros(2))
            self.b = torch.nn.Buffer(torch.ones(1), persistent=False)

    m, t = M(), T()
    assert list(m.state_dict()) == list(t.state_dict()) == ["a"]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert type(m.a) is deepgrad.Tensor
    m.a = deepgrad.ones(2)  # plain tensors may replace a buffer
    assert m.state_dict()["a"].tolist() == [1.0, 1.0]


def test_hooks_with_kwargs_and_prepend_order():
    m = nn.Identity()
    calls = []
    m.register_forward_hook(lambda mod, args, out: calls.append("late"))
    m.register_forward_hook(lambda mod, args, out: calls.append("early"), prepend=True)

    def pre(mod, args, kwargs):
        return args, {}
    m.register_forward_pre_hook(pre, with_kwargs=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(sorted(kwargs)),
                            with_kwargs=True)
    m(deepgrad.ones(1))
    assert calls == ["early", "late", []]


def test_to_converts_gradients_too():
    m = nn.Linear(2, 2)
    m(deepgrad.randn(3, 2)).sum().backward()
    m.double()
    assert m.weight.grad.dtype == deepgrad.float64 and m.bias.grad.dtype == deepgrad.float64


def test_load_state_dict_assign_takes_the_given_tensors():
    m = nn.Linear(2, 2)
    w = m.weight
    src = {"weight": deepgrad.ones(2, 2, dtype=deepgrad.float64), "bias": deepgrad.zeros(2)}
    m.load_state_dict(src, assign=True)
    assert m.weight is w and m.weight.dtype == deepgrad.float64  # same Parameter, new storage
    src["weight"].numpy()[0, 0] = 5.0
    assert m.weight.detach().numpy()[0, 0] == 5.0
