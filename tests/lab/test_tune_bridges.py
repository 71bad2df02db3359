"""deepgrad.lab.tune beyond one process: the Optuna pruning callback, MPI pools, the CLI.

Oracles: Optuna's own pruner decisions and trial states, the History the Trainer records,
and mpi4py's MPIPoolExecutor run under mpiexec in a subprocess.
"""
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import deepgrad
from deepgrad import nn, optim
from deepgrad.lab.tune import OptunaPruning, cli_main
from deepgrad.train import Trainer

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_jit(monkeypatch):
    from deepgrad.optim import _fused
    monkeypatch.setattr(_fused, "ENABLED", False)      # no JIT compile in short tests


def _tiny_trainer(callbacks, lr=0.1):
    deepgrad.manual_seed(0)
    model = nn.Linear(4, 3)
    return Trainer(model, optim.SGD(model.parameters(), lr=lr), nn.CrossEntropyLoss(),
                   callbacks=callbacks, progress=None, seed=0, batch_size=16)


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.int64)


def test_optuna_pruning_reports_and_prunes():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # a threshold pruner that prunes as soon as the reported val_loss is above 1e-3
    study = optuna.create_study(direction="minimize",
                                pruner=optuna.pruners.ThresholdPruner(upper=1e-3))
    histories = []

    def objective(trial):
        trainer = _tiny_trainer([OptunaPruning(trial, monitor="val_loss")])
        histories.append(trainer)
        trainer.fit(_data(), epochs=5, val=_data())
        return trainer.history.history["val_loss"][-1]

    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    # pruned after the first epoch: one reported value, equal to that epoch's val_loss
    first_val_loss = histories[0].history.history["val_loss"][0]
    assert trial.intermediate_values == {0: pytest.approx(first_val_loss)}


def test_optuna_no_pruning_completes():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", pruner=optuna.pruners.NopPruner())

    def objective(trial):
        trainer = _tiny_trainer([OptunaPruning(trial, monitor="val_loss")])
        trainer.fit(_data(), epochs=3, val=_data())
        return trainer.history.history["val_loss"][-1]

    study.optimize(objective, n_trials=1)
    assert study.trials[0].state == optuna.trial.TrialState.COMPLETE
    assert sorted(study.trials[0].intermediate_values) == [0, 1, 2]


def test_optuna_missing_monitor_is_named():
    optuna = pytest.importorskip("optuna")
    study = optuna.create_study()
    trial = study.ask()
    trainer = _tiny_trainer([OptunaPruning(trial, monitor="val_loss")])
    with pytest.raises(KeyError, match="val_loss.*pass val="):
        trainer.fit(_data(), epochs=1)


def test_optuna_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)     # makes `import optuna` fail
    with pytest.raises(ImportError, match=r"pip install deepgrad\[optuna\]"):
        OptunaPruning(trial=None)


MPI_SCRIPT = """
import sys
sys.path.insert(0, {repo!r})
from mpi4py.futures import MPIPoolExecutor
from deepgrad.lab.tune import SerialExecutor, random_search, uniform

def square(config, epochs):
    if config["x"] > 0.8:
        raise ValueError("too big")
    return -(config["x"] - 0.3) ** 2

if __name__ == "__main__":
    space = {{"x": uniform(0, 1)}}
    with MPIPoolExecutor() as pool:
        mpi = random_search(square, space, 8, seed=1, executor=pool)
    serial = random_search(square, space, 8, seed=1, executor=SerialExecutor())
    assert mpi.rows == serial.rows, (mpi.rows, serial.rows)
    print("MPI-OK", len(mpi.failed))
"""


@pytest.mark.slow   # a subprocess under mpiexec: about 6 s
def test_mpi_pool_executor_under_mpiexec(tmp_path):
    pytest.importorskip("mpi4py")
    mpiexec = pathlib.Path(sys.executable).parent / "mpiexec"
    if not mpiexec.exists():
        pytest.skip("no mpiexec next to the Python interpreter")
    script = tmp_path / "mpi_tune.py"
    script.write_text(textwrap.dedent(MPI_SCRIPT.format(repo=str(REPO))))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([str(mpiexec), "-n", "2", sys.executable, "-m", "mpi4py.futures",
                           str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "MPI-OK" in done.stdout


def test_cli_main_writes_table_and_figure(tmp_path, capsys):
    code = cli_main(["--method", "random", "--trials", "2", "--epochs", "1",
                     "--num-train", "200", "--workers", "0", "--out", str(tmp_path)])
    out = tmp_path / "tune.png"
    assert code == 0
    text = capsys.readouterr().out
    assert "best: {'lr':" in text and out.stat().st_size > 1000


def test_cli_main_rejects_bad_numbers(capsys):
    assert cli_main(["--trials", "0", "--workers", "0", "--out", ""]) == 2
    assert "--trials" in capsys.readouterr().err
