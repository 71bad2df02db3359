"""The ops added for torch parity against torch 2.13 in float64: forward, gradients,
finite differences and grad-of-grad (test_ops_parity's checks on op_table_compat's rows),
plus the ops without gradients and the errors torch raises."""
import numpy as np
import pytest
import torch

import deepgrad

from ..conftest import assert_close
from ..core import test_ops_parity as parity
from .op_table_compat import CASES

PARAMS = [pytest.param(case, shapes, id=f"{case.name}-{'x'.join(map(str, shapes))}")
          for case in CASES for shapes in case.shapes]


@pytest.mark.parametrize("case,shapes", PARAMS)
def test_forward_and_backward_match_torch(case, shapes):
    parity.test_forward_and_backward_match_torch(case, shapes)


@pytest.mark.parametrize("case,shapes", [p for p in PARAMS if p.values[0].fd and 0 not in
                                         [d for s in p.values[1] for d in s]])
def test_backward_matches_finite_differences(case, shapes):
    parity.test_backward_matches_finite_differences(case, shapes)


@pytest.mark.parametrize("case,shapes", [p for p in PARAMS if p.values[0].double])
def test_double_backward_matches_torch(case, shapes):
    parity.test_double_backward_matches_torch(case, shapes)


def _both(fn):
    return fn(deepgrad), fn(torch)


def _same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert_close(ours, theirs)


@pytest.mark.parametrize("fn", [
    lambda m: m.tril_indices(4, 3),
    lambda m: m.triu_indices(3, 5, 1),
    lambda m: m.tril_indices(3, 3, -1),
    lambda m: m.bincount(m.tensor([0, 3, 3, 1]), minlength=6),
    lambda m: m.bincount(m.tensor([0, 3, 1]), weights=m.tensor([0.5, 1.0, 2.0])),
    lambda m: m.histc(m.tensor([1.0, 2.0, 1.0, 4.0, -3.0]), bins=4, min=0, max=3),
    lambda m: m.bucketize(m.tensor([[0.0, 3.0], [5.0, 6.0]]), m.tensor([1.0, 3.0, 5.0]),
                          right=True),
    lambda m: m.searchsorted(m.tensor([[1.0, 3.0], [2.0, 4.0]]), m.tensor([[2.0], [5.0]])),
    lambda m: m.signbit(m.tensor([-1.0, -0.0, 0.0, 2.0])),
    lambda m: m.heaviside(m.tensor([-1.0, 0.0, 2.0]), m.tensor(0.5)),
    lambda m: m.fmod(m.tensor([-7, 7]), 3),
    lambda m: m.cummax(m.tensor([[1.0, 3.0, 3.0, 2.0, 5.0]]), 1),
    lambda m: m.median(m.tensor([[4.0, 1.0, 3.0, 2.0]]), 1, keepdim=True),
    lambda m: m.repeat_interleave(m.tensor([2, 0, 1])),
    lambda m: m.quantile(m.tensor([[1.0, 4.0, 2.0, 8.0]]), m.tensor([0.25, 0.5]), dim=1,
                         keepdim=True, interpolation="midpoint"),
    lambda m: m.atleast_3d(m.tensor([1.0, 2.0])),
    lambda m: m.tril(m.tensor([[True, True], [True, True]])),
    lambda m: m.tensor([[1, 2], [3, 4]]).triu(),
    lambda m: m.nan_to_num(m.tensor([float("nan"), float("inf"), -float("inf")]), 1.0, 2.0),
    lambda m: m.tensor([1.0, 2.0]).new_full((2, 2), 3),
    lambda m: m.tensor([1, 2]).new_zeros(3),
    lambda m: m.zeros(4, 3).fill_diagonal_(2.0, wrap=True),
    lambda m: m.ones(3).index_add_(0, m.tensor([0, 0]), m.tensor([1.0, 2.0])),
])
def test_values_and_dtypes_match_torch(fn):
    ours, theirs = _both(fn)
    _same(ours, theirs)


def test_ldexp_gradient_for_negative_exponents_is_the_true_derivative():
    # torch 2.13 returns 0 here (it raises 2 to a negative integer power in integers)
    x = deepgrad.ones(2, dtype=deepgrad.float64, requires_grad=True)
    deepgrad.ldexp(x, deepgrad.tensor([-1, 2])).sum().backward()
    assert x.grad.tolist() == [0.5, 4.0]


@pytest.mark.parametrize("fn,error", [
    (lambda m: m.tril(m.ones(3)), RuntimeError),
    (lambda m: m.diag(m.ones(2, 2, 2)), RuntimeError),
    (lambda m: m.trace(m.ones(3)), RuntimeError),
    (lambda m: m.kthvalue(m.ones(3), 4), RuntimeError),
    (lambda m: m.hsplit(m.ones(2, 5), 2), RuntimeError),
    (lambda m: m.cross(m.ones(2, 4), m.ones(2, 4), dim=1), RuntimeError),
    (lambda m: m.cdist(m.ones(3, 2), m.ones(3, 4)), RuntimeError),
    (lambda m: m.bincount(m.tensor([-1, 2])), RuntimeError),
    (lambda m: m.ones(3).index_fill(0, m.tensor([5]), 1.0), IndexError),
    (lambda m: m.rot90(m.ones(2, 2), 1, (0, 0)), RuntimeError),
])
def test_errors_match_torch(fn, error):
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(deepgrad)


def test_meshgrid_without_indexing_warns_like_torch():
    with pytest.warns(UserWarning, match="indexing"):
        torch.meshgrid(torch.arange(2), torch.arange(3))
    with pytest.warns(UserWarning, match="indexing"):
        out = deepgrad.meshgrid(deepgrad.arange(2), deepgrad.arange(3))
    assert tuple(out[0].shape) == (2, 3)


def test_cross_without_dim_warns_and_uses_first_size_3_dim():
    a, b = np.random.default_rng(0).standard_normal((2, 3, 3))
    with pytest.warns(UserWarning, match="dim"):
        ours = deepgrad.cross(deepgrad.tensor(a), deepgrad.tensor(b))
    with pytest.warns(UserWarning):
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    assert_close(ours, theirs)


def test_inplace_methods_match_torch_and_bump_version():
    x = np.random.default_rng(1).uniform(0.2, 0.9, (3, 4))
    for name in ["abs_", "floor_", "sin_", "log_", "square_", "reciprocal_", "erf_", "tril_",
                 "triu_", "trunc_", "sign_"]:
        ours, theirs = deepgrad.tensor(x), torch.tensor(x)
        v = ours._version
        getattr(ours, name)()
        getattr(theirs, name)()
        assert ours._version > v, name
        assert_close(ours, theirs, msg=name)


def test_inplace_op_through_the_graph_gives_torch_gradients():
    x = np.random.default_rng(2).standard_normal((3, 3))
    d = deepgrad.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    dy, ty = d * 2, t * 2
    dy.tril_(-1).index_fill_(1, deepgrad.tensor([0]), 0.5)
    ty.tril_(-1).index_fill_(1, torch.tensor([0]), 0.5)
    (dy * dy).sum().backward()
    (ty * ty).sum().backward()
    assert_close(d.grad, t.grad)


def test_cdist_double_backward_matches_finite_differences():
    from deepgrad.autograd import gradgradcheck

    rng = np.random.default_rng(4)
    a = deepgrad.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = deepgrad.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    assert gradgradcheck(deepgrad.cdist, (a, b), eps=1e-6, atol=1e-5, rtol=1e-4)


def test_scatter_reduce_prod_forward_matches_torch_and_its_gradient_is_declined():
    x, src, idx = [1.0, 2.0, 3.0, 4.0], [5.0, 1.0, 5.0, 0.5], [0, 0, 2, 3]
    for inc in (True, False):
        ours = deepgrad.tensor(x).scatter_reduce(0, deepgrad.tensor(idx), deepgrad.tensor(src),
                                                 "prod", include_self=inc)
        theirs = torch.tensor(x).scatter_reduce(0, torch.tensor(idx), torch.tensor(src), "prod",
                                                include_self=inc)
        assert_close(ours, theirs)
    with pytest.raises(NotImplementedError, match="prod"):
        deepgrad.tensor(x, requires_grad=True).scatter_reduce(
            0, deepgrad.tensor(idx), deepgrad.tensor(src), "prod")


def test_scatter_reduce_amin_excluded_self_does_not_share_the_gradient():
    """torch 2.13 counts an excluded self value that ties with the result when sharing the
    gradient (src gets 0.5); deepgrad gives the true derivative, 1, to the one minimum."""
    src = deepgrad.tensor([5.0, 1.0], requires_grad=True)
    out = deepgrad.tensor([1.0, 2.0]).scatter_reduce(0, deepgrad.tensor([0, 0]), src, "amin",
                                                    include_self=False)
    out.sum().backward()
    assert out.tolist() == [1.0, 2.0] and src.grad.tolist() == [0.0, 1.0]
