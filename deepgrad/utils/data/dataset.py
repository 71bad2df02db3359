"""Datasets, as ``torch.utils.data``: the map-style and iterable protocols and their combinators.

A *map-style* dataset answers ``len(ds)`` and ``ds[i]`` for ``0 <= i < len(ds)``; a sampler
chooses the indices. An *iterable* dataset only answers ``iter(ds)``: it decides the order
itself (a stream, a generator of synthetic data). ``TensorDataset`` wraps tensors that share
their first dimension; its ``_get_batch`` lets the DataLoader gather a whole batch with one
fancy index per tensor instead of a Python loop over samples.
"""
import bisect
import itertools
import math
import warnings

import numpy as np

from ...backend import move_array
from ...creation import as_tensor
from ...random import numpy_generator
from ...tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__()``.

    ``a + b`` concatenates two datasets (a :class:`ConcatDataset`).
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define ``__iter__``.

    Example::

        class Count(IterableDataset):
            def __iter__(self):
                return iter(range(10))
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of the given tensors: ``ds[i] == (t[i] for t in tensors)``.

    Args:
        *tensors: deepgrad tensors (or NumPy arrays) with the same size of dimension 0.

    Example::

        ds = TensorDataset(deepgrad.randn(100, 3), deepgrad.arange(100))
        x, y = ds[0]          # a (3,) row and a scalar label
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, (Tensor, np.ndarray)):
                raise TypeError(f"TensorDataset: argument {i} must be a Tensor or a NumPy array, "
                                f"got {type(t).__name__}")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d tensor; "
                                 "each tensor needs a first (sample) dimension")
        sizes = [t.shape[0] for t in tensors]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"Size mismatch between tensors: the first dimensions are {sizes}; "
                             "all tensors must have the same number of samples")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _get_batch(self, indices):
        """The collated batch for ``indices``: one fancy index per tensor (the fast path).

        Equals ``default_collate([self[i] for i in indices])`` (a list, as torch's collate
        turns the per-sample tuples into a list of stacked tensors).
        """
        idx = np.asarray(indices, dtype=np.int64)
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"index {bad} is out of range for a dataset of size {n}")
        out = []
        for t in self.tensors:
            if isinstance(t, np.ndarray):
                out.append(as_tensor(t[idx]))
            elif t.requires_grad:   # keep the graph, as stacking t[i] would
                out.append(t[Tensor._make(move_array(idx, t._device), t._device)])
            else:
                out.append(Tensor._make(t._data[move_array(idx, t._device)], t._device))
        return out


def has_batch_fetch(dataset):
    """Whether ``dataset._get_batch`` can gather a collated batch in one go (the fast path)."""
    if isinstance(dataset, TensorDataset):
        return True
    return isinstance(dataset, Subset) and has_batch_fetch(dataset.dataset)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order): ``sub[i] = dataset[indices[i]]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):   # as torch: the parent receives the list of indices
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        """A list of samples (the batched-fetch protocol the DataLoader uses)."""
        inner = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        return getitems(inner) if callable(getitems) else [self.dataset[i] for i in inner]

    def __len__(self):
        return len(self.indices)

    def _get_batch(self, indices):
        inner = np.asarray(self.indices, dtype=np.int64)[np.asarray(indices, dtype=np.int64)]
        return self.dataset._get_batch(inner)


class ConcatDataset(Dataset):
    """Datasets one after the other: indices ``0..len(d0)-1`` are ``d0``, then ``d1`` ...

    ``cumulative_sizes[k]`` is the total length of datasets ``0..k``; an index is located
    with a binary search over it.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset "
                                "(use ChainDataset)")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if index < 0:
            if -index > n:
                raise ValueError(f"absolute value of index {index} should not exceed dataset "
                                 f"length {n}")
            index += n
        if index >= n:
            raise IndexError(f"index {index} is out of range for a dataset of size {n}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other (the streaming twin of ConcatDataset)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _fractions_to_lengths(fractions, n):
    """torch's rule: floor(n * f) each, then the remainder goes round-robin from the first."""
    for i, f in enumerate(fractions):
        if f < 0 or f > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1, got {f}")
    lengths = [int(math.floor(n * f)) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          "dataset.", stacklevel=3)
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Args:
        dataset: a map-style dataset.
        lengths: integer lengths summing to ``len(dataset)``, or fractions summing to 1
            (``floor(n * f)`` each; the leftover samples go one each to the first splits).
        generator: a ``deepgrad.Generator`` for the permutation (default: the global one).

    Returns:
        a list of :class:`Subset`, one per length.

    Example::

        train, val = random_split(ds, [0.8, 0.2], generator=deepgrad.Generator().manual_seed(0))
    """
    lengths = list(lengths)
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:   # fractions (torch's test, kept as is)
        lengths = _fractions_to_lengths(lengths, n)
    if any(int(x) != x or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions "
                         f"summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the "
                         f"input dataset ({n})!")
    perm = numpy_generator(generator).permutation(n).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[offset:offset + int(length)]))
        offset += int(length)
    return out
