"""``deepgrad.accelerator``: PyTorch's device-agnostic accelerator API.

deepgrad knows one kind of accelerator, a CUDA GPU driven through CuPy. On a machine
without one (or without CuPy) the answers are PyTorch's on a CPU-only machine:
``is_available()`` is False, ``current_accelerator()`` is None, ``device_count()`` is 0,
and functions that need a device raise ``RuntimeError``. With one, each call is the
matching ``deepgrad.cuda`` call.

Typical use, unchanged from PyTorch::

    device = deepgrad.accelerator.current_accelerator() or deepgrad.device("cpu")
"""
from . import cuda as _cuda
from .backend import device as _device

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    """True when an accelerator (a CUDA GPU through CuPy) is usable."""
    return _cuda.is_available()


def device_count():
    """The number of accelerator devices (0 without one)."""
    return _cuda.device_count()


def current_accelerator(check_available=False):
    """``device("cuda")`` when CuPy sees a GPU, else None (as torch on a CPU-only machine).

    deepgrad can only drive CUDA, so with ``check_available=True`` the answer is the same.
    """
    return _device("cuda") if _cuda.is_available() else None


def _require():
    if not _cuda.is_available():
        raise RuntimeError(_NONE)


def current_device_index():
    """The index of the current accelerator device."""
    _require()
    return _cuda.current_device()


def set_device_index(device):
    """Make ``device`` (an int, 'cuda:1' or a ``deepgrad.device``) the current accelerator."""
    _require()
    _cuda.set_device(device)


current_device_idx = current_device_index
set_device_idx = set_device_index


def synchronize(device=None):
    """Wait for every kernel queued on ``device`` (default: the current one)."""
    _require()
    _cuda.synchronize(device)


class device_index:  # noqa: N801 - torch's lowercase context manager
    """``with deepgrad.accelerator.device_index(i):`` runs the block with device ``i`` current.

    ``None`` is a no-op (allowed without an accelerator, as in torch).
    """

    def __init__(self, device, /):
        self.idx = device
        self.prev_idx = None

    def __enter__(self):
        if self.idx is not None:
            self.prev_idx = current_device_index()
            set_device_index(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev_idx is not None:
            set_device_index(self.prev_idx)
        return False


def memory_allocated(device_index=None, /):
    _require()
    return _cuda.memory_allocated(device_index)


def max_memory_allocated(device_index=None, /):
    _require()
    return _cuda.max_memory_allocated(device_index)


def reset_peak_memory_stats(device_index=None, /):
    _require()
    _cuda.reset_peak_memory_stats(device_index)


def memory_reserved(device_index=None, /):
    _require()
    return _cuda.memory_reserved(device_index)


def empty_cache():
    _require()
    _cuda.empty_cache()


def get_memory_info(device_index=None, /):
    """``(free, total)`` bytes of the device."""
    _require()
    return _cuda.mem_get_info(device_index)
