"""Adamax: Adam with the infinity norm in the denominator."""
import numpy as np

from ._fused import fused_loop
from .optimizer import (Optimizer, _check_adam_options, _check_implementation_flags,
                        _effective_grad, _grad_at, _mean_at, _update_mean)


class Adamax(Optimizer):
    r"""Adamax: Adam's second moment replaced by an exponentially weighted max of ``|g|``.

    ::

        g_t <- g_t + weight_decay * p
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        u_t = max(beta2 * u_{t-1}, |g_t| + eps)
        p <- p - lr / (1 - beta1^t) * m_t / u_t

    ``u_t`` is the limit p -> infinity of Adam's L^p generalisation; it needs no bias
    correction.

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 2e-3).
        betas (Tuple[float, float]): decay rates (default (0.9, 0.999)).
        eps (float): added to ``|g|`` (default 1e-8).
        weight_decay (float): L2 penalty (default 0).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_inf`` (u).

    Example::

        opt = deepgrad.optim.Adamax(model.parameters())

    Reference: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", ICLR, sec. 7.1.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_implementation_flags(foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _check_adam_options(o)

    def _update_group(self, group):
        beta1, beta2 = (float(b) for b in group["betas"])
        lr = float(group["lr"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "exp_avg", "exp_inf")
            step = self._advance(state)
            self._apply(_adamax_kernel, (p._data, p.grad._data, state["exp_avg"]._data,
                                         state["exp_inf"]._data), 2, loop=_adamax_loop,
                        clr=lr / (1.0 - beta1 ** step), beta1=beta1, beta2=beta2,
                        eps=float(group["eps"]), weight_decay=float(group["weight_decay"]),
                        maximize=bool(group["maximize"]))
            p._vc[0] += 1


def _adamax_kernel(p, g, m, u, gbuf, tmp, *, clr, beta1, beta2, eps, weight_decay, maximize):
    g = _effective_grad(p, g, gbuf, weight_decay, maximize)
    _update_mean(m, g, beta1, tmp)            # m <- beta1 m + (1 - beta1) g
    u *= beta2                                # u <- max(beta2 u, |g| + eps)
    np.abs(g, out=tmp)
    tmp += eps
    np.maximum(u, tmp, out=u)
    np.divide(m, u, out=tmp)                  # p <- p - clr * m / u
    tmp *= -clr
    p += tmp


def _adamax_constants(*, clr, beta1, beta2, eps, weight_decay, maximize):
    """The fused loop's constants, as ``_adamax_kernel`` computes them."""
    return weight_decay, maximize, 1.0 - beta1, beta2, eps, -clr


@fused_loop(_adamax_constants)
def _adamax_loop(p, g, m, u, wd, maximize, c1, beta2, eps, neg_clr):
    """``_adamax_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        gi = _grad_at(p[i], g[i], wd, maximize)
        mi = _mean_at(m[i], gi, c1)
        m[i] = mi
        ui = u[i] * beta2
        t = np.abs(gi) + eps
        if t > ui or t != t:  # np.maximum: a NaN on either side wins
            ui = t
        u[i] = ui
        p[i] = p[i] + mi / ui * neg_clr
