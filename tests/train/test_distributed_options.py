"""The single-process side of distributed training: merging metric statistics (what the
ranks do at the end of an epoch) against scikit-learn on the whole set, and the options.
The runs on two ranks are in tests/distributed/test_trainer_mpi.py."""
import numpy as np
import pytest

sklearn_metrics = pytest.importorskip("sklearn.metrics")

from deepgrad import nn, optim  # noqa: E402
from deepgrad.cli_config import ConfigError, load_plan  # noqa: E402
from deepgrad.train import Metric, Trainer  # noqa: E402
from deepgrad.train import distributed as train_dist  # noqa: E402
from deepgrad.train.metrics import get_metric  # noqa: E402


def _merged(name, parts, **kind):
    """Each part updates its own metric (as a rank does); then merged in order."""
    metrics = []
    for pred, true in parts:
        m = get_metric(name, **kind)
        for start in range(0, len(true), 5):          # batches of 5 within the part
            m.update(pred[start:start + 5], true[start:start + 5])
        metrics.append(m)
    for other in metrics[1:]:
        metrics[0].merge(other)
    return metrics[0].result()


# uneven parts, one of them empty (a rank whose shard is empty)
CUTS = [(0, 23), (23, 23), (23, 57), (57, 80)]


def test_merged_classification_metrics_equal_sklearn_on_the_whole_set():
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((80, 4))
    y = rng.integers(0, 4, 80)
    parts = [(scores[a:b], y[a:b]) for a, b in CUTS]
    pred = scores.argmax(1)
    assert _merged("accuracy", parts, categorical=True) == pytest.approx(
        sklearn_metrics.accuracy_score(y, pred), abs=1e-12)
    assert _merged("top2", parts) == pytest.approx(
        sklearn_metrics.top_k_accuracy_score(y, scores, k=2), abs=1e-12)
    for name, fn in [("f1", sklearn_metrics.f1_score),
                     ("precision", sklearn_metrics.precision_score),
                     ("recall", sklearn_metrics.recall_score)]:
        assert _merged(name, parts, categorical=True) == pytest.approx(
            fn(y, pred, average="macro", zero_division=0), abs=1e-12), name


def test_merged_regression_metrics_equal_sklearn_on_the_whole_set():
    rng = np.random.default_rng(1)
    y = rng.standard_normal((80, 2)) * 3 + 1
    p = y + rng.standard_normal((80, 2))
    parts = [(p[a:b], y[a:b]) for a, b in CUTS]
    assert _merged("r2", parts) == pytest.approx(sklearn_metrics.r2_score(y, p), rel=1e-12)
    assert _merged("mae", parts) == pytest.approx(
        sklearn_metrics.mean_absolute_error(y, p), rel=1e-12)
    assert _merged("mse", parts) == pytest.approx(
        sklearn_metrics.mean_squared_error(y, p), rel=1e-12)
    assert _merged("rmse", parts) == pytest.approx(
        np.sqrt(sklearn_metrics.mean_squared_error(y, p)), rel=1e-12)


def test_merged_callable_metric_is_the_sample_weighted_mean():
    rng = np.random.default_rng(2)
    y, p = rng.standard_normal(80), rng.standard_normal(80)

    def max_error(y_true, y_pred):
        return float(np.abs(y_true - y_pred).max())

    parts = [(p[a:b], y[a:b]) for a, b in CUTS]
    batches = [(len(y[a:b][s:s + 5]), max_error(y[a:b][s:s + 5], p[a:b][s:s + 5]))
               for a, b in CUTS for s in range(0, b - a, 5)]
    expected = sum(n * v for n, v in batches) / 80    # Keras: batch values weighted by size
    assert _merged(max_error, parts) == pytest.approx(expected, rel=1e-12)


def _trainer(**kw):
    model = nn.Linear(3, 2)
    return Trainer(model, optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                   progress=None, **kw)


def test_one_process_is_unchanged_and_bad_options_are_refused():
    t = _trainer()                                   # "auto" without a process group
    assert (t.rank, t.world_size, t.is_global_zero, t._ddp) == (0, 1, True, None)
    assert _trainer(distributed=False).world_size == 1
    with pytest.raises(ValueError, match="distributed must be 'auto', True or False"):
        _trainer(distributed="yes")


def test_a_metric_without_merge_is_refused_before_training():
    class Median(Metric):
        name = "median"

        def reset(self): ...

    with pytest.raises(ValueError, match="'median'.*merge"):
        train_dist.check_metrics([Median()])
    train_dist.check_metrics([get_metric(n) for n in ("accuracy", "r2", "f1", "top3")])


def test_launcher_environment(monkeypatch):
    for name in train_dist._LAUNCHER_SIZE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert train_dist.launched_world_size() == 1
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "4")
    assert train_dist.launched_world_size() == 4
    monkeypatch.setenv("PMI_SIZE", "2")
    assert train_dist.launched_world_size() == 2


def test_config_distributed_key(tmp_path):
    text = ('epochs = 1\nrun_dir = "{}"\n{}\n[model]\nname = "mlp"\ninput_size = 2\n'
            'output_size = 2\nhidden_size = 4\n[data]\nname = "moons"\nn_samples = 16\n'
            '[optimizer]\nname = "SGD"\nlr = 0.1\n')
    path = tmp_path / "c.toml"
    path.write_text(text.format(tmp_path / "run", 'distributed = "yes"'))
    with pytest.raises(ConfigError, match="distributed"):
        load_plan(str(path))
    path.write_text(text.format(tmp_path / "run", "distributed = false"))
    assert load_plan(str(path))["trainer"].world_size == 1
