"""Margin, ranking, embedding and likelihood losses (PyTorch's), plus deepgrad's own.

PyTorch's (x input, y target, [.]_+ = max(0, .)):
    multi_margin:          sum_{j != y} w_y [m - x_y + x_j]_+^p / C          (multiclass SVM)
    multilabel_margin:     sum_{j in Y} sum_{k not in Y} [1 - x_j + x_k]_+ / C
    multilabel_soft_margin: -mean_c w_c (y_c log s(x_c) + (1 - y_c) log s(-x_c))
    hinge_embedding:       x if y = 1,  [m - x]_+ if y = -1
    soft_margin:           log(1 + e^(-y x))
    cosine_embedding:      1 - cos(x1, x2) if y = 1,  [cos(x1, x2) - m]_+ if y = -1
    margin_ranking:        [-y (x1 - x2) + m]_+
    triplet_margin:        [d(a, p) - d(a, n) + m]_+,  d(u, v) = ||u - v + eps||_p
    poisson_nll:           e^x - y x (log_input) or x - y log(x + eps)
    gaussian_nll:          (log var + (x - y)^2 / var) / 2

deepgrad's own (no torch counterpart), d = input - target:
    log_cosh:      log(cosh(d))  ~ d^2/2 for small d, |d| - log 2 for large: a smooth L1
    quantile:      max(q (y - x), (q - 1)(y - x))  (pinball loss; q = 0.5 gives |d|/2);
                   minimising it estimates the q-th conditional quantile
    focal:         -alpha_t (1 - p_t)^gamma log p_t (Lin et al. 2017) with p = sigmoid(x),
                   p_t = p if y = 1 else 1 - p, alpha_t = alpha if y = 1 else 1 - alpha;
                   down-weights easy examples (gamma = 0, alpha < 0 gives plain BCE)
    squared_hinge: [m - y x]_+^2 with y in {-1, +1}  (the L2-SVM loss; smooth, unlike hinge)
"""
import math

import numpy as np

from ...ops import elementwise as E
from ...ops._util import constant
from .activation import _select
from .distance import pairwise_distance
from .loss import _check_reduction, _softplus, apply_reduction, binary_cross_entropy_with_logits
from .loss import legacy_reduction


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,  # noqa: A002
                      reduce=None, reduction="mean"):
    """Multiclass hinge: sum over wrong classes j of w_y max(0, margin - x_y + x_j)^p / C."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"only p == 1 and p == 2 supported, got {p}")
    x = input.reshape(1, -1) if input._data.ndim == 1 else input
    n, c = x._data.shape
    t = target._data.reshape(-1)
    if t.shape[0] != n or t.dtype.kind not in "iu":
        raise RuntimeError(f"multi_margin_loss: expected an integer target of shape [{n}], got "
                           f"{target.dtype} of shape {list(target._data.shape)}")
    bad = (t < 0) | (t >= c)
    if bad.any():
        raise IndexError(f"multi_margin_loss: target values {sorted(set(t[bad].tolist()))} out "
                         f"of range [0, {c - 1}]")
    xy = x.gather(1, constant(t[:, None], x))
    z = x - xy + margin
    h = _select(z._data > 0, z, 0.0)
    if p == 2:
        h = h * h
    others = np.ones(x._data.shape, dtype=x._data.dtype)
    others[np.arange(n), t] = 0
    h = h * constant(others, x)
    if weight is not None:
        h = h * constant(weight._data[t][:, None], x)
    loss = h.sum(1) / float(c)
    if input._data.ndim == 1:
        loss = loss.reshape(())
    return apply_reduction(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                           reduction="mean"):
    """Target rows list the positive classes, ended by the first -1 (e.g. [3, 0, -1, 1])."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    x = input.reshape(1, -1) if input._data.ndim == 1 else input
    n, c = x._data.shape
    t = target._data.reshape(n, c)
    counts = np.zeros((n, c), dtype=x._data.dtype)  # how often j is listed before the -1
    is_target = np.zeros((n, c), dtype=bool)
    for i in range(n):
        for j in t[i]:
            if j < 0:
                break
            if j >= c:
                raise IndexError(f"multilabel_margin_loss: target {int(j)} out of range "
                                 f"[0, {c - 1}]")
            counts[i, j] += 1
            is_target[i, j] = True
    pair = counts[:, :, None] * (~is_target)[:, None, :]  # (n, j, k)
    diff = 1.0 - x.unsqueeze(2) + x.unsqueeze(1)
    h = _select(diff._data > 0, diff, 0.0) * constant(pair.astype(x._data.dtype), x)
    loss = h.sum((1, 2)) / float(c)
    if input._data.ndim == 1:
        loss = loss.reshape(())
    return apply_reduction(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None,  # noqa: A002
                                reduce=None, reduction="mean"):
    """-mean over classes of w_c (y log sigmoid(x) + (1 - y) log sigmoid(-x))."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    # log sigmoid(x) = -softplus(-x)
    loss = target * _softplus(-input) + (1.0 - target) * _softplus(input)
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input._data.ndim - 1) / float(input._data.shape[-1])
    return apply_reduction(loss, reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """x where y = 1 and max(0, margin - x) where y = -1 (PyTorch: both terms for other y)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    t = np.broadcast_to(target._data, input._data.shape)
    m = margin - input
    clamped = _select(m._data > 0, m, 0.0)
    loss = _select(t != 1, clamped, 0.0) + _select(t != -1, input, 0.0)
    return apply_reduction(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """log(1 + exp(-y x)), a smooth two-class hinge."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    return apply_reduction(_softplus(-(target * input)), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None,
                          reduce=None, reduction="mean"):
    """1 - cos where y = 1, max(0, cos - margin) where y = -1 (cos over the last dim)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    d = input1._data.ndim - 1
    eps = 1e-12  # PyTorch's EPSILON, keeps zero vectors finite
    prod = (input1 * input2).sum(d)
    mag = ((input1 * input1).sum(d) + eps) * ((input2 * input2).sum(d) + eps)
    cos = prod / E.sqrt(mag)
    t = np.broadcast_to(target._data, cos._data.shape)
    neg = cos - margin
    loss = _select(t == 1, 1.0 - cos, 0.0) + _select(t == -1, _select(neg._data > 0, neg, 0.0),
                                                     0.0)
    return apply_reduction(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -y (x1 - x2) + margin): y = 1 wants x1 ranked above x2."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    z = -target * (input1 - input2) + margin
    return apply_reduction(_select(z._data > 0, z, 0.0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, d(a, p) - d(a, n) + margin); ``swap`` uses min(d(a, n), d(p, n)) (Balntas 2016)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = E.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    z = d_pos - d_neg + margin
    return apply_reduction(_select(z._data > 0, z, 0.0), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None,  # noqa: A002
                     eps=1e-8, reduce=None, reduction="mean"):
    """Poisson negative log-likelihood of counts y with rate e^x (log_input) or x.

    ``full`` adds Stirling's log(y!) ~ y log y - y + log(2 pi y) / 2 where y > 1.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = E.exp(input) - target * input
    else:
        loss = input - target * E.log(input + eps)
    if full:
        big = target._data > 1
        safe = _select(big, target, 1.0)
        stirling = safe * E.log(safe) - safe + E.log(safe * (2 * math.pi)) * 0.5
        loss = loss + _select(big, stirling, 0.0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """(log var + (x - y)^2 / var) / 2 (+ log(2 pi) / 2 if ``full``).

    ``var`` has the input's shape, or one dim less / a last dim of 1 (one variance per
    sample). Values below ``eps`` are raised to eps without affecting the gradient.
    """
    _check_reduction(reduction)
    if isinstance(var, (int, float)):
        var = constant(np.full((), float(var), dtype=input._data.dtype), input)
    if var._data.shape != input._data.shape:
        if input._data.shape[:-1] == var._data.shape:
            var = var.unsqueeze(-1)
        elif not (input._data.shape[:-1] == var._data.shape[:-1] and var._data.shape[-1] == 1) \
                and var._data.ndim != 0:
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size {list(var.shape)} for "
                             f"input of size {list(input.shape)}")
    if (var._data < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    # clamp without changing the gradient (PyTorch clamps under no_grad)
    var = var + constant(np.maximum(var._data, eps) - var._data, var)
    d = input - target
    loss = (E.log(var) + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


# --- deepgrad's own ---------------------------------------------------------------------

def log_cosh_loss(input, target, reduction="mean"):  # noqa: A002
    """log(cosh(d)), d = input - target, as d + softplus(-2d) - log 2 (no overflow)."""
    d = input - target
    return apply_reduction(d + _softplus(d * -2.0) - math.log(2.0), reduction)


def quantile_loss(input, target, quantile=0.5, reduction="mean"):  # noqa: A002
    """Pinball loss max(q (y - x), (q - 1)(y - x)) for the q-th quantile, 0 < q < 1."""
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    d = target - input
    return apply_reduction(_select(d._data >= 0, d * quantile, d * (quantile - 1.0)), reduction)


def focal_loss(input, target, alpha=0.25, gamma=2.0, reduction="mean"):  # noqa: A002
    """Binary focal loss on logits (torchvision's sigmoid_focal_loss formula):
    BCE-with-logits * (1 - p_t)^gamma * alpha_t; ``alpha < 0`` disables alpha_t."""
    p = E.sigmoid(input)
    ce = binary_cross_entropy_with_logits(input, target, reduction="none")
    p_t = p * target + (1.0 - p) * (1.0 - target)
    loss = ce * (1.0 - p_t) ** gamma if gamma != 0 else ce
    if alpha >= 0:
        loss = loss * (target * alpha + (1.0 - target) * (1.0 - alpha))
    return apply_reduction(loss, reduction)


def squared_hinge_loss(input, target, margin=1.0, reduction="mean"):  # noqa: A002
    """max(0, margin - y x)^2 with labels y in {-1, +1}."""
    z = margin - target * input
    h = _select(z._data > 0, z, 0.0)
    return apply_reduction(h * h, reduction)
