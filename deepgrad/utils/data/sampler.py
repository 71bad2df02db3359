"""Samplers, as ``torch.utils.data``: they decide which indices a DataLoader visits, in what order.

A sampler is any iterable of dataset indices with a ``__len__``; a batch sampler yields lists
of indices. Random samplers draw from a ``deepgrad.Generator`` (the default one unless given),
so ``deepgrad.manual_seed(n)`` makes every epoch's order reproducible.

Random indices are drawn lazily, in chunks: the first chunk is small (32 indices, as torch
draws them) so the first batch comes at once, and each next chunk doubles up to 65,536 so
that a long epoch costs few NumPy calls. Memory stays flat whatever ``num_samples`` is:
``RandomSampler(ds, replacement=True, num_samples=10**12)`` is a valid, endless-looking
stream. Chunks become Python ints with ``tolist()`` (fast). Each epoch draws from a private
stream seeded from the generator when the epoch starts, as torch's samplers do.
"""
import itertools
import numbers

import numpy as np

from ...random import numpy_generator
from ...tensor import Tensor


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")


_FIRST_CHUNK, _MAX_CHUNK = 32, 65536


def _chunk_sizes(total):
    """32, 64, 128, ... capped at 65536, summing to ``total``."""
    size = _FIRST_CHUNK
    while total > 0:
        take = min(size, total)
        yield take
        total -= take
        size = min(2 * size, _MAX_CHUNK)


def _epoch_rng(generator):
    """A private NumPy generator for one epoch, seeded from ``generator`` (or the default).

    Drawing the epoch's indices from their own stream (as torch does) keeps the order
    independent of whatever else uses the generator between batches (dropout, transforms
    in loader threads), while the indices are still drawn lazily.
    """
    return np.random.default_rng(int(numpy_generator(generator).integers(2 ** 63)))


def _check_bool(value, name, error=ValueError):
    # torch raises TypeError for RandomSampler's flag and ValueError elsewhere; we follow it
    if not isinstance(value, bool):
        raise error(f"{name} should be a boolean value, but got {name}={value!r}")


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices) and usually ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of ``data_source``.

    Without replacement (default) each epoch is a random permutation: every index appears
    exactly once in each block of ``n = len(data_source)`` draws; ``num_samples > n`` chains
    several permutations (the last one cut short). With replacement the indices are i.i.d.
    uniform on ``{0, ..., n-1}``.

    Args:
        data_source: the dataset (only its length is used).
        replacement (bool): draw with replacement. Default False.
        num_samples (int): indices per epoch. Default ``len(data_source)``.
        generator: a ``deepgrad.Generator`` (default: the global one).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        _check_bool(replacement, "replacement", TypeError)
        if num_samples is not None:
            _check_positive_int(num_samples, "num_samples")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if n == 0:
            return
        rng = _epoch_rng(self.generator)
        if self.replacement:
            for size in _chunk_sizes(self.num_samples):
                yield from rng.integers(0, n, size=size).tolist()
            return
        full, rest = divmod(self.num_samples, n)
        for _ in range(full):          # one permutation at a time, drawn when reached
            yield from rng.permutation(n).tolist()
        if rest:
            yield from rng.permutation(n)[:rest].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a permutation of them), without replacement."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        perm = numpy_generator(self.generator).permutation(len(self.indices)).tolist()
        return (self.indices[i] for i in perm)

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices ``0..len(weights)-1`` drawn with probability ``p_i = w_i / sum_j w_j``.

    With replacement the draws are i.i.d.; without, each draw renormalises over the indices
    not drawn yet (as ``torch.multinomial``), so ``num_samples`` may not exceed the number of
    positive weights.

    Args:
        weights: 1-D sequence of non-negative weights (need not sum to 1).
        num_samples (int): indices per epoch.
        replacement (bool): default True.
        generator: a ``deepgrad.Generator`` (default: the global one).

    Example::

        # oversample a rare class: weight each sample by 1 / (its class frequency)
        sampler = WeightedRandomSampler(1.0 / counts[labels], num_samples=len(labels))
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        _check_positive_int(num_samples, "num_samples")
        _check_bool(replacement, "replacement")
        w = weights._data if isinstance(weights, Tensor) else weights
        w = np.asarray(w.get() if hasattr(w, "get") else w, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and non-negative")
        if w.sum() <= 0:
            raise ValueError("weights sum to zero: at least one weight must be positive")
        if not replacement and num_samples > int((w > 0).sum()):
            raise ValueError(f"cannot draw num_samples={num_samples} without replacement from "
                             f"{int((w > 0).sum())} positive weights")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        rng = _epoch_rng(self.generator)
        if not self.replacement:        # num_samples <= len(weights): one bounded draw
            p = self.weights / self.weights.sum()
            yield from rng.choice(len(p), size=self.num_samples, replace=False, p=p).tolist()
            return
        # inverse-CDF sampling: index i is drawn when u falls in [cdf[i-1], cdf[i])
        cdf = np.cumsum(self.weights)
        cdf /= cdf[-1]
        last = len(cdf) - 1
        for size in _chunk_sizes(self.num_samples):
            draws = np.searchsorted(cdf, rng.random(size), side="right")
            yield from np.minimum(draws, last).tolist()   # guards u rounding past cdf[-1]

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    The last batch is shorter when ``len(sampler)`` is not a multiple of ``batch_size``,
    unless ``drop_last=True`` drops it. ``len = floor(n / b)`` if drop_last else ``ceil(n / b)``.

    Example::

        list(BatchSampler(SequentialSampler(range(5)), 2, drop_last=False))
        # [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        _check_positive_int(batch_size, "batch_size")
        _check_bool(drop_last, "drop_last")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while True:
            batch = list(itertools.islice(it, self.batch_size))   # one C-level slice per batch
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
