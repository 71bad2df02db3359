"""Optimizer hooks (step, state_dict, load_state_dict) and the scheduler-order warning,
checked against torch.optim doing the same things."""
import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
import torch.optim.optimizer as torch_optimizer_module

import deepgrad
import deepgrad.optim as optim
import deepgrad.optim.optimizer as optimizer_module


def _params(lib):
    p = lib.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    p.grad = lib.tensor(np.array([0.5, 0.5, -1.0]))
    return [p]


def _record_step_hooks(lib, module):
    """Register global and local hooks on an SGD of ``lib`` and step it once."""
    events = []
    opt = lib.optim.SGD(_params(lib), lr=0.1)

    def hook(name):
        def run(optimizer, args, kwargs):
            assert optimizer is opt and args[0] is opt  # as torch: args start with self
            events.append((name, len(args), dict(kwargs)))
        return run

    handles = [module.register_optimizer_step_pre_hook(hook("global-pre")),
               module.register_optimizer_step_post_hook(hook("global-post")),
               opt.register_step_pre_hook(hook("pre")),
               opt.register_step_post_hook(hook("post"))]
    try:
        opt.step(closure=None)
        handles[2].remove()
        opt.step()
    finally:
        for h in handles:
            h.remove()
    opt.step()  # no hooks left
    return events


def test_step_hooks_run_in_torchs_order_with_torchs_arguments():
    ours = _record_step_hooks(deepgrad, optimizer_module)
    theirs = _record_step_hooks(torch, torch_optimizer_module)
    assert ours == theirs
    assert [e[0] for e in ours[:4]] == ["global-pre", "pre", "post", "global-post"]


def test_a_pre_hook_can_replace_the_arguments():
    for lib in (deepgrad, torch):
        opt = lib.optim.SGD(_params(lib), lr=0.1)
        calls = []
        opt.register_step_pre_hook(
            lambda o, args, kwargs: (args, {"closure": lambda: calls.append("closure") or 1.0}))
        assert opt.step() == 1.0 and calls == ["closure"]


def test_a_pre_hook_returning_something_else_raises():
    opt = optim.SGD(_params(deepgrad), lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: "oops")
    before = opt.param_groups[0]["params"][0].detach().numpy().copy()
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()
    assert np.array_equal(opt.param_groups[0]["params"][0].detach().numpy(), before)


def test_hooks_must_be_callable():
    opt = optim.SGD(_params(deepgrad), lr=0.1)
    with pytest.raises(TypeError, match="must be callable, got int"):
        opt.register_step_post_hook(3)


def test_a_subclass_step_calling_super_runs_the_hooks_once():
    class Clipped(optim.SGD):
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.grad._data.clip(-0.6, 0.6, out=p.grad._data)
            return super().step(closure)

    opt = Clipped(_params(deepgrad), lr=0.1)
    seen = []
    opt.register_step_pre_hook(lambda o, a, k: seen.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: seen.append("post"))
    opt.step()
    assert seen == ["pre", "post"]
    np.testing.assert_allclose(opt.param_groups[0]["params"][0].detach().numpy(),
                               [0.95, -2.05, 3.06])


def test_lbfgs_runs_step_hooks():
    x = deepgrad.tensor([1.5, -0.5], requires_grad=True)
    opt = optim.LBFGS([x], max_iter=3)
    seen = []
    opt.register_step_post_hook(lambda o, a, k: seen.append(len(a)))

    def closure():
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert seen == [2]  # (optimizer, closure)


def _record_state_dict_hooks(lib):
    events = []
    opt = lib.optim.Adam(_params(lib), lr=0.1)
    opt.step()
    opt.register_state_dict_pre_hook(lambda o: events.append("pre"))
    opt.register_state_dict_pre_hook(lambda o: events.append("pre-first"), prepend=True)

    def post(o, sd):
        events.append("post")
        sd["note"] = "added"
        return sd

    opt.register_state_dict_post_hook(post)
    sd = opt.state_dict()
    events.append(sd.get("note"))

    def load_pre(o, sd):
        events.append("load-pre")
        sd = dict(sd)
        sd["param_groups"] = [dict(g, lr=0.5) for g in sd["param_groups"]]
        return sd

    opt.register_load_state_dict_pre_hook(load_pre)
    opt.register_load_state_dict_post_hook(lambda o: events.append("load-post"))
    opt.load_state_dict(sd)
    events.append(opt.param_groups[0]["lr"])
    return events


def test_state_dict_hooks_match_torch():
    ours = _record_state_dict_hooks(deepgrad)
    assert ours == _record_state_dict_hooks(torch)
    assert ours == ["pre-first", "pre", "post", "added", "load-pre", "load-post", 0.5]


def test_copies_carry_no_hooks_and_still_step():
    opt = optim.SGD(_params(deepgrad), lr=0.1)
    seen = []
    opt.register_step_post_hook(lambda o, a, k: seen.append(1))
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        clone.step()
        clone.register_step_post_hook(lambda o, a, k: seen.append(2))
        clone.step()
    assert seen == [2, 2]


def _scheduler_warnings(lib, optimizer_first):
    opt = lib.optim.SGD(_params(lib), lr=0.1)
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            if optimizer_first:
                opt.step()
                sched.step()
            else:
                sched.step()
                opt.step()
    return [w for w in caught if "optimizer.step()" in str(w.message)]


@pytest.mark.parametrize("optimizer_first", [True, False])
def test_scheduler_before_optimizer_warns_as_in_torch(optimizer_first):
    ours = _scheduler_warnings(deepgrad, optimizer_first)
    theirs = _scheduler_warnings(torch, optimizer_first)
    assert len(ours) == len(theirs) == (0 if optimizer_first else 1)
    if ours:
        assert ours[0].category is UserWarning
        assert "lr_scheduler.step() was called before the first optimizer.step()" \
            in str(ours[0].message)
