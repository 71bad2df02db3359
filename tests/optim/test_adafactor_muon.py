"""Adafactor and Muon against torch.optim: trajectories, state, saving, errors, signatures."""
import inspect
import itertools
import pickle

import numpy as np
import pytest
import torch
from torch.optim._muon import _zeropower_via_newtonschulz as torch_newton_schulz

import deepgrad
import deepgrad.optim as optim
from deepgrad.optim.adafactor import Adafactor
from deepgrad.optim.muon import Muon, newton_schulz, round_to_bfloat16_

from .common import float64  # noqa: F401

STEPS = 50
OURS = {"Adafactor": Adafactor, "Muon": Muon}
# a vector (starting at 0: the eps2 floor of alpha_t), a matrix, a stack of matrices
ADAFACTOR_SHAPES = [(5,), (4, 6), (2, 3, 5)]
# wide, tall, square, very wide: Muon transposes the tall one
MUON_SHAPES = [(4, 6), (6, 4), (5, 5), (3, 8)]


def _problem(shapes, seed=0, dtype=np.float64):
    """Initial values and data (x, y) of a least-squares fit per parameter, in ``dtype``."""
    rng = np.random.default_rng(seed)
    init, data = [], []
    for shape in shapes:
        init.append(np.zeros(shape) if len(shape) == 1 else rng.uniform(-1.0, 1.0, shape))
        x = rng.standard_normal(shape[-1:] if len(shape) == 1 else (shape[-1], 7))
        y = rng.standard_normal(shape if len(shape) == 1 else shape[:-1] + (7,))
        data.append((x.astype(dtype), y.astype(dtype)))
    return [v.astype(dtype) for v in init], data


def matrix_objective(lib, params, data):
    """sum over parameters W of mean((W x - y)^2) + 0.1 sum(sin(2 W)): least squares
    (elementwise for vectors, batched matrix products for 3-D W) with ripples."""
    total = 0.0
    for p, (x, y) in zip(params, data):
        fit = p * lib.tensor(x) if p.ndim == 1 else lib.matmul(p, lib.tensor(x))
        total = total + ((fit - lib.tensor(y)) ** 2).mean() + 0.1 * lib.sin(2 * p).sum()
    return total


def _params(lib, values):
    return [lib.tensor(np.array(v, copy=True), requires_grad=True) for v in values]


def _build(lib, name, params, kw):
    cls = OURS[name] if lib is deepgrad else getattr(torch.optim, name)
    lr = kw.get("lr", inspect.signature(cls).parameters["lr"].default)
    groups = [{"params": params[:2]}, {"params": params[2:], "lr": lr * 0.5}]
    return cls(groups, **kw)


def _run(lib, opt, params, data, steps, sign=1.0):
    """The parameters after each step, flattened: shape (steps, total size)."""
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (matrix_objective(lib, params, data) * sign).backward()
        opt.step()
        out.append(np.concatenate([p.detach().numpy().reshape(-1) for p in params]))
    return np.array(out)


def _grid(**options):
    return [dict(zip(options, values)) for values in itertools.product(*options.values())]


ADAFACTOR_CASES = _grid(lr=[1e-2, 0.5], beta2_decay=[-0.8, -0.5],
                        eps=[(None, 1e-3), (0.05, 1e-2)], d=[1.0, 1.5],
                        weight_decay=[0.0, 0.1], maximize=[False, True])
MUON_CASES = _grid(lr=[0.02], weight_decay=[0.0, 0.1], momentum=[0.0, 0.5, 0.95],
                   nesterov=[True, False], ns_steps=[1, 5],
                   adjust_lr_fn=[None, "original", "match_rms_adamw"])
MUON_CASES += [dict(lr=0.02, ns_steps=0), dict(lr=0.02, ns_coefficients=(2.0, -1.5, 0.5)),
               dict(lr=0.02, eps=10.0), dict(lr=0.01, momentum=0.9, ns_steps=3)]
CASES = [("Adafactor", kw) for kw in ADAFACTOR_CASES] + [("Muon", kw) for kw in MUON_CASES]


def _ids(case):
    return case[0] + "-" + ",".join(f"{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_and_state_match_torch(case, float64):  # noqa: F811
    # Muon's Newton-Schulz iteration runs in bfloat16 in torch, and deepgrad rounds to
    # bfloat16 after each operation as torch's kernels do: for matrices this small every
    # rounding agrees, so the float64 paths agree to float64 rounding (rtol 1e-6 holds).
    name, kw = case
    sign = -1.0 if kw.get("maximize") else 1.0  # maximize -f: the same path as minimizing f
    init, data = _problem(ADAFACTOR_SHAPES if name == "Adafactor" else MUON_SHAPES)
    ours, theirs = _params(deepgrad, init), _params(torch, init)
    opt, ref = _build(deepgrad, name, ours, kw), _build(torch, name, theirs, kw)
    a = _run(deepgrad, opt, ours, data, STEPS, sign)
    b = _run(torch, ref, theirs, data, STEPS, sign)
    assert np.all(np.isfinite(b))
    assert np.abs(b[-1] - b[0]).max() > 1e-2  # the run went somewhere
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    assert opt.param_groups[1]["lr"] == ref.param_groups[1]["lr"]
    sa, sb = opt.state_dict(), ref.state_dict()
    assert sorted(sa["state"]) == sorted(sb["state"]) == list(range(len(init)))
    for i, state in sb["state"].items():
        assert set(sa["state"][i]) == set(state)
        for key, value in state.items():
            mine = sa["state"][i][key]
            assert isinstance(mine, deepgrad.Tensor) and mine.shape == tuple(value.shape)
            np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-6, atol=1e-12)
    for ga, gb in zip(sa["param_groups"], sb["param_groups"]):
        assert ga == {k: gb[k] for k in ga}


def test_adafactor_state_layout(float64):  # noqa: F811
    init, data = _problem(ADAFACTOR_SHAPES)
    params = _params(deepgrad, init)
    opt = Adafactor(params)
    _run(deepgrad, opt, params, data, 1)
    shapes = [{k: v.shape for k, v in opt.state[p].items()} for p in params]
    assert shapes == [{"step": (), "variance": (5,)},
                      {"step": (), "row_var": (4, 1), "col_var": (1, 6)},
                      {"step": (), "row_var": (2, 3, 1), "col_var": (2, 1, 5)}]


def test_adafactor_eps1_none_comes_from_the_first_parameter(float64):  # noqa: F811
    """eps1=None: torch takes the machine epsilon of the group's first parameter's dtype
    and keeps it for the others. A float64 matrix after a float32 one shows it: its
    gradient is so small (v = 1e-16 < eps_float32^2) that eps1 decides its step."""
    init = [np.ones((2, 3), np.float32), np.zeros((3, 4))]

    def run(lib, params):
        opt = Adafactor(params) if lib is deepgrad else torch.optim.Adafactor(params)
        for _ in range(5):
            opt.zero_grad()
            loss = (params[-1] * 1e-8).sum()
            (loss + params[0].sum() if len(params) == 2 else loss).backward()
            opt.step()
        return params[-1].detach().numpy()

    ours, theirs = run(deepgrad, _params(deepgrad, init)), run(torch, _params(torch, init))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    alone = run(deepgrad, _params(deepgrad, init[1:]))  # eps1 = float64's epsilon
    assert np.abs(alone).min() > 5 * np.abs(ours).max() > 0


# --- Newton-Schulz in bfloat16 -------------------------------------------------------

def test_round_to_bfloat16_matches_torch():
    rng = np.random.default_rng(0)
    tie = np.float32(1.0 + 2.0 ** -8)  # halfway between two bfloat16 values: ties to even
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 3.4e38, -3.4e38, 1e-40, -1e-42, tie,
                np.float32(1.0 + 3 * 2.0 ** -8), 65504.0]
    x = np.concatenate([rng.standard_normal(1000) * 10.0 ** rng.integers(-30, 30, 1000),
                        specials]).astype(np.float32)
    expected = torch.tensor(x).bfloat16().float().numpy()
    np.testing.assert_array_equal(round_to_bfloat16_(x.copy()), expected)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (8, 16), (16, 8)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_newton_schulz_is_torchs_bit_for_bit_on_small_matrices(shape, dtype):
    rng = np.random.default_rng(1)
    coefficients = (3.4445, -4.775, 2.0315)
    for _ in range(10):
        m = rng.standard_normal(shape).astype(dtype)
        for steps in (0, 1, 5):
            expected = torch_newton_schulz(torch.tensor(m), coefficients, steps, 1e-7)
            np.testing.assert_array_equal(newton_schulz(m, coefficients, steps, 1e-7),
                                          expected.float().numpy())


def test_newton_schulz_on_a_large_matrix_orthogonalises():
    """Larger products are summed in float32 in another order than torch's kernel, so a
    few roundings to bfloat16 go the other way and spread through the iteration: the
    results agree to bfloat16's precision (2^-8 relative), not bit for bit."""
    rng = np.random.default_rng(2)
    m = rng.standard_normal((256, 96)) @ np.diag(np.logspace(0, 1, 96))  # condition ~ 20
    o = newton_schulz(m, (3.4445, -4.775, 2.0315), 5, 1e-7)
    expected = torch_newton_schulz(torch.tensor(m), (3.4445, -4.775, 2.0315), 5, 1e-7)
    expected = expected.float().numpy()
    assert o.dtype == np.float32 and o.shape == m.shape
    assert np.linalg.norm(o - expected) / np.linalg.norm(expected) < 1e-2
    s = np.linalg.svd(o.astype(np.float64), compute_uv=False)
    assert 0.6 < s.min() and s.max() < 1.2  # every singular value pushed into ~[0.7, 1.1]
    u, _, vt = np.linalg.svd(m, full_matrices=False)
    assert np.abs(o - u @ vt).max() < 0.1  # close to the polar factor U V^T


def test_muon_float32_follows_torch():
    """float32 weights: the same bfloat16 iteration, float32 momentum and steps (torch may
    fuse a multiply-add where NumPy rounds twice: agreement to float32's precision)."""
    init, data = _problem(MUON_SHAPES, dtype=np.float32)
    ours, theirs = _params(deepgrad, init), _params(torch, init)
    kw = dict(lr=0.02, weight_decay=0.1)
    a = _run(deepgrad, _build(deepgrad, "Muon", ours, kw), ours, data, 10)
    b = _run(torch, _build(torch, "Muon", theirs, kw), theirs, data, 10)
    assert all(p._data.dtype == np.float32 for p in ours)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# --- saving and resuming -------------------------------------------------------------

RESUME = [("Adafactor", dict(lr=0.1, weight_decay=0.1, d=1.5)), ("Adafactor", dict()),
          ("Muon", dict(lr=0.02)), ("Muon", dict(lr=0.02, nesterov=False, momentum=0.5,
                                                 adjust_lr_fn="match_rms_adamw"))]


@pytest.mark.parametrize("name,kw", RESUME, ids=[f"{r[0]}{i}" for i, r in enumerate(RESUME)])
def test_resume_is_bit_exact(name, kw):
    """20 steps, save, fresh parameters and optimiser, load, continue == one long run."""
    shapes = ADAFACTOR_SHAPES if name == "Adafactor" else MUON_SHAPES
    init, data = _problem(shapes, dtype=np.float32)  # float32, the default dtype
    params = _params(deepgrad, init)
    full = _run(deepgrad, _build(deepgrad, name, params, kw), params, data, 30)

    params = _params(deepgrad, init)
    opt = _build(deepgrad, name, params, kw)
    _run(deepgrad, opt, params, data, 20)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))  # as written to disk
    values = [p.detach().numpy().copy() for p in params]
    _run(deepgrad, opt, params, data, 2)  # later steps must not change what was saved
    params2 = _params(deepgrad, values)
    opt2 = _build(deepgrad, name, params2, dict(kw, lr=123.0))  # options come from the save
    opt2.load_state_dict(saved)
    assert np.array_equal(_run(deepgrad, opt2, params2, data, 10), full[20:])
    for state in opt2.state.values():
        for key, value in state.items():
            if key != "step":
                assert value._data.dtype == np.float32


def test_adafactor_load_checks_the_factored_shapes():
    init, data = _problem(ADAFACTOR_SHAPES)
    params = _params(deepgrad, init)
    opt = Adafactor(params)
    _run(deepgrad, opt, params, data, 2)
    saved = opt.state_dict()
    saved["state"][1]["row_var"] = deepgrad.zeros(1, 6)
    with pytest.raises(ValueError, match=r"'row_var' has shape \(1, 6\), but a parameter of "
                                         r"shape \(4, 6\) needs \(4, 1\)"):
        opt.load_state_dict(saved)


# --- errors --------------------------------------------------------------------------

BAD = [
    ("Adafactor", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adafactor", dict(beta2_decay=0.5), r"Invalid beta2_decay value \(must be <= 0\): 0.5"),
    ("Adafactor", dict(eps=(-1e-3, 1e-3)), r"Invalid epsilon1 value .*: -0.001"),
    ("Adafactor", dict(eps=(None, -1.0)), r"Invalid epsilon2 value .*: -1.0"),
    ("Adafactor", dict(d=0.5), r"Invalid clipping threshold d \(must be >= 1\): 0.5"),
    ("Adafactor", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Muon", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Muon", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("Muon", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Muon", dict(adjust_lr_fn="sqrt"), "Invalid adjust_lr_fn .*: sqrt"),
]


@pytest.mark.parametrize("name,kw,msg", BAD, ids=[f"{b[0]}-{b[1]}" for b in BAD])
def test_invalid_hyperparameter_raises_as_torch(name, kw, msg):
    with pytest.raises(ValueError, match=msg):
        OURS[name]([deepgrad.zeros(2, 3, requires_grad=True)], **kw)
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(2, 3, requires_grad=True)], **kw)


@pytest.mark.parametrize("kw,msg", [(dict(ns_steps=100), r"ns_steps \(expected 0 to 99\): 100"),
                                    (dict(ns_coefficients=(1.0, 2.0)), r"ns_coefficients")])
def test_muon_newton_schulz_options(kw, msg):
    """torch raises these when stepping; deepgrad when building the optimiser."""
    with pytest.raises(ValueError, match=msg):
        Muon([deepgrad.zeros(2, 3, requires_grad=True)], **kw)
    p = torch.zeros(2, 3, requires_grad=True)
    opt = torch.optim.Muon([p], **kw)
    p.grad = torch.ones(2, 3)
    with pytest.raises(ValueError):
        opt.step()


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), ()])
def test_muon_refuses_parameters_that_are_not_matrices(shape):
    with pytest.raises(ValueError, match=r"Muon only supports 2-D parameters, but got a "
                                         rf"parameter of shape {re_shape(shape)}"):
        Muon([deepgrad.zeros(2, 2, requires_grad=True), deepgrad.zeros(shape,
                                                                       requires_grad=True)])
    with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
        torch.optim.Muon([torch.zeros(2, 2, requires_grad=True),
                          torch.zeros(shape, requires_grad=True)])
    opt = Muon([deepgrad.zeros(2, 2, requires_grad=True)])
    with pytest.raises(ValueError, match="Muon only supports 2-D parameters"):
        opt.add_param_group({"params": [deepgrad.zeros(shape, requires_grad=True)]})
    assert len(opt.param_groups) == 1


def re_shape(shape):
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


def test_adafactor_foreach_switch():
    with pytest.raises(ValueError, match="foreach must be None, True or False, got 'yes'"):
        Adafactor([deepgrad.zeros(3, requires_grad=True)], foreach="yes")
    init, data = _problem(ADAFACTOR_SHAPES)
    runs = []
    for foreach in (None, True, False):
        params = _params(deepgrad, init)
        runs.append(_run(deepgrad, Adafactor(params, foreach=foreach), params, data, 5))
    assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[0], runs[2])


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_constructor_signature_matches_torch(name):
    def parameters(cls):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]

    assert parameters(OURS[name]) == parameters(getattr(torch.optim, name))


def test_exported_from_deepgrad_optim():
    # (the exports are added to deepgrad/optim/__init__.py at integration)
    for name in ("Adafactor", "Muon"):
        if hasattr(optim, name):
            assert getattr(optim, name) is OURS[name]


# --- they optimise -------------------------------------------------------------------

@pytest.mark.parametrize("name,kw,steps", [("Adafactor", dict(lr=0.05), 300),
                                           ("Muon", dict(lr=0.05, weight_decay=0.0), 300)])
def test_reduces_a_least_squares_loss(name, kw, steps):
    """min_W mean((W X - Y)^2) with Y = W* X: a 16 x 12 matrix from a random start, float32."""
    rng = np.random.default_rng(4)
    x = deepgrad.tensor(rng.standard_normal((12, 64)).astype(np.float32))
    y = deepgrad.tensor((rng.standard_normal((16, 12)) @ x.numpy()).astype(np.float32))
    w = deepgrad.tensor(rng.uniform(-0.3, 0.3, (16, 12)).astype(np.float32), requires_grad=True)
    opt = OURS[name]([w], **kw)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((deepgrad.matmul(w, x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 1e-2 * losses[0]
    assert w._data.dtype == np.float32
