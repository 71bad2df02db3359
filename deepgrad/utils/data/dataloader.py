"""DataLoader, as ``torch.utils.data.DataLoader``: batches from a dataset, optionally prefetched.

One epoch, for a map-style dataset::

    for indices in batch_sampler:                 # e.g. [[3, 0, 7], [1, 5, 2], ...]
        yield collate_fn([dataset[i] for i in indices])

``batch_sampler`` is built from ``batch_size``/``drop_last`` and ``sampler`` (itself
``RandomSampler`` if ``shuffle`` else ``SequentialSampler``) unless given. With
``batch_size=None`` automatic batching is off: each index gives one sample, passed through
``collate_fn`` (``default_convert``). A ``TensorDataset`` (or a Subset of one) with the
default collate takes a fast path: one fancy index per tensor gathers the whole batch.

Background prefetching (``num_workers > 0``) uses *threads*, not processes: a pool of
``num_workers`` threads loads up to ``num_workers * prefetch_factor`` batches ahead while the
main thread trains. Indices are always drawn in the main thread and batches are returned in
the order they were requested, so the sequence of batches is the same as with
``num_workers=0``. Threads share the interpreter lock, so prefetching pays off when loading
waits on files or runs NumPy code that releases the lock (decoding, large copies); pure Python
transforms do not run in parallel. A random transform called inside a worker thread draws from
the shared generator in a thread-dependent order: give such transforms their own generator, or
keep ``num_workers=0``, when results must be bit-for-bit reproducible. For an
``IterableDataset`` a single background thread runs the stream (there is nothing to split).
"""
import collections
import itertools
import queue
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor, TimeoutError as _FutureTimeout

from .collate import default_collate, default_convert
from .dataset import IterableDataset, has_batch_fetch
from .sampler import BatchSampler, RandomSampler, SequentialSampler

_worker_local = threading.local()


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker thread."""

    def __init__(self, id, num_workers, seed, dataset):  # noqa: A002 - torch's field name
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers})"


def get_worker_info():
    """The current worker's :class:`WorkerInfo`, or None in the main thread (as torch)."""
    return getattr(_worker_local, "info", None)


class _InfiniteConstantSampler:
    """The 'sampler' of an IterableDataset: None forever (the dataset decides the order)."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style ``Dataset`` or an ``IterableDataset``.
        batch_size (int or None): samples per batch. Default 1. None turns batching off.
        shuffle (bool): reshuffle the indices every epoch (a ``RandomSampler``). Default False.
        sampler: the order of indices (exclusive with ``shuffle``).
        batch_sampler: yields lists of indices (exclusive with batch_size, shuffle, sampler,
            drop_last).
        num_workers (int): background threads that prefetch batches. Default 0 (none).
        collate_fn: list of samples -> batch. Default ``default_collate`` (``default_convert``
            without batching).
        pin_memory (bool): accepted for compatibility; it has no effect.
        drop_last (bool): drop the last, incomplete batch. Default False.
        timeout (float): seconds to wait for a batch from a worker (0 = forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker thread.
        generator: ``deepgrad.Generator`` for the ``RandomSampler`` made by ``shuffle``.
        prefetch_factor (int): batches in flight per worker (default 2; needs num_workers > 0).
        persistent_workers (bool): accepted for compatibility (needs num_workers > 0); the
            threads are cheap and are started for each epoch.

    ``len(loader)`` is the number of batches per epoch.

    Example::

        loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True,
                            generator=deepgrad.Generator().manual_seed(0))
        for xb, yb in loader:
            ...
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device=""):
        # every check comes before any attribute is set (a failed call changes nothing)
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             f"disable background loading (got {num_workers!r})")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified with background "
                             "workers: let num_workers > 0 to enable them, otherwise set "
                             "prefetch_factor to None")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int)
                                            or prefetch_factor < 1):
            raise ValueError(f"prefetch_factor should be a positive integer, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (None, False):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)   # checks batch_size

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self._iterable = iterable

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)   # TypeError when the stream has no length, as torch
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self.batch_sampler) if self._auto_collation else len(self.sampler)

    # --- fetching one batch ------------------------------------------------------------
    def _fetch(self, index):
        """The batch for one element of the (batch) sampler: a list of indices or one index."""
        ds = self.dataset
        if not self._auto_collation:
            return self.collate_fn(ds[index])
        if self._default_collate and has_batch_fetch(ds):
            return ds._get_batch(index)          # fast path: one fancy index per tensor
        getitems = getattr(ds, "__getitems__", None)
        samples = getitems(index) if getitems else [ds[i] for i in index]
        return self.collate_fn(samples)

    def _map_batches(self):
        index_iter = iter(self.batch_sampler if self._auto_collation else self.sampler)
        if self.num_workers == 0:
            for index in index_iter:
                yield self._fetch(index)
            return
        yield from self._threaded(index_iter)

    def _iterable_batches(self):
        it = iter(self.dataset)
        if not self._auto_collation:
            for item in it:
                yield self.collate_fn(item)
            return
        while True:
            chunk = list(itertools.islice(it, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield self.collate_fn(chunk)

    # --- background threads ------------------------------------------------------------
    def _init_worker(self, ids):
        wid = next(ids)
        _worker_local.info = WorkerInfo(wid, self.num_workers, wid, self.dataset)
        if self.worker_init_fn is not None:
            self.worker_init_fn(wid)

    def _result(self, future):
        try:
            return future.result(timeout=self.timeout or None)
        except _FutureTimeout:
            raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None

    def _threaded(self, index_iter):
        """Keep ``num_workers * prefetch_factor`` fetches in flight; yield them in order."""
        ids = itertools.count()
        pool = ThreadPoolExecutor(self.num_workers, thread_name_prefix="deepgrad-loader",
                                  initializer=self._init_worker, initargs=(ids,))
        pending = collections.deque()
        try:
            for index in itertools.islice(index_iter, self.num_workers * self.prefetch_factor):
                pending.append(pool.submit(self._fetch, index))
            while pending:
                batch = self._result(pending.popleft())
                for index in itertools.islice(index_iter, 1):   # refill before yielding
                    pending.append(pool.submit(self._fetch, index))
                yield batch
        finally:   # reached on exhaustion, on an error, or when the loop is abandoned
            pool.shutdown(wait=False, cancel_futures=True)

    def _threaded_stream(self):
        """Run the iterable pipeline in one thread, filling a bounded queue."""
        q = queue.Queue(maxsize=self.num_workers * self.prefetch_factor)
        stop = threading.Event()
        done = object()

        def put(item):
            """Wait for room in the queue; give up when the consumer has gone."""
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def produce():
            self._init_worker(itertools.count())
            _worker_local.info.num_workers = 1   # one thread runs the whole stream
            try:
                for batch in self._iterable_batches():
                    if not put((batch, None)):
                        return
                put((done, None))
            except BaseException as err:  # noqa: BLE001 - handed to the main thread
                put((done, err))

        thread = threading.Thread(target=produce, name="deepgrad-loader", daemon=True)
        thread.start()
        try:
            while True:
                try:
                    item, err = q.get(timeout=self.timeout or None)
                except queue.Empty:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None
                if err is not None:
                    raise err
                if item is done:
                    return
                yield item
        finally:
            stop.set()

    def __iter__(self):
        if self.pin_memory:
            _warn_if_nothing_to_pin()
        if self._iterable:
            gen = self._threaded_stream() if self.num_workers else self._iterable_batches()
        else:
            gen = self._map_batches()
        return _LoaderIter(gen, self)


def _warn_if_nothing_to_pin():
    from ...cuda import is_available  # noqa: PLC0415 - cuda imports only the backend

    if not is_available():   # torch's warning; with a GPU deepgrad simply does not pin
        warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then "
                      "device pinned memory won't be used.", UserWarning, stacklevel=3)


class _LoaderIter:
    """The iterator of one epoch (has ``len`` like torch's)."""

    def __init__(self, gen, loader):
        self._gen, self._loader = gen, loader

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    def __len__(self):
        return len(self._loader)

    def close(self):
        self._gen.close()
