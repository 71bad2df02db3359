"""Samplers draw lazily: a 10**12-sample epoch starts at once with flat memory, as torch's.
Semantics (lengths, coverage, frequencies) are checked against torch and closed forms."""
import tracemalloc

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import deepgrad
from deepgrad.utils.data import (DataLoader, RandomSampler, TensorDataset,
                                 WeightedRandomSampler)

HUGE = int(1e12)


def _dataset(n=50):
    return TensorDataset(deepgrad.arange(n), deepgrad.arange(n) * 2)


def _first_batch_peak(loader):
    tracemalloc.start()
    try:
        it = iter(loader)
        batch = next(it)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return batch, peak


@pytest.mark.parametrize("make_sampler", [
    lambda ds: RandomSampler(ds, replacement=True, num_samples=HUGE),
    lambda ds: WeightedRandomSampler(np.linspace(0.1, 1.0, len(ds)), num_samples=HUGE),
])
def test_huge_epoch_yields_its_first_batch_with_flat_memory(make_sampler):
    ds = _dataset()
    loader = DataLoader(ds, batch_size=16, sampler=make_sampler(ds))
    assert len(loader) == -(-HUGE // 16)
    (xs, ys), peak = _first_batch_peak(loader)
    assert tuple(xs.shape) == (16,) and deepgrad.equal(ys, xs * 2)
    assert peak < 2_000_000, f"first batch of a 1e12-sample epoch allocated {peak} bytes"


def test_huge_epoch_without_replacement_draws_one_permutation_at_a_time():
    ds = _dataset(1000)
    sampler = RandomSampler(ds, num_samples=HUGE)
    assert len(sampler) == len(tdata.RandomSampler(range(1000), num_samples=HUGE)) == HUGE
    (xs, _), peak = _first_batch_peak(DataLoader(ds, batch_size=8, sampler=sampler))
    assert tuple(xs.shape) == (8,) and peak < 2_000_000


def test_many_epochs_without_replacement_are_successive_permutations():
    n, k = 7, 3
    deepgrad.manual_seed(0)
    draws = list(RandomSampler(range(n), num_samples=n * k + 4))
    assert len(draws) == n * k + 4
    for block in range(k):
        assert sorted(draws[block * n:(block + 1) * n]) == list(range(n))
    assert len(set(draws[n * k:])) == 4                    # the cut-short last permutation
    orders = {tuple(draws[b * n:(b + 1) * n]) for b in range(k)}
    assert len(orders) > 1                                 # reshuffled between blocks


def test_replacement_draws_are_uniform():
    deepgrad.manual_seed(1)
    n, m = 10, 20_000
    counts = np.bincount(list(RandomSampler(range(n), replacement=True, num_samples=m)),
                         minlength=n)
    expected = m / n
    sd = np.sqrt(m * (1 / n) * (1 - 1 / n))                # binomial standard deviation
    assert np.all(np.abs(counts - expected) < 5 * sd), counts


def test_weighted_draws_follow_the_weights_and_skip_zero_weights():
    deepgrad.manual_seed(2)
    w = np.array([0.0, 1.0, 3.0, 0.0, 6.0])
    m = 30_000
    draws = list(WeightedRandomSampler(w, m))
    counts = np.bincount(draws, minlength=len(w))
    p = w / w.sum()
    sd = np.sqrt(m * p * (1 - p))
    assert counts[0] == counts[3] == 0
    assert np.all(np.abs(counts - m * p) <= 5 * sd + 1e-9), counts
    torch_draws = list(tdata.WeightedRandomSampler(torch.tensor(w), m))
    assert set(torch_draws) == set(draws) == {1, 2, 4}


def test_lengths_match_torch():
    for kw in ({}, {"replacement": True, "num_samples": 13}, {"num_samples": 23}):
        ours = RandomSampler(range(10), **kw)
        theirs = tdata.RandomSampler(range(10), **kw)
        assert len(ours) == len(theirs) == len(list(ours))
    w = [0.5, 0.5, 1.0]
    assert len(WeightedRandomSampler(w, 7)) == len(tdata.WeightedRandomSampler(w, 7)) == 7
    assert len(list(WeightedRandomSampler(w, 3, replacement=False))) == 3


def test_epoch_order_does_not_depend_on_other_draws_between_batches():
    """Each epoch draws from its own stream (as torch), so dropout between batches or random
    transforms in loader threads cannot change which samples come next."""
    sampler = RandomSampler(range(100), replacement=True, num_samples=500)
    deepgrad.manual_seed(5)
    quiet = list(sampler)
    deepgrad.manual_seed(5)
    busy = []
    for i in sampler:
        busy.append(i)
        deepgrad.rand(3)                         # someone else uses the default generator
    assert busy == quiet
