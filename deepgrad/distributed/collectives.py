"""Collective operations between the ranks of a process group, as ``torch.distributed``.

Each works in place on a Tensor's memory, outside autograd (as torch's do). Arrays go to
MPI as contiguous host buffers; a CuPy array is copied to the host and back, since the
MPICH wheel is not CUDA-aware.

    all_reduce(t, op)   every rank ends with op(t_0, ..., t_{N-1})       (SUM, AVG, MIN, ...)
    broadcast(t, src)   every rank ends with rank src's t
    all_gather(l, t)    every rank ends with l[i] = rank i's t
    reduce(t, dst, op)  rank dst ends with op over all ranks
"""
import enum

import numpy as np

from ..backend import CPU, device_of_array, move_array
from ._mpi import mpi
from .process_group import default_group


class ReduceOp(enum.Enum):
    """How all_reduce combines the ranks' values (AVG: the sum divided by the world size)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


def _mpi_op(op):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"op must be a deepgrad.distributed.ReduceOp, got {op!r}")
    MPI = mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


class Work:
    """The handle ``async_op=True`` returns: ``wait()`` blocks until the result is in place."""

    def __init__(self, request=None, finish=None):
        self._request, self._finish, self._done = request, finish, request is None

    def wait(self, timeout=None):
        if not self._done:
            self._request.Wait()
            self._done = True
            if self._finish is not None:
                self._finish()
        return True

    def is_completed(self):
        if not self._done and self._request.Test():
            self.wait()
        return self._done


class _Buffer:
    """A tensor's data as a contiguous host array for MPI, written back after the call."""

    def __init__(self, tensor):
        arr = tensor._data
        self.tensor, self.device = tensor, device_of_array(arr)
        self.host_copy = self.device.type != "cpu"
        if self.host_copy:
            self.array = move_array(arr, CPU)  # CuPy -> host
        elif arr.flags.c_contiguous:
            self.array = arr                # in place, no copy
        else:
            self.array = np.ascontiguousarray(arr)
        self.copied = self.host_copy or self.array is not arr
        if self.array.dtype.kind not in "biuf":
            raise TypeError(f"deepgrad.distributed cannot send {self.array.dtype} tensors")

    def store(self):
        """Write the received values into the tensor and count the in-place change."""
        arr = self.tensor._data
        if self.copied:
            arr[...] = move_array(self.array, self.device) if self.host_copy else self.array
        self.tensor._vc[0] += 1


def _check_avg(buf, op):
    """AVG divides by the world size: refused for integers (before anything is sent)."""
    if op is ReduceOp.AVG and buf.array.dtype.kind != "f":
        raise TypeError(f"ReduceOp.AVG needs a floating tensor, got {buf.array.dtype}")


def _finish_all_reduce(buf, op, size):
    if op is ReduceOp.AVG:
        buf.array /= size
    buf.store()


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` over all ranks with ``op``; every rank gets the result in place."""
    group = default_group(group)
    buf = _Buffer(tensor)
    _check_avg(buf, op)
    MPI = mpi()
    if async_op:
        request = group.comm.Iallreduce(MPI.IN_PLACE, buf.array, op=_mpi_op(op))
        return Work(request, lambda: _finish_all_reduce(buf, op, group.size()))
    group.comm.Allreduce(MPI.IN_PLACE, buf.array, op=_mpi_op(op))
    _finish_all_reduce(buf, op, group.size())
    return None


def broadcast(tensor, src=0, group=None, async_op=False):
    """Every rank's ``tensor`` becomes rank ``src``'s, in place."""
    group = default_group(group)
    _check_rank(src, group, "src")
    buf = _Buffer(tensor)
    if async_op:
        return Work(group.comm.Ibcast(buf.array, root=src), buf.store)
    group.comm.Bcast(buf.array, root=src)
    buf.store()
    return None


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Rank ``dst``'s ``tensor`` becomes ``op`` over all ranks; the others' are unchanged."""
    group = default_group(group)
    _check_rank(dst, group, "dst")
    buf = _Buffer(tensor)
    _check_avg(buf, op)
    MPI = mpi()
    if group.rank() == dst:
        group.comm.Reduce(MPI.IN_PLACE, buf.array, op=_mpi_op(op), root=dst)
        _finish_all_reduce(buf, op, group.size())
    else:
        group.comm.Reduce(buf.array, None, op=_mpi_op(op), root=dst)
    return Work() if async_op else None


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[i]`` becomes rank i's ``tensor`` on every rank."""
    group = default_group(group)
    _check_list(tensor_list, tensor, group, "tensor_list")
    send = _Buffer(tensor).array
    received = np.empty((group.size(),) + send.shape, send.dtype)
    group.comm.Allgather(send, received)
    for out, part in zip(tensor_list, received):
        _write(out, part)
    return Work() if async_op else None


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Rank ``dst`` receives every rank's ``tensor`` into ``gather_list``."""
    group = default_group(group)
    _check_rank(dst, group, "dst")
    send = _Buffer(tensor).array
    if group.rank() == dst:
        _check_list(gather_list, tensor, group, "gather_list")
        received = np.empty((group.size(),) + send.shape, send.dtype)
        group.comm.Gather(send, received, root=dst)
        for out, part in zip(gather_list, received):
            _write(out, part)
    else:
        group.comm.Gather(send, None, root=dst)
    return Work() if async_op else None


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Rank i's ``tensor`` becomes ``scatter_list[i]`` of rank ``src``."""
    group = default_group(group)
    _check_rank(src, group, "src")
    buf = _Buffer(tensor)
    send = None
    if group.rank() == src:
        _check_list(scatter_list, tensor, group, "scatter_list")
        send = np.stack([_Buffer(t).array for t in scatter_list])
    group.comm.Scatter(send, buf.array, root=src)
    buf.store()
    return Work() if async_op else None


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank of the group has reached this call."""
    default_group(group).comm.Barrier()
    return Work() if async_op else None


def send(tensor, dst, group=None, tag=0):
    group = default_group(group)
    _check_rank(dst, group, "dst")
    group.comm.Send(_Buffer(tensor).array, dest=dst, tag=tag)


def recv(tensor, src=None, group=None, tag=0):
    """Receive into ``tensor`` from ``src`` (any rank when None); returns the sender's rank."""
    group = default_group(group)
    MPI = mpi()
    buf, status = _Buffer(tensor), MPI.Status()
    group.comm.Recv(buf.array, source=MPI.ANY_SOURCE if src is None else src, tag=tag,
                    status=status)
    buf.store()
    return status.Get_source()


def all_gather_object(object_list, obj, group=None):
    """``object_list[i]`` becomes rank i's picklable ``obj``."""
    group = default_group(group)
    if len(object_list) != group.size():
        raise ValueError(f"object_list has {len(object_list)} entries for a world of "
                         f"{group.size()} ranks")
    object_list[:] = group.comm.allgather(obj)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Every rank's ``object_list`` entries become rank ``src``'s (picklable objects)."""
    group = default_group(group)
    _check_rank(src, group, "src")
    object_list[:] = group.comm.bcast(list(object_list) if group.rank() == src else None,
                                      root=src)


def _write(out, part):
    arr = out._data
    arr[...] = move_array(part, device_of_array(arr))
    out._vc[0] += 1


def _check_rank(rank, group, name):
    if not 0 <= rank < group.size():
        raise ValueError(f"{name}={rank} is not a rank of this group (size {group.size()})")


def _check_list(tensors, tensor, group, name):
    if tensors is None or len(tensors) != group.size():
        got = None if tensors is None else len(tensors)
        raise ValueError(f"{name} must hold one tensor per rank ({group.size()}), got {got}")
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(tensor.shape) or t.dtype != tensor.dtype:
            raise ValueError(f"{name}[{i}] has shape {tuple(t.shape)} and dtype {t.dtype}; "
                             f"expected {tuple(tensor.shape)} and {tensor.dtype}")
