"""Collation: how a list of samples becomes one batch (``default_collate``, as torch's).

``default_collate`` recurses into the structure of the first sample:

- tensors are stacked along a new dimension 0 (``(B, *shape)``);
- NumPy arrays become tensors (dtype kept) and are stacked; NumPy scalars likewise;
- Python ints become an int64 tensor, bools a bool tensor, floats a tensor of the
  *default float dtype* (float32). torch gives float64 here; deepgrad keeps float32 end to
  end, so that a float label does not upcast the loss;
- strings and bytes are kept as they come (the list or tuple of strings);
- dicts collate per key, namedtuples per field;
- other sequences are transposed: ``[(x0, y0), (x1, y1)] -> [collate([x0, x1]), collate([y0, y1])]``
  (a list, as torch returns for tuples).

``default_convert`` is what the DataLoader applies when automatic batching is off
(``batch_size=None``): arrays become tensors, nothing is stacked.
"""
import collections.abc
import numbers

import numpy as np

from ... import dtypes
from ...backend import CPU, array_module
from ...tensor import Tensor

_BAD_TYPE = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
             "lists; found {}")


def _from_array(arr):
    if arr.dtype.kind in "OSUV":
        raise TypeError(_BAD_TYPE.format(arr.dtype))
    if arr.dtype not in dtypes._BY_NUMPY:
        dtypes.from_numpy_dtype(arr.dtype)   # the clear unsupported-dtype error
    return Tensor._make(arr, CPU)


def _stack_tensors(batch):
    first = batch[0]
    for i, t in enumerate(batch):
        if not isinstance(t, Tensor):
            raise TypeError(f"default_collate: element {i} of the batch is a "
                            f"{type(t).__name__}, expected a Tensor like element 0")
        if t.shape != first.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{tuple(first.shape)} at entry 0 and {tuple(t.shape)} at entry {i}")
    if any(t.requires_grad for t in batch):    # keep the graph (rare in a dataset)
        from ...ops.shape import stack  # noqa: PLC0415
        return stack(batch)
    xp = array_module(first._device)   # NumPy, or CuPy for CUDA tensors
    return Tensor._make(xp.stack([t._data for t in batch]), first._device)


def default_collate(batch):
    """Merge a list of samples into a batch (see the module docstring for the rules).

    Example::

        default_collate([(np.zeros(3), 1), (np.ones(3), 0)])
        # [Tensor of shape (2, 3) float64, Tensor([1, 0]) int64]
    """
    if not isinstance(batch, (list, tuple)):
        batch = list(batch)
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_BAD_TYPE.format(elem.dtype))
        shapes = {np.shape(b) for b in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"stack expects each array to be equal size, but got shapes "
                               f"{sorted(shapes)}")
        return _from_array(np.stack(batch))
    if isinstance(elem, np.generic):
        return _from_array(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_), CPU)
    if isinstance(elem, numbers.Integral):
        return Tensor._make(np.array(batch, dtype=np.int64), CPU)
    if isinstance(elem, numbers.Real):
        return Tensor._make(np.array(batch, dtype=dtypes.default_float_numpy()), CPU)
    if isinstance(elem, (str, bytes)):
        return batch          # as given: a list, or a tuple inside a transposed sample
    if isinstance(elem, collections.abc.Mapping):
        merged = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(merged)
        except TypeError:   # a mapping type that cannot be built from a dict
            return merged
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(s) != size for s in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return transposed          # torch returns a list for tuples
        try:
            return type(elem)(transposed)
        except TypeError:
            return transposed
    raise TypeError(_BAD_TYPE.format(type(elem)))


def default_convert(data):
    """Arrays to tensors, recursively; nothing is stacked (used with ``batch_size=None``)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "OSUV" else _from_array(data)
    if isinstance(data, np.generic):
        return data if data.dtype.kind in "OSUV" else _from_array(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
