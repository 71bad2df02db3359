"""Tensor creation, methods, in-place ops and conversions on the strict device, each compared
with the same call on the CPU (the CPU results are checked against PyTorch elsewhere)."""
import numpy as np
import pytest

import deepgrad

from .conftest import host, on_device

X = np.array([[0.5, -1.5, 2.0, 0.0], [3.0, 1.0, -2.0, 0.25], [1.0, 1.0, -0.5, 4.0]],
             dtype=np.float32)

CALLS = {
    "zeros": lambda d: deepgrad.zeros(2, 3, device=d),
    "ones_int": lambda d: deepgrad.ones(4, dtype=deepgrad.int64, device=d),
    "full": lambda d: deepgrad.full((2, 2), 1.5, device=d),
    "arange": lambda d: deepgrad.arange(1, 10, 2, device=d),
    "linspace": lambda d: deepgrad.linspace(0, 1, 5, device=d),
    "eye": lambda d: deepgrad.eye(3, 4, device=d),
    "randn_seeded": lambda d: (deepgrad.manual_seed(3), deepgrad.randn(2, 3, device=d))[1],
    "rand_like": lambda d: (deepgrad.manual_seed(4), deepgrad.rand_like(_x(d)))[1],
    "randint": lambda d: (deepgrad.manual_seed(5), deepgrad.randint(0, 9, (5,), device=d))[1],
    "randperm": lambda d: (deepgrad.manual_seed(6), deepgrad.randperm(6, device=d))[1],
    "zeros_like": lambda d: deepgrad.zeros_like(_x(d)),
    "full_like": lambda d: deepgrad.full_like(_x(d), 7),
    "tril": lambda d: deepgrad.tril(_x(d), -1),
    "triu": lambda d: _x(d).triu(1),
    "sort": lambda d: _x(d).sort(1)[0],
    "sort_indices": lambda d: _x(d).sort(0, descending=True)[1],
    "topk": lambda d: _x(d).topk(2, 1)[1],
    "argmax": lambda d: _x(d).argmax(1),
    "argmin_all": lambda d: _x(d).argmin(),
    "cumprod": lambda d: _x(d).cumprod(0),
    "nonzero": lambda d: _x(d).nonzero(),
    "unique": lambda d: deepgrad.unique(_x(d)),
    "clone_t_contiguous": lambda d: _x(d).t().contiguous(),
    "cast_int": lambda d: _x(d).long(),
    "compare_eq": lambda d: _x(d) == _x(d).flip(1),
    "any_all": lambda d: deepgrad.stack([(_x(d) > 3.5).any(), _x(d).isfinite().all()]),
    "allclose_tensor": lambda d: deepgrad.isclose(_x(d), _x(d) + 1e-9),
    "one_hot": lambda d: deepgrad.nn.functional.one_hot(_x(d).abs().long(), 5),
    "inplace_chain": lambda d: _x(d).mul_(2).add_(1).clamp_(max=3.0).zero_().add_(4.0),
    "setitem_tensor": lambda d: _setitem(_x(d), d),
    "masked_fill_": lambda d: _x(d).masked_fill_(_x(d) < 0, 9.0),
    "index_put_": lambda d: _x(d).index_put_((deepgrad.tensor([0, 2], device=d),),
                                             deepgrad.tensor(5.0, device=d)),
    "copy_from_cpu": lambda d: _x(d).copy_(deepgrad.ones(3, 4)),
    "scatter_": lambda d: deepgrad.zeros(3, 4, device=d).scatter_(
        1, deepgrad.tensor([[0], [3], [1]], device=d), 1.0),
    "bincount": lambda d: deepgrad.bincount(deepgrad.tensor([0, 3, 3, 1], device=d)),
    "histc": lambda d: deepgrad.histc(_x(d), bins=4, min=-2, max=4),
    "median": lambda d: _x(d).median(1)[0],
    "kthvalue": lambda d: _x(d).kthvalue(2, 1)[0],
    "diag": lambda d: deepgrad.diag(_x(d)[:, :3]),
    "trace": lambda d: _x(d)[:, :3].trace(),
    "roll": lambda d: _x(d).roll(1, 1),
    "repeat_interleave": lambda d: _x(d).repeat_interleave(2, 0),
    "repeat_interleave_counts": lambda d: deepgrad.repeat_interleave(_i([2, 0, 1], d)),
    "scatter_reduce_mean": lambda d: _x(d).scatter_reduce(1, _i([[0, 0, 1, 1]] * 3, d),
                                                          _x(d) * 2, "mean"),
    "scatter_reduce_amax": lambda d: _x(d).scatter_reduce(0, _i([[0, 1, 0, 1]] * 3, d), _x(d),
                                                          "amax", include_self=False),
    "index_fill": lambda d: _x(d).index_fill(1, _i([0, 2], d), -1.0),
    "index_copy": lambda d: _x(d).index_copy(0, _i([2, 0], d), _x(d)[:2] * 3),
    "put": lambda d: _x(d).put(_i([0, 5], d), _i([9.0, 8.0], d)),
    "take": lambda d: _x(d).take(_i([0, 5, 11], d)),
    "index_put_accumulate": lambda d: _x(d).index_put((_i([0, 0], d),), _i(1.0, d),
                                                      accumulate=True),
    "isin": lambda d: deepgrad.isin(_x(d), _i([1.0, 2.0], d)),
    "mode": lambda d: _x(d).mode(1)[1],
    "combinations": lambda d: deepgrad.combinations(_x(d)[0], 2),
    "corrcoef": lambda d: deepgrad.corrcoef(_x(d)),
    "quantile": lambda d: deepgrad.quantile(_x(d), 0.3, dim=1),
    "searchsorted": lambda d: deepgrad.searchsorted(_i([0.0, 1.0, 2.0], d), _x(d)),
    "bucketize": lambda d: deepgrad.bucketize(_x(d), _i([0.0, 1.0, 2.0], d)),
    "unique_consecutive": lambda d: deepgrad.unique_consecutive(_i([1, 1, 2, 2, 1], d)),
    "cummax_indices": lambda d: _x(d).cummax(1)[1],
    "masked_scatter": lambda d: _x(d).masked_scatter(_x(d) > 0, _x(d) * 10),
    "cartesian_prod": lambda d: deepgrad.cartesian_prod(_i([1, 2], d), _i([3, 4], d)),
}


def _i(values, d):
    return deepgrad.tensor(values, device=d)


def _x(d):
    return deepgrad.tensor(X, device=d)


def _setitem(t, d):
    t[1:, deepgrad.tensor([0, 3], device=d)] = deepgrad.tensor([-7.0, 8.0], device=d)
    t[0] = 2.5
    return t


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call_on_device_equals_cpu(name, cuda):
    want = CALLS[name]("cpu")
    got = CALLS[name](cuda)
    got_host = on_device(got)
    assert got_host.dtype == host(want).dtype, name
    np.testing.assert_array_equal(got_host, host(want), err_msg=name)


def test_host_values_come_back_only_when_asked(cuda):
    t = deepgrad.tensor(X, device=cuda, requires_grad=True)
    s = (t * 2).sum()
    assert s.item() == pytest.approx(float(X.sum() * 2))
    assert float(s.detach()) == pytest.approx(float(X.sum() * 2))
    assert bool(s > 0) is True
    assert int(deepgrad.tensor(3, device=cuda)) == 3
    assert t.tolist() == X.tolist()
    np.testing.assert_array_equal(t.detach().cpu().numpy(), X)
    with pytest.raises(TypeError, match="can't convert cuda:0 tensor to numpy"):
        t.detach().numpy()
    assert "device='cuda:0'" in repr(t)
    assert t.is_cuda and not t.cpu().is_cuda


def test_mixing_a_cpu_tensor_into_a_cuda_op_is_an_error(cuda):
    with pytest.raises(RuntimeError, match="same device.*cuda:0, cpu"):
        deepgrad.tensor(X, device=cuda) + deepgrad.tensor(X)


RANDOM = {   # fn(device, leaf): leaf is a (4, 6) tensor of ones requiring grad on that device
    "dropout": lambda d, x: deepgrad.nn.functional.dropout(x, 0.5, True),
    "dropout2d": lambda d, x: deepgrad.nn.Dropout2d(0.5)(x.reshape(2, 2, 2, 3)),
    "alpha_dropout": lambda d, x: deepgrad.nn.AlphaDropout(0.5)(x),
    "rrelu": lambda d, x: deepgrad.nn.RReLU()(-x),
    "gumbel_softmax": lambda d, x: deepgrad.nn.functional.gumbel_softmax(x, hard=True),
    "uniform_": lambda d, x: deepgrad.empty(3, 4, device=d).uniform_(),
    "normal_": lambda d, x: deepgrad.empty(3, 4, device=d).normal_(),
    "bernoulli": lambda d, x: deepgrad.bernoulli(deepgrad.full((3, 4), 0.5, device=d)),
    "multinomial": lambda d, x: deepgrad.multinomial(deepgrad.ones(3, 4, device=d), 2),
    "kaiming_uniform_": lambda d, x: deepgrad.nn.init.kaiming_uniform_(
        deepgrad.empty(3, 4, device=d)),
    "orthogonal_": lambda d, x: deepgrad.nn.init.orthogonal_(deepgrad.empty(3, 4, device=d)),
    "trunc_normal_": lambda d, x: deepgrad.nn.init.trunc_normal_(deepgrad.empty(3, 4, device=d)),
}


@pytest.mark.parametrize("name", sorted(RANDOM))
def test_random_ops_on_device_draw_what_the_cpu_draws(name, cuda):
    """Random numbers come from deepgrad's (host) generator for every device, so one seed
    gives the same values on both; gradients of random layers follow the same mask."""
    outs, grads = [], []
    for d in ("cpu", cuda):
        deepgrad.manual_seed(11)
        x = deepgrad.ones(4, 6, device=d, requires_grad=True)
        out = RANDOM[name](d, x)
        if out.requires_grad:
            (out * deepgrad.arange(out.numel(), device=d).reshape(out.shape)).sum().backward()
        outs.append(out)
        grads.append(x.grad)
    np.testing.assert_array_equal(on_device(outs[1]), host(outs[0]))
    if grads[0] is not None:
        np.testing.assert_array_equal(on_device(grads[1]), host(grads[0]))
