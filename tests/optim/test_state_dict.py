"""Saving and resuming: bit-exact continuation, torch-like contents, validated loading."""
import copy
import pickle

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim as optim

from .common import flat, groups, initial_values, make_params, objective, trajectory

CONFIGS = [
    ("SGD", dict(lr=1e-2, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=1e-2)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ("Adadelta", dict(lr=1.0)),
    ("RMSprop", dict(lr=1e-2, centered=True, momentum=0.5)),
    ("Adam", dict(lr=2e-2, amsgrad=True)),
    ("AdamW", dict(lr=2e-2)),
    ("Adamax", dict(lr=2e-2)),
    ("NAdam", dict(lr=2e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=2e-2)),
]
K, REST = 7, 13


def _build(name, kw, values):
    params = make_params(deepgrad, values)
    return params, getattr(optim, name)(groups(params, kw["lr"]), **kw)


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[c[0] + str(i) for i, c in enumerate(CONFIGS)])
def test_resume_is_bit_exact(name, kw):
    """k steps, save, fresh parameters and optimiser, load, continue == uninterrupted run."""
    init = [v.astype(np.float32) for v in initial_values()]  # float32, the default dtype
    params, opt = _build(name, kw, init)
    full = trajectory(deepgrad, opt, params, K + REST)

    params, opt = _build(name, kw, init)
    trajectory(deepgrad, opt, params, K)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))  # as written to disk
    values = [p.detach().numpy().copy() for p in params]
    trajectory(deepgrad, opt, params, 3)  # later steps must not change what was saved
    params2, opt2 = _build(name, dict(kw, lr=123.0), values)  # options come from the save
    opt2.load_state_dict(saved)
    rest = trajectory(deepgrad, opt2, params2, REST)
    assert np.array_equal(rest, full[K:])
    assert all(p._data.dtype == np.float32 for p in params2)
    for st in opt2.state.values():
        for key, v in st.items():
            if key != "step" and isinstance(v, deepgrad.Tensor):
                assert v._data.dtype == np.float32


@pytest.mark.parametrize("name,kw", CONFIGS, ids=[c[0] + str(i) for i, c in enumerate(CONFIGS)])
def test_contents_look_like_torch(name, kw):
    init = initial_values()
    ours, theirs = make_params(deepgrad, init), make_params(torch, init)
    opt = getattr(optim, name)(groups(ours, kw["lr"]), **kw)
    ref = getattr(torch.optim, name)(groups(theirs, kw["lr"]), **kw)
    trajectory(deepgrad, opt, ours, 3)
    trajectory(torch, ref, theirs, 3)
    a, b = opt.state_dict(), ref.state_dict()
    assert sorted(a["state"]) == sorted(b["state"])  # [] for SGD without momentum
    for i in a["state"]:
        assert set(a["state"][i]) == set(b["state"][i])
        for key, v in a["state"][i].items():
            assert isinstance(v, deepgrad.Tensor)
            np.testing.assert_allclose(v.numpy(), b["state"][i][key].numpy(), rtol=1e-5,
                                       atol=1e-7)
    assert [g["params"] for g in a["param_groups"]] == [[0, 1], [2]]
    for ga, gb in zip(a["param_groups"], b["param_groups"]):
        assert set(ga) <= set(gb)
        assert all(ga[k] == gb[k] for k in ga)


def test_state_dict_is_a_copy():
    params, opt = _build("Adam", dict(lr=0.1), initial_values())
    trajectory(deepgrad, opt, params, 2)
    sd = opt.state_dict()
    before = copy.deepcopy({i: {k: v.numpy().copy() for k, v in s.items()}
                            for i, s in sd["state"].items()})
    sd["param_groups"][0]["lr"] = 5.0
    trajectory(deepgrad, opt, params, 2)
    assert opt.param_groups[0]["lr"] == 0.1
    for i, s in sd["state"].items():
        for k, v in s.items():
            np.testing.assert_array_equal(v.numpy(), before[i][k])


def test_load_rejects_mismatch_and_changes_nothing():
    params, opt = _build("SGD", dict(lr=0.1, momentum=0.9), initial_values())
    trajectory(deepgrad, opt, params, 2)
    good = opt.state_dict()
    other_params = make_params(deepgrad, initial_values())
    fewer_groups = optim.SGD(other_params, lr=0.1, momentum=0.9)
    trajectory(deepgrad, fewer_groups, other_params, 1)
    before = fewer_groups.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups: 2 saved, 1"):
        fewer_groups.load_state_dict(good)
    other = make_params(deepgrad, initial_values())
    wrong_sizes = optim.SGD([{"params": other[:1]}, {"params": other[1:]}], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        wrong_sizes.load_state_dict(good)
    bad_shape = copy.deepcopy(good)
    bad_shape["state"][2]["momentum_buffer"] = deepgrad.zeros(5)
    params3, opt3 = _build("SGD", dict(lr=0.1, momentum=0.9), initial_values())
    trajectory(deepgrad, opt3, params3, 1)
    snapshot = opt3.state_dict()
    with pytest.raises(ValueError, match=r"shape \(5,\), but its parameter has shape \(4,\)"):
        opt3.load_state_dict(bad_shape)
    _assert_same(opt3.state_dict(), snapshot)
    _assert_same(fewer_groups.state_dict(), before)


def _assert_same(a, b):
    assert a["param_groups"] == b["param_groups"]
    assert a["state"].keys() == b["state"].keys()
    for i in a["state"]:
        for k, v in a["state"][i].items():
            np.testing.assert_array_equal(v.numpy(), b["state"][i][k].numpy())


def test_lbfgs_resume_is_bit_exact():
    init = initial_values()

    def run(opt, params, n):
        def closure():
            opt.zero_grad()
            loss = objective(deepgrad, params)
            loss.backward()
            return loss
        out = []
        for _ in range(n):
            opt.step(closure)
            out.append(flat(params))
        return np.array(out)

    kw = dict(max_iter=4, history_size=3, line_search_fn="strong_wolfe")
    params = make_params(deepgrad, init)
    full = run(optim.LBFGS(params, **kw), params, 6)
    params = make_params(deepgrad, init)
    opt = optim.LBFGS(params, **kw)
    run(opt, params, 3)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))
    params2 = make_params(deepgrad, [p.detach().numpy() for p in params])
    opt2 = optim.LBFGS(params2, **kw)
    opt2.load_state_dict(saved)
    assert np.array_equal(run(opt2, params2, 3), full[3:])
