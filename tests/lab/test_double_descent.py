"""double_descent and RandomFeaturesRegressor: the last layer against closed-form least squares
(normal equations, the kernel form, gradient descent from zero), the whole sweep against an
independent np.linalg.lstsq computation, and the shape of the curve on MNIST-1D (peak at
width = n, falling again past it)."""
import numpy as np
import pytest

from deepgrad.datasets import load_mnist1d
from deepgrad.lab import RandomFeaturesRegressor, double_descent


def _relu_features(X, W):
    return np.maximum(X @ W / np.sqrt(X.shape[1]), 0.0)


@pytest.fixture(scope="module")
def mnist1d():
    d = load_mnist1d()
    return d["x"][:300], d["y"][:300], d["x_test"][:300], d["y_test"][:300]


@pytest.mark.parametrize("p", [8, 60])          # under- and over-parameterised (n = 20)
def test_last_layer_is_the_minimum_norm_least_squares_solution(p):
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((20, 5)), rng.standard_normal((20, 3))
    model = RandomFeaturesRegressor(p, random_state=4).fit(X, Y)
    Phi = _relu_features(X, model.weights_)
    if p < 20:      # full column rank: the normal equations
        expected = np.linalg.solve(Phi.T @ Phi, Phi.T @ Y)
    else:           # full row rank: the interpolant of least norm, Phi^T (Phi Phi^T)^-1 Y
        expected = Phi.T @ np.linalg.solve(Phi @ Phi.T, Y)
        np.testing.assert_allclose(Phi @ model.coef_, Y, atol=1e-9)
    np.testing.assert_allclose(model.coef_, expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.predict(X[:4]), Phi[:4] @ expected, atol=1e-8)


def test_gradient_descent_from_zero_reaches_the_same_weights():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((10, 4)), rng.standard_normal(10)
    model = RandomFeaturesRegressor(30, random_state=0).fit(X, y)
    Phi = _relu_features(X, model.weights_)
    beta = np.zeros(30)
    lr = 1.0 / np.linalg.norm(Phi, 2) ** 2
    for _ in range(20000):              # stays in the row space of Phi: the min-norm answer
        beta -= lr * Phi.T @ (Phi @ beta - y)
    np.testing.assert_allclose(model.coef_, beta, atol=1e-6)


def test_ridge_matches_the_penalised_normal_equations():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((15, 4)), rng.standard_normal(15)
    model = RandomFeaturesRegressor(15, ridge=0.3, random_state=1).fit(X, y)
    Phi = _relu_features(X, model.weights_)
    np.testing.assert_allclose(model.coef_, np.linalg.solve(Phi.T @ Phi + 0.3 * np.eye(15),
                                                            Phi.T @ y), rtol=1e-8)


def test_one_seed_equals_an_independent_lstsq_computation(mnist1d):
    X, y, Xt, yt = (a[:60] for a in mnist1d)
    widths = [10, 30, 90]
    result = double_descent(X, y, Xt, yt, widths, n_seeds=1, random_seed=5)
    # the documented draws: one Generator([random_seed, seed]) and a (d, max width) layer
    W = np.random.default_rng([5, 0]).standard_normal((40, 90))
    Y, Yt = np.eye(10)[y], np.eye(10)[yt]
    for j, p in enumerate(widths):
        beta = np.linalg.lstsq(_relu_features(X, W[:, :p]), Y, rcond=None)[0]
        predicted = _relu_features(Xt, W[:, :p]) @ beta
        assert result.test_mse[j] == pytest.approx(((predicted - Yt) ** 2).sum(1).mean(),
                                                   rel=1e-6)
        assert result.test_error[j] == pytest.approx((predicted.argmax(1) != yt).mean())
    assert result.variance.max() == 0.0          # one seed: nothing varies


def test_peak_at_the_interpolation_threshold_and_second_descent(mnist1d):
    widths = [5, 10, 20, 30, 40, 50, 80, 160, 640]
    result = double_descent(*mnist1d, widths, n_train=40, n_seeds=4, random_seed=0)
    at_n = widths.index(40)
    assert result.peak_width == 40
    assert result.test_mse[-1] < result.test_mse[at_n] / 10    # it falls again past n
    assert result.test_mse[-1] < result.test_mse[widths.index(80)]
    assert result.test_error[at_n] > result.test_error[-1]
    np.testing.assert_allclose(result.train_error[at_n:], 0.0)  # interpolation from p = n on
    assert result.train_error[0] > 0.3
    np.testing.assert_allclose(result.bias + result.variance, result.test_mse, rtol=1e-10)
    assert np.argmax(result.variance) == at_n                  # the peak is variance
    smoothed = double_descent(*mnist1d, widths, n_train=40, n_seeds=4, random_seed=0, ridge=0.1)
    assert smoothed.test_mse[at_n] < result.test_mse[at_n] / 10  # a ridge removes the peak


def test_label_noise_and_subsets(mnist1d):
    result = double_descent(*mnist1d, [10, 40, 160], n_train=40, n_seeds=2, label_noise=0.5)
    clean = double_descent(*mnist1d, [10, 40, 160], n_train=40, n_seeds=2)
    assert result.n_train == 40 and result.label_noise == 0.5
    assert result.test_mse[-1] > clean.test_mse[-1]      # interpolating noise costs at test
    np.testing.assert_allclose(result.train_error[1:], 0.0)    # ... but still interpolated
    assert "variance" in result.table().splitlines()[0]


def test_plot(mnist1d, tmp_path):
    pytest.importorskip("matplotlib")
    result = double_descent(*mnist1d, [10, 40, 160], n_train=40, n_seeds=2)
    result.plot(tmp_path / "dd.png")
    assert (tmp_path / "dd.png").stat().st_size > 1000


def test_regression_targets():
    rng = np.random.default_rng(0)
    X, Xt = rng.standard_normal((30, 3)), rng.standard_normal((50, 3))
    y, yt = X.sum(1), Xt.sum(1)
    result = double_descent(X, y, Xt, yt, [10, 30, 200], n_seeds=3)
    assert not result.classification
    np.testing.assert_allclose(result.test_error, result.test_mse)
    assert result.peak_width == 30


@pytest.mark.parametrize("kwargs, message", [
    (dict(widths=[10, 10, 20]), "strictly increasing"),
    (dict(widths=[20, 10]), "strictly increasing"),
    (dict(widths=[]), "non-empty"),
    (dict(widths=[0, 5]), "positive ints"),
    (dict(widths=[5], n_train=500), "n_train"),
    (dict(widths=[5], n_seeds=0), "n_seeds"),
    (dict(widths=[5], label_noise=1.5), "label_noise"),
    (dict(widths=[5], ridge=-1.0), "ridge"),
])
def test_bad_arguments(kwargs, message):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3)), rng.integers(0, 2, 20)
    with pytest.raises(ValueError, match=message):
        double_descent(X, y, X, y, **kwargs)


def test_bad_data():
    X, y = np.zeros((20, 3)), np.zeros(20, dtype=np.int64)
    with pytest.raises(ValueError, match="X_train is empty"):
        double_descent(X[:0], y[:0], X, y, [5])
    with pytest.raises(ValueError, match="same number of columns"):
        double_descent(X, y, X[:, :2], y, [5])
    with pytest.raises(ValueError, match="lengths differ"):
        double_descent(X, y[:10], X, y, [5])
    with pytest.raises(ValueError, match="label_noise needs integer class labels"):
        double_descent(X, y.astype(float), X, y.astype(float), [5], label_noise=0.1)
    with pytest.raises(ValueError, match="2-D"):
        RandomFeaturesRegressor(5).fit(np.zeros(4), np.zeros(4))


def test_with_bias_variance_curve_the_peak_is_at_the_distinct_bootstrap_rows():
    from deepgrad.lab import bias_variance_curve
    rng = np.random.default_rng(0)
    X, Xt = rng.standard_normal((40, 5)), rng.standard_normal((200, 5))
    truth = lambda X: np.sin(X[:, 0]) + X[:, 1]         # noqa: E731
    y = truth(X) + 0.3 * rng.standard_normal(40)
    widths = [4, 8, 16, 22, 24, 26, 28, 30, 40, 640]
    curve = bias_variance_curve(lambda p: RandomFeaturesRegressor(p, random_state=0), widths,
                                X, y, Xt, truth(Xt), num_rounds=15, random_seed=0)
    # a bootstrap sample repeats rows: the fit interpolates once p reaches the number of
    # distinct rows (mlxtend's draws, replayed here), not n = 40
    draws = np.random.RandomState(0)
    distinct = [len(np.unique(draws.choice(np.arange(40), size=40, replace=True)))
                for _ in range(15)]
    peak = widths[int(np.argmax(curve.expected_loss))]
    assert min(distinct) <= peak <= max(distinct) < 40
    assert np.argmax(curve.variance) == np.argmax(curve.expected_loss)   # a variance peak
    assert curve.expected_loss[-1] < curve.expected_loss[:3].min()     # below the U's best
