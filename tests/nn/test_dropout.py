"""Dropout variants: statistics of the masks, scaling, eval identity, gradients, errors.

The masks are random, so the checks are statistical with tolerances derived from the
sample size (several standard errors), or exact about structure (zeros vs scaled values).
"""
import math
import warnings

import numpy as np
import pytest

import deepgrad
import deepgrad.nn.functional as F
from deepgrad import nn
from deepgrad.autograd import gradcheck, gradgradcheck
from tests.conftest import assert_close, to_numpy

torch = pytest.importorskip("torch")

SELU_ALPHA_PRIME = 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _ones(*shape):
    return deepgrad.ones(*shape, dtype=deepgrad.float64, requires_grad=True)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_fraction_scaling_and_gradient(p):
    n = 200_000
    x = deepgrad.tensor(np.random.default_rng(0).uniform(0.5, 1.5, n), requires_grad=True)
    y = F.dropout(x, p, training=True)
    yv, xv = to_numpy(y), to_numpy(x)
    dropped = yv == 0
    # the zeroed fraction is a mean of n Bernoulli(p) draws: standard error sqrt(p(1-p)/n)
    assert abs(dropped.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(yv[~dropped], xv[~dropped] / (1 - p), rtol=1e-12)
    y.sum().backward()
    g = to_numpy(x.grad)
    np.testing.assert_allclose(g[~dropped], 1 / (1 - p), rtol=1e-12)
    assert (g[dropped] == 0).all()


def test_dropout_keeps_float32():
    y = F.dropout(deepgrad.ones(1000), 0.5)
    assert y.dtype == deepgrad.float32
    assert set(np.unique(to_numpy(y))) <= {0.0, 2.0}


def test_dropout_eval_and_p0_are_identity_p1_zeroes():
    x = deepgrad.randn(5, 4, requires_grad=True)
    for m in (nn.Dropout(0.5), nn.Dropout2d(0.5), nn.AlphaDropout(0.5), nn.Dropout1d(0.5)):
        m.eval()
        xin = x.reshape(5, 4, 1, 1) if isinstance(m, nn.Dropout2d) else x
        assert_close(m(xin), xin)
    assert_close(F.dropout(x, 0.0, training=True), x)
    assert_close(F.alpha_dropout(x, 0.5), x)  # training=False by default, as in torch
    y = F.dropout(x, 1.0, training=True)
    assert_close(y, np.zeros((5, 4), np.float32))
    y.sum().backward()
    assert_close(x.grad, np.zeros((5, 4), np.float32))


def test_module_follows_train_eval():
    drop = nn.Dropout(0.5)
    x = deepgrad.ones(100, 100)
    assert (to_numpy(drop(x)) == 0).any()
    drop.eval()
    assert (to_numpy(drop(x)) == 1).all()
    drop.train()
    assert (to_numpy(drop(x)) == 0).any()


@pytest.mark.parametrize("cls,shape,per", [(nn.Dropout2d, (40, 50, 3, 4), (2, 3)),
                                            (nn.Dropout2d, (50, 3, 4), (2,)),  # as (N, C, L)
                                            (nn.Dropout1d, (40, 50, 6), (2,)),
                                            (nn.Dropout1d, (50, 6), (1,))])
def test_channel_dropout_zeroes_whole_channels(cls, shape, per):
    p = 0.3
    x = deepgrad.tensor(np.random.default_rng(1).uniform(1, 2, shape))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Dropout2d on 3-D input warns, as torch does
        y = to_numpy(cls(p)(x))
    zero = y == 0
    whole = zero.all(axis=per)
    assert (zero.any(axis=per) == whole).all(), "a channel is partly zeroed"
    np.testing.assert_allclose(y[~zero], to_numpy(x)[~zero] / (1 - p), rtol=1e-12)
    n = whole.size
    assert abs(whole.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_dropout2d_on_3d_input_warns_like_torch():
    with pytest.warns(UserWarning, match="3D input"):
        F.dropout2d(deepgrad.ones(2, 3, 4), 0.5)


def test_alpha_dropout_values_match_torch_constants():
    """On x = 0 the output takes two values: b (kept) and b - a * alpha' (dropped); on x = 1
    kept elements become a + b. Recover torch's a and b that way and compare with ours."""
    p, n = 0.2, 20_000

    def levels(fn, value):
        return np.unique(np.round(fn(value), 12))

    def ours(v):
        x = deepgrad.full((n,), v, dtype=deepgrad.float64)
        return to_numpy(F.alpha_dropout(x, p, training=True))

    def theirs(v):
        x = torch.full((n,), v, dtype=torch.float64)
        return torch.nn.functional.alpha_dropout(x, p, training=True).numpy()
    np.testing.assert_allclose(levels(ours, 0.0), levels(theirs, 0.0), rtol=1e-10)
    np.testing.assert_allclose(levels(ours, 1.0), levels(theirs, 1.0), rtol=1e-10)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_alpha_dropout_preserves_standard_moments(p):
    n = 400_000
    x = deepgrad.tensor(np.random.default_rng(2).standard_normal(n))
    y = to_numpy(nn.AlphaDropout(p)(x))
    # standard errors of the sample mean and variance, estimated from the sample itself
    se_mean = y.std() / math.sqrt(n)
    se_var = ((y - y.mean()) ** 2).std() / math.sqrt(n)
    assert abs(y.mean()) < 5 * se_mean
    assert abs(y.var() - 1.0) < 5 * se_var
    a = ((1 - p) * (1 + p * SELU_ALPHA_PRIME ** 2)) ** -0.5
    dropped_value = -SELU_ALPHA_PRIME * a * (1 - p)  # a * (-alpha') + b, b = a * alpha' * p
    assert abs((np.abs(y - dropped_value) < 1e-9).mean() - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_generator_makes_masks_reproducible():
    x = deepgrad.ones(64, 64)
    g1, g2 = deepgrad.Generator().manual_seed(7), deepgrad.Generator().manual_seed(7)
    a = to_numpy(F.dropout(x, 0.5, generator=g1))
    assert_close(F.dropout(x, 0.5, generator=g2), a)
    assert not np.array_equal(to_numpy(F.dropout(x, 0.5, generator=g1)), a)
    m1 = nn.Dropout(0.5, generator=deepgrad.Generator().manual_seed(3))
    m2 = nn.Dropout(0.5, generator=deepgrad.Generator().manual_seed(3))
    assert_close(m1(x), m2(x))
    deepgrad.manual_seed(11)
    b = to_numpy(F.dropout(x, 0.5))
    deepgrad.manual_seed(11)
    assert_close(F.dropout(x, 0.5), b)


@pytest.mark.parametrize("fn", [
    lambda x, g: F.dropout(x, 0.4, generator=g),
    lambda x, g: F.dropout2d(x.reshape(2, 3, 2, 1), 0.4, generator=g),
    lambda x, g: F.alpha_dropout(x, 0.4, training=True, generator=g),
])
def test_gradcheck_with_a_fixed_mask(fn):
    x = deepgrad.tensor(np.random.default_rng(3).standard_normal((6, 2)), requires_grad=True)

    def fixed(x):  # the same mask at every evaluation: a fresh generator with one seed
        return fn(x, deepgrad.Generator().manual_seed(5))
    assert gradcheck(fixed, (x,))
    assert gradgradcheck(fixed, (x,))


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_p_out_of_range_is_rejected(bad):
    for make in (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout):
        with pytest.raises(ValueError, match=f"between 0 and 1, but got {bad}"):
            make(bad)
    for fn in (F.dropout, F.dropout1d, F.dropout2d, F.alpha_dropout):
        with pytest.raises(ValueError, match="between 0 and 1"):
            fn(deepgrad.ones(2, 3, 4), bad, True)


def test_repr_and_inplace_match_torch():
    for ours, theirs in [(nn.Dropout(0.2), torch.nn.Dropout(0.2)),
                         (nn.Dropout2d(0.1, inplace=True), torch.nn.Dropout2d(0.1, inplace=True)),
                         (nn.AlphaDropout(0.3), torch.nn.AlphaDropout(0.3))]:
        assert repr(ours) == repr(theirs)
    x = deepgrad.ones(10)
    assert to_numpy(nn.Dropout(0.5, inplace=True)(x)).shape == (10,)


def test_channel_dropout_bad_rank():
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(deepgrad.ones(2, 3, 4, 5), 0.5)
