"""``DistributedSampler``: each rank of a data-parallel job reads its own share of a data set.

With N ranks (``num_replicas``) and a data set of n items, every rank gets
``num_samples = ceil(n / N)`` indices (``drop_last=True``: ``ceil((n - N) / N)``, the tail
that does not divide evenly is dropped). Without ``drop_last`` the index list is padded by
repeating its beginning up to ``N * num_samples``, so every rank runs the same number of
steps (a rank with fewer batches would leave the others waiting in a collective). Rank r
takes every N-th index starting at r: ``indices[r::N]``, torch's partition exactly.

Shuffling uses a generator seeded with ``seed + epoch``, identical on every rank, so the
ranks agree on the permutation and their shares never overlap; call ``set_epoch(e)`` at the
start of each epoch, or every epoch reuses the same order.
"""
import math

from ...creation import randperm
from ...random import Generator
from .sampler import Sampler


class DistributedSampler(Sampler):
    """Indices of this rank's share of ``dataset``; torch.utils.data.distributed's semantics."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ...distributed import get_rank, get_world_size  # noqa: PLC0415

            num_replicas = get_world_size() if num_replicas is None else num_replicas
            rank = get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"num_replicas should be a positive integer, got {num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def _all_indices(self):
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        g = Generator()
        g.manual_seed(self.seed + self.epoch)
        return randperm(n, generator=g).tolist()

    def __iter__(self):
        indices = self._all_indices()
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            missing = self.total_size - len(indices)
            if missing > 0:  # repeat the beginning (the whole list as often as needed)
                indices += (indices * math.ceil(missing / len(indices)))[:missing]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use the permutation of ``epoch`` from now on (the same on every rank)."""
        self.epoch = epoch
