"""Shared pieces of the optimiser tests: a non-convex objective and trajectory runners."""
import numpy as np
import pytest
import torch

import deepgrad

SHAPES = [(3,), (2, 3), (4,)]  # several parameters of different shapes (13 numbers)


def initial_values(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, s) for s in SHAPES]


def objective(lib, params, sign=1.0):
    """A Rosenbrock valley over all parameters, plus ripples: non-convex, many curvatures.

    f(x) = sum_i 10 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 + 0.5 sum_i sin(2 x_i)
    """
    cat = deepgrad.cat if lib is deepgrad else torch.cat
    x = cat([p.reshape(-1) for p in params])
    f = (10 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum() + 0.5 * lib.sin(2 * x).sum()
    return f * sign


def make_params(lib, values):
    return [lib.tensor(np.array(v, copy=True), requires_grad=True) for v in values]


def flat(params):
    return np.concatenate([p.detach().numpy().reshape(-1).copy() for p in params])


def groups(params, lr, second_lr_scale=0.5):
    """Two param groups: the second with its own learning rate."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": lr * second_lr_scale}]


def trajectory(lib, opt, params, steps, sign=1.0):
    """Parameter values after each of ``steps`` optimiser steps, shape (steps, 13)."""
    out = []
    for _ in range(steps):
        opt.zero_grad()
        objective(lib, params, sign).backward()
        opt.step()
        out.append(flat(params))
    return np.array(out)


@pytest.fixture
def float64():
    """Both libraries default to float64 (torch's step counters then are float64 too)."""
    old_t, old_d = torch.get_default_dtype(), deepgrad.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    deepgrad.set_default_dtype(deepgrad.float64)
    yield
    torch.set_default_dtype(old_t)
    deepgrad.set_default_dtype(old_d)
