"""Every optimiser, every option: the same 50-step trajectory as torch.optim (float64)."""
import itertools

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim as optim

from .common import float64, groups, initial_values, make_params, trajectory  # noqa: F401

STEPS = 50


def grid(**options):
    """All combinations of the listed option values."""
    keys = list(options)
    return [dict(zip(keys, vals)) for vals in itertools.product(*options.values())]


CASES = []


def add(name, configs):
    CASES.extend((name, c) for c in configs)


# SGD: plain, heavy ball, dampened, Nesterov; with and without L2 and maximize
add("SGD", [c for c in grid(lr=[2e-3], momentum=[0.0, 0.9], dampening=[0.0, 0.3],
                            nesterov=[False, True], weight_decay=[0.0, 0.1],
                            maximize=[False, True])
            if not (c["nesterov"] and (c["momentum"] == 0 or c["dampening"] != 0))])
add("Adagrad", grid(lr=[0.1], lr_decay=[0.0, 0.05], weight_decay=[0.0, 0.1],
                    initial_accumulator_value=[0.0, 0.5], maximize=[False, True]))
add("Adagrad", [dict(lr=0.1, eps=1e-3)])
add("Adadelta", grid(lr=[1.0, 0.5], rho=[0.9, 0.5], weight_decay=[0.0, 0.1],
                     maximize=[False, True]))
add("Adadelta", [dict(eps=1e-3)])
add("RMSprop", grid(lr=[1e-2], centered=[False, True], momentum=[0.0, 0.5],
                    weight_decay=[0.0, 0.1], maximize=[False, True]))
add("RMSprop", [dict(lr=1e-2, alpha=0.9, eps=1e-3)])
add("Adam", grid(lr=[2e-2], amsgrad=[False, True], weight_decay=[0.0, 0.1],
                 decoupled_weight_decay=[False, True], maximize=[False, True]))
add("Adam", [dict(lr=2e-2, betas=(0.8, 0.99), eps=1e-3)])
add("AdamW", grid(lr=[2e-2], amsgrad=[False, True], weight_decay=[0.0, 0.01, 0.1],
                  maximize=[False, True]))
add("Adamax", grid(lr=[2e-2], weight_decay=[0.0, 0.1], maximize=[False, True]))
add("Adamax", [dict(lr=2e-2, betas=(0.8, 0.99), eps=1e-3)])
add("NAdam", grid(lr=[2e-2], momentum_decay=[4e-3, 0.1], weight_decay=[0.0, 0.1],
                  decoupled_weight_decay=[False, True], maximize=[False, True]))
add("NAdam", [dict(lr=2e-2, betas=(0.8, 0.99), eps=1e-3)])
add("RAdam", grid(lr=[2e-2], weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                  maximize=[False, True]))
add("RAdam", [dict(lr=2e-2, betas=(0.8, 0.9), eps=1e-3)])  # rho_t > 5 from an early step


def _ids(case):
    name, kw = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_matches_torch(case, float64):  # noqa: F811
    name, kw = case
    sign = -1.0 if kw.get("maximize") else 1.0  # maximize -f: the same path as minimizing f
    lr = kw.get("lr", 1.0)
    init = initial_values()
    ours, theirs = make_params(deepgrad, init), make_params(torch, init)
    opt = getattr(optim, name)(groups(ours, lr), **kw)
    ref = getattr(torch.optim, name)(groups(theirs, lr), **kw)
    a = trajectory(deepgrad, opt, ours, STEPS, sign)
    b = trajectory(torch, ref, theirs, STEPS, sign)
    assert np.all(np.isfinite(b))
    # the run went somewhere (not a test that passes by standing still)
    assert np.abs(b[-1] - b[0]).max() > 1e-2
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    assert opt.param_groups[1]["lr"] == pytest.approx(lr * 0.5)  # the group kept its own lr


def test_second_group_lr_matters(float64):  # noqa: F811
    """Sanity check of the two-group setup: changing the second group's lr changes the path."""
    init = initial_values()
    p1, p2 = make_params(deepgrad, init), make_params(deepgrad, init)
    a = trajectory(deepgrad, optim.SGD(groups(p1, 1e-2), lr=1e-2), p1, 10)
    b = trajectory(deepgrad, optim.SGD(groups(p2, 1e-2, 1.0), lr=1e-2), p2, 10)
    np.testing.assert_array_equal(a[0, :9], b[0, :9])  # same first step in group 0
    assert not np.allclose(a[:, 9:], b[:, 9:])


def test_skips_params_without_grad(float64):  # noqa: F811
    init = initial_values()
    ours, theirs = make_params(deepgrad, init), make_params(torch, init)
    opt, ref = optim.Adam(ours, lr=0.1), torch.optim.Adam(theirs, lr=0.1)
    for params, o, lib in ((ours, opt, deepgrad), (theirs, ref, torch)):
        for _ in range(5):
            o.zero_grad()
            (params[0] ** 2).sum().backward()  # only the first parameter gets a gradient
            o.step()
    np.testing.assert_allclose(ours[0].detach().numpy(), theirs[0].detach().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(ours[1].detach().numpy(), init[1])
    assert len(opt.state) == len(ref.state) == 1


def test_closure_loss_is_returned(float64):  # noqa: F811
    init = initial_values()
    params = make_params(deepgrad, init)
    opt = optim.SGD(params, lr=1e-3)

    def closure():
        opt.zero_grad()
        loss = (params[0] ** 2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == pytest.approx(float((init[0] ** 2).sum()))
    np.testing.assert_allclose(params[0].detach().numpy(), init[0] * (1 - 2e-3))


# per-group options other than lr: the second group overrides some of them
GROUP_OPTIONS = [
    ("SGD", dict(lr=2e-3, momentum=0.9), dict(momentum=0.5, dampening=0.2, weight_decay=0.1)),
    ("SGD", dict(lr=2e-3), dict(momentum=0.9, nesterov=True)),
    ("Adagrad", dict(lr=0.1), dict(lr_decay=0.05, eps=1e-3)),
    ("Adadelta", dict(lr=1.0), dict(rho=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-2), dict(centered=True, momentum=0.5, alpha=0.9)),
    ("Adam", dict(lr=2e-2), dict(betas=(0.8, 0.99), amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=2e-2), dict(weight_decay=0.3, eps=1e-4)),
    ("Adamax", dict(lr=2e-2), dict(betas=(0.5, 0.9), weight_decay=0.1)),
    ("NAdam", dict(lr=2e-2), dict(momentum_decay=0.1, decoupled_weight_decay=True,
                                  weight_decay=0.1)),
    ("RAdam", dict(lr=2e-2), dict(betas=(0.8, 0.9), weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kw,second", GROUP_OPTIONS,
                         ids=[f"{g[0]}-{i}" for i, g in enumerate(GROUP_OPTIONS)])
def test_per_group_options_match_torch(name, kw, second, float64):  # noqa: F811
    init = initial_values()
    paths = []
    for lib, mod in ((deepgrad, optim), (torch, torch.optim)):
        params = make_params(lib, init)
        opt = getattr(mod, name)([{"params": params[:2]},
                                  {"params": params[2:], "lr": kw["lr"] * 2, **second}], **kw)
        paths.append(trajectory(lib, opt, params, STEPS))
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-6, atol=1e-9)


SCHEDULED = [
    ("SGD", dict(lr=1e-2, momentum=0.9), "OneCycleLR", dict(max_lr=1e-2, total_steps=STEPS)),
    ("Adam", dict(lr=2e-2), "OneCycleLR", dict(max_lr=5e-2, total_steps=STEPS)),
    ("NAdam", dict(lr=2e-2), "CyclicLR", dict(base_lr=1e-3, max_lr=3e-2, step_size_up=7)),
    ("RMSprop", dict(lr=1e-2, momentum=0.5), "CosineAnnealingLR", dict(T_max=20)),
]


@pytest.mark.parametrize("name,kw,sched,skw", SCHEDULED, ids=[f"{s[0]}-{s[2]}" for s in SCHEDULED])
def test_trajectory_under_a_schedule_matches_torch(name, kw, sched, skw, float64):  # noqa: F811
    """The optimiser reads lr (and momentum / beta1) from its groups at every step."""
    init = initial_values()
    paths = []
    for lib, mod in ((deepgrad, optim), (torch, torch.optim)):
        params = make_params(lib, init)
        opt = getattr(mod, name)(groups(params, kw["lr"]), **kw)
        scheduler = getattr(mod.lr_scheduler, sched)(opt, **skw)
        path = []
        for _ in range(STEPS):
            path.append(trajectory(lib, opt, params, 1)[0])
            scheduler.step()
        paths.append(np.array(path))
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-6, atol=1e-9)
