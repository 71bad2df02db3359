"""Every op in op_table.CASES against PyTorch (float64): forward values, gradients for a
random upstream gradient, central finite differences, and grad-of-grad."""
import numpy as np
import pytest
import torch

import deepgrad
from deepgrad.autograd import gradcheck

from ..conftest import assert_close
from .op_table import CASES

PARAMS = [pytest.param(case, shapes, id=f"{case.name}-{'x'.join(map(str, shapes))}")
          for case in CASES for shapes in case.shapes]


def _inputs(case, shapes, seed=0):
    rng = np.random.default_rng(seed)
    lo, hi = case.domain
    arrays = [rng.uniform(lo, hi, size=s) for s in shapes]
    return ([deepgrad.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _run(case, shapes):
    d_in, t_in = _inputs(case, shapes)
    return d_in, t_in, case.fn(deepgrad, *d_in), case.fn(torch, *t_in)


@pytest.mark.parametrize("case,shapes", PARAMS)
def test_forward_and_backward_match_torch(case, shapes):
    d_in, t_in, d_out, t_out = _run(case, shapes)
    assert d_out.dtype == deepgrad.float64
    assert_close(d_out, t_out, msg=f"{case.name} forward")
    upstream = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
    d_grads = deepgrad.autograd.grad(d_out, d_in, deepgrad.tensor(upstream), allow_unused=True)
    t_grads = torch.autograd.grad(t_out, t_in, torch.tensor(upstream), allow_unused=True)
    for i, (dg_, tg) in enumerate(zip(d_grads, t_grads)):
        if tg is None:
            assert dg_ is None or np.all(dg_.numpy() == 0)
            continue
        assert dg_ is not None, f"{case.name}: no gradient for input {i}"
        assert_close(dg_, tg, msg=f"{case.name} grad of input {i}")


@pytest.mark.parametrize("case,shapes", [p for p in PARAMS
                                         if p.values[0].fd and 0 not in
                                         [d for s in p.values[1] for d in s]])
def test_backward_matches_finite_differences(case, shapes):
    d_in, _ = _inputs(case, shapes, seed=2)
    assert gradcheck(lambda *xs: case.fn(deepgrad, *xs), tuple(d_in), eps=1e-6, atol=1e-6,
                     rtol=1e-4)


@pytest.mark.parametrize("case,shapes", [p for p in PARAMS if p.values[0].double])
def test_double_backward_matches_torch(case, shapes):
    """d/dx of sum(w * dL/dx) for a random w, through create_graph=True."""
    d_in, t_in, d_out, t_out = _run(case, shapes)
    rng = np.random.default_rng(3)
    upstream = rng.standard_normal(tuple(t_out.shape))
    d_up = deepgrad.tensor(upstream, requires_grad=True)
    t_up = torch.tensor(upstream, requires_grad=True)
    d_g = deepgrad.autograd.grad(d_out, d_in, d_up, create_graph=True, allow_unused=True)
    t_g = torch.autograd.grad(t_out, t_in, t_up, create_graph=True, allow_unused=True)
    d_total, t_total = None, None
    for dg_, tg in zip(d_g, t_g):
        if tg is None or not tg.requires_grad:
            continue
        w = rng.standard_normal(tuple(tg.shape))
        d_term = (dg_ * deepgrad.tensor(w)).sum()
        t_term = (tg * torch.tensor(w)).sum()
        d_total = d_term if d_total is None else d_total + d_term
        t_total = t_term if t_total is None else t_total + t_term
    if t_total is None:
        pytest.skip("gradient does not depend on the inputs (linear op)")
    d_gg = deepgrad.autograd.grad(d_total, d_in + [d_up], allow_unused=True)
    t_gg = torch.autograd.grad(t_total, t_in + [t_up], allow_unused=True)
    for i, (dg_, tg) in enumerate(zip(d_gg, t_gg)):
        if tg is None or dg_ is None:  # "no gradient" and "a zero gradient" are the same
            other = dg_ if tg is None else tg
            assert other is None or np.allclose(other.detach().numpy(force=True), 0), \
                f"{case.name}: second-order gradient of input {i} is missing"
            continue
        assert_close(dg_, tg, msg=f"{case.name} double backward, input {i}")
