"""The Trainer on N ranks (``mpiexec -n N``): what changes, and the few collectives it uses.

With ``Trainer(distributed=...)`` active (a process group of more than one rank), ``fit``
does data-parallel training as PyTorch Lightning's DDP strategy does:

* the model is wrapped in ``nn.parallel.DistributedDataParallel`` for the training
  forward (rank 0's weights are broadcast once, gradients are averaged during backward);
  ``trainer.model`` stays the plain module, so checkpoints are the same files as in one
  process and load on any number of ranks. A model that is already a DDP module (e.g.
  built with ``find_unused_parameters=True``) is used as it is;
* the training data goes through a ``DistributedSampler`` (rank r reads
  ``indices[r::N]`` of the epoch's order, ``set_epoch(epoch)`` before every epoch).
  ``batch_size`` is *per rank*: N ranks x batch b take the step of 1 process x batch N*b.
  The shuffling seed is the Trainer's ``seed`` (0 when None). When n is not a multiple
  of N the sampler pads with the first samples of the order, as torch's does, so a few
  samples count twice in that epoch;
* validation and ``evaluate`` read disjoint shards ``range(r, n, N)`` (no padding, every
  sample exactly once); each rank keeps sums (loss x samples, sample count) and its
  metrics' sufficient statistics, and at the end every rank gathers all of them and
  merges them in rank order, so every rank logs the same numbers, equal to the
  single-process ones (up to the order of floating-point additions);
* the epoch's training loss and metrics are combined the same way;
* only rank 0 prints progress (the bar's running loss is rank 0's own; the epoch line
  is over all ranks) and runs the callbacks that write files (``rank_zero_only``:
  the run folder, CSVLogger, TensorBoard, ModelCheckpoint); ``trainer.save_checkpoint``
  writes on rank 0 only. The others wait at the end of each epoch, where the ranks agree on
  ``stop_training`` (stop if any rank stops), so EarlyStopping, TerminateOnNaN or a user
  callback can never leave one rank waiting in a collective; when a callback runs every
  batch, they agree after every batch too;
* a DataLoader whose sampler is a DistributedSampler is used as given; other DataLoaders
  are rebuilt around a sharding sampler (same batch size, collate_fn, workers); an
  iterable dataset cannot be sharded by the Trainer and is refused with a clear error;
* ``load_checkpoint`` reads the file on every rank; ``predict`` is not sharded (every rank
  computes every output).

A rank that raises ends the whole job (the excepthook of ``init_process_group``).

Collectives per epoch, besides DDP's gradient Allreduce per step: one ``allgather`` of a
few numbers for the training logs, one for validation, one ``Allreduce`` of the stop flag
(plus one per batch when a callback has per-batch hooks).
"""
import copy
import os

import numpy as np

from ..utils.data import DataLoader, DistributedSampler, IterableDataset, Subset
from .metrics import Metric

_LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


def launched_world_size():
    """The number of processes ``mpiexec`` started, read from its environment (1 if none).

    MPICH/Hydra and Intel MPI set ``PMI_SIZE``, Open MPI ``OMPI_COMM_WORLD_SIZE``,
    MVAPICH ``MV2_COMM_WORLD_SIZE``. Reading them needs no MPI import.
    """
    for name in _LAUNCHER_SIZE_VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def resolve(mode):
    """The process group to train over (None: train in this process alone).

    ``"auto"``: the default group when ``init_process_group`` has been called and it has
    more than one rank; ``True``: the same, calling ``init_process_group("mpi")`` first if
    needed; ``False``: never.
    """
    if mode not in ("auto", True, False):
        raise ValueError(f"distributed must be 'auto', True or False, got {mode!r}")
    if mode is False:
        return None
    from .. import distributed as dist  # noqa: PLC0415 - mpi4py only once a group starts
    if not dist.is_initialized():
        if mode == "auto":
            return None
        dist.init_process_group("mpi")      # mpi4py missing: its ImportError says what to do
    group = dist.process_group.default_group()
    return group if group.size() > 1 else None


class Ranks:
    """The collectives the Trainer needs, over ``group`` (an MPI communicator)."""

    def __init__(self, group):
        self.group = group
        self.rank, self.size = group.rank(), group.size()
        self.is_main = self.rank == 0

    def any(self, flag):
        """True on every rank when ``flag`` is true on at least one."""
        mpi = _mpi()
        value = np.array([1 if flag else 0], dtype=np.int64)
        self.group.comm.Allreduce(mpi.IN_PLACE, value, op=mpi.MAX)
        return bool(value[0])

    def gather(self, obj):
        """Every rank's ``obj`` (picklable), in rank order, on every rank."""
        return self.group.comm.allgather(obj)

    def barrier(self):
        self.group.comm.Barrier()

    # --- data --------------------------------------------------------------------------
    def train_loader(self, loader, shuffle, seed):
        """``loader`` reading this rank's share through a DistributedSampler."""
        if isinstance(loader.sampler, DistributedSampler):
            return loader       # the user sharded it already
        dataset = _map_style(loader, "training")
        sampler = DistributedSampler(dataset, self.size, self.rank, shuffle=shuffle,
                                     seed=0 if seed is None else seed)
        return _rebuild(loader, dataset, sampler)

    def eval_loader(self, loader):
        """``loader`` reading samples ``rank, rank + N, ...``: every sample once overall."""
        if isinstance(loader.sampler, DistributedSampler):
            return loader
        dataset = _map_style(loader, "evaluation")
        return _rebuild(loader, Subset(dataset, range(self.rank, len(dataset), self.size)),
                        None)

    # --- logs --------------------------------------------------------------------------
    def combine(self, total, count, metrics):
        """``{"loss": ..., metric: ...}`` over every rank's samples (the same on each rank).

        ``total`` is this rank's sum of (batch loss x batch size), ``count`` its samples,
        ``metrics`` its Metric objects; their statistics are merged in rank order.
        """
        parts = self.gather((float(total), int(count), [_state(m) for m in metrics]))
        total = sum(p[0] for p in parts)
        count = sum(p[1] for p in parts)
        logs = {"loss": total / count if count else float("nan")}
        for i, metric in enumerate(metrics):
            merged = _with_state(metric, parts[0][2][i])
            for p in parts[1:]:
                merged.merge(_with_state(metric, p[2][i]))
            logs[metric.name] = merged.result()
        return logs


def check_metrics(metrics):
    """Every metric must be able to merge another rank's statistics (before training)."""
    for m in metrics:
        if type(m).merge is Metric.merge:
            raise ValueError(f"metric {m.name!r} ({type(m).__name__}) cannot be combined "
                             f"across ranks: give it a merge(self, other) method that adds "
                             f"another instance's statistics to its own")


def _mpi():
    from ..distributed._mpi import mpi  # noqa: PLC0415
    return mpi()


def _map_style(loader, what):
    if isinstance(loader.dataset, IterableDataset) or loader.batch_size is None:
        raise ValueError(f"distributed {what} needs a map-style dataset batched by "
                         f"batch_size, to shard it among the ranks; got a "
                         f"{type(loader.dataset).__name__} with batch_size="
                         f"{loader.batch_size}. Shard an iterable dataset yourself and "
                         f"give the DataLoader a DistributedSampler, or pass "
                         f"distributed=False")
    return loader.dataset


def _rebuild(loader, dataset, sampler):
    """A DataLoader like ``loader`` (batch size, collate, workers) over dataset/sampler."""
    return DataLoader(dataset, batch_size=loader.batch_size, sampler=sampler,
                      num_workers=loader.num_workers,
                      collate_fn=None if loader._default_collate else loader.collate_fn,
                      pin_memory=loader.pin_memory, drop_last=loader.drop_last,
                      worker_init_fn=loader.worker_init_fn,
                      prefetch_factor=loader.prefetch_factor,
                      persistent_workers=loader.persistent_workers)


def _state(metric):
    """A metric's statistics (its attributes other than functions), to send to the others."""
    return {k: v for k, v in vars(metric).items() if not callable(v)}


def _with_state(metric, state):
    other = copy.copy(metric)
    vars(other).update(copy.deepcopy(state))
    return other
