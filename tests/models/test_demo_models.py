"""``deepgrad demo models``: the run writes every family's figure, summary.json and
index.html, and each number meets a bound from outside the code under test (a closed-form
baseline: uniform pixels, uniform characters, the majority class, the all-zero code)."""
import json
import math
import os

import numpy as np
import pytest

from deepgrad.cli import main
from deepgrad.models.demo import FAMILIES, check_families, run_models_demo
from deepgrad.models.demo.data import load_data

PNG = b"\x89PNG\r\n\x1a\n"


def _assert_png(path):
    assert os.path.getsize(path) > 1000, path
    with open(path, "rb") as f:
        assert f.read(8) == PNG, path


def _summary(out):
    with open(os.path.join(out, "summary.json")) as f:
        return json.load(f)


def _rows(summary):
    return {(fam["family"], r["model"], r["metric"]): r for fam in summary["families"]
            for r in fam["rows"]}


def _check_sane(summary, n_features):
    """Bounds every run must meet, even --quick: nothing here is computed by the demo."""
    uniform_pixels = -n_features * math.log(2)    # log-likelihood of Bernoulli(1/2) pixels
    for fam in summary["families"]:
        for r in fam["rows"]:
            assert math.isfinite(r["value"]) and math.isfinite(r["baseline"]), r
            if "bernoulli" in r["model"] or "pseudo" in r["metric"]:
                assert r["value"] > uniform_pixels, r
            if "judge score" in r["metric"]:
                assert 1.0 - 1e-9 <= r["value"] <= 10.0 + 1e-9, r
            if "accuracy" in r["metric"]:
                assert 0.0 <= r["value"] <= 1.0, r
            if r["metric"] == "held-out bits/char":
                vocab = int(r["model"].split("(")[1].split()[0])
                assert r["value"] < math.log2(vocab), r        # better than uniform guessing
            if "lasso" in r["metric"]:
                assert r["value"] < r["baseline"], r           # below the all-zero code's


def test_quick_run_of_one_family_writes_figure_summary_and_page(tmp_path):
    pytest.importorskip("matplotlib")
    out = str(tmp_path / "models")
    assert main(["demo", "models", "--quick", "--families", "stacked", "--data", "mnist1d",
                 "--out", out]) == 0
    summary = _summary(out)
    assert [f["family"] for f in summary["families"]] == ["stacked"]
    fam = summary["families"][0]
    _assert_png(os.path.join(out, fam["figure"]))
    with open(os.path.join(out, "index.html")) as f:
        page = f.read()
    assert f"src='{fam['figure']}'" in page and "stacked AE [40, 64, 32]" in page
    _check_sane(summary, 40)


def test_sparse_coding_beats_the_zero_code_and_figures_skip_without_matplotlib(
        tmp_path, monkeypatch, capsys):
    import deepgrad.models.demo as demo

    def no_matplotlib():
        raise ImportError("the demo's figures need matplotlib: pip install deepgrad[plot]")
    monkeypatch.setattr(demo, "pyplot", no_matplotlib)
    monkeypatch.setattr(demo.unsupervised, "have_sklearn", lambda: False)  # no comparison
    summary = run_models_demo(str(tmp_path), quick=True, families=["sparse_coding"],
                              data="mnist1d")
    assert "pip install deepgrad[plot]" in capsys.readouterr().out
    assert summary["families"][0]["figure"] is None
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".png")]
    assert os.path.isfile(tmp_path / "summary.json") and os.path.isfile(tmp_path / "index.html")
    X = load_data("mnist1d", quick=True).X_test.astype(np.float64)
    zero_code = 0.5 * float((X ** 2).sum(1).mean())     # 1/2 ||x||^2: the code C = 0
    (row,) = summary["families"][0]["rows"]
    assert row["baseline"] == pytest.approx(zero_code, rel=1e-6)
    assert row["value"] < 0.5 * zero_code


@pytest.mark.parametrize("value", ["ae,bogus", "AE", ""])
def test_bad_families_exit_2_naming_value_and_allowed(value, capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", "models", "--families", value, "--out", "unused"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert repr(value.split(",")[-1]) in err
    for name in FAMILIES:
        assert name in err


def test_demo_options_do_not_mix(capsys):
    for argv in (["demo", "--families", "ae"], ["demo", "models", "--models", "mlp"],
                 ["demo", "--data", "digits"], ["demo", "modles"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2, argv


def test_check_families_and_data_names():
    assert check_families(None) == list(FAMILIES)
    assert check_families(["vae", "ae"]) == ["ae", "vae"]          # the table's order
    with pytest.raises(ValueError, match="'gans'.*allowed: ae, stacked"):
        check_families(["gans"])
    with pytest.raises(ValueError, match="data must be one of"):
        run_models_demo("unused", data="cifar")


@pytest.mark.slow
@pytest.mark.parametrize("data", ["digits", "mnist1d"])
def test_quick_run_of_every_family(tmp_path, data):
    pytest.importorskip("matplotlib")
    if data == "digits":
        pytest.importorskip("sklearn")
    out = str(tmp_path / "models")
    assert main(["demo", "models", "--quick", "--data", data, "--out", out]) == 0
    summary = _summary(out)
    assert [f["family"] for f in summary["families"]] == list(FAMILIES)
    for fam in summary["families"]:
        _assert_png(os.path.join(out, fam["figure"]))
    _check_sane(summary, load_data(data, quick=True).n_features)
    rows = _rows(summary)
    mean_mse = rows[("ae", "plain autoencoder", "test reconstruction MSE")]
    assert mean_mse["value"] < mean_mse["baseline"]      # beats predicting the mean
    # the baselines, recomputed here from the data
    d = load_data(data, quick=True)
    X, X_test = d.X.astype(np.float64), d.X_test.astype(np.float64)
    assert mean_mse["baseline"] == pytest.approx(((X_test - X.mean(0)) ** 2).mean(), rel=1e-5)
    if data == "digits":        # Bernoulli pixels with the training means
        p = np.clip(X.mean(0), 1e-3, 1 - 1e-3)
        independent = np.mean(X_test @ np.log(p) + (1 - X_test) @ np.log(1 - p))
        vae = rows[("vae", "VAE d-128-8 (bernoulli)", "test ELBO (nats/sample)")]
    else:                       # N(training mean, 0.1^2) for each of the 40 values
        independent = np.mean([sum(math.log(1 / (0.1 * math.sqrt(2 * math.pi)))
                                   - (v - m) ** 2 / (2 * 0.01) for v, m in zip(x, X.mean(0)))
                               for x in X_test])
        vae = rows[("vae", "VAE d-128-8 (gaussian)", "test ELBO (nats/sample)")]
    assert vae["baseline"] == pytest.approx(independent, rel=1e-5)
    majority = np.mean(d.y_test == np.bincount(d.y).argmax())
    assert rows[("classic", "MLP d-128-10", "test accuracy")]["baseline"] == \
        pytest.approx(majority)


@pytest.mark.slow
def test_full_run_beats_every_baseline(tmp_path):
    """The full demo (about 2 minutes on two cores): every model beats its baseline."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    summary = run_models_demo(str(tmp_path), data="digits")
    _check_sane(summary, 64)
    for r in _rows(summary).values():
        assert r["beats_baseline"], r
    assert summary["total_seconds"] < 300
