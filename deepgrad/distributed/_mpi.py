"""The one place that imports mpi4py (optional extra ``deepgrad[mpi]``)."""


def mpi():
    """The ``mpi4py.MPI`` module, or an ImportError that says how to get it."""
    try:
        from mpi4py import MPI  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        raise ImportError("deepgrad.distributed needs mpi4py and an MPI library: "
                          "pip install deepgrad[mpi]  (mpi4py + the MPICH wheel; then launch "
                          "with `mpiexec -n N python script.py`)") from exc
    return MPI


def available():
    try:
        mpi()
    except ImportError:
        return False
    return True
