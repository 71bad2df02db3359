"""Property tests (hypothesis): broadcasting and reductions over any axes."""
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad

from ..conftest import assert_close

FAST = settings(max_examples=40, deadline=None)


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                max_side=3),
       op=st.sampled_from(["add", "mul", "sub", "maximum"]), seed=st.integers(0, 2**16))
def test_broadcasting_binary_ops_match_torch_values_and_gradients(shapes, op, seed):
    rng = np.random.default_rng(seed)
    a, b = [rng.standard_normal(s) for s in shapes.input_shapes]
    da, db = deepgrad.tensor(a, requires_grad=True), deepgrad.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    d_out = getattr(deepgrad, op)(da, db)
    t_out = getattr(torch, op)(ta, tb)
    assert_close(d_out, t_out)
    w = rng.standard_normal(tuple(t_out.shape))
    (d_out * deepgrad.tensor(w)).sum().backward()
    (t_out * torch.tensor(w)).sum().backward()
    assert_close(da.grad, ta.grad)
    assert_close(db.grad, tb.grad)


@st.composite
def array_and_axes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    axes = draw(st.lists(st.integers(-len(shape), len(shape) - 1), unique_by=lambda d: d % len(shape),
                         min_size=1, max_size=len(shape)))
    return shape, tuple(axes)


@FAST
@given(case=array_and_axes(), keepdim=st.booleans(),
       op=st.sampled_from(["sum", "mean", "amax", "logsumexp", "var", "std", "prod"]),
       seed=st.integers(0, 2**16))
def test_reductions_over_any_axes_match_torch(case, keepdim, op, seed):
    shape, axes = case
    x = np.random.default_rng(seed).uniform(0.5, 2.0, size=shape)
    dx, tx = deepgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    if op == "prod":  # torch's prod takes one dim
        axes = axes[:1]
        d_out, t_out = dx.prod(axes[0], keepdim=keepdim), tx.prod(axes[0], keepdim=keepdim)
    elif op in ("var", "std"):
        d_out = getattr(dx, op)(axes, keepdim=keepdim, correction=0)
        t_out = getattr(tx, op)(axes, keepdim=keepdim, correction=0)
    else:
        d_out = getattr(dx, op)(axes, keepdim=keepdim)
        t_out = getattr(tx, op)(axes, keepdim=keepdim)
    assert_close(d_out, t_out)
    d_out.sum().backward()
    t_out.sum().backward()
    assert_close(dx.grad, tx.grad)


@FAST
@given(case=array_and_axes(), keepdim=st.booleans(), op=st.sampled_from(["sum", "mean"]),
       scale=st.sampled_from([1, 4097]), seed=st.integers(0, 2**16))
def test_sum_and_mean_gradients_small_and_large(case, keepdim, op, scale, seed):
    """Both ways the backward of sum/mean broadcasts a gradient: written out (small
    inputs) and as a view (inputs over 4096 elements), with double backward."""
    shape, axes = case
    shape = (shape[0] * scale,) + shape[1:]  # scale 4097: always over 4096 elements
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(shape), rng.standard_normal(shape)
    dx, tx = deepgrad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    # f = sum(reduce(x)^2): its gradient 2 reduce(x) broadcast back depends on x, so the
    # second-order pass runs through the backward of the broadcast (a sum) as well
    (dg_,) = deepgrad.autograd.grad((getattr(dx, op)(axes, keepdim=keepdim) ** 2).sum(), dx,
                                    create_graph=True)
    (tg,) = torch.autograd.grad((getattr(tx, op)(axes, keepdim=keepdim) ** 2).sum(), tx,
                                create_graph=True)
    assert_close(dg_, tg)
    (dg_ * deepgrad.tensor(w)).sum().backward()
    (tg * torch.tensor(w)).sum().backward()
    assert_close(dx.grad, tx.grad)
