"""Rprop and ASGD against torch.optim: trajectories and state, resuming, the fused loops,
invalid options, convergence, and the constructors' signatures."""
import inspect
import itertools
import pickle
import re

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim as optim
import deepgrad.optim._fused as fused
from deepgrad.optim.asgd import ASGD
from deepgrad.optim.rprop import Rprop

from .common import float64, groups, initial_values, make_params, trajectory  # noqa: F401
from .test_convergence import X_STAR, A, B, N, _loss

OURS = {"Rprop": Rprop, "ASGD": ASGD}
STATE_KEYS = {"Rprop": {"step", "prev", "step_size"}, "ASGD": {"step", "eta", "mu", "ax"}}
STEPS = 50


def grid(**options):
    """All combinations of the listed option values."""
    return [dict(zip(options, vals)) for vals in itertools.product(*options.values())]


# step_sizes (1e-3, 0.08): both bounds are reached; t0=10: averaging starts at step 13
CASES = ([("Rprop", c) for c in grid(lr=[1e-2, 5e-2], etas=[(0.5, 1.2), (0.3, 1.6)],
                                     step_sizes=[(1e-6, 50), (1e-3, 0.08)],
                                     maximize=[False, True])]
         + [("ASGD", c) for c in grid(lr=[2e-3], lambd=[1e-4, 5.0], alpha=[0.75, 0.5],
                                      t0=[1e6, 10], weight_decay=[0.0, 0.1],
                                      maximize=[False, True])])


def _ids(case):
    return case[0] + "-" + ",".join(f"{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_and_state_match_torch(case, float64):  # noqa: F811
    name, kw = case
    sign = -1.0 if kw["maximize"] else 1.0  # maximize -f: the same path as minimizing f
    init = initial_values()
    ours, theirs = make_params(deepgrad, init), make_params(torch, init)
    opt = OURS[name](groups(ours, kw["lr"]), **kw)
    ref = getattr(torch.optim, name)(groups(theirs, kw["lr"]), **kw)
    a = trajectory(deepgrad, opt, ours, STEPS, sign)
    b = trajectory(torch, ref, theirs, STEPS, sign)
    assert np.all(np.isfinite(b))
    assert np.abs(b[-1] - b[0]).max() > 1e-2  # the run went somewhere
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    assert opt.param_groups[1]["lr"] == pytest.approx(kw["lr"] * 0.5)
    for p, q in zip(ours, theirs):
        assert set(opt.state[p]) == set(ref.state[q]) == STATE_KEYS[name]
        for key, value in opt.state[p].items():
            assert value.shape == tuple(ref.state[q][key].shape), key
            np.testing.assert_allclose(value.numpy(), ref.state[q][key].numpy(), rtol=1e-6,
                                       atol=1e-9, err_msg=key)
        if name == "ASGD":  # the average is a real one once t0 is passed, else a copy of p
            averaged = not np.array_equal(opt.state[p]["ax"].numpy(), p.detach().numpy())
            assert averaged == (kw["t0"] == 10)


@pytest.mark.parametrize("use_fused", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rprop_is_bit_exact_with_torch(dtype, use_fused, monkeypatch):
    """Rprop rounds only in s * eta (and the bounds): the same operations as torch give the
    same bits, from the loop and from the NumPy kernel, in both precisions."""
    monkeypatch.setattr(fused, "ENABLED", use_fused)
    init = [v.astype(dtype) for v in initial_values()]
    ours, theirs = make_params(deepgrad, init), make_params(torch, init)
    kw = dict(lr=5e-2, etas=(0.3, 1.6), step_sizes=(1e-3, 0.08))
    a = trajectory(deepgrad, Rprop(groups(ours, 5e-2), **kw), ours, STEPS)
    b = trajectory(torch, torch.optim.Rprop(groups(theirs, 5e-2), **kw), theirs, STEPS)
    assert a.dtype == b.dtype == dtype
    assert np.array_equal(a, b)


@pytest.mark.parametrize("use_fused", [True, False])
def test_rprop_nan_and_inf_gradients_as_torch(use_fused, monkeypatch):
    """torch's sign(NaN) is 0: a NaN gradient leaves the coordinate and its step size."""
    nan, inf = float("nan"), float("inf")
    grads = [[nan, inf, -inf, 1.0, 0.0, -0.0, 2.0],
             [1.0, 1.0, 1.0, nan, 1.0, -1.0, -2.0],
             [-1.0, 0.0, 1.0, 1.0, nan, 2.0, 1.0],
             [1.0, -1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]
    start = np.array([1.0, 2.0, 3.0, 4.0, 5.0, -0.0, 0.0])
    p, q = deepgrad.tensor(start.copy(), requires_grad=True), torch.tensor(start.copy())
    q.requires_grad_()
    opt, ref = Rprop([p], lr=0.1), torch.optim.Rprop([q], lr=0.1)
    monkeypatch.setattr(fused, "ENABLED", use_fused)
    for g in grads:
        p.grad, q.grad = deepgrad.tensor(np.array(g)), torch.tensor(np.array(g))
        with np.errstate(invalid="ignore"):  # inf * 0
            opt.step()
        ref.step()
    pairs = [(p.detach().numpy(), q.detach().numpy())]
    pairs += [(opt.state[p][k].numpy(), ref.state[q][k].numpy()) for k in ("prev", "step_size")]
    for x, y in pairs:
        np.testing.assert_array_equal(x, y)  # NaN where torch has NaN
        number = ~np.isnan(y)
        assert np.array_equal(np.signbit(x[number]), np.signbit(y[number]))  # -0.0 too


RESUME = [("Rprop", dict(lr=5e-2, etas=(0.3, 1.6), step_sizes=(1e-3, 0.08), maximize=True)),
          ("Rprop", dict(lr=1e-2)),
          ("ASGD", dict(lr=2e-3, lambd=1.0, t0=10, weight_decay=0.1)),  # averaging at save
          ("ASGD", dict(lr=2e-3, alpha=0.5, t0=25, maximize=True))]   # averaging after load
K, REST = 20, 30


def _build(name, kw, values):
    params = make_params(deepgrad, values)
    return params, OURS[name](groups(params, kw["lr"]), **kw)


@pytest.mark.parametrize("name,kw", RESUME, ids=[f"{c[0]}-{i}" for i, c in enumerate(RESUME)])
def test_resume_is_bit_exact(name, kw):
    """20 steps, save, fresh parameters and optimiser, load, continue == uninterrupted run."""
    sign = -1.0 if kw.get("maximize") else 1.0
    init = [v.astype(np.float32) for v in initial_values()]  # float32, the default dtype
    params, whole = _build(name, kw, init)
    full = trajectory(deepgrad, whole, params, K + REST, sign)

    params, opt = _build(name, kw, init)
    trajectory(deepgrad, opt, params, K, sign)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))  # as written to disk
    values = [p.detach().numpy().copy() for p in params]
    trajectory(deepgrad, opt, params, 3, sign)  # later steps must not change what was saved
    params2, opt2 = _build(name, dict(kw, lr=123.0), values)  # options come from the save
    opt2.load_state_dict(saved)
    rest = trajectory(deepgrad, opt2, params2, REST, sign)
    assert np.array_equal(rest, full[K:])
    for p, q in zip(whole.param_groups[0]["params"], opt2.param_groups[0]["params"]):
        for key, value in opt2.state[q].items():  # the state is the uninterrupted run's
            if key != "step":
                assert value._data.dtype == np.float32, key
            assert np.array_equal(value.numpy(), whole.state[p][key].numpy()), key


@pytest.mark.parametrize("name,kw", RESUME, ids=[f"{c[0]}-{i}" for i, c in enumerate(RESUME)])
def test_state_dict_contents_look_like_torch(name, kw, float64):  # noqa: F811
    init = initial_values()
    ours, theirs = make_params(deepgrad, init), make_params(torch, init)
    opt = OURS[name](groups(ours, kw["lr"]), **kw)
    ref = getattr(torch.optim, name)(groups(theirs, kw["lr"]), **kw)
    trajectory(deepgrad, opt, ours, 3)
    trajectory(torch, ref, theirs, 3)
    a, b = opt.state_dict(), ref.state_dict()
    assert sorted(a["state"]) == sorted(b["state"]) == [0, 1, 2]
    for i in a["state"]:
        assert list(a["state"][i]) == list(b["state"][i])  # same keys, same order
    assert [g["params"] for g in a["param_groups"]] == [[0, 1], [2]]
    for ga, gb in zip(a["param_groups"], b["param_groups"]):
        assert set(ga) <= set(gb)
        assert all(ga[k] == gb[k] for k in ga)


BAD = [("Rprop", dict(lr=-0.1), "Invalid learning rate: -0.1"),
       ("Rprop", dict(lr=float("nan")), "Invalid learning rate: nan"),
       ("Rprop", dict(etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
       ("Rprop", dict(etas=(0.5, 1.0)), "Invalid eta values: 0.5, 1.0"),
       ("Rprop", dict(etas=(0.0, 1.2)), "Invalid eta values: 0.0, 1.2"),
       ("ASGD", dict(lr=-1.0), "Invalid learning rate: -1.0"),
       ("ASGD", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1")]


@pytest.mark.parametrize("name,kw,msg", BAD, ids=[f"{b[0]}-{b[1]}" for b in BAD])
def test_invalid_hyperparameter_raises_as_torch(name, kw, msg):
    with pytest.raises(ValueError, match=re.escape(msg)):
        OURS[name]([deepgrad.zeros(3, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=re.escape(msg)):  # torch's words exactly
        getattr(torch.optim, name)([torch.zeros(3, requires_grad=True)], **kw)


@pytest.mark.parametrize("name", OURS)
def test_implementation_switches(name):
    def run(**flags):
        p = deepgrad.tensor([1.0, -2.0, 0.5], requires_grad=True)
        opt = OURS[name]([p], lr=0.1, **flags)
        for _ in range(5):
            opt.zero_grad()
            (p ** 4).sum().backward()
            opt.step()
        return p.detach().numpy()

    assert np.array_equal(run(foreach=True), run())
    with pytest.raises(NotImplementedError, match="capturable=True"):
        run(capturable=True)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        run(differentiable=True)


CONVERGE = [("Rprop", dict(), 300),
            ("Rprop", dict(lr=0.1, etas=(0.3, 1.5)), 300),
            ("ASGD", dict(lr=0.019, lambd=1e-6, t0=500), 1000)]  # lambd biases the minimum


@pytest.mark.parametrize("name,kw,steps", CONVERGE, ids=[f"{c[0]}-{c[1]}" for c in CONVERGE])
def test_converges_on_ill_conditioned_quadratic(name, kw, steps):
    a, b = deepgrad.tensor(A.astype(np.float32)), deepgrad.tensor(B.astype(np.float32))
    x = deepgrad.zeros(N, requires_grad=True)
    opt = OURS[name]([x], **kw)
    for _ in range(steps):
        opt.zero_grad()
        _loss(x, a, b).backward()
        opt.step()
    assert x._data.dtype == np.float32
    finals = [x.detach().numpy()] + ([opt.state[x]["ax"].numpy()] if name == "ASGD" else [])
    for final in finals:  # ASGD: the average too
        assert np.linalg.norm(final - X_STAR) / np.linalg.norm(X_STAR) < 1e-4


def test_asgd_average_beats_the_last_iterate_under_noise():
    """With noisy gradients SGD's iterates keep jumping around the minimum; their average
    (from t0 on) is much closer to it."""
    rng = np.random.default_rng(0)
    a, b = deepgrad.tensor(A), deepgrad.tensor(B)
    x = deepgrad.zeros(N, dtype=deepgrad.float64, requires_grad=True)
    opt = ASGD([x], lr=0.018, lambd=0.0, t0=300)
    for _ in range(3000):
        opt.zero_grad()
        noise = deepgrad.tensor(rng.standard_normal(N))
        (_loss(x, a, b) + (noise * x).sum()).backward()
        opt.step()
    last = np.linalg.norm(x.detach().numpy() - X_STAR)
    averaged = np.linalg.norm(opt.state[x]["ax"].numpy() - X_STAR)
    assert averaged < last / 3  # 3.2 to 11 times closer over seeds 0-4


def _parameters(cls):
    params = inspect.signature(cls.__init__).parameters.values()
    return [(p.name, p.kind, p.default) for p in params]


@pytest.mark.parametrize("name", OURS)
def test_constructor_signature_matches_torch(name):
    assert _parameters(OURS[name]) == _parameters(getattr(torch.optim, name))
