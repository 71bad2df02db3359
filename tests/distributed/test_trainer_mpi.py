"""The Trainer and ``deepgrad train`` under ``mpiexec -n 2`` (real MPI ranks).

The checks themselves are in trainer_cases.py (run by both ranks, each against a
single-process reference it trains itself). Each job has a timeout, so a hang fails the
test instead of stalling the suite. ``DEEPGRAD_FUSED=0`` spares each job the numba
compilation of the optimiser kernels (both paths give the same bits, tests/optim checks).
"""
import csv
import os
import subprocess
import sys

import pytest

from .test_mpi import HERE, ROOT, _mpiexec

pytest.importorskip("mpi4py")
ENV = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
           DEEPGRAD_FUSED="0", MPLBACKEND="Agg")
CASES = ["same_as_one_process", "only_rank_zero_writes", "resume_equals_uninterrupted",
         "stopping_is_the_same_on_every_rank", "bad_input_is_refused_on_every_rank"]


def _run(args, timeout, env=ENV):
    return subprocess.run([_mpiexec(), *args], capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)


def test_trainer_on_two_ranks():
    """One job for all cases (a job costs seconds of start-up); each prints ok per rank."""
    job = _run(["-n", "2", sys.executable, os.path.join(HERE, "trainer_cases.py"), "all"], 120)
    assert job.returncode == 0, job.stdout + job.stderr
    for case in CASES:
        for rank in (0, 1):
            assert f"ok {case} rank {rank}" in job.stdout, job.stdout + job.stderr


def test_a_failing_rank_ends_the_trainer_job():
    job = _run(["-n", "2", sys.executable, os.path.join(HERE, "trainer_cases.py"),
                "rank_failure"], 60)
    assert job.returncode != 0
    assert "rank 1 callback fails on purpose" in job.stderr
    assert "ok rank_failure" not in job.stdout


CONFIG = """
epochs = 2
seed = 0
run_dir = "run"
[model]
name = "mlp"
input_size = 2
hidden_size = 8
output_size = 2
[data]
name = "moons"
n_samples = 64
noise = 0.1
batch_size = 8
val_split = 0.25
[optimizer]
name = "SGD"
lr = 0.1
"""


def test_deepgrad_train_under_mpiexec_writes_one_run_folder(tmp_path):
    """Each rank in its own working folder (MPMD -wdir): run_dir "run" only in rank 0's."""
    config = tmp_path / "moons.toml"
    config.write_text(CONFIG)
    folders = [tmp_path / "rank0", tmp_path / "rank1"]
    for f in folders:
        f.mkdir()
    # a matplotlib that fails to import: the run folder skips its curve images (with a
    # warning), which saves seconds of plotting; everything else is written as usual
    stub = tmp_path / "no_matplotlib" / "matplotlib"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('matplotlib left out by the test')")
    env = dict(ENV, PYTHONPATH=os.pathsep.join([ROOT, str(stub.parent)]))
    command = [sys.executable, "-m", "deepgrad", "train", str(config)]
    job = _run(["-n", "1", "-wdir", str(folders[0]), *command, ":",
                "-n", "1", "-wdir", str(folders[1]), *command], 120, env)
    assert job.returncode == 0, job.stdout + job.stderr
    assert job.stdout.count("trained 2 epoch(s) on 2 ranks") == 1, job.stdout
    assert job.stdout.count("run folder:") == 1, job.stdout
    assert os.listdir(folders[1]) == []
    with open(folders[0] / "run" / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    assert {"config.json", "best.safetensors", "report.html"} <= set(
        os.listdir(folders[0] / "run"))
