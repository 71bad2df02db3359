"""DistributedSampler: torch's partition of the indices among ranks."""
import itertools

import pytest

from deepgrad.utils.data import DistributedSampler

from ..conftest import torch


@pytest.mark.parametrize("n,replicas,drop_last", itertools.product(
    [1, 7, 10, 12, 13], [1, 2, 3, 4], [False, True]))
def test_unshuffled_partition_equals_torch(n, replicas, drop_last):
    data = list(range(n))
    TorchSampler = torch.utils.data.distributed.DistributedSampler
    for rank in range(replicas):
        ours = DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("n,replicas", [(10, 2), (11, 3), (12, 4)])
def test_shuffled_shares_are_a_partition_and_follow_the_epoch(n, replicas):
    def shares(epoch, seed=0):
        out = []
        for rank in range(replicas):
            s = DistributedSampler(range(n), replicas, rank, shuffle=True, seed=seed)
            s.set_epoch(epoch)
            out.append(list(s))
        return out

    first = shares(0)
    every = [i for share in first for i in share]
    assert sorted(set(every)) == list(range(n))              # every index is read ...
    assert len(every) == -(-n // replicas) * replicas           # ... padded to equal shares
    assert len({len(s) for s in first}) == 1
    if n % replicas == 0:
        assert len(every) == len(set(every))                     # no index twice
    assert shares(0) == first                                    # ranks agree on the order
    assert shares(1) != first                                    # set_epoch reshuffles
    assert shares(0, seed=5) != first


def test_bad_rank_is_named():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
