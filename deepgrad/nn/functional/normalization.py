"""Normalisation layers as functions: batch_norm, layer_norm, group_norm, instance_norm.

Every one of them standardises ``x`` over some axes and then applies an affine map:

    mean = mean(x over axes)            var = mean((x - mean)^2 over axes)   (biased)
    xhat = (x - mean) / sqrt(var + eps)
    y    = gamma * xhat + beta

They differ only in the axes (for an input of shape (N, C, *)):

    batch_norm     over N and the spatial dims, one (gamma, beta) per channel
    layer_norm     over the last len(normalized_shape) dims, gamma/beta of that shape
    instance_norm  over the spatial dims of each (sample, channel), gamma per channel
    group_norm     over each group of C/G channels and the spatial dims, gamma per channel

The gradient of the standardisation (n = number of elements per statistic, sums over
the same axes as the statistics, ``gxhat = g * gamma``):

    dx     = invstd / n * (n * gxhat - sum(gxhat) - xhat * sum(gxhat * xhat))
    dgamma = sum(g * xhat)    dbeta = sum(g)      (over the axes gamma is broadcast along)

``Normalize`` computes the forward in a handful of NumPy calls and the backward in
closed form. Under ``create_graph=True`` the backward is instead written with
differentiable Tensor ops (the same formula, from the saved input), so gradients of
gradients (double backward) are exact.
"""
import numbers

import numpy as np

from ...autograd import grad_mode
from ...autograd.function import ArrayFunction
from ...ops._util import constant
from ...ops.memory_format import keep_channels_last


_ONES = {}  # (array type, device, dtype, n) -> a (1, n) row of ones, reused across calls


def _sum(a, axes):
    """Sum over ``axes`` keeping them as size 1. A row of ones times a matrix (one BLAS
    call) sums the rows of an (N, C) input about 1.6x faster than ``a.sum(axis=0)``."""
    if axes == (0,) and a.ndim == 2:
        key = (type(a), getattr(a, "device", None), a.dtype, a.shape[0])
        ones = _ONES.get(key)
        if ones is None:
            if len(_ONES) > 64:  # many batch sizes seen: do not let the cache grow
                _ONES.clear()
            ones = _ONES[key] = np.ones_like(a, shape=(1, a.shape[0]))
        return ones @ a
    return a.sum(axis=axes, keepdims=True)


class Normalize(ArrayFunction):
    """Fused ``gamma * (x - mean) / sqrt(var + eps) + beta`` with statistics over ``axes``.

    Inputs: ``x`` then, when present, ``weight`` and ``bias`` (flags ``has_weight`` and
    ``has_bias``), broadcast against x as ``pshape``. ``running`` is ``None`` or a tuple
    ``(running_mean, running_var, momentum)`` of raw arrays updated in place here with
    the batch statistics (the unbiased variance), as batch_norm's training mode does.
    """

    def forward(self, x, *params, axes, eps, pshape=None, has_weight=False, has_bias=False,
                running=None):
        n = 1
        for a in axes:
            n *= x.shape[a]
        self.axes, self.n, self.eps, self.pshape = axes, n, eps, pshape
        self.has_weight, self.has_bias = has_weight, has_bias
        mean = _sum(x, axes)
        mean *= 1.0 / n
        xc = x - mean
        var = _sum(xc * xc, axes)
        var *= 1.0 / n
        invstd = 1.0 / np.sqrt(var + eps)
        # keep x - mean and invstd rather than xhat: y = xc * (invstd * gamma) then needs
        # one full-size multiplication instead of two, and backward does not need xhat
        self.xc, self.invstd = xc, invstd
        if running is not None:
            _update_running(running, mean, var, n)
        y = xc * (invstd * params[0].reshape(pshape) if has_weight else invstd)
        if has_bias:
            y += params[-1].reshape(pshape)
        return y

    def backward(self, g):
        if grad_mode.is_grad_enabled():
            return self._backward_graph(g)
        g_, xc, invstd, axes, n = g._data, self.xc, self.invstd, self.axes, self.n
        need = self.needs_input_grad
        w = self.inputs[1]._data.reshape(self.pshape) if self.has_weight else None
        paxes = None if self.pshape is None else tuple(
            i for i, s in enumerate(self.pshape) if s == 1)
        # the parameters are constant along exactly the statistics' axes (batch_norm), or
        # span them (layer_norm): the first case shares the sums between dx and dgamma/dbeta
        per_channel = paxes == axes
        gxhat = g_ if (w is None or per_channel) else g_ * w
        s_g = _sum(gxhat, axes)
        s_gx = _sum(gxhat * xc, axes)
        s_gx *= invstd  # sum(gxhat * xhat), since xhat = xc * invstd
        grads = []
        if need[0]:
            # dx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))
            dx = gxhat - s_g * (1.0 / n)
            dx -= xc * (s_gx * invstd * (1.0 / n))
            dx *= invstd * w if (w is not None and per_channel) else invstd
            grads.append(constant(dx, g))
        else:
            grads.append(None)
        if self.has_weight:
            dw = None
            if need[1]:
                dw = s_gx if per_channel else _sum(g_ * xc * invstd, paxes)
                dw = constant(dw.reshape(self.inputs[1].shape), g)
            grads.append(dw)
        if self.has_bias:
            db = None
            if need[-1]:
                db = s_g if per_channel else _sum(g_, paxes)
                db = constant(db.reshape(self.inputs[-1].shape), g)
            grads.append(db)
        return tuple(grads)

    def _backward_graph(self, g):
        """The same gradient, recorded with Tensor ops so that it can be differentiated."""
        x = self.inputs[0]
        axes, n = self.axes, self.n
        mean = x.mean(axes, keepdim=True)
        xc = x - mean
        invstd = ((xc * xc).mean(axes, keepdim=True) + self.eps).rsqrt()
        xhat = xc * invstd
        w = self.inputs[1].reshape(self.pshape) if self.has_weight else None
        gxhat = g * w if w is not None else g
        dx = (gxhat * n - gxhat.sum(axes, keepdim=True)
              - xhat * (gxhat * xhat).sum(axes, keepdim=True)) * (invstd * (1.0 / n))
        grads = [dx]
        paxes = None if self.pshape is None else tuple(
            i for i, s in enumerate(self.pshape) if s == 1)
        if self.has_weight:
            grads.append((g * xhat).sum(paxes).reshape(self.inputs[1].shape))
        if self.has_bias:
            grads.append(g.sum(paxes).reshape(self.inputs[-1].shape))
        return tuple(grads)


def _update_running(running, mean, var, n):
    """running = (1 - momentum) * running + momentum * batch statistic (unbiased variance)."""
    running_mean, running_var, momentum = running
    if running_mean is not None:
        running_mean *= 1.0 - momentum
        running_mean += momentum * mean.reshape(running_mean.shape)
    if running_var is not None:
        running_var *= 1.0 - momentum
        running_var += (momentum * n / max(n - 1, 1)) * var.reshape(running_var.shape)


def _normalize(x, axes, eps, weight=None, bias=None, pshape=None, running=None):
    # torch's normalisations return row-major results (and gradients) for any input strides
    x = x.contiguous()
    params = tuple(p for p in (weight, bias) if p is not None)
    return Normalize.apply(x, *params, axes=axes, eps=float(eps), pshape=pshape,
                           has_weight=weight is not None, has_bias=bias is not None,
                           running=running)


def _check_param(p, name, size, what):
    if p is not None and p._data.shape != (size,):
        raise RuntimeError(f"{name} should have shape ({size},) = ({what},), "
                           f"got {tuple(p._data.shape)}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation over an input of shape (N, C) or (N, C, *).

    Training (``training=True``): normalise with the batch's mean and biased variance per
    channel, and, when given, update the running statistics in place:

        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)

    Evaluation: ``y = (x - running_mean) / sqrt(running_var + eps) * weight + bias``.

    Args: running_mean, running_var (C,) buffers or None; weight, bias (C,) or None;
    momentum (float, default 0.1); eps (default 1e-5).

    Example::

        y = F.batch_norm(x, rm, rv, w, b, training=True)   # x: (N, C)
    """
    x = input
    shape = x._data.shape
    if len(shape) < 2:
        raise ValueError(f"batch_norm expected an input of shape (N, C) or (N, C, *), "
                         f"got shape {tuple(shape)}")
    c = shape[1]
    for p, name in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        _check_param(p, name, c, "num_features, the size of the input's dim 1")
    axes = (0,) + tuple(range(2, len(shape)))
    pshape = (1, c) + (1,) * (len(shape) - 2)
    if training:
        if (x._data.size // c if c else 0) <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {list(shape)}")
        running = None
        if running_mean is not None or running_var is not None:
            running = (None if running_mean is None else running_mean._data,
                       None if running_var is None else running_var._data, float(momentum))
        y = _normalize(x, axes, eps, weight, bias, pshape, running)
        for buf in (running_mean, running_var):
            if buf is not None:
                buf._vc[0] += 1
        return y if x._data.flags.c_contiguous else keep_channels_last(y, x)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm in evaluation mode (training=False) needs running_mean "
                         "and running_var")
    # evaluation: a per-channel affine map, composed from differentiable ops (on a row-major
    # x, so that the result is row-major as torch's)
    given, x = x, x.contiguous()
    scale = (running_var.detach() + float(eps)).rsqrt()
    if weight is not None:
        scale = scale * weight
    y = (x - running_mean.detach().reshape(pshape)) * scale.reshape(pshape)
    y = y + bias.reshape(pshape) if bias is not None else y
    # torch's kernel stores a channels-last input's result channels-last
    return y if given is x else keep_channels_last(y, given)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Layer normalisation over the last ``len(normalized_shape)`` dims of each sample.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with mean and biased var taken
    over those dims; weight and bias (optional) have shape ``normalized_shape``.

    Example::

        y = F.layer_norm(x, (16,))         # x: (N, L, 16)
    """
    x = input
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(
        normalized_shape)
    k = len(shape)
    if k == 0 or tuple(x.shape[x.ndim - k:]) != shape or x.ndim < k:
        raise RuntimeError(f"layer_norm: input of shape {tuple(x.shape)} does not end with "
                           f"normalized_shape {shape}")
    for p, name in ((weight, "weight"), (bias, "bias")):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(f"layer_norm: {name} should have shape {shape} "
                               f"(normalized_shape), got {tuple(p.shape)}")
    axes = tuple(range(x.ndim - k, x.ndim))
    pshape = (1,) * (x.ndim - k) + shape
    return _normalize(x, axes, eps, weight, bias, pshape)


def _channel_affine(y, weight, bias):
    """y * weight + bias with (C,) parameters along dim 1."""
    pshape = (1, y.shape[1]) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(pshape)
    if bias is not None:
        y = y + bias.reshape(pshape)
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Group normalisation: channels split into ``num_groups`` groups; each sample's group
    (its C/G channels and all spatial positions) is standardised, then a per-channel affine.

    Input (N, C, *); weight, bias (C,). ``num_groups=1`` is layer norm over (C, *) with
    per-channel parameters; ``num_groups=C`` is instance norm.
    """
    x = input
    if x.ndim < 2:
        raise ValueError(f"group_norm expected an input of shape (N, C, *), got {tuple(x.shape)}")
    n, c = x.shape[0], x.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(f"num_channels ({c}) must be divisible by num_groups ({num_groups})")
    for p, name in ((weight, "weight"), (bias, "bias")):
        _check_param(p, name, c, "num_channels")
    grouped = x.reshape(n, num_groups, -1)
    y = _normalize(grouped, (2,), eps).reshape(tuple(x.shape))
    return _channel_affine(y, weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalisation: each (sample, channel) standardised over its spatial dims.

    Input (N, C, *). With ``use_input_stats`` (training, or no running statistics) the
    statistics are the instance's own, and given running buffers are updated with their
    average over the batch (unbiased variance); otherwise the running statistics are used.
    """
    x = input
    if x.ndim < 3:
        raise ValueError(f"instance_norm expected an input of shape (N, C, *), "
                         f"got {tuple(x.shape)}")
    c = x.shape[1]
    for p, name in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        _check_param(p, name, c, "num_features")
    if not use_input_stats:
        return batch_norm(x, running_mean, running_var, weight, bias, False, momentum, eps)
    axes = tuple(range(2, x.ndim))
    n = 1
    for a in axes:
        n *= x.shape[a]
    if n <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input "
                         f"size {list(x.shape)}")
    y = _normalize(x, axes, eps)
    if running_mean is not None or running_var is not None:
        with grad_mode.no_grad():
            arr = x._data
            mean = arr.mean(axis=axes)
            var = arr.var(axis=axes, ddof=1)
            m = float(momentum)
            for buf, stat in ((running_mean, mean), (running_var, var)):
                if buf is not None:
                    buf._data *= 1.0 - m
                    buf._data += m * stat.mean(axis=0)
                    buf._vc[0] += 1
    return _channel_affine(y, weight, bias)
