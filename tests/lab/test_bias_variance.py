"""bias_variance_decomp against mlxtend.evaluate.bias_variance_decomp (same bootstrap draws)
and the closed-form identity loss = bias^2 + variance for squared error."""
import numpy as np
import pytest

from deepgrad.lab import bias_variance_curve, bias_variance_decomp

mlxtend = pytest.importorskip("mlxtend.evaluate")
tree = pytest.importorskip("sklearn.tree")


def _regression(seed=0, n=60):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = np.sin(3 * X[:, 0]) + X[:, 1] + 0.2 * rng.standard_normal(n)
    return X[:40], y[:40], X[40:], y[40:]


def _classification(seed=0, n=80):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 + 0.3 * rng.standard_normal(n) > 0.3).astype(np.int64)
    y[X[:, 2] > 1.2] = 2
    return X[:50], y[:50], X[50:], y[50:]


def test_mse_equals_mlxtend_for_a_sklearn_tree():
    data = _regression()
    est = tree.DecisionTreeRegressor(max_depth=3, random_state=0)
    ours = bias_variance_decomp(est, *data, loss="mse", num_rounds=25, random_seed=7)
    theirs = mlxtend.bias_variance_decomp(est, *data, loss="mse", num_rounds=25, random_seed=7)
    np.testing.assert_allclose(tuple(ours), theirs, rtol=1e-12)
    assert ours.expected_loss == pytest.approx(ours.bias + ours.variance, rel=1e-12)


def test_zero_one_equals_mlxtend_for_a_sklearn_tree():
    data = _classification()
    est = tree.DecisionTreeClassifier(max_depth=4, random_state=0)
    ours = bias_variance_decomp(est, *data, loss="0-1_loss", num_rounds=30, random_seed=3)
    theirs = mlxtend.bias_variance_decomp(est, *data, loss="0-1_loss", num_rounds=30,
                                          random_seed=3)
    np.testing.assert_allclose(tuple(ours), theirs, rtol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_deepgrad_sklearn_estimator_and_factory_agree_with_mlxtend():
    pytest.importorskip("deepgrad.sklearn")
    from deepgrad.sklearn import MLPRegressor
    data = _regression(n=50)
    kw = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, solver="lbfgs")
    est = MLPRegressor(**kw)
    ours = bias_variance_decomp(est, *data, loss="mse", num_rounds=4, random_seed=1)
    theirs = mlxtend.bias_variance_decomp(est, *data, loss="mse", num_rounds=4, random_seed=1)
    np.testing.assert_allclose(tuple(ours), theirs, rtol=1e-10)
    fresh = bias_variance_decomp(lambda: MLPRegressor(**kw), *data, loss="mse", num_rounds=4,
                                 random_seed=1)
    np.testing.assert_allclose(tuple(fresh), theirs, rtol=1e-10)


def test_a_class_is_a_factory():
    data = _regression()
    from sklearn.linear_model import LinearRegression
    ours = bias_variance_decomp(LinearRegression, *data, num_rounds=5, random_seed=2)
    theirs = mlxtend.bias_variance_decomp(LinearRegression(), *data, loss="mse",
                                          num_rounds=5, random_seed=2)
    np.testing.assert_allclose(tuple(ours), theirs, rtol=1e-12)


def test_string_labels_and_unpacking():
    X_train, y_train, X_test, y_test = _classification()
    names = np.array(["a", "b", "c"])
    est = tree.DecisionTreeClassifier(max_depth=2, random_state=0)
    loss, bias, var = bias_variance_decomp(est, X_train, names[y_train], X_test, names[y_test],
                                           loss="0-1_loss", num_rounds=10, random_seed=0)
    ref = mlxtend.bias_variance_decomp(est, X_train, y_train, X_test, y_test, loss="0-1_loss",
                                       num_rounds=10, random_seed=0)
    np.testing.assert_allclose((loss, bias, var), ref, rtol=1e-12)


class Poly:
    def __init__(self, degree):
        self.degree = degree

    def fit(self, X, y):
        self.coef = np.polyfit(X.ravel(), y, self.degree)
        return self

    def predict(self, X):
        return np.polyval(self.coef, X.ravel())


def test_u_curve_bias_falls_variance_rises(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 30)
    y = np.sin(np.pi * x) + 0.3 * rng.standard_normal(30)
    X_test = np.linspace(-0.9, 0.9, 50)[:, None]
    curve = bias_variance_curve(Poly, [1, 3, 9], x[:, None], y, X_test,
                                np.sin(np.pi * X_test.ravel()), num_rounds=40, random_seed=0)
    assert curve.bias[0] > curve.bias[1]             # a line cannot follow a sine
    assert curve.variance[2] > 3 * curve.variance[1]  # degree 9 on 30 noisy points chases noise
    assert np.argmin(curve.expected_loss) == 1
    curve.plot(tmp_path / "u.png")
    assert (tmp_path / "u.png").stat().st_size > 1000


def test_bad_input():
    data = _regression()
    with pytest.raises(TypeError, match="fit and predict"):
        bias_variance_decomp(object(), *data)
    with pytest.raises(ValueError, match="loss"):
        bias_variance_decomp(Poly(1), *data, loss="hinge")
    with pytest.raises(ValueError, match="empty"):
        bias_variance_decomp(Poly(1), data[0][:0], data[1][:0], data[2], data[3])
    with pytest.raises(ValueError, match="lengths"):
        bias_variance_decomp(Poly(1), data[0], data[1][:5], data[2], data[3])
    with pytest.raises(ValueError, match="strictly increasing"):
        bias_variance_curve(Poly, [1, 3, 2], *data)
    with pytest.raises(ValueError, match="empty"):
        bias_variance_curve(Poly, [], *data)
