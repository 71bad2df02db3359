"""Behaviour of the deepgrad.sklearn estimators that scikit-learn users rely on.

Oracles: scikit-learn's MLP (warnings, attribute availability), scikit-learn's model-selection
tools (Pipeline, clone, the searches), least squares (closed form) for NeuralNetRegressor.
"""
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from deepgrad import nn
from deepgrad.sklearn import (MLPClassifier, MLPModule, MLPRegressor, NeuralNetClassifier,
                              NeuralNetRegressor)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_signature_is_sklearns_plus_deepgrad_options():
    import inspect
    for ours, theirs in ((MLPClassifier, sk.MLPClassifier), (MLPRegressor, sk.MLPRegressor)):
        mine = list(inspect.signature(ours).parameters.values())
        ref = list(inspect.signature(theirs).parameters.values())
        assert [(p.name, p.default, p.kind) for p in mine[:len(ref)]] == \
            [(p.name, p.default, p.kind) for p in ref]
        assert [(p.name, p.default) for p in mine[len(ref):]] == \
            [("dropout", 0.0), ("batch_norm", False), ("optimizer", None), ("device", "cpu")]


def test_convergence_warning_when_max_iter_reached(iris):
    X, y = iris
    for cls in (MLPClassifier, sk.MLPClassifier):
        with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
            cls(max_iter=3, random_state=0).fit(X, y)


def test_partial_fit_only_for_stochastic_solvers(iris):
    X, y = iris
    for cls in (MLPClassifier, sk.MLPClassifier):
        assert not hasattr(cls(solver="lbfgs"), "partial_fit")
        assert hasattr(cls(solver="sgd"), "partial_fit")
    with pytest.raises(ValueError, match="classes must be passed"):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


@pytest.mark.parametrize("name,value", [("solver", "adamw"), ("alpha", -1.0),
                                         ("hidden_layer_sizes", (5, 0)), ("max_iter", 0),
                                         ("dropout", 1.0), ("optimizer", "nope"),
                                         ("learning_rate", "cosine")])
def test_bad_parameter_named_and_model_unchanged(iris, name, value):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    before = [c.copy() for c in clf.coefs_]
    clf.set_params(**{name: value})
    with pytest.raises(ValueError, match=name):
        clf.fit(X, y)
    for old, new in zip(before, clf.coefs_):
        np.testing.assert_array_equal(old, new)


def test_coefs_are_views_of_the_module(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.coefs_[0][:] = 0.0
    np.testing.assert_array_equal(clf.module_[0].weight.detach().numpy(), 0.0)


@pytest.mark.parametrize("options", [dict(dropout=0.2), dict(batch_norm=True),
                                     dict(optimizer="adamw"), dict(optimizer="rmsprop")])
def test_deepgrad_options_learn_iris(iris, options):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=150,
                        random_state=0, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 3


def test_pickle_and_clone_keep_predictions(iris):
    X, y = iris
    for est in (MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0, dropout=0.1),
                NeuralNetClassifier(MLPModule, module__hidden_layer_sizes=(8,), max_epochs=5,
                                    random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y)
        again = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
        twin = clone(est)
        assert twin.get_params() == est.get_params() and not hasattr(twin, "module_")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("search", ["grid", "random", "halving"])
def test_searches_with_two_jobs(iris, search):
    X, y = iris
    pipe = make_pipeline(StandardScaler(),
                         NeuralNetClassifier(MLPModule, max_epochs=3, random_state=0))
    grid = {"neuralnetclassifier__lr": [0.01, 0.05],
            "neuralnetclassifier__module__hidden_layer_sizes": [(4,), (16,)]}
    if search == "grid":
        cv = GridSearchCV(pipe, grid, cv=2, n_jobs=2)
    elif search == "random":
        cv = RandomizedSearchCV(pipe, grid, n_iter=3, cv=2, n_jobs=2, random_state=0)
    else:
        cv = HalvingGridSearchCV(pipe, grid, cv=2, n_jobs=2, min_resources=40, random_state=0)
    cv.fit(X, y)
    assert set(cv.best_params_) == set(grid)
    assert cv.best_estimator_[-1].module_.layers[0].out_features == \
        cv.best_params_["neuralnetclassifier__module__hidden_layer_sizes"][0]
    mlp_cv = GridSearchCV(MLPClassifier(max_iter=5, random_state=0),
                          {"hidden_layer_sizes": [(3,), (9,)]}, cv=2, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp_cv.fit(X, y)
    assert mlp_cv.best_estimator_.coefs_[0].shape[1] == mlp_cv.best_params_["hidden_layer_sizes"][0]


def test_neural_net_params_are_routed():
    net = NeuralNetClassifier(MLPModule, module__hidden_layer_sizes=(7,), optimizer__betas=(0.8,
                              0.9), criterion__label_smoothing=0.1)
    params = net.get_params()
    assert params["module__hidden_layer_sizes"] == (7,)
    net.set_params(module__hidden_layer_sizes=(3, 3), lr=0.5)
    assert net.module__hidden_layer_sizes == (3, 3) and net.lr == 0.5
    X = np.random.RandomState(0).randn(30, 4)
    net.set_params(max_epochs=1).fit(X, np.arange(30) % 3)
    assert [m.out_features for m in net.module_.layers if isinstance(m, nn.Linear)] == [3, 3, 3]
    assert net.optimizer_.param_groups[0]["betas"] == (0.8, 0.9)
    assert net.criterion_.label_smoothing == 0.1
    with pytest.raises(ValueError, match="modul__x"):
        NeuralNetClassifier(MLPModule, modul__x=1).fit(X, np.arange(30) % 3)


def test_neural_net_regressor_reaches_least_squares():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.01 * rng.randn(40)
    module = nn.Linear(3, 1)
    net = NeuralNetRegressor(module, optimizer="sgd", lr=0.1, batch_size=40, max_epochs=400,
                             random_state=0).fit(X, y)
    A = np.c_[X, np.ones(40)]
    solution = np.linalg.lstsq(A, y, rcond=None)[0]
    fitted = np.r_[net.module_.weight.detach().numpy().ravel(), net.module_.bias.detach().numpy()]
    np.testing.assert_allclose(fitted, solution, atol=1e-4)
    assert module.weight is not net.module_.weight      # the instance passed in is not trained
    assert net.predict(X).shape == (40,)


def test_import_error_names_the_extra():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "try:\n    import deepgrad.sklearn\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "pip install deepgrad[sklearn]" in out


def test_fit_leaves_global_switches_as_it_found_them(iris):
    """Small networks train on one BLAS thread with the NumPy update kernels; afterwards
    the process's BLAS pools and the fused-loop switch are as before (threadpoolctl's view)."""
    from threadpoolctl import threadpool_info

    from deepgrad.optim import _fused
    X, y = iris
    before = [(p["filepath"], p["num_threads"]) for p in threadpool_info()]
    switch = _fused.ENABLED
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X, y).predict(X)
    assert [(p["filepath"], p["num_threads"]) for p in threadpool_info()] == before
    assert _fused.ENABLED == switch
