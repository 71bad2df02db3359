"""RMSprop: divide the gradient by a running RMS of recent gradients."""
import numpy as np

from ._fused import fused_loop
from .optimizer import (Optimizer, _check_implementation_flags, _effective_grad, _grad_at,
                        _invalid, _mean_at, _square_mean_at, _update_mean, _update_square_mean)


class RMSprop(Optimizer):
    r"""RMSprop: per-coordinate steps scaled by a moving root-mean-square of the gradient.

    ::

        g_t <- g_t + weight_decay * p
        v_t = alpha * v_{t-1} + (1 - alpha) * g_t^2
        centered:  a_t = alpha * a_{t-1} + (1 - alpha) * g_t,   d_t = sqrt(v_t - a_t^2) + eps
        otherwise: d_t = sqrt(v_t) + eps
        momentum > 0:  b_t = momentum * b_{t-1} + g_t / d_t,   p <- p - lr * b_t
        otherwise:     p <- p - lr * g_t / d_t

    ``centered`` divides by an estimate of the gradient's standard deviation instead of
    its RMS (Graves 2013).

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-2).
        alpha (float): smoothing constant (default 0.99).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): L2 penalty (default 0).
        momentum (float): momentum factor (default 0).
        centered (bool): normalise by the estimated variance (default False).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``square_avg`` and, when used, ``momentum_buffer``,
    ``grad_avg``.

    Example::

        opt = deepgrad.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9)

    References: Hinton, Srivastava & Swersky (2012), Neural Networks for Machine
    Learning, lecture 6e; Graves (2013), "Generating Sequences With Recurrent Neural
    Networks", arXiv:1308.0850.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_implementation_flags(foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        _invalid(0.0 <= o["eps"], "epsilon value", o["eps"])
        _invalid(0.0 <= o["momentum"], "momentum value", o["momentum"])
        _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])
        _invalid(0.0 <= o["alpha"], "alpha value", o["alpha"])

    def _update_group(self, group):
        momentum, centered = float(group["momentum"]), bool(group["centered"])
        scalars = dict(lr=float(group["lr"]), alpha=float(group["alpha"]),
                       eps=float(group["eps"]), weight_decay=float(group["weight_decay"]),
                       momentum=momentum, maximize=bool(group["maximize"]))
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "square_avg", *(["momentum_buffer"] if momentum > 0 else []),
                                   *(["grad_avg"] if centered else []))
            self._advance(state)
            buf = state["momentum_buffer"]._data if momentum > 0 else None
            avg = state["grad_avg"]._data if centered else None
            self._apply(_rmsprop_kernel, (p._data, p.grad._data, state["square_avg"]._data,
                                          avg, buf), 3, loop=_rmsprop_loop, **scalars)
            p._vc[0] += 1


def _rmsprop_kernel(p, g, v, a, b, gbuf, tmp, d, *, lr, alpha, eps, weight_decay, momentum,
                    maximize):
    g = _effective_grad(p, g, gbuf, weight_decay, maximize)
    _update_square_mean(v, g, alpha, tmp)     # v <- alpha v + (1 - alpha) g^2
    if a is not None:
        _update_mean(a, g, alpha, tmp)        # a <- alpha a + (1 - alpha) g
        np.multiply(a, a, out=d)              # d = sqrt(v - a^2) + eps
        np.subtract(v, d, out=d)
        np.sqrt(d, out=d)
    else:
        np.sqrt(v, out=d)                     # d = sqrt(v) + eps
    d += eps
    np.divide(g, d, out=tmp)
    if b is not None:
        b *= momentum                         # b <- momentum b + g / d
        b += tmp
        np.multiply(b, -lr, out=tmp)
    else:
        tmp *= -lr
    p += tmp                                  # p <- p - lr * (b or g / d)


def _rmsprop_constants(*, lr, alpha, eps, weight_decay, momentum, maximize):
    """The fused loop's constants, as ``_rmsprop_kernel`` computes them."""
    return weight_decay, maximize, alpha, 1.0 - alpha, eps, momentum, -lr


@fused_loop(_rmsprop_constants)
def _rmsprop_loop(p, g, v, a, b, wd, maximize, alpha, c, eps, momentum, neg_lr):
    """``_rmsprop_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        gi = _grad_at(p[i], g[i], wd, maximize)
        vi = _square_mean_at(v[i], gi, alpha, c)
        v[i] = vi
        if a is not None:  # centred: subtract the squared mean gradient
            ai = _mean_at(a[i], gi, c)
            a[i] = ai
            d = np.sqrt(vi - ai * ai) + eps
        else:
            d = np.sqrt(vi) + eps
        t = gi / d
        if b is not None:  # momentum
            bi = b[i] * momentum + t
            b[i] = bi
            t = bi
        p[i] = p[i] + t * neg_lr
