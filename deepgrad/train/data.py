"""Turning what users pass to ``fit``/``evaluate``/``predict`` into DataLoaders.

Accepted: a ``DataLoader`` (used as it is), a ``Dataset`` (batched with ``batch_size``), or
a tuple ``(X, y)`` / ``(X,)`` of NumPy arrays, lists or tensors (a ``TensorDataset``).
``predict`` also takes a bare ``X``. Floating NumPy arrays become the default float dtype
(float32), as Keras does, so that float64 data meets float32 weights; tensors are kept
as they are.

``val_split`` (Keras's ``validation_split``) holds out the *last* fraction of the samples,
taken before any shuffling.
"""
import math

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from ..utils.data import DataLoader, Dataset, IterableDataset, Subset, TensorDataset


def _as_tensor(value, what):
    if isinstance(value, Tensor):
        return value
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"{what}: cannot make a tensor of objects (ragged lists?)")
    if np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(get_default_dtype().numpy, copy=False)
    elif np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        arr = arr.astype(np.int64, copy=False) if arr.dtype != np.bool_ else arr
    return Tensor._make(arr if arr.flags.c_contiguous else arr.copy(order="C"))


def as_dataset(data, what, allow_bare=False):
    """A Dataset from a Dataset or a tuple of arrays (checked for equal lengths)."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (tuple, list)) and 1 <= len(data) <= 2:
        tensors = [_as_tensor(v, what) for v in data]
        lengths = [t.shape[0] if t.ndim else None for t in tensors]
        if None in lengths:
            raise ValueError(f"{what}: arrays must have a sample dimension; got shapes "
                             f"{[tuple(t.shape) for t in tensors]}")
        if len(set(lengths)) > 1:
            raise ValueError(f"{what}: inputs and targets have different numbers of samples: "
                             f"X has {lengths[0]} (shape {tuple(tensors[0].shape)}), y has "
                             f"{lengths[1]} (shape {tuple(tensors[1].shape)})")
        return TensorDataset(*tensors)
    if allow_bare and (isinstance(data, (Tensor, np.ndarray)) or hasattr(data, "__array__")):
        return TensorDataset(_as_tensor(data, what))
    raise TypeError(f"{what}: expected a DataLoader, a Dataset or a tuple (X, y) of arrays or "
                    f"tensors, got {type(data).__name__}"
                    + (f" of length {len(data)}" if isinstance(data, (tuple, list)) else ""))


def as_loader(data, what, batch_size, shuffle=False, generator=None, allow_bare=False):
    if isinstance(data, DataLoader):
        return data
    dataset = as_dataset(data, what, allow_bare)
    if isinstance(dataset, IterableDataset):
        shuffle = False
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def split_validation(data, val_split):
    """(train part, validation part): the last ``val_split`` fraction is held out."""
    if not 0.0 < float(val_split) < 1.0:
        raise ValueError(f"val_split must be a fraction in (0, 1), got {val_split}")
    if isinstance(data, DataLoader) or isinstance(data, IterableDataset):
        raise ValueError("val_split needs arrays or a map-style Dataset to cut; with a "
                         "DataLoader or an iterable dataset, pass val= instead")
    dataset = as_dataset(data, "train")
    n = len(dataset)
    n_train = int(math.floor(n * (1.0 - float(val_split))))   # Keras rounds the same way
    if n_train == 0 or n_train == n:
        raise ValueError(f"val_split={val_split} of {n} samples leaves an empty "
                         f"{'training' if n_train == 0 else 'validation'} set")
    if isinstance(dataset, TensorDataset):
        return (TensorDataset(*[t[:n_train] for t in dataset.tensors]),
                TensorDataset(*[t[n_train:] for t in dataset.tensors]))
    return Subset(dataset, range(n_train)), Subset(dataset, range(n_train, n))


def steps_per_epoch(loader):
    """``len(loader)``, or None for a loader without a length (an iterable dataset): the
    progress bar then counts without a total."""
    try:
        return len(loader)
    except TypeError:
        return None


def unpack_batch(batch):
    """(inputs, targets) of a batch; targets is None for an input-only batch."""
    if isinstance(batch, (tuple, list)):
        if len(batch) == 2:
            return batch[0], batch[1]
        if len(batch) == 1:
            return batch[0], None
        raise ValueError(f"a batch must be (inputs, targets) or (inputs,), got a "
                         f"{type(batch).__name__} of {len(batch)} elements")
    return batch, None


def batch_size_of(x):
    first = x
    while isinstance(first, (tuple, list)):
        first = first[0]
    return int(first.shape[0]) if getattr(first, "ndim", 0) else 1


def move(value, device):
    if device is None:
        return value
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(move(v, device) for v in value)
    return value
