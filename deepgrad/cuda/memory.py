"""GPU memory statistics (``torch.cuda.memory_allocated`` and friends), read from CuPy's pool.

CuPy keeps freed blocks in a memory pool, as PyTorch's caching allocator does, so the
two map directly: *allocated* is what live arrays use (``pool.used_bytes()``), *reserved*
is what the pool holds from the driver (``pool.total_bytes()``), and ``empty_cache``
returns the pool's free blocks to the driver. CuPy does not track a peak, so deepgrad
keeps one: ``max_memory_allocated`` is the largest value *observed* by these functions
since the last ``reset_peak_memory_stats`` (a lower bound of the true peak).

Without a GPU every figure is 0 and ``empty_cache`` does nothing, as in PyTorch.
"""
from .. import backend
from .devices import device_index, is_available

_peak_allocated = {}


def _pool():
    return backend._load_cupy().get_default_memory_pool()


def memory_allocated(device=None):
    """Bytes held by live GPU arrays (0 without a GPU)."""
    if not is_available():
        return 0
    index = device_index(device)
    cp = backend._load_cupy()
    with cp.cuda.Device(index):
        used = int(_pool().used_bytes())
    _peak_allocated[index] = max(_peak_allocated.get(index, 0), used)
    return used


def max_memory_allocated(device=None):
    """The largest ``memory_allocated`` seen since the last reset (0 without a GPU)."""
    if not is_available():
        return 0
    index = device_index(device)
    memory_allocated(index)
    return _peak_allocated[index]


def reset_peak_memory_stats(device=None):
    """Start a new peak from the current allocation."""
    if not is_available():
        return
    index = device_index(device)
    _peak_allocated.pop(index, None)
    memory_allocated(index)


def memory_reserved(device=None):
    """Bytes the memory pool holds from the driver, in use or cached (0 without a GPU)."""
    if not is_available():
        return 0
    cp = backend._load_cupy()
    with cp.cuda.Device(device_index(device)):
        return int(_pool().total_bytes())


def empty_cache():
    """Give the pool's unused blocks back to the driver (a no-op without a GPU)."""
    if not is_available():
        return
    _pool().free_all_blocks()
    backend._load_cupy().get_default_pinned_memory_pool().free_all_blocks()


def mem_get_info(device=None):
    """``(free, total)`` bytes of the GPU, from the driver."""
    if not is_available():
        raise RuntimeError("mem_get_info() needs a CUDA GPU, but none is available")
    cp = backend._load_cupy()
    with cp.cuda.Device(device_index(device)):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)
