"""deepgrad.metrics against scikit-learn on random data, every average option."""
import warnings

import numpy as np
import pytest

import deepgrad
from deepgrad import metrics as M

pytest.importorskip("sklearn")
from sklearn import metrics as skm  # noqa: E402


def _cls(seed, n=60, k=3, labels=None):
    rng = np.random.default_rng(seed)
    labels = np.arange(k) if labels is None else np.asarray(labels)
    return labels[rng.integers(0, len(labels), n)], labels[rng.integers(0, len(labels), n)]


def _probs(seed, n=60, k=3):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * 2
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


KINDS = [np.asarray, list, lambda a: deepgrad.tensor(a)]


@pytest.mark.parametrize("kind", KINDS, ids=["numpy", "list", "tensor"])
@pytest.mark.parametrize("seed", [0, 1])
def test_accuracy(kind, seed):
    yt, yp = _cls(seed)
    w = np.random.default_rng(seed).uniform(size=len(yt))
    assert M.accuracy_score(kind(yt), kind(yp)) == pytest.approx(skm.accuracy_score(yt, yp))
    assert M.accuracy_score(yt, yp, normalize=False) == skm.accuracy_score(yt, yp,
                                                                           normalize=False)
    assert M.accuracy_score(yt, yp, sample_weight=w) == pytest.approx(
        skm.accuracy_score(yt, yp, sample_weight=w))


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracy(k):
    yt, _ = _cls(3, k=4)
    s = _probs(3, k=4)
    s[:5] = 0.25  # ties
    assert M.top_k_accuracy_score(yt, s, k=k) == pytest.approx(
        skm.top_k_accuracy_score(yt, s, k=k))
    assert M.top_k_accuracy_score(deepgrad.tensor(yt), deepgrad.tensor(s), k=k,
                                  normalize=False) == skm.top_k_accuracy_score(
        yt, s, k=k, normalize=False)
    ybin = (yt > 1).astype(int)
    sb = s[:, 0]
    assert M.top_k_accuracy_score(ybin, sb, k=1) == pytest.approx(
        skm.top_k_accuracy_score(ybin, sb, k=1))
    labels = [10, 20, 30, 40]
    yl = np.array(labels)[yt]
    assert M.top_k_accuracy_score(yl, s, k=k, labels=labels) == pytest.approx(
        skm.top_k_accuracy_score(yl, s, k=k, labels=labels))


@pytest.mark.parametrize("metric", ["precision_score", "recall_score", "f1_score"])
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("zero_division", ["warn", 0.0, 1.0, np.nan])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prf_multiclass_matches_sklearn(metric, average, zero_division, seed):
    yt, yp = _cls(seed, n=25, k=4)
    if seed == 2:
        yp[yp == 3] = 0  # class 3 never predicted: precision undefined for it
    ours, theirs = getattr(M, metric), getattr(skm, metric)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kw = dict(average=average, zero_division=zero_division)
        a, b = ours(yt, yp, **kw), theirs(yt, yp, **kw)
        np.testing.assert_allclose(a, b, rtol=1e-12)
        w = np.random.default_rng(seed).uniform(size=len(yt))
        np.testing.assert_allclose(ours(yt, yp, sample_weight=w, **kw),
                                   theirs(yt, yp, sample_weight=w, **kw), rtol=1e-12)
        lab = [3, 0, 5]  # a subset in a given order, with an absent label
        np.testing.assert_allclose(ours(yt, yp, labels=lab, **kw),
                                   theirs(yt, yp, labels=lab, **kw), rtol=1e-12)


@pytest.mark.parametrize("metric", ["precision_score", "recall_score", "f1_score"])
@pytest.mark.parametrize("pos_label", [1, 0])
def test_prf_binary_matches_sklearn(metric, pos_label):
    yt, yp = _cls(5, k=2)
    ours, theirs = getattr(M, metric), getattr(skm, metric)
    assert ours(yt, yp, pos_label=pos_label) == pytest.approx(
        theirs(yt, yp, pos_label=pos_label))
    assert ours(deepgrad.tensor(yt), deepgrad.tensor(yp)) == pytest.approx(theirs(yt, yp))
    ys, ps = np.array(["no", "yes"])[yt], np.array(["no", "yes"])[yp]
    assert ours(ys, ps, pos_label="yes") == pytest.approx(theirs(ys, ps, pos_label="yes"))


@pytest.mark.parametrize("beta", [0.5, 2.0])
def test_fbeta_and_prfs(beta):
    yt, yp = _cls(6, k=3)
    for avg in (None, "macro", "micro", "weighted"):
        np.testing.assert_allclose(M.fbeta_score(yt, yp, beta=beta, average=avg),
                                   skm.fbeta_score(yt, yp, beta=beta, average=avg))
    ours = M.precision_recall_fscore_support(yt, yp)
    theirs = skm.precision_recall_fscore_support(yt, yp)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b)


def test_prf_errors_and_warnings():
    yt, yp = _cls(7, k=3)
    with pytest.raises(ValueError, match="average='binary'"):
        M.f1_score(yt, yp)
    with pytest.raises(ValueError, match="pos_label=5 is not a valid label"):
        M.f1_score([0, 1, 1], [1, 1, 0], pos_label=5)
    with pytest.warns(M.UndefinedMetricWarning):
        assert M.precision_score([0, 1, 1], [0, 0, 0]) == 0.0


@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix(normalize):
    yt, yp = _cls(8, k=4)
    np.testing.assert_allclose(M.confusion_matrix(yt, yp, normalize=normalize),
                               skm.confusion_matrix(yt, yp, normalize=normalize))
    w = np.random.default_rng(8).uniform(size=len(yt))
    np.testing.assert_allclose(M.confusion_matrix(yt, yp, sample_weight=w, normalize=normalize),
                               skm.confusion_matrix(yt, yp, sample_weight=w,
                                                    normalize=normalize))
    labels = [3, 1, 7]
    np.testing.assert_allclose(M.confusion_matrix(yt, yp, labels=labels, normalize=normalize),
                               skm.confusion_matrix(yt, yp, labels=labels,
                                                    normalize=normalize))
    cm = M.confusion_matrix(deepgrad.tensor(yt), list(yp))
    assert cm.dtype.kind == "i" and cm.sum() == len(yt)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_binary(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 80)
    s = rng.normal(size=80) + y
    s[:20] = np.round(s[:20])  # ties
    w = rng.uniform(size=80)
    assert M.roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s), rel=1e-12)
    assert M.roc_auc_score(y, s, sample_weight=w) == pytest.approx(
        skm.roc_auc_score(y, s, sample_weight=w), rel=1e-12)
    assert M.roc_auc_score(deepgrad.tensor(y), deepgrad.tensor(s)) == pytest.approx(
        skm.roc_auc_score(y, s))
    ys = np.array(["neg", "pos"])[y]
    assert M.roc_auc_score(ys, s) == pytest.approx(skm.roc_auc_score(ys, s))
    fpr, tpr, thr = M.roc_curve(y, s)
    f2, t2, th2 = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, f2)
    np.testing.assert_allclose(tpr, t2)
    np.testing.assert_allclose(thr[1:], th2[1:])
    with pytest.raises(ValueError, match="Only one class"):
        M.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_roc_auc_multiclass(multi_class, average):
    y, _ = _cls(9, n=90, k=3)
    p = _probs(9, n=90, k=3)
    assert M.roc_auc_score(y, p, multi_class=multi_class, average=average) == pytest.approx(
        skm.roc_auc_score(y, p, multi_class=multi_class, average=average), rel=1e-12)
    with pytest.raises(ValueError, match="multi_class"):
        M.roc_auc_score(y, p)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_log_loss(k):
    y, _ = _cls(10, k=k)
    p = _probs(10, k=k)
    w = np.random.default_rng(10).uniform(size=len(y))
    assert M.log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-12)
    assert M.log_loss(y, p, sample_weight=w, normalize=False) == pytest.approx(
        skm.log_loss(y, p, sample_weight=w, normalize=False), rel=1e-12)
    assert M.log_loss(deepgrad.tensor(y), deepgrad.tensor(p)) == pytest.approx(
        skm.log_loss(y, p), rel=1e-12)
    if k == 2:
        assert M.log_loss(y, p[:, 1]) == pytest.approx(skm.log_loss(y, p[:, 1]), rel=1e-12)
    labels = list(range(k + 1))
    pp = np.c_[p, np.zeros(len(p))]
    assert M.log_loss(y, pp, labels=labels) == pytest.approx(
        skm.log_loss(y, pp, labels=labels), rel=1e-12)
    with pytest.raises(ValueError, match="different number of classes"):
        M.log_loss(y, np.c_[p, np.zeros(len(p))])
    with pytest.raises(ValueError, match="only one label"):
        M.log_loss([1, 1], [[0.5, 0.5], [0.2, 0.8]])


@pytest.mark.parametrize("multioutput", ["uniform_average", "raw_values", [0.3, 0.7]])
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_metrics(multioutput, weighted):
    rng = np.random.default_rng(11)
    yt, yp = rng.normal(size=(40, 2)), rng.normal(size=(40, 2))
    w = rng.uniform(size=40) if weighted else None
    for name in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
                 "r2_score"):
        np.testing.assert_allclose(
            getattr(M, name)(yt, yp, sample_weight=w, multioutput=multioutput),
            getattr(skm, name)(yt, yp, sample_weight=w, multioutput=multioutput), rtol=1e-12,
            err_msg=name)
    np.testing.assert_allclose(M.r2_score(yt, yp, multioutput="variance_weighted"),
                               skm.r2_score(yt, yp, multioutput="variance_weighted"))


def test_regression_metrics_1d_tensors_and_constant_target():
    rng = np.random.default_rng(12)
    yt, yp = rng.normal(size=30), rng.normal(size=30)
    for name in ("mean_squared_error", "root_mean_squared_error", "mean_absolute_error",
                 "r2_score"):
        assert getattr(M, name)(deepgrad.tensor(yt), list(yp)) == pytest.approx(
            getattr(skm, name)(yt, yp), rel=1e-12)
    const = np.ones(5)
    assert M.r2_score(const, const) == skm.r2_score(const, const) == 1.0
    assert M.r2_score(const, const + 1) == skm.r2_score(const, const + 1) == 0.0
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        M.mean_squared_error([1.0, 2.0], [1.0])
