"""deepgrad.distributed and DistributedDataParallel under ``mpiexec -n 2`` (real MPI ranks).

Each case of mpi_cases.py runs as its own 2-rank job with a timeout, so a hang fails the
test instead of stalling the suite."""
import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("mpi4py")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _mpiexec():
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = beside if os.path.exists(beside) else shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec (pip install deepgrad[mpi] brings MPICH's)")
    return found


def run_job(case, timeout=120):
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run([_mpiexec(), "-n", "2", sys.executable,
                           os.path.join(HERE, "mpi_cases.py"), case],
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)


@pytest.mark.parametrize("case", ["collectives", "ddp_matches_one_process",
                                  "ddp_no_sync_accumulates", "ddp_unused_parameters"])
def test_two_ranks(case):
    job = run_job(case)
    assert job.returncode == 0, job.stdout + job.stderr
    for rank in (0, 1):
        assert f"ok {case} rank {rank}" in job.stdout, job.stdout + job.stderr


def test_a_failing_rank_ends_the_job_with_its_error():
    job = run_job("rank_failure", timeout=60)  # without the abort, rank 0 would wait forever
    assert job.returncode != 0
    assert "rank 1 fails on purpose" in job.stderr
    assert "ok rank_failure" not in job.stdout
