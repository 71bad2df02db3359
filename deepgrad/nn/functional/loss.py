"""Loss functions, PyTorch's definitions (``F.mse_loss``, ``F.cross_entropy``, ...).

Every loss computes a per-element (or per-sample) loss l and then reduces it:
``reduction='none'`` returns l, ``'sum'`` its sum and ``'mean'`` (the default) its
mean (a weighted mean for the class-weighted classification losses).

Regression (d = input - target):
    mse: d^2      l1: |d|      smooth_l1: d^2/(2 beta) if |d| < beta else |d| - beta/2
    huber: d^2/2 if |d| < delta else delta (|d| - delta/2)
Classification:
    cross_entropy: -sum_c w_c q_c log softmax(x)_c   (q = one-hot of the class, smoothed)
    nll: -w_y x_y (x are log-probabilities)
    binary_cross_entropy: -w (t log x + (1 - t) log(1 - x))      (x are probabilities)
    binary_cross_entropy_with_logits: the same with x = sigmoid(z), computed stably
    kl_div: t (log t - x)    (x are log-probabilities; log_target: e^t (t - x))
The margin/ranking losses and deepgrad's own are in ``_loss_margin.py``.
"""
import warnings

import numpy as np

from ...ops import elementwise as E
from ...ops import softmax as S
from ...backend import as_array
from ...autograd.function import ArrayFunction
from ...ops._util import constant
from ._cross_entropy import CrossEntropy
from .activation import Softplus, _select


def legacy_reduction(size_average, reduce, reduction):
    """Map PyTorch's deprecated (size_average, reduce) pair onto ``reduction``."""
    if size_average is None and reduce is None:
        return canonical_reduction(reduction)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = "none" if not reduce else "mean" if size_average else "sum"
    # torch still accepts the pair, with this warning (stacklevel: the caller of the loss)
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{legacy}' instead.", UserWarning, stacklevel=3)
    return legacy


def canonical_reduction(reduction):
    """``reduction`` itself, or 'mean' for torch's deprecated spelling 'elementwise_mean'."""
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", UserWarning, stacklevel=4)
        return "mean"
    return reduction


def warn_if_target_size_differs(input, target):  # noqa: A002
    """torch's regression losses broadcast a target of another size, with a warning."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=3)


def apply_reduction(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_reduction(reduction, allowed=("none", "mean", "sum")):
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction (expected one of "
                         f"{', '.join(allowed)})")


def _softplus(x):
    """log(1 + e^x), stable everywhere (no threshold)."""
    return Softplus.apply(x, beta=1.0, threshold=float("inf"))


# --- regression -------------------------------------------------------------------------

def mse_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
             weight=None):
    """(input - target)^2, optionally times ``weight``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    warn_if_target_size_differs(input, target)
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
            weight=None):
    """|input - target|, optionally times ``weight``."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    warn_if_target_size_differs(input, target)
    loss = E.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
                   beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 gives l1)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    warn_if_target_size_differs(input, target)
    d = input - target
    ad = E.abs(d)
    if beta == 0:
        return apply_reduction(ad, reduction)
    loss = _select(ad._data < beta, d * d * (0.5 / beta), ad - 0.5 * beta)
    return apply_reduction(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, "
                           f"got {delta}")
    reduction = canonical_reduction(reduction)
    warn_if_target_size_differs(input, target)
    d = input - target
    ad = E.abs(d)
    loss = _select(ad._data < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


# --- cross-entropy and negative log-likelihood ------------------------------------------

def _to_rows(input, target):  # noqa: A002
    """(M, C) logits and (M,) targets from (N, C, d1, ...) and (N, d1, ...), or (C,) and ()."""
    if input._data.ndim == 1:
        return input.reshape(1, -1), target._data.reshape(1), ()
    c = input._data.shape[1]
    lead = (input._data.shape[0],) + input._data.shape[2:]
    if input._data.ndim > 2:
        input = input.movedim(1, -1)
    return input.reshape(-1, c), target._data.reshape(-1), lead


def _check_index_target(input, target, ignore_index, name):  # noqa: A002
    shape = input._data.shape
    expected = () if len(shape) == 1 else (shape[0],) + shape[2:]
    if target._data.dtype.kind == "f":
        raise RuntimeError(
            f"{name}: a target of class indices must have an integer dtype (int64), but got "
            f"{target.dtype} with shape {list(target._data.shape)}. Use target.long() for "
            f"class indices, or pass class probabilities of the input's shape {list(shape)}.")
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected an integer target of class indices, got "
                           f"{target.dtype}")
    if tuple(target._data.shape) != expected:
        raise ValueError(f"{name}: expected target shape {list(expected)} for input of shape "
                         f"{list(shape)}, got {list(target._data.shape)}")
    c = shape[0] if len(shape) == 1 else shape[1]
    t = target._data
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad.any().item():   # one explicit sync (CuPy arrays refuse an implicit bool())
        values = sorted(set(t[bad].reshape(-1)[:5].tolist()))
        raise IndexError(f"{name}: target class index {values} out of bounds: expected values "
                         f"in [0, {c - 1}] (C = {c} classes) or ignore_index={ignore_index}")


def _index_coefficients(t, c, weight, ignore_index, like):
    """(valid mask, per-sample weight w_y masked, their sum) for index targets t."""
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    if weight is None:
        wy = valid.astype(like._data.dtype)
    else:
        wy = weight._data[safe] * valid
    return valid, safe, wy


_REDUCTIONS = ("mean", "sum", "none")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy between logits and class indices or class probabilities.

    Args:
        input: logits (N, C), (C,) or (N, C, d1, ...).
        target: class indices (N,), () or (N, d1, ...) with an integer dtype, or class
            probabilities of the input's shape (floating).
        weight (C,): per-class weight. ignore_index: index target contributing nothing.
        reduction: 'none' | 'mean' (weighted mean over non-ignored targets) | 'sum'.
        label_smoothing: eps in [0, 1]: the target becomes (1 - eps) q + eps / C.
    Example: ``F.cross_entropy(logits, labels)``.
    """
    if size_average is not None or reduce is not None or reduction not in _REDUCTIONS:
        reduction = legacy_reduction(size_average, reduce, reduction)  # (a call saved per step)
    xd, td = input._data, target._data
    if (xd.ndim == 2 and td.ndim == 1 and weight is None and not label_smoothing
            and td.dtype.kind in "iu" and td.shape[0] == xd.shape[0] > 0
            and not 0 <= ignore_index < xd.shape[1] and reduction in _REDUCTIONS
            and _labels_within(td, xd.shape[1])):
        # the common case (logits (N, C), valid labels, no options): straight to the primitive
        return CrossEntropy.apply(input, target=td, coef=None, smooth=None, reduction=reduction,
                                  denom=float(td.shape[0]))
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    c = input._data.shape[0] if input._data.ndim == 1 else input._data.shape[1]
    if weight is not None and tuple(weight._data.shape) != (c,):
        raise RuntimeError(f"cross_entropy: weight should have {c} elements (one per class), "
                           f"got shape {list(weight._data.shape)}")
    if target._data.dtype.kind == "f" and target._data.shape == input._data.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, c)
    _check_index_target(input, target, ignore_index, "cross_entropy")
    x, t, lead = _to_rows(input, target)
    valid, safe, wy = _index_coefficients(t, c, weight, ignore_index, input)
    eps = float(label_smoothing)
    plain = weight is None and eps == 0.0 and valid.all().item()   # explicit syncs here and
    coef = None if plain else wy * (1.0 - eps)
    smooth = None
    if eps > 0.0:
        w = np.ones_like(x._data[0]) if weight is None else weight._data
        smooth = (eps / c) * valid[:, None].astype(x._data.dtype) * w[None, :]
    denom = wy.sum().item() if reduction == "mean" else 1.0      # below: the rare path
    loss = CrossEntropy.apply(x, target=safe, coef=coef, smooth=smooth, reduction=reduction,
                              denom=denom)
    if reduction == "none":
        loss = loss.reshape(lead)
    return loss


# each signed integer dtype and its unsigned twin of the same size
_UNSIGNED_OF = {np.dtype(f"i{size}"): np.dtype(f"u{size}") for size in (1, 2, 4, 8)}


def _labels_within(labels, classes):
    """Whether every label lies in [0, classes): on NumPy arrays the two reductions are
    called directly, skipping ``min()``/``max()``'s Python wrappers (a loss per step)."""
    if type(labels) is np.ndarray:
        unsigned = _UNSIGNED_OF.get(labels.dtype)
        if unsigned is not None:
            # one reduction for both bounds: read as unsigned, a negative label is huge
            return np.maximum.reduce(labels.view(unsigned), axis=None) < classes
        return (np.minimum.reduce(labels, axis=None) >= 0
                and np.maximum.reduce(labels, axis=None) < classes)
    return labels.min().item() >= 0 and labels.max().item() < classes


def _cross_entropy_probs(input, target, weight, reduction, eps, c):  # noqa: A002
    """-sum_c w_c t_c log softmax(x)_c with t smoothed; mean divides by the sample count."""
    logp = S.log_softmax(input, 1 if input._data.ndim > 1 else 0)
    if eps > 0:
        target = target * (1.0 - eps) + eps / c
    prod = logp * target
    if weight is not None:
        shape = (c,) + (1,) * (input._data.ndim - 2) if input._data.ndim > 1 else (c,)
        prod = prod * weight.reshape(shape)
    loss = -prod.sum(1 if input._data.ndim > 1 else 0)
    return apply_reduction(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean"):
    """-w_y input[y]: the loss on log-probabilities (use after log_softmax).

    Shapes as in ``cross_entropy`` (index targets only); 'mean' divides by sum of w_y
    over non-ignored targets.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_index_target(input, target, ignore_index, "nll_loss")
    c = input._data.shape[0] if input._data.ndim == 1 else input._data.shape[1]
    x, t, lead = _to_rows(input, target)
    valid, safe, wy = _index_coefficients(t, c, weight, ignore_index, input)
    picked = x.gather(1, constant(safe[:, None], x)).reshape(-1)
    loss = -picked * constant(wy.astype(x._data.dtype), x)
    if reduction == "none":
        return loss.reshape(lead)
    total = loss.sum()
    if reduction != "mean":
        return total
    # divide by the summed weights as a 0-d array on x's device (no host sync)
    return total / constant(as_array(wy.sum()).astype(x._data.dtype), x)


# --- binary -----------------------------------------------------------------------------

def _check_same_size(input, target, name):  # noqa: A002
    if tuple(target._data.shape) != tuple(input._data.shape):
        raise ValueError(f"{name}: using a target size ({list(target._data.shape)}) that is "
                         f"different to the input size ({list(input._data.shape)}) is not "
                         f"supported. Please ensure they have the same size.")


class BinaryCrossEntropy(ArrayFunction):
    """-(t log x + (1 - t) log(1 - x)), both logs clamped at -100, as one op.

    Its input gradient is torch's (x - t) / max(x (1 - x), 1e-12): finite where a
    probability reaches exactly 0 or 1 (a saturated sigmoid), where the composed
    formula's 1/x and 1/(1 - x) give inf * 0 = NaN.
    """

    def forward(self, x, t):
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_x = np.maximum(np.log(x), -100.0)
            log_1mx = np.maximum(np.log(1 - x), -100.0)
        return -(t * log_x + (1 - t) * log_1mx)

    def backward(self, g):
        x, t = self.inputs
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = g * (x - t) / E.clamp(x * (1.0 - x), min=1e-12)
        if self.needs_input_grad[1]:
            gt = g * (E.log(1.0 - x) - E.log(x))  # unclamped, as torch's (inf at 0 and 1)
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)) for probabilities x; logs clamped at -100 (as torch)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_same_size(input, target, "binary_cross_entropy")
    x = input._data
    if x.size and (np.nanmin(x).item() < 0 or np.nanmax(x).item() > 1):
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 "
                           f"and 1, got values in [{np.min(x).item()}, {np.max(x).item()}]")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction="mean", pos_weight=None):
    """BCE on logits z, stable for any z:  (1 - t) z + (1 + (pw - 1) t) softplus(-z).

    ``pos_weight`` (broadcast along the last, class, dim) trades recall for precision.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_same_size(input, target, "binary_cross_entropy_with_logits")
    sp = _softplus(-input)
    if pos_weight is not None:
        loss = (1.0 - target) * input + (target * (pos_weight - 1.0) + 1.0) * sp
    else:
        loss = (1.0 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
           log_target=False):
    """KL(target || exp(input)) pointwise: t (log t - x), 0 where t = 0.

    ``input`` holds log-probabilities. ``reduction='batchmean'`` (sum / batch size) is the
    true KL divergence; 'mean' averages over all elements (PyTorch's default, kept).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, ("none", "mean", "sum", "batchmean"))
    if reduction == "mean":   # torch's reminder that 'mean' is not the KL divergence
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", UserWarning, stacklevel=2)
    if log_target:
        loss = E.exp(target) * (target - input)
    else:
        # xlogy: t log t with 0 at t = 0 (log of 1 there keeps the gradient finite)
        pos = target._data > 0
        safe_t = _select(pos, target, 1.0)
        loss = target * E.log(safe_t) - target * input
    if reduction == "batchmean":
        n = input._data.shape[0] if input._data.ndim else 1
        return loss.sum() / float(n)
    return apply_reduction(loss, reduction)


__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]
