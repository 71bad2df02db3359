"""``gumbel_softmax``, ``pdist`` and ``triplet_margin_with_distance_loss``.

    gumbel_softmax(l) = softmax((l + G) / tau),  G = -log(E), E ~ Exponential(1)
        hard=True returns the one-hot of its argmax in the forward pass and the soft
        sample's gradient in the backward pass (y_hard - stop_grad(y) + y).
    pdist(X)  = [||X_i - X_j||_p for i < j]  (the upper triangle of cdist(X, X), row by row)
    triplet_margin_with_distance_loss = max(d(a, p) - d(a, n) + margin, 0), with
        d(a, n) replaced by min(d(a, n), d(p, n)) when swap=True.
"""
import warnings

import numpy as np

from ...backend import move_array
from ...ops import elementwise as E
from ...ops import reduce as R
from ...ops import softmax as SM
from ...ops import triangular as T
from ...ops._util import constant
from ...random import numpy_generator
from .distance import pairwise_distance
from .loss import apply_reduction


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1, generator=None):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning,
                      stacklevel=2)
    draws = numpy_generator(generator).exponential(1.0, logits.shape)
    # drawn on the host by deepgrad's generator (one stream for every device), then copied
    gumbels = constant(move_array(-np.log(draws).astype(logits._data.dtype), logits._device),
                       logits)
    soft = SM.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    index = np.argmax(soft._data, axis=dim)
    one_hot = np.zeros_like(soft._data)
    np.put_along_axis(one_hot, np.expand_dims(index, dim), 1.0, axis=dim)
    return constant(one_hot, soft) - soft.detach() + soft


def pdist(input, p=2):  # noqa: A002
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    n = input.shape[0]
    rows, cols = T.triu_indices(n, n, 1)._data
    diff = input[rows] - input[cols]
    return R.norm(diff, p, -1)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater "
                         f"than 0, got {margin} instead")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = E.minimum(d_neg, dist(positive, negative))
    loss = E.clamp(d_pos - d_neg + margin, min=0.0)
    return apply_reduction(loss, reduction)
