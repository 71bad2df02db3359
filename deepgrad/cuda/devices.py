"""Which GPUs there are and which one is current (``torch.cuda``'s device functions).

deepgrad runs on a GPU through CuPy. Every function here asks CuPy, and only when CuPy is
installed *and* sees a GPU; otherwise the answers are those of PyTorch on a machine without
one: ``is_available() == False``, ``device_count() == 0``, and functions that need a
device raise a ``RuntimeError`` that says so.
"""
from .. import backend


def is_available():
    """True when CuPy is installed and at least one CUDA GPU is visible."""
    return backend.cuda_is_available()


def device_count():
    """The number of visible CUDA GPUs (0 without CuPy or without a GPU)."""
    if not is_available():
        return 0
    return int(backend._load_cupy().cuda.runtime.getDeviceCount())


def _require_gpu(what):
    if not is_available():
        raise RuntimeError(f"{what} needs a CUDA GPU, but none is available "
                           "(deepgrad uses CuPy for CUDA: pip install 'deepgrad[cuda]' on a GPU machine)")
    return backend._load_cupy()


def device_index(device, optional=False):
    """The integer index of ``device`` (an int, 'cuda:1', or a ``deepgrad.device``).

    ``None`` means the current device; a CPU device is an error, as in torch.
    """
    if device is None:
        return current_device() if not optional or is_available() else None
    if isinstance(device, bool) or not isinstance(device, (int, str, backend.device)):
        raise TypeError(f"expected a device index, a string or a deepgrad.device, got {device!r}")
    if isinstance(device, int):
        return device
    dev = backend.device(device)
    if dev.type != "cuda":
        raise ValueError(f"expected a cuda device, but got: {dev}")
    return dev.index


def current_device():
    """The index of the current CUDA device (CuPy's current device)."""
    return int(_require_gpu("current_device()").cuda.runtime.getDevice())


def set_device(device):
    """Make ``device`` the current CUDA device; a negative index is ignored, as in torch."""
    index = device_index(device)
    if index < 0:
        return
    cp = _require_gpu("set_device()")
    _check_index(index)
    cp.cuda.Device(index).use()


def _check_index(index):
    count = device_count()
    if not 0 <= index < count:
        raise RuntimeError(f"invalid CUDA device index {index}: {count} device(s) are visible")


def get_device_properties(device=None):
    """CuPy's property dict of ``device`` (name, totalGlobalMem, major, minor, ...)."""
    cp = _require_gpu("get_device_properties()")
    index = device_index(device)
    _check_index(index)
    return cp.cuda.runtime.getDeviceProperties(index)


def get_device_name(device=None):
    """The GPU's marketing name, e.g. 'NVIDIA H100 80GB HBM3'."""
    name = get_device_properties(device)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def get_device_capability(device=None):
    """The compute capability ``(major, minor)`` of the GPU."""
    props = get_device_properties(device)
    return int(props["major"]), int(props["minor"])


def is_bf16_supported(including_emulation=True):
    """bfloat16 tensors: deepgrad has no bfloat16 dtype (NumPy lacks one), so False."""
    return False


def synchronize(device=None):
    """Wait until every kernel queued on ``device`` has finished."""
    cp = _require_gpu("synchronize()")
    index = device_index(device)
    _check_index(index)
    with cp.cuda.Device(index):
        cp.cuda.Device(index).synchronize()


class device:  # noqa: N801 - torch.cuda.device is a lowercase context manager
    """Context manager that makes ``device`` current for its block (``torch.cuda.device``)."""

    def __init__(self, device):
        self.idx = device_index(device, optional=True)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is None or self.idx < 0:
            return self
        self.prev_idx = current_device()
        if self.prev_idx != self.idx:
            set_device(self.idx)
        return self

    def __exit__(self, *exc):
        if self.prev_idx >= 0 and self.prev_idx != self.idx:
            set_device(self.prev_idx)
        return False
