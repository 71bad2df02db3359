"""MLPClassifier / MLPRegressor against scikit-learn's own, step for step.

Oracle: sklearn.neural_network. With the same random_state both start from the same Glorot
weights and take the same steps (deepgrad/sklearn/_solvers.py explains the two adjustments),
so in float64 the weights, loss curves and predictions agree to rounding error.
"""
import warnings

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning

from deepgrad.sklearn import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X[::2], y[::2]          # 75 rows keep every fit in milliseconds


def fit_both(ours, theirs, X, y, **fit_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ours.fit(X, y, **fit_kw), theirs.fit(X, y, **fit_kw)


def assert_same_model(a, b, atol=1e-10):
    assert len(a.coefs_) == len(b.coefs_)
    for mine, ref in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert mine.shape == ref.shape and mine.dtype == ref.dtype
        np.testing.assert_allclose(mine, ref, rtol=0, atol=atol)
    assert a.n_iter_ == b.n_iter_
    assert a.out_activation_ == b.out_activation_
    np.testing.assert_allclose(a.loss_, b.loss_, rtol=1e-10)
    if hasattr(b, "loss_curve_"):
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)
        assert a.best_loss_ == pytest.approx(b.best_loss_, rel=1e-10) \
            if b.best_loss_ is not None else a.best_loss_ is None


CLASSIFIER_CASES = [
    dict(solver="adam"),
    dict(solver="adam", alpha=0.5, batch_size=16, activation="tanh"),
    dict(solver="sgd"),
    dict(solver="sgd", nesterovs_momentum=False, activation="logistic"),
    dict(solver="sgd", learning_rate="invscaling", power_t=0.3, learning_rate_init=0.1),
    dict(solver="sgd", learning_rate="adaptive", tol=0.5, n_iter_no_change=2),
    dict(solver="sgd", shuffle=False, momentum=0.0, activation="identity"),
    dict(solver="adam", early_stopping=True, validation_fraction=0.2),
    dict(solver="lbfgs", max_iter=30),
]


@pytest.mark.parametrize("params", CLASSIFIER_CASES, ids=lambda p: "-".join(map(str, p.values())))
def test_classifier_matches_sklearn(iris, params):
    X, y = iris
    kw = dict(hidden_layer_sizes=(6, 5), random_state=0, max_iter=12) | params
    a, b = fit_both(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, y)
    assert_same_model(a, b, atol=1e-8 if params["solver"] == "lbfgs" else 1e-10)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-9)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    if params.get("early_stopping"):
        np.testing.assert_allclose(a.validation_scores_, b.validation_scores_)
        assert a.best_validation_score_ == b.best_validation_score_


def test_binary_and_multilabel_use_logistic_outputs(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(4,), random_state=1, max_iter=8)
    labels = np.where(y == 2, "yes", "no")
    a, b = fit_both(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, labels)
    assert a.coefs_[-1].shape == (4, 1)
    assert_same_model(a, b)
    np.testing.assert_array_equal(a.classes_, b.classes_)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-10)
    Y = np.stack([y == 0, y == 1, y >= 1], axis=1).astype(int)
    a, b = fit_both(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, Y)
    assert_same_model(a, b)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("params", [dict(), dict(solver="sgd", learning_rate_init=0.01),
                                    dict(loss="poisson"), dict(solver="lbfgs", max_iter=20)])
def test_regressor_matches_sklearn(params):
    X, y = make_regression(n_samples=60, n_features=5, n_targets=2, random_state=0)
    y = y / 100
    if params.get("loss") == "poisson":
        y = np.exp(y[:, 0])
    kw = dict(hidden_layer_sizes=(7,), random_state=0, max_iter=10, alpha=0.01) | params
    a, b = fit_both(MLPRegressor(**kw), sk.MLPRegressor(**kw), X, y)
    assert_same_model(a, b, atol=1e-8)
    np.testing.assert_allclose(a.predict(X), b.predict(X), atol=1e-8)


def test_sample_weight_matches_sklearn(iris):
    X, y = iris
    w = np.linspace(0.2, 2.0, len(y))
    kw = dict(hidden_layer_sizes=(5,), random_state=0, max_iter=6, alpha=0.1)
    a, b = fit_both(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, y, sample_weight=w)
    assert_same_model(a, b)


def test_partial_fit_and_warm_start_match_sklearn(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), random_state=0)
    a, b = MLPClassifier(**kw), sk.MLPClassifier(**kw)
    for start in (0, 25, 50):
        rows = slice(start, start + 25)
        a.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
        b.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    assert_same_model(a, b)
    kw = dict(hidden_layer_sizes=(5,), random_state=0, max_iter=3, warm_start=True)
    a, b = fit_both(MLPClassifier(**kw), sk.MLPClassifier(**kw), X, y)
    a, b = fit_both(a, b, X, y)
    assert len(a.loss_curve_) == 6
    assert_same_model(a, b)


def test_float32_input_trains_in_float32(iris):
    X, y = iris
    kw = dict(hidden_layer_sizes=(5,), random_state=0, max_iter=5)
    a, b = fit_both(MLPClassifier(**kw), sk.MLPClassifier(**kw), X.astype(np.float32), y)
    assert a.coefs_[0].dtype == b.coefs_[0].dtype == np.float32
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], atol=1e-5)
