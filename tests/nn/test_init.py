"""nn.init against torch.nn.init: gains, fans, and the statistics of each distribution."""
import math

import numpy as np
import pytest

import deepgrad
import deepgrad.nn as nn
from deepgrad.nn import init

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name,param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                        ("tanh", None), ("relu", None), ("leaky_relu", None),
                                        ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)),
                                        ("selu", None)])
def test_calculate_gain(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name,
                                                                                        param))


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swishy")


@pytest.mark.parametrize("shape", [(30, 20), (8, 4, 3, 3), (5, 6, 7)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(deepgrad.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(deepgrad.empty(3))


SHAPE = (256, 64, 3, 3)  # 147k numbers: sample statistics within ~1% of the population's


def _stats(a):
    a = np.asarray(a, dtype=np.float64)
    return a.mean(), a.std(), a.min(), a.max()


CASES = [
    ("uniform_", dict(a=-0.3, b=0.7)), ("normal_", dict(mean=0.5, std=2.0)),
    ("trunc_normal_", dict(mean=0.1, std=1.0, a=-1.0, b=1.5)),
    ("xavier_uniform_", dict(gain=1.5)), ("xavier_normal_", dict(gain=0.5)),
    ("kaiming_uniform_", dict(a=math.sqrt(5))), ("kaiming_uniform_", dict(mode="fan_out",
                                                                          nonlinearity="relu")),
    ("kaiming_normal_", dict()), ("kaiming_normal_", dict(a=0.1, mode="fan_out")),
    ("orthogonal_", dict(gain=2.0)),
]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}{sorted(k)}" for n, k in CASES])
def test_distribution_statistics_match_torch(name, kw):
    ours = getattr(init, name)(deepgrad.empty(*SHAPE, dtype=deepgrad.float64), **kw)
    theirs = getattr(torch.nn.init, name)(torch.empty(*SHAPE, dtype=torch.float64), **kw)
    m, s, lo, hi = _stats(ours.numpy())
    mt, st, lot, hit = _stats(theirs.numpy())
    assert abs(s - st) < 0.02 * st, "std"
    assert abs(m - mt) < 0.02 * st + 0.01 * abs(mt), "mean"
    if name in ("uniform_", "xavier_uniform_", "kaiming_uniform_", "trunc_normal_"):
        # bounded: same support (sample extremes within 1% of the range of each other)
        span = hit - lot
        assert abs(lo - lot) < 0.01 * span and abs(hi - hit) < 0.01 * span
        if name == "trunc_normal_":
            assert lo >= kw["a"] and hi <= kw["b"]


def test_orthogonal_is_orthogonal():
    for shape in [(6, 10), (10, 6), (4, 3, 2, 2)]:
        w = init.orthogonal_(deepgrad.empty(*shape, dtype=deepgrad.float64), gain=1.5).numpy()
        flat = w.reshape(shape[0], -1)
        small = min(flat.shape)
        gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
        np.testing.assert_allclose(gram, 2.25 * np.eye(small), atol=1e-12)


def test_constant_ones_zeros_eye_dirac_match_torch():
    for name, args in [("constant_", (0.3,)), ("ones_", ()), ("zeros_", ())]:
        ours = getattr(init, name)(deepgrad.empty(3, 4, dtype=deepgrad.float64), *args)
        theirs = getattr(torch.nn.init, name)(torch.empty(3, 4, dtype=torch.float64), *args)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(init.eye_(deepgrad.empty(3, 5)).numpy(),
                                  torch.nn.init.eye_(torch.empty(3, 5)).numpy())
    for shape, groups in [((4, 3, 3), 1), ((6, 2, 3, 3), 2), ((4, 4, 1, 3, 3), 1)]:
        np.testing.assert_array_equal(
            init.dirac_(deepgrad.empty(*shape), groups).numpy(),
            torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(deepgrad.empty(2, 2, 2))


def test_sparse_zeroes_the_right_count_per_column():
    w = init.sparse_(deepgrad.empty(20, 30, dtype=deepgrad.float64), sparsity=0.3, std=0.5)
    zeros = (w.numpy() == 0).sum(axis=0)
    assert (zeros == math.ceil(0.3 * 20)).all()
    nz = w.numpy()[w.numpy() != 0]
    assert abs(nz.std() - 0.5) < 0.05


def test_lecun_statistics():
    fan_in = SHAPE[1] * 9
    u = init.lecun_uniform_(deepgrad.empty(*SHAPE, dtype=deepgrad.float64)).numpy()
    bound = math.sqrt(3.0 / fan_in)
    assert u.max() <= bound and u.min() >= -bound and abs(u.max() - bound) < 0.01 * bound
    n = init.lecun_normal_(deepgrad.empty(*SHAPE, dtype=deepgrad.float64)).numpy()
    assert abs(n.std() - 1 / math.sqrt(fan_in)) < 0.01 / math.sqrt(fan_in)


def test_generator_makes_draws_reproducible_and_inplace_keeps_identity():
    a = deepgrad.empty(5, 5)
    g = deepgrad.Generator().manual_seed(7)
    out = init.kaiming_normal_(a, generator=g)
    assert out is a
    v = a._version
    b = init.kaiming_normal_(deepgrad.empty(5, 5), generator=deepgrad.Generator().manual_seed(7))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    init.normal_(a)
    assert a._version > v


def test_init_works_on_parameters_without_recording_graph():
    lin = nn.Linear(3, 4)
    init.xavier_uniform_(lin.weight)
    init.zeros_(lin.bias)
    assert lin.weight.is_leaf and lin.weight.grad_fn is None and lin.weight.requires_grad
    assert not lin.bias.detach().numpy().any()
    assert lin.weight.dtype == deepgrad.float32
