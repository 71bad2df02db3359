"""lr_find: the exponential schedule and the smoothing (closed form), the divergence point of
gradient descent on a quadratic (theory: lr > 2 / lambda_max), and a bit-exact restore."""
import copy

import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.lab import lr_find
from deepgrad.nn import functional as F


def _problem(n=64, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.array([3.0, 1, 1, 0.5, 0.2])
    y = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    return deepgrad.tensor(X), deepgrad.tensor(y[:, None])


def _leaves(state):
    if isinstance(state, dict):
        return {k: _leaves(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return [_leaves(v) for v in state]
    return state.numpy().copy() if isinstance(state, deepgrad.Tensor) else state


def _assert_bit_equal(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_bit_equal(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_bit_equal(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    else:
        assert a == b


def test_model_and_optimizer_restored_bit_for_bit():
    X, y = _problem()
    model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 1))
    model.double()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-3)
    for _ in range(3):                      # some momentum state and BN statistics
        opt.zero_grad()
        F.mse_loss(model(X), y).backward()
        opt.step()
    model.eval()
    before = _leaves(model.state_dict()), _leaves(copy.deepcopy(opt.state_dict()))
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    result = lr_find(model, opt, F.mse_loss, (X, y), 1e-4, 10.0, 30)
    assert len(result.lrs) >= 3
    after = _leaves(model.state_dict()), _leaves(opt.state_dict())
    _assert_bit_equal(before, after)
    assert not model.training and opt.param_groups[0]["lr"] == 0.01
    assert all(np.array_equal(g, p.grad.numpy()) for g, p in zip(grads, model.parameters()))


def test_schedule_and_smoothing_closed_form():
    X, y = _problem()
    model = nn.Linear(5, 1).double()
    result = lr_find(model, optim.SGD(model.parameters(), lr=1.0), F.mse_loss, (X, y),
                     start_lr=1e-6, end_lr=1e-3, num_iter=25, beta=0.9)
    assert not result.diverged and len(result.lrs) == 25
    np.testing.assert_allclose(result.lrs, np.geomspace(1e-6, 1e-3, 25), rtol=1e-12)
    ema, expected = 0.0, []
    for i, loss in enumerate(result.losses):
        ema = 0.9 * ema + 0.1 * loss
        expected.append(ema / (1 - 0.9 ** (i + 1)))
    np.testing.assert_allclose(result.smoothed, expected, rtol=1e-12)


def test_divergence_and_suggestion_against_the_stability_limit(tmp_path):
    """On L(w) = mean((Xw - y)^2), H = 2 X^T X / n: GD converges iff lr < 2 / lambda_max."""
    X, y = _problem()
    lam = np.linalg.eigvalsh(2 * X.numpy().T @ X.numpy() / len(X)).max()
    limit = 2 / lam
    model = nn.Linear(5, 1, bias=False).double()
    result = lr_find(model, optim.SGD(model.parameters(), lr=1.0), F.mse_loss, (X, y),
                     start_lr=1e-4, end_lr=100.0, num_iter=200)
    assert result.diverged and len(result.lrs) < 200
    assert result.lrs[-1] > limit                 # no blow-up below the limit
    # above the limit the error along the top eigenvector grows by |1 - lr lambda| a step,
    # from the tiny value the stable phase left: a few dozen steps to reach 5x the best loss
    assert result.lrs[-1] < 10 * limit
    raw = lr_find(model, optim.SGD(model.parameters(), lr=1.0), F.mse_loss, (X, y),
                  start_lr=1e-4, end_lr=100.0, num_iter=200, beta=0.0)
    assert limit < raw.lrs[-1] <= result.lrs[-1]  # smoothing only delays the stop
    assert result.suggestion < limit
    assert result.suggestion > 1e-3 * limit
    result.plot(tmp_path / "lr.png")
    assert (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"


def test_batches_from_an_iterable_are_cycled():
    X, y = _problem()
    batches = [(X[:32], y[:32]), (X[32:], y[32:])]
    model = nn.Linear(5, 1).double()
    result = lr_find(model, optim.SGD(model.parameters(), lr=0.1), F.mse_loss, batches,
                     1e-5, 1e-2, 7)
    assert len(result.losses) == 7


def test_bad_input_changes_nothing():
    X, y = _problem()
    model = nn.Linear(5, 1).double()
    opt = optim.SGD(model.parameters(), lr=0.1)
    w = model.weight.detach().numpy().copy()
    with pytest.raises(ValueError, match="start_lr < end_lr"):
        lr_find(model, opt, F.mse_loss, (X, y), 1.0, 0.1, 10)
    with pytest.raises(ValueError, match="num_iter"):
        lr_find(model, opt, F.mse_loss, (X, y), 1e-3, 1.0, 2)
    with pytest.raises(ValueError, match="empty"):
        lr_find(model, opt, F.mse_loss, [], 1e-3, 1.0, 10)
    with pytest.raises(TypeError, match="optimizer"):
        lr_find(model, object(), F.mse_loss, (X, y), 1e-3, 1.0, 10)
    assert np.array_equal(model.weight.detach().numpy(), w) and opt.param_groups[0]["lr"] == 0.1
