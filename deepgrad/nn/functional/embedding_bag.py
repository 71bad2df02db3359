"""``embedding_bag``: the sum, mean or max of the embeddings of each bag of indices, without
materialising per-bag sequences (torch's text-classification tutorial uses it).

Bags are the rows of a 2-D ``input`` (B, L), or, for a 1-D ``input``, the runs that start at
each entry of ``offsets`` (bag b = input[offsets[b]:offsets[b+1]]). With
``per_sample_weights`` (mode='sum' only) each embedding is scaled first. Entries equal to
``padding_idx`` are left out of their bag (and of its count for 'mean'); an empty bag gives
zeros. The reductions are an index_add (sum), that sum over the counts (mean) and a
scatter_reduce 'amax' (max), so gradients reach the weight rows that were used.
"""
import numpy as np

from ...ops import index_ops as _index_ops
from ...ops import scatter_reduce as _scatter
from ...ops._util import constant
from .embedding import embedding


def _bags(input, offsets, include_last_offset):  # noqa: A002
    """(flat indices, bag id of each, number of bags)."""
    idx = input._data
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences.")
        b, length = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(b, like=idx), length), b
    if idx.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    starts = offsets._data.reshape(-1).astype(np.int64)
    if starts.size and starts[0].item() != 0:   # explicit sync for the check
        raise ValueError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                         f"has to start from position 0. However, got {starts[0].item()}")
    if include_last_offset:
        starts = starts[:-1]
    bag_of = np.searchsorted(starts, np.arange(idx.shape[0], like=idx), side="right") - 1
    return idx, bag_of, starts.shape[0]


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,  # noqa: A002
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    flat, bag_of, n_bags = _bags(input, offsets, include_last_offset)
    keep = np.ones_like(flat, dtype=bool) if padding_idx is None else \
        flat != (padding_idx % weight.shape[0])
    flat, bag_of = flat[keep], bag_of[keep]
    rows = embedding(constant(flat.astype(np.int64), input), weight, None, max_norm, norm_type,
                     scale_grad_by_freq, sparse)                     # (n, D)
    if per_sample_weights is not None:
        w = per_sample_weights.reshape(-1)[constant(np.nonzero(keep)[0], input)]
        rows = rows * w.unsqueeze(-1)
    dim = weight.shape[1]
    zeros = constant(np.zeros_like(weight._data, shape=(n_bags, dim)), weight)
    bag_index = constant(bag_of.astype(np.int64), input)
    if mode == "max":
        if flat.size == 0:
            return zeros
        full = constant(np.broadcast_to(bag_of[:, None], rows.shape).copy(), input)
        out = _scatter.scatter_reduce(zeros, 0, full, rows, "amax", include_self=False)
        return out
    total = _index_ops.index_add(zeros, 0, bag_index, rows)
    if mode == "sum":
        return total
    counts = np.bincount(bag_of, minlength=n_bags).astype(weight._data.dtype)
    return total / constant(np.maximum(counts, 1)[:, None], weight)


__all__ = ["embedding_bag"]
