"""DataLoader: every option, batch composition compared with torch.utils.data where deterministic."""
import collections
import threading

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import deepgrad
from deepgrad.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                                 IterableDataset, SequentialSampler, Subset, SubsetRandomSampler,
                                 TensorDataset, default_collate, get_worker_info)
from tests.conftest import to_numpy


def gen(seed):
    return deepgrad.Generator().manual_seed(seed)


class Squares(Dataset):
    """A map-style dataset of (array, int, float, str) samples (no fast path)."""

    def __init__(self, n=10):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(3, i, dtype=np.float64), i, i * 0.5, f"s{i}"


class TorchSquares(tud.Dataset):
    def __init__(self, n=10):
        self.inner = Squares(n)

    def __len__(self):
        return self.inner.n

    def __getitem__(self, i):
        return self.inner[i]


def _stream_class(base):
    """An iterable dataset yielding 0 .. n-1, on either library's IterableDataset."""
    class StreamOf(base):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    return StreamOf


Stream, TorchStream = _stream_class(IterableDataset), _stream_class(tud.IterableDataset)


def assert_same_batch(ours, ref):
    """Same structure, values and (except Python floats, see collate docs) dtypes."""
    if isinstance(ref, torch.Tensor):
        assert isinstance(ours, deepgrad.Tensor), type(ours)
        np.testing.assert_array_equal(to_numpy(ours), ref.numpy())
        if ref.dtype == torch.float64 and ours.dtype == deepgrad.float32:
            return   # Python floats: float64 in torch, the default float dtype in deepgrad
        assert str(ours.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]
    elif isinstance(ref, dict):
        assert isinstance(ours, dict) and ours.keys() == ref.keys()
        for k in ref:
            assert_same_batch(ours[k], ref[k])
    elif isinstance(ref, (list, tuple)):
        assert type(ours) is type(ref) and len(ours) == len(ref), (type(ours), type(ref))
        for a, b in zip(ours, ref):
            assert_same_batch(a, b)
    else:
        assert ours == ref


@pytest.mark.parametrize("bs,drop", [(1, False), (3, False), (3, True), (4, True), (20, False)])
def test_sequential_batches_match_torch(bs, drop):
    ours = list(DataLoader(Squares(10), batch_size=bs, drop_last=drop))
    ref = list(tud.DataLoader(TorchSquares(10), batch_size=bs, drop_last=drop))
    assert len(ours) == len(ref) == len(DataLoader(Squares(10), batch_size=bs, drop_last=drop))
    for a, b in zip(ours, ref):
        assert_same_batch(a, b)


def test_tensor_dataset_fast_path_matches_torch_and_skips_getitem():
    X = np.random.default_rng(0).normal(size=(11, 2, 3))
    y = np.arange(11)

    class Counting(TensorDataset):
        calls = 0

        def __getitem__(self, i):
            Counting.calls += 1
            return super().__getitem__(i)

    ds = Counting(deepgrad.tensor(X), deepgrad.tensor(y))
    ours = list(DataLoader(ds, batch_size=4))
    ref = list(tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(y)), batch_size=4))
    assert Counting.calls == 0          # one fancy index per tensor, no per-sample calls
    for a, b in zip(ours, ref):
        assert_same_batch(a, b)
    # the same batches through the generic path (a custom collate turns the fast path off)
    slow = list(DataLoader(ds, batch_size=4, collate_fn=default_collate))
    assert Counting.calls == 11
    for a, b in zip(ours, slow):
        np.testing.assert_array_equal(to_numpy(a[0]), to_numpy(b[0]))
        np.testing.assert_array_equal(to_numpy(a[1]), to_numpy(b[1]))


def test_subset_and_concat_of_tensor_datasets():
    X = deepgrad.arange(20).reshape(10, 2)
    sub = Subset(TensorDataset(X), [9, 2, 4, 4, 0])
    batches = [b[0].tolist() for b in DataLoader(sub, batch_size=2)]
    assert batches == [[[18, 19], [4, 5]], [[8, 9], [8, 9]], [[0, 1]]]
    nested = Subset(sub, [4, 0])
    assert [b[0].tolist() for b in DataLoader(nested, batch_size=2)] == [[[0, 1], [18, 19]]]
    cat = ConcatDataset([TensorDataset(X[:3]), TensorDataset(X[3:5])])
    assert len(cat) == 5 and cat[3][0].tolist() == [6, 7] and cat[-1][0].tolist() == [8, 9]
    assert [b[0].shape[0] for b in DataLoader(cat, batch_size=2)] == [2, 2, 1]
    ref = tud.ConcatDataset([range(3), range(2)])
    assert ref.cumulative_sizes == ConcatDataset([range(3), range(2)]).cumulative_sizes
    with pytest.raises(IndexError, match="out of range"):
        cat[5]
    assert len(TensorDataset(X) + TensorDataset(X)) == 20


def test_tensor_dataset_errors():
    with pytest.raises(ValueError, match=r"Size mismatch between tensors.*\[3, 4\]"):
        TensorDataset(deepgrad.zeros(3, 2), deepgrad.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch"):
        tud.TensorDataset(torch.zeros(3, 2), torch.zeros(4))
    with pytest.raises(TypeError, match="Tensor or a NumPy array"):
        TensorDataset([1, 2, 3])
    ds = TensorDataset(deepgrad.zeros(3))
    with pytest.raises(IndexError, match="out of range"):
        next(iter(DataLoader(Subset(ds, [0, 7]), batch_size=2)))


def test_default_collate_nested_structures_match_torch():
    Point = collections.namedtuple("Point", "x y")
    samples = [{"img": np.ones((2, 2), np.float32) * i, "label": i, "w": float(i),
                "name": f"n{i}", "pair": (np.int32(i), [i, i + 1]), "pt": Point(i, 2.0 * i),
                "flag": i % 2 == 0, "t": deepgrad.tensor([i, i])}
               for i in range(3)]
    torch_samples = [{**s, "t": torch.tensor([i, i])} for i, s in enumerate(samples)]
    ours, ref = default_collate(samples), tud.default_collate(torch_samples)
    assert ours["w"].dtype == deepgrad.float32 and ref["w"].dtype == torch.float64
    assert isinstance(ours["pt"], Point) and isinstance(ref["pt"], Point)
    assert_same_batch({k: v for k, v in ours.items() if k != "pt"},
                      {k: v for k, v in ref.items() if k != "pt"})
    assert_same_batch(list(ours["pt"]), list(ref["pt"]))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([deepgrad.zeros(2), deepgrad.zeros(3)])
    with pytest.raises(TypeError, match="batch must contain"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_batch_size_none_matches_torch():
    ours = list(DataLoader(Squares(4), batch_size=None))
    ref = list(tud.DataLoader(TorchSquares(4), batch_size=None))
    assert len(ours) == 4 == len(DataLoader(Squares(4), batch_size=None))
    for a, b in zip(ours, ref):
        assert_same_batch(a, b)    # default_convert: arrays become tensors, tuples lists


def test_batch_sampler_and_sampler_options_match_torch():
    bs = [[3, 1], [0], [2, 2, 5]]
    ours = list(DataLoader(Squares(6), batch_sampler=bs))
    ref = list(tud.DataLoader(TorchSquares(6), batch_sampler=bs))
    assert len(DataLoader(Squares(6), batch_sampler=bs)) == 3
    for a, b in zip(ours, ref):
        assert_same_batch(a, b)
    order = [5, 0, 3, 3, 1]
    ours = list(DataLoader(Squares(6), sampler=order, batch_size=2))
    ref = list(tud.DataLoader(TorchSquares(6), sampler=order, batch_size=2))
    for a, b in zip(ours, ref):
        assert_same_batch(a, b)
    loader = DataLoader(Squares(6), batch_sampler=BatchSampler(SequentialSampler(range(6)), 4,
                                                               True))
    assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3]]


def test_shuffle_covers_each_index_once_and_is_reproducible():
    ds = TensorDataset(deepgrad.arange(23))
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=gen(0))
    e1 = np.concatenate([b[0].numpy() for b in loader])
    e2 = np.concatenate([b[0].numpy() for b in loader])
    assert sorted(e1.tolist()) == list(range(23)) == sorted(e2.tolist())
    assert e1.tolist() != e2.tolist() and e1.tolist() != list(range(23))
    again = np.concatenate([b[0].numpy() for b in DataLoader(ds, batch_size=5, shuffle=True,
                                                              generator=gen(0))])
    assert again.tolist() == e1.tolist()
    deepgrad.manual_seed(11)
    a = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True)]
    deepgrad.manual_seed(11)
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True)] == a
    sub = [b[0].tolist() for b in DataLoader(ds, sampler=SubsetRandomSampler([1, 2, 3]),
                                             batch_size=3)]
    assert sorted(sub[0]) == [1, 2, 3]


@pytest.mark.parametrize("kwargs", [dict(batch_sampler=[[0]], batch_size=2),
                                    dict(batch_sampler=[[0]], shuffle=True),
                                    dict(batch_sampler=[[0]], sampler=[0]),
                                    dict(batch_sampler=[[0]], drop_last=True),
                                    dict(sampler=[0], shuffle=True),
                                    dict(batch_size=None, drop_last=True),
                                    dict(num_workers=-1),
                                    dict(prefetch_factor=2),
                                    dict(persistent_workers=True)])
def test_mutually_exclusive_options_raise_like_torch(kwargs):
    with pytest.raises(ValueError) as ours:
        DataLoader(Squares(3), **kwargs)
    with pytest.raises(ValueError) as ref:
        tud.DataLoader(TorchSquares(3), **kwargs)
    # the same first words as torch's message
    assert str(ours.value).split()[:3] == str(ref.value).split()[:3]


def test_invalid_batch_size_and_timeout():
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(Squares(3), batch_size=0)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(Squares(3), timeout=-1)


@pytest.mark.parametrize("bs,drop", [(3, False), (3, True), (None, False), (10, False)])
def test_iterable_dataset_matches_torch(bs, drop):
    ours = DataLoader(Stream(8), batch_size=bs, drop_last=drop)
    ref = tud.DataLoader(TorchStream(8), batch_size=bs, drop_last=drop)
    assert len(ours) == len(ref)
    out, expected = list(ours), list(ref)
    assert len(out) == len(expected)
    for a, b in zip(out, expected):
        assert_same_batch(a, b)


def test_iterable_dataset_option_errors():
    for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified"):
            DataLoader(Stream(3), **kw)
    assert list(DataLoader(Stream(3), shuffle=False, batch_size=2))[0].tolist() == [0, 1]


def test_getitems_protocol_is_used():
    class Batched(Squares):
        def __getitems__(self, indices):
            self.seen = list(indices)
            return [self[i] for i in indices]

    ds = Batched(5)
    batch = next(iter(DataLoader(ds, batch_size=3)))
    assert ds.seen == [0, 1, 2] and batch[1].tolist() == [0, 1, 2]


@pytest.mark.parametrize("workers,prefetch", [(1, None), (2, 1), (3, 4)])
def test_background_workers_give_the_same_batches_in_order(workers, prefetch):
    X = deepgrad.arange(101)
    ds = TensorDataset(X)
    plain = [b[0].tolist() for b in DataLoader(ds, batch_size=7, shuffle=True, generator=gen(2))]
    threaded = DataLoader(ds, batch_size=7, shuffle=True, generator=gen(2), num_workers=workers,
                          prefetch_factor=prefetch)
    assert [b[0].tolist() for b in threaded] == plain
    # generic path (per-sample fetch in the workers) and an iterable dataset
    assert [b[1].tolist() for b in DataLoader(Squares(10), batch_size=3, num_workers=workers)] \
        == [b[1].tolist() for b in DataLoader(Squares(10), batch_size=3)]
    assert [b.tolist() for b in DataLoader(Stream(10), batch_size=4, num_workers=workers)] == \
        [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_workers_run_in_background_threads_with_worker_info():
    seen, inits = set(), []

    class Where(Squares):
        def __getitem__(self, i):
            info = get_worker_info()
            seen.add((threading.current_thread() is threading.main_thread(),
                      info is not None and info.num_workers == 2))
            return super().__getitem__(i)

    loader = DataLoader(Where(8), batch_size=2, num_workers=2, worker_init_fn=inits.append)
    assert len(list(loader)) == 4
    assert seen == {(False, True)}
    assert sorted(inits) in ([0], [0, 1])
    assert get_worker_info() is None


def test_worker_errors_reach_the_main_thread():
    class Broken(Squares):
        def __getitem__(self, i):
            if i == 5:
                raise KeyError("bad sample 5")
            return super().__getitem__(i)

    for workers in (0, 2):
        with pytest.raises(KeyError, match="bad sample 5"):
            list(DataLoader(Broken(8), batch_size=2, num_workers=workers))

    class BrokenStream(Stream):
        def __iter__(self):
            yield 1
            raise ValueError("stream broke")

    with pytest.raises(ValueError, match="stream broke"):
        list(DataLoader(BrokenStream(3), batch_size=1, num_workers=1))


def test_abandoned_threaded_epoch_and_len_of_iterator():
    loader = DataLoader(TensorDataset(deepgrad.arange(50)), batch_size=5, num_workers=2)
    it = iter(loader)
    assert len(it) == 10
    assert next(it)[0].tolist() == [0, 1, 2, 3, 4]
    it.close()                     # stops the pool without consuming the epoch
    assert len(list(loader)) == 10


def test_iterable_without_len_raises_type_error_on_len():
    class NoLen(IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(TypeError):
        len(DataLoader(NoLen(), batch_size=2))
    assert [b.tolist() for b in DataLoader(NoLen(), batch_size=2)] == [[0, 1], [2]]


def test_subset_list_index_and_getitems_match_torch():
    X = np.arange(12.0).reshape(6, 2)
    ours = Subset(TensorDataset(deepgrad.tensor(X)), [5, 1, 3])[[0, 2]]
    ref = tud.Subset(tud.TensorDataset(torch.tensor(X)), [5, 1, 3])[[0, 2]]
    np.testing.assert_array_equal(ours[0].numpy(), ref[0].numpy())
    got = Subset(Squares(6), [4, 0, 2]).__getitems__([2, 0])
    expected = tud.Subset(TorchSquares(6), [4, 0, 2]).__getitems__([2, 0])
    assert [s[1] for s in got] == [s[1] for s in expected] == [2, 4]
    batches = list(DataLoader(Subset(Squares(6), [4, 0, 2]), batch_size=2))
    ref = list(tud.DataLoader(tud.Subset(TorchSquares(6), [4, 0, 2]), batch_size=2))
    assert [b[3] for b in batches] == [b[3] for b in ref] == [("s4", "s0"), ("s2",)]


def test_worker_timeout_raises():
    import time

    class Slow(Squares):
        def __getitem__(self, i):
            time.sleep(1.0)
            return super().__getitem__(i)

    with pytest.raises(RuntimeError, match="timed out after 0.05 seconds"):
        list(DataLoader(Slow(2), batch_size=1, num_workers=1, timeout=0.05))
    loader = DataLoader(Squares(2), batch_size=1, pin_memory=True)   # accepted, no effect
    assert len(list(loader)) == 2


def test_tensor_dataset_of_numpy_arrays_fast_path_equals_generic_path():
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5, dtype=np.int32)
    ds = TensorDataset(X, y)
    fast = list(DataLoader(ds, batch_size=2))
    slow = list(DataLoader(ds, batch_size=2, collate_fn=default_collate))
    for a, b in zip(fast, slow):
        for u, v in zip(a, b):
            assert u.dtype == v.dtype and u.tolist() == v.tolist()
    assert fast[0][1].dtype == deepgrad.int32
