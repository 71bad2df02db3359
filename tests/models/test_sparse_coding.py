"""Sparse coding against scikit-learn: lasso codes vs sparse_encode(algorithm="lasso_cd"),
dictionary updates and DictionaryLearning against the objective they minimise."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import DictionaryLearning as SkDictionaryLearning
from sklearn.decomposition import sparse_encode as sk_sparse_encode

import deepgrad
from deepgrad.models import (DictionaryLearning, SparseCoder, lasso_objective, sparse_encode,
                             update_dictionary)


def _problem(seed=0, n=30, k=15, d=20):
    rng = np.random.default_rng(seed)
    D = rng.standard_normal((k, d))
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    true_codes = rng.standard_normal((n, k)) * (rng.random((n, k)) < 0.2)
    return true_codes @ D + 0.05 * rng.standard_normal((n, d)), D


@pytest.mark.parametrize("algorithm", ["fista", "ista"])
@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_codes_lasso_objective_within_one_percent_of_sklearn_lasso_cd(algorithm, alpha):
    X, D = _problem()
    ours = sparse_encode(X, D, alpha=alpha, algorithm=algorithm, max_iter=5000)
    theirs = sk_sparse_encode(X, D, algorithm="lasso_cd", alpha=alpha, max_iter=5000)
    # scikit-learn's lasso_cd minimises (1/(2 d)) ||x - c D||^2 + (alpha/d) ||c||_1 (it divides
    # alpha by n_features), i.e. the same 1/2 ||x - c D||^2 + alpha ||c||_1 per sample
    f_ours = lasso_objective(X, ours, D, alpha).sum()
    f_theirs = lasso_objective(X, theirs, D, alpha).sum()
    assert f_ours == pytest.approx(f_theirs, rel=0.01)
    assert f_ours <= f_theirs * (1 + 1e-6)                   # and not worse, in fact
    assert np.mean(ours == 0) > 0.2                          # sparse: exact zeros


def test_fista_needs_fewer_iterations_than_ista_for_the_same_accuracy():
    X, D = _problem(1)
    best = lasso_objective(X, sparse_encode(X, D, 0.1, "fista", max_iter=5000), D, 0.1).sum()
    gap = {a: lasso_objective(X, sparse_encode(X, D, 0.1, a, max_iter=30, tol=0), D, 0.1).sum()
           - best for a in ("fista", "ista")}
    assert 0 <= gap["fista"] < gap["ista"]


def test_sparse_coder_is_sparse_encode_with_sklearn_parameters():
    X, D = _problem()
    coder = SparseCoder(D, transform_alpha=0.3)
    np.testing.assert_array_equal(coder.transform(X), sparse_encode(X, D, 0.3))
    np.testing.assert_array_equal(coder.components_, D)
    assert clone(coder).get_params()["transform_alpha"] == 0.3
    # a tensor in gives a tensor out
    out = coder.transform(deepgrad.tensor(X, dtype=deepgrad.float32))
    assert isinstance(out, deepgrad.Tensor) and out.dtype == deepgrad.float32
    with pytest.raises(ValueError, match="X has 19 features but the dictionary's atoms have 20"):
        coder.transform(X[:, :19])
    with pytest.raises(ValueError, match="alpha .* must be >= 0, got -1"):
        sparse_encode(X, D, alpha=-1)


@pytest.mark.parametrize("method", ["bcd", "projected_gradient"])
def test_dictionary_update_decreases_the_fit_and_keeps_atoms_in_the_unit_ball(method):
    X, D = _problem(2)
    rng = np.random.default_rng(3)
    start = rng.standard_normal(D.shape)
    start /= np.linalg.norm(start, axis=1, keepdims=True)
    codes = sparse_encode(X, start, 0.1)
    new = update_dictionary(X, codes, start, method)
    fit = lambda W: 0.5 * ((X - codes @ W) ** 2).sum()   # noqa: E731
    assert fit(new) < fit(start)
    assert np.all(np.linalg.norm(new, axis=1) <= 1 + 1e-12)


def test_bcd_update_of_one_atom_is_the_constrained_least_squares_minimiser():
    """With one atom in use, BCD solves min ||R - c d^T||^2 s.t. ||d|| <= 1 exactly."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((10, 5))
    codes = np.zeros((10, 2))
    codes[:, 0] = rng.standard_normal(10) * 3
    D = np.eye(2, 5)
    new = update_dictionary(X, codes, D, "bcd", random_state=0)
    ls = codes[:, 0] @ X / (codes[:, 0] @ codes[:, 0])          # unconstrained minimiser
    expected = ls / max(np.linalg.norm(ls), 1.0)
    np.testing.assert_allclose(new[0], expected, rtol=1e-12)
    assert np.linalg.norm(new[1]) <= 1 + 1e-12                  # the unused atom restarted


def test_dictionary_learning_decreases_its_objective_and_compares_with_sklearn():
    X, _ = _problem(5, n=40)
    ours = DictionaryLearning(n_components=10, alpha=0.2, max_iter=25, random_state=0)
    codes = ours.fit_transform(X)
    assert ours.components_.shape == (10, 20) and codes.shape == (40, 10)
    assert np.all(np.diff(ours.error_) <= 1e-9 * ours.error_[0])   # monotone alternation
    sk = SkDictionaryLearning(n_components=10, alpha=0.2, max_iter=25, fit_algorithm="cd",
                              transform_algorithm="lasso_cd", transform_alpha=0.2,
                              random_state=0).fit(X)
    f_ours = lasso_objective(X, ours.transform(X), ours.components_, 0.2).sum()
    f_sk = lasso_objective(X, sk.transform(X), sk.components_, 0.2).sum()
    assert f_ours < 1.1 * f_sk                 # a non-convex problem: comparable minima
    assert clone(ours).get_params()["n_components"] == 10
    with pytest.raises(ValueError, match="X has 3 features"):
        ours.transform(X[:, :3])


def test_dictionary_learning_passes_sklearn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator
    results = check_estimator(DictionaryLearning(n_components=3, max_iter=5), on_fail=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results
              if r["status"] == "failed"]
    assert not failed, failed
