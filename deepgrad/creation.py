"""Functions that make new tensors: from data, filled with constants, ranges and random draws.

Dtype inference follows PyTorch: Python floats give the default float dtype
(float32), Python ints give int64, bools give bool; NumPy arrays keep their dtype.
Random values come from a ``deepgrad.Generator`` (the default one unless given).
"""
import numbers

import numpy as np

from . import dtypes
from .backend import CPU, array_module, device as Device, device_of_array, move_array
from .random import numpy_generator
from .tensor import Tensor


def _infer_numpy_dtype(data):
    """PyTorch's inference for Python data: bool, int64 or the default float."""
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind == "b":
        return np.bool_
    if kind in "iu":
        return np.int64
    if kind == "f":
        return dtypes.default_float_numpy()
    if kind == "O":
        raise TypeError(f"could not build a tensor from {type(data).__name__} containing "
                        "non-numeric or ragged data")
    raise TypeError(f"could not build a tensor from data of NumPy dtype {arr.dtype}")


def _to_array(data, dtype=None, device=None, copy=True):
    """(array, device) for ``data`` (a Tensor, array, scalar or nested list)."""
    np_dtype = dtypes.to_numpy_dtype(dtype)
    if isinstance(data, Tensor):
        arr, dev = data._data, data._device
    elif isinstance(data, np.generic):  # a NumPy scalar keeps its dtype, as in PyTorch
        arr, dev, copy = np.asarray(data), CPU, False
        if np_dtype is None:
            dtypes.from_numpy_dtype(arr.dtype)
    elif isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__"):
        arr, dev = data, device_of_array(data)
        if np_dtype is None and arr.dtype not in dtypes._BY_NUMPY:
            dtypes.from_numpy_dtype(arr.dtype)  # raises the clear unsupported-dtype error
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
            data = _nested_tensors_to_lists(data)
        if np_dtype is None:
            np_dtype = _infer_numpy_dtype(data)
        arr, dev = np.array(data, dtype=np_dtype), CPU
        copy = False
    if np_dtype is not None and arr.dtype != np_dtype:
        arr, copy = arr.astype(np_dtype), False
    target = Device(device) if device is not None else dev
    if target != dev:
        arr, copy = move_array(arr, target), False
    if copy:
        arr = arr.copy()
    return arr, target


def _flat(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _nested_tensors_to_lists(seq):
    return [_nested_tensors_to_lists(x) if isinstance(x, (list, tuple))
            else (x.tolist() if isinstance(x, Tensor) else x) for x in seq]


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (a list, a scalar, an array or a tensor)."""
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like :func:`tensor` but shares memory with ``data`` when no cast or move is needed."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    arr, dev = _to_array(data, dtype, device, copy=False)
    return Tensor._make(arr, dev)


def from_numpy(arr):
    """A CPU tensor sharing memory with the NumPy array ``arr``."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    dtypes.from_numpy_dtype(arr.dtype)
    return Tensor._make(arr, CPU)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"size must be a sequence of ints, got {size!r}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _finish(arr, dev, requires_grad):
    t = Tensor._make(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype_or_default(dtype):
    return dtypes.to_numpy_dtype(dtype) if dtype is not None else dtypes.default_float_numpy()


def _full(size, value, dtype, device, requires_grad):
    dev = Device(device) if device is not None else CPU
    xp = array_module(dev)
    return _finish(xp.full(_size(size), value, dtype=_dtype_or_default(dtype)), dev, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _full(size, 0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _full(size, 1, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    out = _full(size, 0, dtype, device, requires_grad)
    return out if memory_format is None else _in_format(out, None, memory_format)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _full(tuple(size) if isinstance(size, (list, tuple)) else (size,), fill_value,
                 dtype, device, requires_grad)


def _like(t, dtype, device):
    return (dtype if dtype is not None else t.dtype), (device if device is not None else t.device)


def _in_format(out, like, memory_format):
    """``out`` (fresh, row-major) stored in ``memory_format``; ``preserve_format`` keeps
    ``like``'s layout, as torch's does. Not given: row-major (torch's default is
    preserve_format; deepgrad's own callers, gradcheck among them, write into these
    tensors through flat views, so the default stays row-major)."""
    if memory_format is None:
        return out
    from . import _memory_format as mf  # noqa: PLC0415

    fmt = mf.check_format(memory_format)
    if fmt is mf.contiguous_format:
        return out
    if fmt is mf.preserve_format:
        if like is None or like._data.flags.c_contiguous:
            return out
        strides = mf.preserved_strides(like._data)
    else:
        strides = mf.format_strides(out._data.shape, fmt)
    out._data = mf.relayout(out._data, strides)
    return out


def zeros_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    dtype, device = _like(t, dtype, device)
    return _in_format(_full(t.shape, 0, dtype, device, requires_grad), t,
                      memory_format)


def ones_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    dtype, device = _like(t, dtype, device)
    return _in_format(_full(t.shape, 1, dtype, device, requires_grad), t,
                      memory_format)


def empty_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros_like(t, dtype, device, requires_grad, memory_format)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    dtype, device = _like(t, dtype, device)
    return _in_format(_full(t.shape, fill_value, dtype, device, requires_grad), t,
                      memory_format)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` (inclusive) to ``end`` (exclusive) by ``step``."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = dtypes.default_float_numpy() if is_float else np.int64
    dev = Device(device) if device is not None else CPU
    arr = np.arange(start, end, step, dtype=dtypes.to_numpy_dtype(dtype))
    return _finish(move_array(arr, dev), dev, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dev = Device(device) if device is not None else CPU
    arr = np.linspace(start, end, steps, dtype=_dtype_or_default(dtype))
    return _finish(move_array(arr, dev), dev, requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    dev = Device(device) if device is not None else CPU
    arr = np.logspace(start, end, steps, base=base, dtype=_dtype_or_default(dtype))
    return _finish(move_array(arr, dev), dev, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    dev = Device(device) if device is not None else CPU
    arr = array_module(dev).eye(n, m, dtype=_dtype_or_default(dtype))
    return _finish(arr, dev, requires_grad)


def _random(values, dtype, device, requires_grad):
    dev = Device(device) if device is not None else CPU
    return _finish(move_array(values.astype(_dtype_or_default(dtype), copy=False), dev), dev,
                   requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1)."""
    values = numpy_generator(generator).random(_size(size))
    return _random(values, dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    values = numpy_generator(generator).standard_normal(_size(size))
    return _random(values, dtype, device, requires_grad)


def randint(low=None, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Integers uniform on [low, high); ``randint(high, size)`` starts at 0 as in PyTorch."""
    if size is None:
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...) and randint_like(t, high)
        low, high = 0, low
    elif low is None:  # randint(high=..., size=...)
        low = 0
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high is None or low >= high:
        raise RuntimeError(f"randint: expected low < high, got low={low}, high={high}")
    values = numpy_generator(generator).integers(low, high, size=_size(tuple(size)))
    return _random(values, dtype or dtypes.int64, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1."""
    values = numpy_generator(generator).permutation(int(n))
    return _random(values, dtype or dtypes.int64, device, requires_grad)


def rand_like(t, generator=None, dtype=None, device=None, requires_grad=False,
              memory_format=None):
    dtype, device = _like(t, dtype, device)
    return _in_format(rand(*t.shape, generator=generator, dtype=dtype, device=device,
                           requires_grad=requires_grad), t, memory_format)


def randn_like(t, generator=None, dtype=None, device=None, requires_grad=False,
               memory_format=None):
    dtype, device = _like(t, dtype, device)
    return _in_format(randn(*t.shape, generator=generator, dtype=dtype, device=device,
                            requires_grad=requires_grad), t, memory_format)


def randint_like(t, low, high=None, generator=None, dtype=None, device=None):
    dtype, device = _like(t, dtype, device)
    return randint(low, high, tuple(t.shape), generator=generator, dtype=dtype, device=device)


def normal(mean, std, size, generator=None, dtype=None, device=None, requires_grad=False):
    values = numpy_generator(generator).normal(mean, std, size=_size(tuple(size)))
    return _random(values, dtype, device, requires_grad)


def bernoulli(p, generator=None):
    """Samples of 1 with probability ``p`` (a tensor of probabilities), else 0."""
    probs = p._data if isinstance(p, Tensor) else np.asarray(p)
    draws = numpy_generator(generator).random(probs.shape) < move_array(probs, CPU)
    t = as_tensor(p) if not isinstance(p, Tensor) else p
    return Tensor._make(move_array(draws.astype(probs.dtype), t.device), t.device)


def multinomial(probs, num_samples, replacement=False, generator=None):
    """Indices drawn from the rows of ``probs`` (non-negative weights)."""
    p = move_array(probs._data, CPU).astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise RuntimeError("multinomial: probabilities must be finite and non-negative")
    rng = numpy_generator(generator)
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):
        total = row.sum()
        if total <= 0:
            raise RuntimeError("multinomial: the probabilities of a row sum to zero")
        if not replacement and num_samples > (row > 0).sum():
            raise RuntimeError("multinomial: cannot sample more categories than have non-zero "
                               "probability without replacement")
        out[i] = rng.choice(row.size, size=num_samples, replace=replacement, p=row / total)
    out = out.reshape(p.shape[:-1] + (num_samples,))
    return Tensor._make(move_array(out, probs.device), probs.device)
