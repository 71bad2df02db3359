"""``deepgrad.distributed``: data-parallel training over MPI, with torch.distributed's names.

Launch N ranks with ``mpiexec -n N python train.py``; in the program::

    import deepgrad.distributed as dist
    dist.init_process_group("mpi")
    model = deepgrad.nn.parallel.DistributedDataParallel(model)
    sampler = deepgrad.utils.data.distributed.DistributedSampler(dataset)

Needs the optional extra ``pip install deepgrad[mpi]`` (mpi4py and the MPICH wheel).
"""
from .collectives import (ReduceOp, Work, all_gather, all_gather_object, all_reduce, barrier,
                          broadcast, broadcast_object_list, gather, recv, reduce, scatter, send)
from .process_group import (ProcessGroup, destroy_process_group, get_backend, get_rank,
                            get_world_size, init_process_group, is_available, is_initialized,
                            is_mpi_available, new_group)

__all__ = ["ProcessGroup", "ReduceOp", "Work", "all_gather", "all_gather_object", "all_reduce",
           "barrier", "broadcast", "broadcast_object_list", "destroy_process_group", "gather",
           "get_backend", "get_rank", "get_world_size", "init_process_group", "is_available",
           "is_initialized", "is_mpi_available", "new_group", "recv", "reduce", "scatter", "send"]
