"""Streaming metrics over batches == scikit-learn (and deepgrad.metrics) on the whole set."""
import numpy as np
import pytest

sklearn_metrics = pytest.importorskip("sklearn.metrics")

import deepgrad  # noqa: E402
from deepgrad import metrics as dg_metrics  # noqa: E402
from deepgrad import nn, optim  # noqa: E402
from deepgrad.train import Trainer  # noqa: E402
from deepgrad.train.metrics import get_metric  # noqa: E402


def _passthrough_trainer(loss_fn, metrics):
    """A Trainer whose model returns its input: evaluate((scores, y)) scores the scores."""
    model = nn.Identity()
    dummy = nn.Parameter(deepgrad.zeros(1))
    return Trainer(model, optim.SGD([dummy], lr=0.1), loss_fn, metrics=metrics, progress=None)


@pytest.mark.parametrize("batch_size", [7, 64, 200])
def test_multiclass_metrics_match_sklearn(batch_size):
    rng = np.random.default_rng(1)
    n, c = 150, 6
    scores = rng.standard_normal((n, c)).astype(np.float32)
    y = rng.integers(0, c - 1, n)     # class 5 never true: macro uses labels present
    t = _passthrough_trainer(nn.CrossEntropyLoss(),
                             ["accuracy", "top3", "f1", "precision", "recall"])
    got = t.evaluate((scores, y), batch_size=batch_size)
    pred = scores.argmax(1)
    assert got["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(y, pred), abs=1e-12)
    assert got["top3"] == pytest.approx(
        sklearn_metrics.top_k_accuracy_score(y, scores, k=3, labels=np.arange(c)), abs=1e-12)
    for name, fn in [("f1", sklearn_metrics.f1_score),
                     ("precision", sklearn_metrics.precision_score),
                     ("recall", sklearn_metrics.recall_score)]:
        expected = fn(y, pred, average="macro", zero_division=0)
        assert got[name] == pytest.approx(expected, abs=1e-12), name
        ours = getattr(dg_metrics, f"{name}_score" if name != "f1" else "f1_score")
        assert got[name] == pytest.approx(ours(y, pred, average="macro", zero_division=0),
                                          abs=1e-12)
    # the loss: batch means weighted by batch size == the mean over the whole set
    import torch
    whole = torch.nn.functional.cross_entropy(torch.from_numpy(scores.astype(np.float64)),
                                              torch.from_numpy(y)).item()
    assert got["loss"] == pytest.approx(whole, rel=1e-6)


def test_binary_metrics_match_sklearn():
    rng = np.random.default_rng(2)
    n = 97
    prob = rng.uniform(size=n).astype(np.float32)
    y = (rng.uniform(size=n) < 0.4).astype(np.float32)
    t = _passthrough_trainer(nn.BCELoss(), ["accuracy", "f1", "precision", "recall"])
    got = t.evaluate((prob, y), batch_size=10)
    pred = (prob > 0.5).astype(int)
    assert got["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(y, pred), abs=1e-12)
    assert got["f1"] == pytest.approx(sklearn_metrics.f1_score(y, pred), abs=1e-12)
    assert got["precision"] == pytest.approx(sklearn_metrics.precision_score(y, pred), abs=1e-12)
    assert got["recall"] == pytest.approx(sklearn_metrics.recall_score(y, pred), abs=1e-12)


def test_one_hot_targets_with_cross_entropy_compare_argmax():
    rng = np.random.default_rng(6)
    scores = rng.standard_normal((40, 4)).astype(np.float32)
    labels = rng.integers(0, 4, 40)
    one_hot = np.eye(4, dtype=np.float32)[labels]
    got = _passthrough_trainer(nn.CrossEntropyLoss(), ["accuracy", "f1"]).evaluate(
        (scores, one_hot), batch_size=9)
    pred = scores.argmax(1)
    assert got["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(labels, pred),
                                            abs=1e-12)
    assert got["f1"] == pytest.approx(sklearn_metrics.f1_score(labels, pred, average="macro"),
                                      abs=1e-12)


def test_binary_logits_threshold_at_zero_with_bce_with_logits():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal(50).astype(np.float32)
    y = (rng.uniform(size=50) < 0.5).astype(np.float32)
    t = _passthrough_trainer(nn.BCEWithLogitsLoss(), ["accuracy"])
    got = t.evaluate((logits, y), batch_size=8)
    assert got["accuracy"] == pytest.approx(
        sklearn_metrics.accuracy_score(y, (logits > 0).astype(int)), abs=1e-12)


@pytest.mark.parametrize("batch_size", [5, 1000])
def test_regression_metrics_match_sklearn(batch_size):
    rng = np.random.default_rng(4)
    pred = rng.standard_normal((83, 3)).astype(np.float32)
    y = (pred + rng.standard_normal((83, 3)) * [0.1, 1.0, 3.0] + [0, 5, -2]).astype(np.float32)
    t = _passthrough_trainer(nn.MSELoss(), ["mae", "mse", "rmse", "r2"])
    got = t.evaluate((pred, y), batch_size=batch_size)
    p64, y64 = pred.astype(np.float64), y.astype(np.float64)
    assert got["mae"] == pytest.approx(sklearn_metrics.mean_absolute_error(y64, p64), rel=1e-12)
    assert got["mse"] == pytest.approx(sklearn_metrics.mean_squared_error(y64, p64), rel=1e-12)
    assert got["rmse"] == pytest.approx(np.sqrt(sklearn_metrics.mean_squared_error(y64, p64)),
                                        rel=1e-12)
    assert got["r2"] == pytest.approx(sklearn_metrics.r2_score(y64, p64), rel=1e-10)
    assert got["r2"] == pytest.approx(dg_metrics.r2_score(y64, p64), rel=1e-10)


def test_callable_metric_is_averaged_by_batch_size():
    def mean_abs(y_true, y_pred):
        return np.abs(y_true - y_pred).mean()

    rng = np.random.default_rng(5)
    pred = rng.standard_normal((23, 1)).astype(np.float32)
    y = rng.standard_normal((23, 1)).astype(np.float32)
    got = _passthrough_trainer(nn.MSELoss(), [mean_abs]).evaluate((pred, y), batch_size=4)
    assert got["mean_abs"] == pytest.approx(
        sklearn_metrics.mean_absolute_error(y.astype(np.float64), pred), rel=1e-6)


def test_unknown_metric_name_lists_known_names():
    with pytest.raises(ValueError, match="unknown metric 'acuracy'.*accuracy.*f1.*top<k>"):
        get_metric("acuracy")
    assert get_metric("top5").k == 5 and get_metric("top_3").name == "top3"
