"""Devices and their array modules.

Every tensor stores a raw array of its device's array module: NumPy for ``"cpu"``,
CuPy for ``"cuda"``. Ops call NumPy functions on those arrays; CuPy arrays take
part through NumPy's dispatch protocols (``__array_ufunc__``/``__array_function__``),
so one implementation serves both. Only array *creation* needs the module itself,
which :func:`array_module` returns. CuPy is imported the first time a CUDA
tensor is asked for, never before.
"""
import numpy as np


class device:
    """A device such as ``device("cpu")`` or ``device("cuda:0")`` (PyTorch's ``torch.device``)."""

    __slots__ = ("type", "index")

    def __new__(cls, spec="cpu", index=None):
        if isinstance(spec, device):
            return spec
        if not isinstance(spec, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {spec!r}")
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"unknown device type {kind!r}: expected 'cpu' or 'cuda'")
        if idx:
            index = int(idx)
        if kind == "cuda" and index is None:
            index = 0
        key = (kind, index)
        cached = _DEVICES.get(key)
        if cached is None:
            cached = object.__new__(cls)
            object.__setattr__(cached, "type", kind)
            object.__setattr__(cached, "index", index)
            _DEVICES[key] = cached
        return cached

    def __repr__(self):
        inner = f"'{self.type}'" if self.index is None else f"type='{self.type}', index={self.index}"
        return f"device({inner})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


_DEVICES = {}
CPU = device("cpu")
_cupy = None


def _load_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy  # noqa: PLC0415 - optional dependency, imported on first use
        except ImportError as err:
            raise RuntimeError(
                "a 'cuda' tensor needs CuPy, which is not installed: "
                "pip install 'deepgrad[cuda]' (or the cupy-cudaXXx wheel matching your CUDA)"
            ) from err
        _cupy = cupy
    return _cupy


_gpu_count = None  # CUDA devices CuPy sees, asked once


def _cuda_module(dev):
    """CuPy, after checking that the GPU ``dev`` names exists (a clear error otherwise)."""
    global _gpu_count
    cp = _load_cupy()
    if _gpu_count is None:
        try:
            count = int(cp.cuda.runtime.getDeviceCount())
        except Exception as err:  # noqa: BLE001 - CuPy's CUDARuntimeError, a missing driver...
            raise RuntimeError(f"{dev} was requested, but CuPy cannot reach a CUDA GPU "
                               f"({type(err).__name__}: {err})") from err
        _gpu_count = count
    if _gpu_count == 0:
        raise RuntimeError(f"{dev} was requested, but no CUDA GPU is available "
                           "(CuPy is installed and sees 0 devices)")
    if dev.index >= _gpu_count:
        raise RuntimeError(f"{dev} was requested, but only {_gpu_count} CUDA device(s) are "
                           f"visible (valid: cuda:0 to cuda:{_gpu_count - 1})")
    return cp


def array_module(dev):
    """NumPy for the CPU, CuPy for a CUDA device."""
    return np if dev.type == "cpu" else _cuda_module(dev)


def device_of_array(arr):
    """The device an array lives on (CPU for NumPy arrays and scalars)."""
    if isinstance(arr, np.ndarray) or _cupy is None or not isinstance(arr, _cupy.ndarray):
        return CPU
    return device(f"cuda:{arr.device.id}")


def as_array(x):
    """``x`` as an array, staying on its device.

    NumPy reductions return NumPy *scalars*; ``np.asarray`` turns those into 0-d arrays,
    but on a CuPy array it would attempt an implicit device-to-host copy, which CuPy
    refuses. Arrays (of either module) therefore pass through untouched.
    """
    if isinstance(x, np.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray)):
        return x
    return np.asarray(x)


def is_device_array(x):
    """True for a CuPy array (False whenever CuPy has not been loaded)."""
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def move_array(arr, dev):
    """Copy an array to ``dev`` (a no-op when it is already there)."""
    if device_of_array(arr) == dev:
        return arr
    if dev.type == "cpu":
        return arr.get()
    cp = _cuda_module(dev)
    with cp.cuda.Device(dev.index):
        return cp.asarray(arr)


def cuda_is_available():
    try:
        return _load_cupy().cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any failure means no usable GPU
        return False
