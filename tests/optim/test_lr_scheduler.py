"""Every learning-rate schedule gives torch's sequence of rates (and momenta)."""
import pickle
import warnings

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim as optim
from deepgrad.optim import lr_scheduler as dls

STEPS = 100


def _optimizer(lib_optim, params, kind="SGD"):
    groups = [{"params": params[:1]}, {"params": params[1:], "lr": 0.05}]
    if kind == "Adam":
        return lib_optim.Adam(groups, lr=0.1)
    return lib_optim.SGD(groups, lr=0.1, momentum=0.9)


class Scale:
    """A callable object (its __dict__ is saved by state_dict, as torch)."""

    def __init__(self, k):
        self.k = k

    def __call__(self, epoch):
        return self.k ** epoch


# (id, optimizer kind, factory(lr_scheduler module, optimizer))
SCHEDULES = [
    ("LambdaLR", "SGD", lambda m, o: m.LambdaLR(o, lambda e: 1.0 / (1 + e))),
    ("LambdaLR-list", "SGD", lambda m, o: m.LambdaLR(o, [lambda e: 0.9 ** e, Scale(0.97)])),
    ("MultiplicativeLR", "SGD", lambda m, o: m.MultiplicativeLR(o, lambda e: 0.97)),
    ("StepLR", "SGD", lambda m, o: m.StepLR(o, step_size=7, gamma=0.5)),
    ("MultiStepLR", "SGD", lambda m, o: m.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3)),
    ("ConstantLR", "SGD", lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=12)),
    ("LinearLR", "SGD", lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9,
                                                total_iters=40)),
    ("ExponentialLR", "SGD", lambda m, o: m.ExponentialLR(o, gamma=0.95)),
    ("PolynomialLR", "SGD", lambda m, o: m.PolynomialLR(o, total_iters=60, power=2.0)),
    ("CosineAnnealingLR", "SGD", lambda m, o: m.CosineAnnealingLR(o, T_max=30, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", "SGD",
     lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7, T_mult=2, eta_min=0.002)),
    ("CosineAnnealingWarmRestarts-1", "SGD",
     lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=9)),
    ("CyclicLR-triangular", "SGD",
     lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=10,
                             step_size_down=6)),
    ("CyclicLR-triangular2", "SGD",
     lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=8, mode="triangular2")),
    ("CyclicLR-exp_range", "SGD",
     lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range",
                             gamma=0.97, base_momentum=0.7, max_momentum=0.95)),
    ("CyclicLR-no-momentum", "SGD",
     lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, cycle_momentum=False)),
    ("CyclicLR-adam-beta1", "Adam",
     lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=12)),
    ("OneCycleLR-cos", "SGD", lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS)),
    ("OneCycleLR-linear", "SGD",
     lambda m, o: m.OneCycleLR(o, max_lr=1.0, epochs=10, steps_per_epoch=10,
                               anneal_strategy="linear", pct_start=0.25)),
    ("OneCycleLR-three-phase", "SGD",
     lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=STEPS + 5, three_phase=True,
                               div_factor=10.0, final_div_factor=100.0)),
    ("OneCycleLR-adam", "Adam", lambda m, o: m.OneCycleLR(o, max_lr=0.01, total_steps=STEPS)),
    ("SequentialLR", "SGD",
     lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=10),
                                     m.CosineAnnealingLR(o, T_max=40),
                                     m.ExponentialLR(o, gamma=0.9)], milestones=[10, 50])),
    ("ChainedScheduler", "SGD",
     lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.5, total_iters=5),
                                      m.ExponentialLR(o, gamma=0.97),
                                      m.StepLR(o, step_size=20, gamma=0.5)])),
]


def _rates(lib, lib_optim, sched_mod, kind, factory, steps=STEPS):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    opt = _optimizer(lib_optim, params, kind)
    sched = factory(sched_mod, opt)
    return _collect(opt, sched, steps), opt, sched


def _collect(opt, sched, steps):
    out = []
    for _ in range(steps):
        opt.step()
        sched.step()
        row = list(sched.get_last_lr()) + [g["lr"] for g in opt.param_groups]
        for g in opt.param_groups:
            row.append(g["betas"][0] if "betas" in g else g["momentum"])
        out.append(row)
    return np.array(out, dtype=float)


@pytest.mark.parametrize("name,kind,factory", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_matches_torch(name, kind, factory):
    ours, _, _ = _rates(deepgrad, optim, dls, kind, factory)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, _, _ = _rates(torch, torch.optim, torch.optim.lr_scheduler, kind, factory)
    assert np.ptp(theirs[:, 0]) > 0  # the schedule moved
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name,kind,factory", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_state_dict_resumes(name, kind, factory):
    """Save optimiser + scheduler after 37 steps, rebuild both, load, continue: same rates."""
    full, _, _ = _rates(deepgrad, optim, dls, kind, factory)
    first, opt, sched = _rates(deepgrad, optim, dls, kind, factory, steps=37)
    saved = pickle.loads(pickle.dumps((opt.state_dict(), sched.state_dict())))
    params = [deepgrad.zeros(2, requires_grad=True), deepgrad.zeros(3, requires_grad=True)]
    opt2 = _optimizer(optim, params, kind)
    sched2 = factory(dls, opt2)
    opt2.load_state_dict(saved[0])
    sched2.load_state_dict(saved[1])
    rest = _collect(opt2, sched2, STEPS - 37)
    np.testing.assert_array_equal(np.concatenate([first, rest]), full)


METRICS = np.concatenate([np.linspace(1.0, 0.5, 15), np.full(20, 0.5), 0.5 + 0.01 * np.sin(
    np.arange(30)), np.linspace(0.49, 0.3, 10), np.full(25, 0.3)])
PLATEAU = [dict(), dict(mode="min", factor=0.5, patience=3, cooldown=2, min_lr=[0.003, 0.01]),
           dict(mode="max", factor=0.5, patience=2, threshold=0.01, threshold_mode="abs"),
           dict(factor=0.7, patience=1, threshold=0.05, threshold_mode="rel", eps=1e-3),
           dict(mode="max", patience=4, threshold=0.0)]


@pytest.mark.parametrize("kw", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_on_plateau_matches_torch(kw):
    seqs = []
    for lib, lib_optim, mod in ((deepgrad, optim, dls), (torch, torch.optim,
                                                           torch.optim.lr_scheduler)):
        params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
        opt = _optimizer(lib_optim, params)
        sched = mod.ReduceLROnPlateau(opt, **kw)
        rows = []
        for m in METRICS:
            opt.step()
            sched.step(m)
            rows.append(list(sched.get_last_lr()) + [sched.num_bad_epochs, sched.cooldown_counter])
        seqs.append(np.array(rows))
    assert np.ptp(seqs[1][:, 0]) > 0
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-12)


def test_closed_form_epoch_argument():
    for factory in (lambda m, o: m.StepLR(o, 3, 0.5), lambda m, o: m.CosineAnnealingLR(o, 10),
                    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)):
        rates = []
        for lib, lib_optim, mod in ((deepgrad, optim, dls), (torch, torch.optim,
                                                               torch.optim.lr_scheduler)):
            opt = _optimizer(lib_optim, [lib.zeros(2, requires_grad=True),
                                         lib.zeros(1, requires_grad=True)])
            sched = factory(mod, opt)
            row = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for epoch in (5, 2, 11, 4.5, 17):
                    opt.step()
                    sched.step(epoch)
                    row.extend(sched.get_last_lr())
            rates.append(row)
        np.testing.assert_allclose(rates[0], rates[1], rtol=1e-12)


def test_initial_lr_and_last_epoch():
    opt = _optimizer(optim, [deepgrad.zeros(2, requires_grad=True),
                             deepgrad.zeros(1, requires_grad=True)])
    sched = dls.StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.last_epoch == 0 and sched.base_lrs == [0.1, 0.05]
    fresh = _optimizer(optim, [deepgrad.zeros(2, requires_grad=True),
                               deepgrad.zeros(1, requires_grad=True)])
    with pytest.raises(KeyError, match="initial_lr"):
        dls.StepLR(fresh, step_size=2, last_epoch=5)


def test_scheduler_errors():
    opt = _optimizer(optim, [deepgrad.zeros(2, requires_grad=True),
                             deepgrad.zeros(1, requires_grad=True)])
    with pytest.raises(TypeError, match="not an Optimizer"):
        dls.StepLR("sgd", step_size=2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        dls.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="factor"):
        dls.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        dls.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(ValueError, match="mode 'up' is unknown"):
        dls.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="T_0"):
        dls.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="total_steps OR"):
        dls.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="max_lr must have the same length"):
        dls.OneCycleLR(opt, max_lr=[0.1, 0.2, 0.3], total_steps=10)
    with pytest.raises(ValueError, match="number of milestones"):
        dls.SequentialLR(opt, [dls.StepLR(opt, 2), dls.StepLR(opt, 3)], milestones=[])
    adagrad = optim.Adagrad([deepgrad.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match="momentum or beta1"):
        dls.CyclicLR(adagrad, base_lr=0.01, max_lr=0.1)
    one = dls.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    with pytest.warns(UserWarning, match="before the first optimizer.step"):
        for _ in range(3):  # epochs 1, 2, 3 of a 3-step cycle are allowed (torch's rule)
            one.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        one.step()
