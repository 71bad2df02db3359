"""learning_curve / validation_curve against scikit-learn's on the same splits."""
import warnings

import numpy as np
import pytest

from deepgrad.model_selection import KFold, learning_curve, validation_curve

sk = pytest.importorskip("sklearn.model_selection")
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = (X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(n) > 0).astype(np.int64)
    y[rng.permutation(n)[:12]] = 2
    return X, y


def _same(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_learning_curve_defaults_equal_sklearn():
    X, y = _data()
    est = DecisionTreeClassifier(max_depth=2, random_state=0)
    _same(learning_curve(est, X, y), sk.learning_curve(est, X, y))    # stratified 5-fold
    est = LogisticRegression(max_iter=100)
    sizes = [0.5, 1.0]
    _same(learning_curve(est, X, y, train_sizes=sizes, cv=3),
          sk.learning_curve(est, X, y, train_sizes=sizes, cv=3))


@pytest.mark.parametrize("shuffle", [False, True])
def test_learning_curve_shuffle_sizes_scoring_equal_sklearn(shuffle):
    X, y = _data()
    est = DecisionTreeClassifier(max_depth=3, random_state=0)
    cv = KFold(3, shuffle=True, random_state=1)
    sizes = [5, 20, 40, 60]
    ours = learning_curve(est, X, y, cv=cv, train_sizes=sizes, scoring="f1_macro",
                          shuffle=shuffle, random_state=4)
    theirs = sk.learning_curve(est, X, y, cv=sk.KFold(3, shuffle=True, random_state=1),
                               train_sizes=sizes, scoring="f1_macro", shuffle=shuffle,
                               random_state=4)
    _same(ours, theirs)


def test_learning_curve_times_and_duplicate_warning():
    X, y = _data()
    est = DecisionTreeClassifier(random_state=0)
    with pytest.warns(RuntimeWarning, match="duplicate"):
        out = learning_curve(est, X, y, cv=3, train_sizes=[0.01, 0.011, 1.0], return_times=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sk.learning_curve(est, X, y, cv=3, train_sizes=[0.01, 0.011, 1.0])
    assert len(out) == 5 and out[3].shape == out[4].shape == (2, 3)
    _same(out[:3], ref)


def test_validation_curve_equals_sklearn():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 5))
    y = X @ rng.standard_normal(5) + 0.5 * rng.standard_normal(60)
    alphas = np.logspace(-3, 3, 5)
    ours = validation_curve(Ridge(), X, y, param_name="alpha", param_range=alphas, cv=4,
                            scoring="neg_mean_squared_error")
    theirs = sk.validation_curve(Ridge(), X, y, param_name="alpha", param_range=alphas, cv=4,
                                 scoring="neg_mean_squared_error")
    _same(ours, theirs)
    train, test = ours
    assert train.mean(1)[0] > train.mean(1)[-1]    # strong L2 underfits the training set


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_deepgrad_estimator_same_as_under_sklearns_function():
    pytest.importorskip("deepgrad.sklearn")
    from deepgrad.sklearn import MLPClassifier
    X, y = _data(60)
    net = MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    _same(learning_curve(net, X, y, cv=2, train_sizes=[0.5, 1.0]),
          sk.learning_curve(net, X, y, cv=2, train_sizes=[0.5, 1.0]))
    _same(validation_curve(net, X, y, param_name="alpha", param_range=[1e-4, 1.0], cv=2),
          sk.validation_curve(net, X, y, param_name="alpha", param_range=[1e-4, 1.0], cv=2))


def test_bad_input():
    X, y = _data()
    with pytest.raises(TypeError, match="fit"):
        learning_curve(object(), X, y)
    with pytest.raises(ValueError, match="empty"):
        learning_curve(Ridge(), X[:0], y[:0])
    with pytest.raises(ValueError, match=r"within \(0, 1\]"):
        learning_curve(Ridge(), X, y, train_sizes=[0.5, 1.5])
    with pytest.raises(ValueError, match="absolute"):
        learning_curve(Ridge(), X, y, train_sizes=[10, 1000])
    with pytest.raises(ValueError, match="samples but y has"):
        learning_curve(Ridge(), X, y[:5])
    with pytest.raises(ValueError, match="param_range is empty"):
        validation_curve(Ridge(), X, y, param_name="alpha", param_range=[])


def test_n_jobs_runs_the_same_fits_in_worker_processes():
    X, y = _data()
    est = DecisionTreeClassifier(max_depth=3, random_state=0)
    depths = [1, 2, 4]
    one = learning_curve(est, X, y, cv=3, train_sizes=[0.3, 1.0], return_times=True)
    two = learning_curve(est, X, y, cv=3, train_sizes=[0.3, 1.0], return_times=True, n_jobs=2)
    _same(two[:3], one[:3])
    _same(two[:3], sk.learning_curve(est, X, y, cv=3, train_sizes=[0.3, 1.0]))
    _same(validation_curve(est, X, y, param_name="max_depth", param_range=depths, cv=3,
                           n_jobs=-1),
          sk.validation_curve(est, X, y, param_name="max_depth", param_range=depths, cv=3))
    with pytest.warns(RuntimeWarning, match="one after another"):    # a lambda cannot travel
        lam = learning_curve(est, X, y, cv=3, train_sizes=[1.0], n_jobs=2,
                             scoring=lambda e, X, y: e.score(X, y))
    _same(lam, learning_curve(est, X, y, cv=3, train_sizes=[1.0]))
    for bad in (0, 1.5, "2"):
        with pytest.raises(ValueError, match="n_jobs"):
            learning_curve(est, X, y, cv=3, n_jobs=bad)
        with pytest.raises(ValueError, match="n_jobs"):
            validation_curve(est, X, y, param_name="max_depth", param_range=[1], n_jobs=bad)
