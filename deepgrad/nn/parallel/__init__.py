"""``deepgrad.nn.parallel``: DataParallel (one device) and DistributedDataParallel (MPI)."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
