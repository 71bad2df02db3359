"""The deepgrad command line: help, train from a TOML config, config errors, report, demo.

Oracles: argparse's exit statuses (0 for --help, 2 for usage errors), the files a run must
leave (metrics.csv rows counted against the epochs asked for), and the absence of a run
folder as proof that a bad config trained nothing.
"""
import csv
import os
import subprocess
import sys
import textwrap

import pytest

from deepgrad.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TINY = """
epochs = 2
seed = 0
run_dir = "{run_dir}"

[model]
name = "mlp"
input_size = 2
output_size = 2
hidden_size = 8

[data]
name = "moons"
n_samples = 64
noise = 0.1
batch_size = 16
val_split = 0.25

[optimizer]
name = "Adam"
lr = 0.01

[scheduler]
name = "StepLR"
step_size = 1

[[callbacks]]
name = "EarlyStopping"
patience = 5
"""


def write_config(tmp_path, text, name="cfg.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).replace("{run_dir}", str(tmp_path / "run")))
    return str(path)


@pytest.mark.parametrize("verb", [[], ["demo"], ["train"], ["report"]])
def test_help_everywhere(verb, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*verb, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: deepgrad") and "--help" in out


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "deepgrad", "--help"], capture_output=True,
                          text=True, cwd=ROOT)
    assert done.returncode == 0 and "{demo,train,report,lab}" in done.stdout


def test_usage_errors_exit_2(capsys):
    for argv in ([], ["fly"], ["demo", "--models", "cnn,transformer"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
    assert "transformer" in capsys.readouterr().err


def test_tiny_config_trains_end_to_end_and_report_rebuilds(tmp_path, capsys):
    assert main(["train", write_config(tmp_path, TINY)]) == 0
    run = tmp_path / "run"
    with open(run / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and {"loss", "val_loss", "accuracy", "lr"} <= set(rows[0])
    assert float(rows[1]["lr"]) == pytest.approx(0.01 * 0.1)      # StepLR stepped once
    assert "trained 2 epoch(s)" in capsys.readouterr().out
    os.remove(run / "report.html")
    assert main(["report", str(run)]) == 0
    assert (run / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert main(["report", str(tmp_path / "nothing")]) == 2


BAD = [
    ('name = "Adam"', 'name = "Adamm"', "[optimizer].name = 'Adamm'", "SGD"),
    ("lr = 0.01", "lr = -0.5", "[optimizer].lr = -0.5", "Invalid learning rate"),
    ("lr = 0.01", 'lr = 0.01\nmomentun = 0.9', "[optimizer].momentun", "allowed"),
    ("epochs = 2", "epochs = 0", "epochs = 0", "integer >= 1"),
    ("epochs = 2", "epochs = 2\nepoch = 3", "epoch = 3", "unknown key"),
    ('name = "moons"', 'name = "moon"', "[data].name = 'moon'", "mnist1d"),
    ("noise = 0.1", "noize = 0.1", "[data].noize = 0.1", "not an argument of make_moons"),
    ("val_split = 0.25", "val_split = 1.5", "[data].val_split = 1.5", "[0, 1)"),
    ("input_size = 2", "input_size = 3", "[model].name = 'mlp'", "cannot train on data"),
    ('name = "mlp"', 'name = "perceptron"', "[model].name = 'perceptron'", "package.module"),
    ("hidden_size = 8", "hidden_sise = 8", "[model].hidden_sise", "hidden_size"),
    ('name = "StepLR"', 'name = "StepLr"', "[scheduler].name = 'StepLr'", "StepLR"),
    ('name = "EarlyStopping"', 'name = "EarlyStop"', "[[callbacks]][0].name = 'EarlyStop'",
     "EarlyStopping"),
    ("patience = 5", "patience = 5\nmode = \"sideways\"", "[[callbacks]][0].mode = 'sideways'",
     "refused"),
]


@pytest.mark.parametrize("old,new,key,allowed", BAD, ids=[b[2] for b in BAD])
def test_bad_config_names_key_value_and_allowed_before_training(tmp_path, capsys, old, new,
                                                                  key, allowed):
    assert old in TINY
    path = write_config(tmp_path, TINY.replace(old, new, 1))
    assert main(["train", path]) == 2
    err = capsys.readouterr().err
    assert key in err and allowed in err, err
    assert not (tmp_path / "run").exists()       # nothing trained, no run folder


def test_unreadable_configs(tmp_path, capsys):
    assert main(["train", str(tmp_path / "missing.toml")]) == 2
    assert main(["train", write_config(tmp_path, "epochs = [", "broken.toml")]) == 2
    assert main(["train", write_config(tmp_path, "epochs = 1", "empty.toml")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "not valid TOML" in err and "[model]" in err


def test_demo_quick_writes_report(tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "deepgrad", "demo", "--quick", "--no-progress",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    page = (out / "report.html").read_text()
    for name, paper in (("logistic", 32), ("mlp", 68), ("cnn", 94), ("gru", 91)):
        assert name in done.stdout and f"{paper} %" in page
        assert (out / name / "report.html").is_file()
    assert "total wall time" in done.stdout
    os.remove(out / "report.html")
    assert main(["report", str(out)]) == 0 and (out / "report.html").is_file()
