"""run_dir: files written, config, best checkpoint; report.html in a headless browser."""
import json
import os

import numpy as np
import pytest

from deepgrad import nn
from deepgrad.train import Trainer
from deepgrad.train.report import build_report, read_metrics

from .common import classification_data, mlp, sgd, weights

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    X, y = classification_data(40)
    model = mlp()
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), metrics=["accuracy"], progress=None,
                seed=3, run_dir=str(folder), batch_size=8)
    t.fit((X, y), epochs=3, val_split=0.25)
    return folder, t


def test_run_folder_files_and_contents(run):
    folder, t = run
    names = set(os.listdir(folder))
    assert {"metrics.csv", "config.json", "best.safetensors", "report.html",
            "curves_loss.png", "curves_accuracy.png", "curves_lr.png"} <= names
    epochs, columns = read_metrics(folder / "metrics.csv")
    assert epochs == [0, 1, 2] and columns == t.history.history
    config = json.loads((folder / "config.json").read_text())
    assert config["optimizer"]["class"] == "SGD"
    assert config["optimizer"]["defaults"]["momentum"] == 0.9
    assert config["epochs"] == 3 and config["batch_size"] == 8 and config["seed"] == 3
    assert config["loss"] == "CrossEntropyLoss()" and config["model"] == repr(t.model)
    assert config["metrics"] == ["accuracy"]
    # the best checkpoint is the epoch with the lowest val_loss
    best_epoch = int(np.argmin(t.history.history["val_loss"]))
    fresh = mlp(seed=5)
    probe = Trainer(fresh, sgd(fresh), nn.CrossEntropyLoss(), progress=None, seed=3)
    probe.load_checkpoint(folder / "best.safetensors")
    assert probe.epoch == best_epoch + 1
    if best_epoch == 2:
        for k, v in weights(fresh).items():
            np.testing.assert_array_equal(v, weights(t.model)[k])


def test_build_report_rebuilds_a_self_contained_page(run):
    folder, _ = run
    os.remove(folder / "report.html")
    path = build_report(str(folder))
    page = open(path, encoding="utf-8").read()
    assert page.count("data:image/png;base64,") == 3
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "val_accuracy" in page and "momentum" in page
    with pytest.raises(FileNotFoundError, match="metrics.csv"):
        build_report(str(folder / "nope"))


def test_report_in_a_headless_browser(run):
    folder, _ = run
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    errors, outside = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r):
                if r.request.url.startswith(("file:", "data:")):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto((folder / "report.html").as_uri())
            page.wait_for_load_state("load")
            sizes = page.evaluate("Array.from(document.images).map("
                                  "i => [i.complete, i.naturalWidth, i.naturalHeight])")
            title = page.title()
            cells = page.locator("td").all_inner_texts()
        finally:
            browser.close()
    assert errors == [] and outside == []
    assert len(sizes) == 3 and all(c and w > 0 and h > 0 for c, w, h in sizes)
    assert title.startswith("deepgrad run") and "val_loss" in cells


def test_run_folder_without_matplotlib_still_writes_a_report(tmp_path, monkeypatch):
    import sys
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    X, y = classification_data(20)
    model = mlp()
    t = Trainer(model, sgd(model), nn.CrossEntropyLoss(), progress=None, run_dir=str(tmp_path))
    with pytest.warns(RuntimeWarning, match=r"deepgrad\[plot\]"):
        t.fit((X, y), epochs=2)
    page = (tmp_path / "report.html").read_text()
    assert "No curves" in page and "<td>loss</td>" in page
    assert not any(n.endswith(".png") for n in os.listdir(tmp_path))
