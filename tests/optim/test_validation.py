"""Invalid hyperparameters and misuse raise clear errors before anything changes."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import deepgrad
import deepgrad.optim as optim


def _p():
    return [deepgrad.zeros(3, requires_grad=True)]


BAD = [
    ("SGD", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("SGD", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(weight_decay=-1e-4), "Invalid weight_decay value: -0.0001"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov momentum requires"),
    ("Adagrad", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adagrad", dict(lr_decay=-0.1), "Invalid lr_decay value: -0.1"),
    ("Adagrad", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Adagrad", dict(initial_accumulator_value=-0.1), "Invalid initial_accumulator_value value"),
    ("Adagrad", dict(eps=-1e-10), "Invalid epsilon value: -1e-10"),
    ("Adadelta", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adadelta", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("RMSprop", dict(lr=-0.01), "Invalid learning rate: -0.01"),
    ("RMSprop", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("RMSprop", dict(momentum=-0.1), "Invalid momentum value: -0.1"),
    ("RMSprop", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("Adam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Adam", dict(lr=float("nan")), "Invalid learning rate: nan"),
    ("AdamW", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("AdamW", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("Adamax", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adamax", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("Adamax", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("NAdam", dict(momentum_decay=-1.0), "Invalid momentum_decay value: -1.0"),
    ("NAdam", dict(betas=(0.9, 2.0)), "Invalid beta parameter at index 1: 2.0"),
    ("NAdam", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("RAdam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("RAdam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("RAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("LBFGS", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("LBFGS", dict(history_size=0), "Invalid history_size value: 0"),
    ("LBFGS", dict(line_search_fn="armijo"), "Invalid line_search_fn"),
]


@pytest.mark.parametrize("name,kw,msg", BAD, ids=[f"{b[0]}-{b[1]}" for b in BAD])
def test_invalid_hyperparameter(name, kw, msg):
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        getattr(optim, name)(_p(), **kw)


@pytest.mark.parametrize("name,kw,msg", [b for b in BAD if b[0] != "LBFGS"],
                         ids=[f"{b[0]}-{b[1]}" for b in BAD if b[0] != "LBFGS"])
def test_torch_rejects_the_same(name, kw, msg):
    """Our list of invalid values is torch's (LBFGS aside: torch checks more lazily)."""
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(3, requires_grad=True)], **kw)


def test_invalid_group_option_leaves_optimizer_unchanged():
    opt = optim.SGD(_p(), lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        opt.add_param_group({"params": _p(), "lr": -1})
    assert len(opt.param_groups) == 1


def test_param_list_errors():
    p = _p()
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.Adam(p[0])
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.Adam([np.zeros(3)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.Adam([p[0] * 2])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.Adam([{"params": set(p)}])
    opt = optim.Adam(p)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": p})
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.Adam(p + p)


def test_add_param_group_fills_defaults():
    opt = optim.SGD(_p(), lr=0.1, momentum=0.9)
    opt.add_param_group({"params": _p(), "lr": 0.01})
    g = opt.param_groups[1]
    assert g["lr"] == 0.01 and g["momentum"] == 0.9 and g["nesterov"] is False


def test_zero_grad():
    p = _p()
    opt = optim.SGD(p, lr=0.1)
    (p[0] * 2).sum().backward()
    grad = p[0].grad
    opt.zero_grad(set_to_none=False)
    assert p[0].grad is grad
    np.testing.assert_array_equal(grad.numpy(), 0.0)
    opt.zero_grad()
    assert p[0].grad is None
    # a read-only broadcast gradient is stepped with, then zeroed without error
    p[0].grad = deepgrad.Tensor._make(np.broadcast_to(np.ones(1, np.float32), (3,)))
    opt.step()
    np.testing.assert_allclose(p[0].detach().numpy(), -0.1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p[0].grad.numpy(), 0.0)


def test_repr_lists_groups():
    text = repr(optim.Adam(_p(), lr=0.5))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text


def test_optim_does_not_import_torch():
    code = ("import sys, deepgrad.optim, deepgrad.optim.lr_scheduler; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
