"""`deepgrad lab <verb> --quick`: each verb runs through run_lab and writes its figures."""
import argparse

import pytest

from deepgrad.lab.cli import add_lab_parser, run_lab

pytest.importorskip("matplotlib")


def _args(argv):
    parser = argparse.ArgumentParser(prog="deepgrad")
    add_lab_parser(parser.add_subparsers(dest="verb"))
    return parser.parse_args(["lab"] + argv)


@pytest.mark.parametrize("verb, files", [
    ("gradcheck", ["gradcheck.png"]),
    ("bias-variance", ["bias_variance.png", "double_descent.png"]),
    ("lr-find", ["lr_find.png"]),
    ("optimizers", ["rosenbrock.png", "rosenbrock.gif", "gd_variants.png"]),
    ("diagnose", ["init_tanh.png", "init_relu.png", "gradient_norms.png", "activations.png"]),
    ("hessian", ["hessian.png"]),
    ("curves", ["curves.png"]),
])
def test_quick_verb_writes_its_figures(verb, files, tmp_path, capsys):
    args = _args([verb, "--quick", "--out", str(tmp_path)])
    assert args.run is run_lab
    assert run_lab(args) == 0
    for name in files:
        assert (tmp_path / name).stat().st_size > 1000, name
    assert "wrote" in capsys.readouterr().out


def test_default_out_folder_and_unknown_verb(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_lab(_args(["bias-variance", "--quick"])) == 0
    assert (tmp_path / "runs" / "lab" / "bias-variance" / "bias_variance.png").exists()
    with pytest.raises(SystemExit):
        _args(["nonsense"])


def test_threads_option_is_checked_and_restored(tmp_path, capsys):
    from deepgrad import get_num_threads
    before = get_num_threads()
    assert run_lab(_args(["gradcheck", "--quick", "--threads", "0"])) == 2
    assert "--threads must be >= 1, got 0" in capsys.readouterr().err
    assert run_lab(_args(["gradcheck", "--quick", "--threads", "1", "--out",
                          str(tmp_path)])) == 0
    assert get_num_threads() == before


def test_tune_gets_every_argument_after_the_verb():
    for argv in (["--quick", "--method", "random"], ["--help"], [], ["random", "--quick"]):
        args = _args(["tune"] + argv)
        assert args.lab_verb == "tune" and args.tune_args == argv


def test_tune_hook_hands_over_or_says_why(capsys):
    try:
        import deepgrad.lab.tune as tune
    except ImportError:
        assert run_lab(_args(["tune"])) == 2
        assert "not available" in capsys.readouterr().err
    else:
        assert hasattr(tune, "cli_main")
