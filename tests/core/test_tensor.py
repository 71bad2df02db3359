"""Tensor creation, attributes, conversion, dtypes and promotion, repr."""
import numpy as np
import pytest
import torch

import deepgrad

from ..conftest import assert_close


def test_dtype_inference_matches_torch():
    cases = [1.5, 2, True, [1, 2], [1.0, 2], [[True, False]], np.float64(1.0),
             np.arange(3, dtype=np.int32), np.ones(2, dtype=np.float64)]
    for data in cases:
        d, t = deepgrad.tensor(data), torch.tensor(data)
        assert d.dtype.name == str(t.dtype).replace("torch.", ""), data
        assert tuple(d.shape) == tuple(t.shape)


@pytest.mark.parametrize("fn,args", [
    ("zeros", (2, 3)), ("ones", ((2, 3),)), ("empty", (4,)), ("eye", (3,)), ("eye", (2, 4)),
])
def test_constant_creation(fn, args):
    d, t = getattr(deepgrad, fn)(*args), getattr(torch, fn)(*args)
    assert tuple(d.shape) == tuple(t.shape) and d.dtype == deepgrad.float32
    if fn != "empty":
        assert_close(d, t.numpy())


def test_ranges_and_full_match_torch():
    assert_close(deepgrad.arange(5), torch.arange(5).numpy())
    assert deepgrad.arange(5).dtype == deepgrad.int64
    assert deepgrad.arange(0, 1, 0.25).dtype == deepgrad.float32
    assert_close(deepgrad.arange(0, 1, 0.25), torch.arange(0, 1, 0.25).numpy())
    assert_close(deepgrad.linspace(-1, 1, 7), torch.linspace(-1, 1, 7).numpy(), atol=1e-7)
    assert deepgrad.full((2,), 3).dtype == deepgrad.int64
    assert deepgrad.full((2,), 3.0).dtype == deepgrad.float32
    x = deepgrad.randn(3, 2, dtype=deepgrad.float64)
    for like in ("zeros_like", "ones_like", "rand_like", "randn_like"):
        y = getattr(deepgrad, like)(x)
        assert y.shape == x.shape and y.dtype == deepgrad.float64


def test_random_creation_is_seeded_and_has_right_statistics():
    deepgrad.manual_seed(5)
    a = deepgrad.randn(20000)
    deepgrad.manual_seed(5)
    b = deepgrad.randn(20000)
    assert np.array_equal(a.numpy(), b.numpy())
    # mean within 5 standard errors, std within 5%
    assert abs(a.mean().item()) < 5 / np.sqrt(20000)
    assert abs(a.std().item() - 1) < 0.05
    u = deepgrad.rand(20000)
    assert 0 <= u.min().item() and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.01
    g = deepgrad.Generator().manual_seed(1)
    r = deepgrad.randint(3, 7, (1000,), generator=g)
    assert r.dtype == deepgrad.int64 and set(np.unique(r.numpy())) == {3, 4, 5, 6}
    p = deepgrad.randperm(10, generator=g)
    assert sorted(p.tolist()) == list(range(10))


def test_attributes_and_conversion():
    x = deepgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert str(x.device) == "cpu" and x.device == "cpu"
    assert tuple(x.T.shape) == (3, 2)
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="requires grad"):
        x.numpy()
    assert x.detach().numpy().dtype == np.float32
    assert deepgrad.tensor(3.5).item() == 3.5
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert x.double().dtype == deepgrad.float64 and x.long().dtype == deepgrad.int64
    assert x.int().dtype == deepgrad.int32 and x.bool().dtype == deepgrad.bool
    assert x.float() is x or x.float().dtype == deepgrad.float32
    assert x.to(deepgrad.float64).dtype == deepgrad.float64
    c = x.detach().clone()
    c.add_(1)
    assert x[0, 0].item() == 1.0
    t = x.detach().t()
    assert not t.is_contiguous() and t.contiguous().is_contiguous()


def test_from_numpy_and_numpy_share_memory():
    arr = np.zeros(3, dtype=np.float32)
    t = deepgrad.from_numpy(arr)
    t.add_(1)
    assert arr.tolist() == [1.0, 1.0, 1.0]
    assert deepgrad.as_tensor(arr).numpy() is arr


def test_double_backward_cast_keeps_dtype_of_gradient():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == deepgrad.float32


PROMOTION = [
    ("float32", "float64"), ("int64", "float32"), ("int32", "int64"), ("bool", "int64"),
    ("bool", "float32"), ("float16", "float32"), ("int64", "float64"),
]


@pytest.mark.parametrize("a,b", PROMOTION)
def test_promotion_between_tensors_matches_torch(a, b):
    da, db = deepgrad.ones(2, dtype=getattr(deepgrad, a)), deepgrad.ones(2, dtype=getattr(deepgrad, b if b != "bool" else "bool"))
    ta, tb = torch.ones(2, dtype=getattr(torch, a)), torch.ones(2, dtype=getattr(torch, b))
    assert (da + db).dtype.name == str((ta + tb).dtype).replace("torch.", "")
    # 0-d tensors do not widen a dimensioned tensor of the same category
    d0, t0 = deepgrad.tensor(1, dtype=getattr(deepgrad, b)), torch.tensor(1, dtype=getattr(torch, b))
    assert (da * d0).dtype.name == str((ta * t0).dtype).replace("torch.", "")


@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "bool"])
@pytest.mark.parametrize("scalar", [2, 2.5, True])
def test_promotion_with_python_scalars_matches_torch(dtype, scalar):
    d = deepgrad.ones(2, dtype=getattr(deepgrad, dtype))
    t = torch.ones(2, dtype=getattr(torch, dtype))
    ops = [lambda x: x + scalar, lambda x: x * scalar]
    if dtype != "bool" and scalar is not True:  # torch refuses subtraction with bools
        ops.append(lambda x: scalar - x)
    for op in ops:
        assert op(d).dtype.name == str(op(t).dtype).replace("torch.", "")
    assert (d / 2).dtype.name == str((t / 2).dtype).replace("torch.", "")


def test_float32_stays_float32_end_to_end():
    x = deepgrad.randn(4, 3, requires_grad=True)
    w = deepgrad.randn(3, 2, requires_grad=True)
    y = ((x @ w).tanh() * 0.5 + np.float64(1.0)).mean() / 3 - x.var() ** 2
    assert y.dtype == deepgrad.float32
    y.backward()
    assert x.grad.dtype == deepgrad.float32 and w.grad.dtype == deepgrad.float32


def test_repr_like_torch():
    assert repr(deepgrad.tensor([1.0, 2.0])) == repr(torch.tensor([1.0, 2.0]))
    assert repr(deepgrad.tensor([0.1, 2.25])) == repr(torch.tensor([0.1, 2.25]))
    assert repr(deepgrad.tensor([1, 2])) == repr(torch.tensor([1, 2]))
    assert repr(deepgrad.tensor(3.0)) == repr(torch.tensor(3.0))
    for data in ([[6.0, 12.0], [18.0, 24.0]], [-1.0, 20.0], [0.5, 12.25]):
        assert repr(deepgrad.tensor(data)) == repr(torch.tensor(data))
    assert "requires_grad=True" in repr(deepgrad.tensor([1.0], requires_grad=True))
    assert "dtype=deepgrad.float64" in repr(deepgrad.tensor([1.0], dtype=deepgrad.float64))
    y = deepgrad.tensor([1.0], requires_grad=True) * 2
    assert "grad_fn=<" in repr(y)


def test_default_dtype_can_change():
    try:
        deepgrad.set_default_dtype(deepgrad.float64)
        assert deepgrad.tensor([1.0]).dtype == deepgrad.float64
        assert deepgrad.zeros(2).dtype == deepgrad.float64
    finally:
        deepgrad.set_default_dtype(deepgrad.float32)
    with pytest.raises(TypeError):
        deepgrad.set_default_dtype(deepgrad.int64)


def test_in_place_methods_bump_version_and_match_numpy():
    x = deepgrad.ones(3)
    x.add_(1).mul_(3).sub_(1).div_(5)
    assert_close(x, np.full(3, 1.0))
    assert x._version == 4
    x.zero_()
    x.fill_(2.5)
    x.clamp_(max=2.0)
    assert_close(x, np.full(3, 2.0))
    x.copy_(deepgrad.tensor([1.0, 2.0, 3.0]))
    assert_close(x, np.array([1.0, 2.0, 3.0]))
    g = deepgrad.Generator().manual_seed(0)
    x.uniform_(-1, 1, generator=g)
    assert (x.abs() <= 1).all()
    x.normal_(0, 1)
    x.requires_grad_()
    assert x.requires_grad


def test_indexing_assignment_and_iteration():
    x = deepgrad.zeros(3, 4)
    x[1, 2] = 5.0
    x[0] = deepgrad.arange(4).float()
    x[x > 4] = -1.0
    t = torch.zeros(3, 4)
    t[1, 2] = 5.0
    t[0] = torch.arange(4).float()
    t[t > 4] = -1.0
    assert_close(x, t)
    assert [r.shape for r in x] == [(4,)] * 3
    assert len(x) == 3
