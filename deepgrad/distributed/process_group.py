"""Process groups over MPI, with ``torch.distributed``'s names.

A job is N copies of one program started by ``mpiexec -n N python train.py``. Each copy
(a *rank*, numbered 0..N-1) calls :func:`init_process_group` once; from then on the
collectives in :mod:`deepgrad.distributed.collectives` move tensors between ranks.
MPI itself finds the other ranks (``mpiexec`` tells each one), so ``init_method``, ``store``
and the MASTER_ADDR/MASTER_PORT variables that torch's TCP rendezvous needs play no part.

A rank that raises an uncaught exception ends the whole job (``MPI_Abort``) after printing
its traceback, instead of leaving the other ranks waiting forever in a collective.
"""
import sys
import time

from ._mpi import available, mpi

_BACKENDS = ("mpi", "gloo")  # gloo is accepted under mpiexec: programs written for it run


class ProcessGroup:
    """A set of ranks that talk to each other: an MPI communicator."""

    def __init__(self, comm, backend="mpi"):
        self.comm, self.backend = comm, backend

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()

    def __repr__(self):
        return f"ProcessGroup(backend={self.backend!r}, rank={self.rank()}, size={self.size()})"


class _World:
    group = None           # the default process group once initialised
    previous_hook = None   # sys.excepthook before we wrapped it


def is_available():
    """True when mpi4py and an MPI library can be imported."""
    return available()


def is_mpi_available():
    return available()


def is_initialized():
    return _World.group is not None


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the job's default process group (every rank of ``mpiexec -n N``).

    ``world_size`` and ``rank``, when given, must agree with what MPI says (they are
    checked, not imposed). ``backend`` is "mpi" (default) or "gloo"; "nccl" needs NCCL,
    which deepgrad does not use.
    """
    if is_initialized():
        raise RuntimeError("trying to initialize the default process group twice!")
    backend = "mpi" if backend is None else str(backend).lower()
    if backend not in _BACKENDS:
        raise ValueError(f"backend {backend!r} is not supported by deepgrad.distributed; "
                         f"use one of {list(_BACKENDS)} (all run over MPI)")
    comm = mpi().COMM_WORLD
    if world_size not in (-1, None) and world_size != comm.Get_size():
        raise ValueError(f"world_size={world_size} but mpiexec started {comm.Get_size()} "
                         f"process(es); launch with `mpiexec -n {world_size}`")
    if rank not in (-1, None) and rank != comm.Get_rank():
        raise ValueError(f"rank={rank} but MPI numbers this process {comm.Get_rank()}")
    _World.group = ProcessGroup(comm, backend)
    _abort_job_on_uncaught_exception(comm)


def _abort_job_on_uncaught_exception(comm):
    """Print the failing rank's traceback, then end every rank: no rank may hang."""
    if comm.Get_size() == 1 or _World.previous_hook is not None:
        return
    _World.previous_hook = sys.excepthook

    def hook(kind, value, tb):
        # the error itself first, in one short line: when MPI_Abort ends the job, mpiexec
        # may drop the tail of what the ranks wrote, and a long traceback is the part lost
        sys.stderr.write(f"[rank {comm.Get_rank()}] uncaught {kind.__name__}: {value}; "
                         "aborting the job\n")
        sys.stderr.flush()
        _World.previous_hook(kind, value, tb)
        sys.stderr.flush()
        time.sleep(0.2)  # let mpiexec forward the output before the job is torn down
        comm.Abort(1)

    sys.excepthook = hook


def destroy_process_group(group=None):
    """Leave the default group (MPI itself is finalised when the program exits)."""
    if group is not None and group is not _World.group:
        return
    _World.group = None
    if _World.previous_hook is not None:
        sys.excepthook, _World.previous_hook = _World.previous_hook, None


def default_group(group=None):
    """``group`` or the default group; the error torch gives when there is none."""
    if group is not None:
        return group
    if _World.group is None:
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
    return _World.group


def get_rank(group=None):
    """This process's rank in ``group`` (0 .. world size - 1)."""
    return default_group(group).rank()


def get_world_size(group=None):
    return default_group(group).size()


def get_backend(group=None):
    return default_group(group).backend


def new_group(ranks=None, timeout=None, backend=None, pg_options=None):
    """A group of some ranks (all of them when ``ranks`` is None). Every rank must call it,
    as in torch; ranks outside ``ranks`` get None."""
    world = default_group()
    ranks = list(range(world.size())) if ranks is None else sorted(int(r) for r in ranks)
    bad = [r for r in ranks if not 0 <= r < world.size()]
    if bad:
        raise ValueError(f"ranks {bad} are outside the world of size {world.size()}")
    comm = world.comm.Create_group(world.comm.Get_group().Incl(ranks))
    return None if comm == mpi().COMM_NULL else ProcessGroup(comm, backend or world.backend)
