"""Gradient clipping, applied between ``loss.backward()`` and ``optimizer.step()``.

* ``clip_grad_norm_``: if the norm of *all* gradients together exceeds ``max_norm``,
  scale them all by max_norm / norm. The direction of the update is kept; only its
  length is capped. The usual choice (RNNs, transformers) against exploding gradients.
* ``clip_grad_value_``: clamp every gradient entry to [-clip_value, clip_value]. Simpler,
  but it changes the update's direction.

Example::

    loss.backward()
    total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
"""
import math

import numpy as np

from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale gradients in place so that their total ``norm_type``-norm is at most ``max_norm``.

    total = || (||g_1||, ..., ||g_k||) ||_p  (the norm of all gradients as one vector);
    every g_i is multiplied by min(1, max_norm / (total + 1e-6)).

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is clipped.
        max_norm (float): the largest allowed total norm.
        norm_type (float): p of the p-norm; ``float('inf')`` for the largest |entry|.
        error_if_nonfinite (bool): raise if the total norm is nan or inf (else the
            gradients become nan, as in PyTorch).
    Returns: the total norm before clipping, a 0-d Tensor.
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor(0.0)
    arrays = [g._data for g in grads]
    if not isinstance(arrays[0], np.ndarray):   # CuPy arrays: no host sync in the step
        return _clip_on_device(grads, max_norm, norm_type, error_if_nonfinite)
    if norm_type == math.inf:
        norms = [np.max(np.abs(a)) if a.size else 0.0 for a in arrays]
        total = max(float(n) for n in norms)
    else:
        per = [float(np.sum(np.abs(a.astype(np.float64)) ** norm_type)) for a in arrays]
        total = sum(per) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           f"is non-finite ({total}), so it cannot be clipped. To disable this "
                           f"error and scale the gradients by the non-finite norm anyway, set "
                           f"`error_if_nonfinite=False`")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or not math.isfinite(total):
        for g in grads:
            g._data *= coef
            g._vc[0] += 1
    return Tensor(np.asarray(total, dtype=arrays[0].dtype))


def _clip_on_device(grads, max_norm, norm_type, error_if_nonfinite):
    """clip_grad_norm_ with the total norm kept a 0-d device array, as torch does on a GPU:
    every gradient is multiplied by min(1, max_norm / (total + 1e-6)) cast to its dtype
    (a no-op factor of 1 when no clipping is needed), so nothing waits for the device."""
    arrays = [g._data for g in grads if g._data.size]
    if not arrays:
        return Tensor._make(np.zeros_like(grads[0]._data, shape=()), grads[0]._device)
    if norm_type == math.inf:
        total = np.max(np.stack([np.max(np.abs(a)).astype(np.float64) for a in arrays]))
    else:
        per = [np.sum(np.abs(a.astype(np.float64)) ** norm_type) for a in arrays]
        total = np.sum(np.stack(per)) ** (1.0 / norm_type)
    if error_if_nonfinite and not np.isfinite(total).item():   # the user asked for a sync
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           f"is non-finite ({total.item()}), so it cannot be clipped. To disable "
                           f"this error and scale the gradients by the non-finite norm anyway, "
                           f"set `error_if_nonfinite=False`")
    coef = np.minimum(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g._data *= coef.astype(g._data.dtype)
        g._vc[0] += 1
    return Tensor._make(total.astype(grads[0]._data.dtype), grads[0]._device)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._vc[0] += 1
