"""Samplers and random_split: torch's batch composition where deterministic, statistics otherwise."""
import numpy as np
import pytest
import torch
import torch.utils.data as tud

import deepgrad
from deepgrad.utils.data import (BatchSampler, RandomSampler, SequentialSampler, Subset,
                                 SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                                 random_split)


def gen(seed):
    return deepgrad.Generator().manual_seed(seed)


def test_sequential_sampler_matches_torch():
    assert list(SequentialSampler(range(7))) == list(tud.SequentialSampler(range(7)))
    assert len(SequentialSampler(range(7))) == 7


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                       (2, 5, True), (0, 2, False)])
def test_batch_sampler_matches_torch(n, bs, drop):
    ours = BatchSampler(SequentialSampler(range(n)), bs, drop)
    ref = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
    assert list(ours) == list(ref)
    assert len(ours) == len(ref)


def test_batch_sampler_over_any_iterable_and_errors():
    assert list(BatchSampler([5, 4, 3, 2, 1], 2, False)) == [[5, 4], [3, 2], [1]]
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 1)


def test_random_sampler_is_a_permutation_each_epoch():
    s = RandomSampler(range(50), generator=gen(1))
    e1, e2 = list(s), list(s)
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert e1 != e2                      # a new order each epoch
    assert e1 != list(range(50))
    assert len(s) == 50


def test_random_sampler_reproducible_with_generator_and_manual_seed():
    assert list(RandomSampler(range(20), generator=gen(3))) == \
        list(RandomSampler(range(20), generator=gen(3)))
    deepgrad.manual_seed(5)
    a = list(RandomSampler(range(20)))
    deepgrad.manual_seed(5)
    assert list(RandomSampler(range(20))) == a


def test_random_sampler_num_samples_without_replacement_chains_permutations():
    s = RandomSampler(range(10), num_samples=25, generator=gen(0))
    idx = list(s)
    assert len(idx) == 25 == len(s)
    assert sorted(idx[:10]) == list(range(10)) and sorted(idx[10:20]) == list(range(10))
    assert len(set(idx[20:])) == 5     # the last, partial permutation has no repeats


def test_random_sampler_with_replacement_is_uniform():
    n, draws = 10, 20000
    idx = np.array(list(RandomSampler(range(n), replacement=True, num_samples=draws,
                                      generator=gen(0))))
    counts = np.bincount(idx, minlength=n)
    # chi-square statistic with 9 degrees of freedom: P(chi2 > 30) < 0.001
    chi2 = ((counts - draws / n) ** 2 / (draws / n)).sum()
    assert chi2 < 30
    assert len(set(idx.tolist())) == n


def test_random_sampler_errors_like_torch():
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError):
        tud.RandomSampler(range(3), replacement=1)


def test_subset_random_sampler():
    idx = [3, 9, 12, 40]
    s = SubsetRandomSampler(idx, generator=gen(0))
    out = list(s)
    assert sorted(out) == idx and len(s) == 4
    assert list(SubsetRandomSampler(idx, generator=gen(7))) == \
        list(SubsetRandomSampler(idx, generator=gen(7)))


def test_weighted_sampler_frequencies_match_weights():
    w = np.array([1.0, 2.0, 0.0, 7.0])
    draws = 40000
    idx = np.array(list(WeightedRandomSampler(w, draws, generator=gen(0))))
    freq = np.bincount(idx, minlength=4) / draws
    p = w / w.sum()
    sd = np.sqrt(p * (1 - p) / draws)
    assert np.all(np.abs(freq - p) <= 5 * sd + 1e-12)
    assert freq[2] == 0          # zero weight is never drawn


def test_weighted_sampler_without_replacement_and_errors():
    w = deepgrad.tensor([0.1, 0.9, 0.5, 0.0])
    idx = list(WeightedRandomSampler(w, 3, replacement=False, generator=gen(0)))
    assert sorted(idx) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples=4 without replacement"):
        WeightedRandomSampler(w, 4, replacement=False)
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler([[1.0, 2.0]], 2)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement="yes")
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 1)


def test_weighted_sampler_without_replacement_first_draw_distribution():
    # the first draw without replacement is still distributed as the weights
    w = np.array([1.0, 3.0])
    firsts = [next(iter(WeightedRandomSampler(w, 2, replacement=False, generator=gen(s))))
              for s in range(2000)]
    assert abs(np.mean(firsts) - 0.75) < 5 * np.sqrt(0.75 * 0.25 / 2000)


@pytest.mark.filterwarnings("ignore:Length of split")
@pytest.mark.parametrize("n,lengths", [(10, [3, 7]), (10, [0.5, 0.5]), (11, [0.3, 0.3, 0.4]),
                                       (7, [0.1, 0.9]), (5, [1, 0])])
def test_random_split_sizes_match_torch(n, lengths):
    ours = random_split(range(n), lengths, generator=gen(0))
    ref = tud.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in ref]
    flat = [i for s in ours for i in s]
    assert sorted(flat) == list(range(n))          # disjoint and covering
    assert all(isinstance(s, Subset) for s in ours)


def test_random_split_reproducible_and_errors():
    a = random_split(range(20), [0.25, 0.75], generator=gen(4))
    b = random_split(range(20), [0.25, 0.75], generator=gen(4))
    assert [list(s) for s in a] == [list(s) for s in b]
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        tud.random_split(range(10), [3, 3])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])


def test_random_split_of_tensor_dataset_keeps_rows():
    X = deepgrad.arange(12).reshape(6, 2)
    train, test = random_split(TensorDataset(X), [4, 2], generator=gen(1))
    for sub in (train, test):
        for k in range(len(sub)):
            (row,) = sub[k]
            assert row.tolist() == X[sub.indices[k]].tolist()
