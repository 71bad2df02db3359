"""RBMs: energies against enumeration in NumPy, the CD gradient against its closed form,
log Z (exact vs visible enumeration, AIS vs exact), and BernoulliRBM against scikit-learn
(initial weights, transform, pseudo-likelihood, training, check_estimator)."""
import itertools

import numpy as np
import pytest

import deepgrad
from deepgrad.models import (BernoulliRBM, GaussianBernoulliRBM, RBM, ais_log_partition,
                             exact_log_partition)
from deepgrad.models.dbn import fit_rbm
from tests.conftest import assert_close


def _rbm(cls=RBM, D=6, H=4, scale=0.5, seed=0, **kw):
    rng = np.random.default_rng(seed)
    rbm = cls(D, H, dtype=deepgrad.float64, **kw)
    with deepgrad.no_grad():
        rbm.weight.copy_(deepgrad.tensor(rng.normal(0, scale, (H, D))))
        rbm.visible_bias.copy_(deepgrad.tensor(rng.normal(0, scale, D)))
        rbm.hidden_bias.copy_(deepgrad.tensor(rng.normal(0, scale, H)))
    W, b, c = (p.detach().numpy() for p in (rbm.weight, rbm.visible_bias, rbm.hidden_bias))
    return rbm, W, b, c


def _all_states(n):
    return np.array(list(itertools.product((0.0, 1.0), repeat=n)))


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_free_energy_and_conditionals_equal_enumeration_over_hiddens():
    rbm, W, b, c = _rbm()
    v = _all_states(6)[::5]
    hs = _all_states(4)
    energy = -(v @ b)[:, None] - (hs @ c)[None] - np.einsum("hd,nd,kh->nk", W, v, hs)
    expected_F = -np.log(np.exp(-energy).sum(1))            # F(v) = -log sum_h exp(-E)
    assert_close(rbm.free_energy(deepgrad.tensor(v)), expected_F, rtol=1e-12)
    assert_close(rbm.energy(deepgrad.tensor(v), deepgrad.tensor(hs[[3] * len(v)])),
                 energy[:, 3], rtol=1e-12)
    # p(h_j = 1 | v): the mass of states with h_j = 1 in the enumerated posterior
    post = np.exp(-energy) / np.exp(-energy).sum(1, keepdims=True)
    assert_close(rbm.mean_hiddens(deepgrad.tensor(v)), post @ hs, rtol=1e-10)
    assert_close(rbm.mean_visibles(deepgrad.tensor(hs)), _sigmoid(hs @ W + b), rtol=1e-12)


def test_gaussian_rbm_free_energy_equals_enumeration_and_conditionals():
    rbm, W, b, c = _rbm(GaussianBernoulliRBM, sigma=0.7)
    s = 0.7
    v = np.random.default_rng(1).normal(size=(5, 6))
    hs = _all_states(4)
    energy = (((v - b) ** 2).sum(1) / (2 * s * s))[:, None] - (hs @ c)[None] \
        - np.einsum("hd,nd,kh->nk", W, v / s, hs)
    assert_close(rbm.free_energy(deepgrad.tensor(v)), -np.log(np.exp(-energy).sum(1)),
                 rtol=1e-12)
    assert_close(rbm.mean_visibles(deepgrad.tensor(hs)), b + s * hs @ W, rtol=1e-12)
    assert_close(rbm.mean_hiddens(deepgrad.tensor(v)), _sigmoid(v / s @ W.T + c), rtol=1e-12)
    draws = rbm.sample_visibles(deepgrad.tensor(np.ones((20000, 4)))).numpy()
    assert np.allclose(draws.std(0), s, rtol=0.03) and np.allclose(
        draws.mean(0), b + s * W.sum(0), atol=0.03)


@pytest.mark.parametrize("persistent", [False, True])
def test_cd_loss_gradient_is_the_contrastive_divergence_update(persistent):
    rbm, W, b, c = _rbm(D=8, H=5, k=2, persistent=persistent)
    rbm.generator = deepgrad.Generator().manual_seed(3)
    v = (np.random.default_rng(2).random((7, 8)) < 0.5).astype(np.float64)
    state = rbm.generator.get_state()
    v_neg = rbm.negative_sample(deepgrad.tensor(v)).numpy()    # the sample the loss will draw
    rbm.generator.set_state(state)
    rbm.chain = None
    rbm.loss(deepgrad.tensor(v))["loss"].backward()
    h_pos, h_neg = _sigmoid(v @ W.T + c), _sigmoid(v_neg @ W.T + c)
    n = len(v)   # d loss / dW = -(h+^T v - h-^T v-) / N   (Hinton 2002)
    assert_close(rbm.weight.grad, -(h_pos.T @ v - h_neg.T @ v_neg) / n, rtol=1e-10)
    assert_close(rbm.hidden_bias.grad, -(h_pos - h_neg).sum(0) / n, rtol=1e-10)
    assert_close(rbm.visible_bias.grad, -(v - v_neg).sum(0) / n, rtol=1e-10)
    assert set(np.unique(v_neg)) <= {0.0, 1.0}
    assert (rbm.chain is not None) == persistent


def test_sparsity_penalty_is_lee_et_al_squared_gap():
    rbm, W, b, c = _rbm(sparsity_target=0.1, sparsity_cost=2.0)
    v = (np.random.default_rng(0).random((9, 6)) < 0.5).astype(np.float64)
    q = _sigmoid(v @ W.T + c).mean(0)
    terms = rbm.loss(deepgrad.tensor(v))
    assert_close(terms["sparsity"], 2.0 * ((0.1 - q) ** 2).sum(), rtol=1e-12)
    assert_close(terms["loss"], terms["contrastive_divergence"] + terms["sparsity"])


def test_exact_log_partition_equals_enumeration_over_visibles():
    rbm, W, b, c = _rbm(D=12, H=7, scale=1.0)
    v = _all_states(12)
    neg_F = v @ b + np.logaddexp(0, v @ W.T + c).sum(1)
    top = neg_F.max()
    assert exact_log_partition(rbm) == pytest.approx(top + np.log(np.exp(neg_F - top).sum()),
                                                      rel=1e-12)


def test_ais_log_partition_matches_exact_on_a_trained_10_hidden_rbm():
    from sklearn.datasets import load_digits
    X = (load_digits().data[:500] > 7).astype(np.float32)
    deepgrad.manual_seed(0)
    rbm = RBM(64, 10, persistent=True)
    fit_rbm(rbm, deepgrad.tensor(X), epochs=3, lr=0.1, batch_size=20, momentum=0.5)
    exact = exact_log_partition(rbm)
    p = X.mean(0).clip(0.02, 0.98)
    estimate, log_w = ais_log_partition(rbm, n_chains=100, n_betas=1000,
                                        base_visible_bias=np.log(p / (1 - p)))
    assert log_w.shape == (100,)
    assert abs(estimate - exact) < 0.1, (estimate, exact)
    # the data are more probable under the trained model than under the uniform distribution
    mean_log_p = -rbm.free_energy(deepgrad.tensor(X)).mean().item() - exact
    assert mean_log_p > 64 * np.log(0.5)


# --- BernoulliRBM against scikit-learn ----------------------------------------------------
def _digits(n=300):
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import minmax_scale
    X, y = load_digits(return_X_y=True)
    return minmax_scale(X[:n], feature_range=(0, 1)), y[:n]


def test_initial_weights_transform_and_score_samples_equal_sklearn():
    from sklearn.neural_network import BernoulliRBM as SkRBM
    X, _ = _digits()
    ours = BernoulliRBM(n_components=16, n_iter=0, random_state=4).fit(X)
    theirs = SkRBM(n_components=16, n_iter=0, random_state=4).fit(X)
    np.testing.assert_array_equal(ours.components_, theirs.components_)   # same N(0, 0.01) draws
    rng = np.random.default_rng(0)
    for name, shape in (("components_", (16, 64)), ("intercept_hidden_", (16,)),
                        ("intercept_visible_", (64,))):
        value = rng.normal(0, 0.3, shape)
        setattr(ours, name, value.copy())
        setattr(theirs, name, value.copy())
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-12)
    np.testing.assert_allclose(ours.score_samples(X), theirs.score_samples(X), rtol=1e-10)
    assert ours.h_samples_.shape == (10, 16)


def test_pseudo_likelihood_after_training_is_within_5_percent_of_sklearn():
    from sklearn.neural_network import BernoulliRBM as SkRBM
    X, _ = _digits(300)
    kw = dict(n_components=32, learning_rate=0.06, n_iter=5)
    ours = [BernoulliRBM(random_state=s, **kw).fit(X).score_samples(X).mean() for s in range(3)]
    theirs = [SkRBM(random_state=s, **kw).fit(X).score_samples(X).mean() for s in range(3)]
    assert abs(np.mean(ours) - np.mean(theirs)) < 0.05 * abs(np.mean(theirs)), (ours, theirs)


def test_partial_fit_gibbs_dtypes_and_deepgrad_options():
    X, _ = _digits(60)
    rbm = BernoulliRBM(n_components=8, batch_size=20, random_state=0, momentum=0.5,
                       weight_decay=1e-3, k=2, persistent=False)
    rbm.partial_fit(X)
    rbm.partial_fit(X)
    assert rbm.components_.shape == (8, 64) and rbm.components_.dtype == np.float64
    v = rbm.gibbs(X[:5])
    assert v.shape == (5, 64) and v.dtype == np.bool_
    out32 = BernoulliRBM(n_components=8, n_iter=1).fit(X.astype(np.float32)).transform(
        X.astype(np.float32))
    assert out32.dtype == np.float32
    assert "momentum=0.5" in repr(rbm)


def test_bad_input_errors_name_the_problem():
    X, _ = _digits(40)
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*\[0, 16\]"):
        BernoulliRBM(n_iter=1).fit(X * 16)
    BernoulliRBM(n_iter=1, check_range=False).fit(X * 16)   # scikit-learn's behaviour
    rbm = BernoulliRBM(n_components=4, n_iter=1).fit(X)
    with pytest.raises(ValueError, match="X has 10 features, but BernoulliRBM is expecting 64"):
        rbm.transform(X[:, :10])
    with pytest.raises(ValueError, match="learning_rate"):
        BernoulliRBM(learning_rate=0).fit(X)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(N, 6\), got \(3, 5\)"):
        RBM(6, 4).loss(deepgrad.zeros(3, 5))
    with pytest.raises(ValueError, match="sparsity_target"):
        RBM(6, 4, sparsity_target=1.5)
    with pytest.raises(ValueError, match="sigma"):
        GaussianBernoulliRBM(6, 4, sigma=0)


def test_passes_sklearn_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator
    # the two checks scikit-learn itself expects its own BernoulliRBM to fail:
    # score_samples flips a random feature per sample, so it depends on the sample order
    expected = {"check_methods_subset_invariance": "score_samples is random per sample",
                "check_methods_sample_order_invariance": "score_samples is random per sample"}
    with pytest.warns(UserWarning, match="does not inherit"):
        results = check_estimator(BernoulliRBM(n_components=4, n_iter=5, check_range=False),
                                  expected_failed_checks=expected, on_fail=None)
    bad = [(r["check_name"], r["exception"]) for r in results
           if r["status"] == "failed"]
    assert not bad, bad
    assert sum(r["status"] == "passed" for r in results) > 40


def test_deepgrad_models_import_without_sklearn():
    import os
    import subprocess
    import sys
    code = ("import sys; sys.modules['sklearn'] = None; import deepgrad.models as m; "
            "m.BernoulliRBM(n_components=2, n_iter=1).fit([[0., 1.], [1., 0.]]); print('ok')")
    env = dict(os.environ, DEEPGRAD_FUSED="0")    # no numba compilation in the child
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.stdout.strip() == "ok", out.stderr


@pytest.mark.slow
def test_full_size_digits_figures_match_sklearn_and_its_example():
    import importlib.util
    import os
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec = importlib.util.spec_from_file_location("models_rbm",
                                                  os.path.join(root, "bench", "models_rbm.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    res = bench.run(seeds=(0, 1, 2), log=lambda *a: None)
    assert res["pseudo_likelihood"]["relative_gap"] < 0.05, res["pseudo_likelihood"]
    logistic = res["logistic"]
    assert logistic["rbm_features_accuracy"] > logistic["raw_pixels_accuracy"], logistic
