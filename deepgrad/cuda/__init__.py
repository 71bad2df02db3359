"""``deepgrad.cuda``: PyTorch's ``torch.cuda`` answered truthfully through CuPy.

Without CuPy or without a GPU: ``is_available()`` is False, ``device_count()`` is 0, memory
figures are 0, seeding and ``empty_cache`` do nothing, and functions that need a GPU
raise a RuntimeError saying none is available.
"""
from . import amp
from .devices import (current_device, device, device_count, get_device_capability,
                     get_device_name, get_device_properties, is_available, is_bf16_supported,
                     set_device, synchronize)
from .memory import (empty_cache, max_memory_allocated, mem_get_info, memory_allocated,
                     memory_reserved, reset_peak_memory_stats)
from .random import initial_seed, manual_seed, manual_seed_all, seed, seed_all

__all__ = ["amp", "current_device", "device", "device_count", "empty_cache",
           "get_device_capability", "get_device_name", "get_device_properties", "initial_seed",
           "is_available", "is_bf16_supported", "manual_seed", "manual_seed_all",
           "max_memory_allocated", "mem_get_info", "memory_allocated", "memory_reserved",
           "reset_peak_memory_stats", "seed", "seed_all", "set_device", "synchronize"]
