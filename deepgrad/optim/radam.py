"""RAdam: Adam with a rectified (variance-corrected) adaptive learning rate."""
import numpy as np

from ._fused import fused_loop
from .optimizer import (Optimizer, _adam_family_constants, _adam_family_grad, _adam_family_scalars,
                        _adam_moments_at, _check_adam_options, _check_implementation_flags,
                        _update_mean, _update_square_mean)


class RAdam(Optimizer):
    r"""RAdam: Adam that starts as SGD with momentum until ``v`` is a trustworthy estimate.

    Early on, ``v_t`` averages few gradients and its variance is large (which is why Adam
    needs warm-up). RAdam tracks the length of the approximated simple moving average,
    ``rho_t``, and only uses the adaptive step once it exceeds 5, rectified by ``r_t``::

        g_t <- g_t + weight_decay * p         (or p <- p (1 - lr weight_decay), decoupled)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        m_hat = m_t / (1 - beta1^t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:
            r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p <- p - lr * m_hat * r_t * sqrt(1 - beta2^t) / (sqrt(v_t) + eps)
        else:
            p <- p - lr * m_hat

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-3).
        betas (Tuple[float, float]): decay rates (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): weight decay (default 0).
        decoupled_weight_decay (bool): decay as AdamW (default False).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.

    Example::

        opt = deepgrad.optim.RAdam(model.parameters())

    Reference: Liu et al. (2020), "On the Variance of the Adaptive Learning Rate and
    Beyond", ICLR.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_implementation_flags(foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _check_adam_options(o)

    def _update_group(self, group):
        scalars = _adam_family_scalars(group)
        beta1, beta2 = scalars["beta1"], scalars["beta2"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "exp_avg", "exp_avg_sq")
            step = self._advance(state)
            bc2 = 1.0 - beta2 ** step
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            rho_t = rho_inf - 2.0 * step * beta2 ** step / bc2
            rect = None
            if rho_t > 5.0:
                rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                        / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
            self._apply(_radam_kernel, (p._data, p.grad._data, state["exp_avg"]._data,
                                        state["exp_avg_sq"]._data), 2, loop=_radam_loop,
                        bc1=1.0 - beta1 ** step, bc2=bc2, rect=rect, **scalars)
            p._vc[0] += 1


def _radam_kernel(p, g, m, v, gbuf, tmp, *, lr, beta1, beta2, eps, weight_decay, decoupled,
                  maximize, bc1, bc2, rect):
    g = _adam_family_grad(p, g, gbuf, lr, weight_decay, decoupled, maximize)
    _update_mean(m, g, beta1, tmp)            # m <- beta1 m + (1 - beta1) g
    _update_square_mean(v, g, beta2, tmp)     # v <- beta2 v + (1 - beta2) g^2
    if rect is None:                          # too few steps: SGD with momentum
        np.multiply(m, -lr / bc1, out=tmp)
    else:                                     # rectified adaptive step
        np.sqrt(v, out=tmp)
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= -lr / bc1 * rect * bc2 ** 0.5
    p += tmp


def _radam_constants(*, lr, beta1, beta2, eps, weight_decay, decoupled, maximize, bc1, bc2,
                     rect):
    """The fused loop's constants, as ``_radam_kernel`` computes them."""
    scale = -lr / bc1 if rect is None else -lr / bc1 * rect * bc2 ** 0.5
    return (*_adam_family_constants(lr, beta1, beta2, weight_decay, decoupled, maximize),
            rect is not None, eps, scale)


@fused_loop(_radam_constants)
def _radam_loop(p, g, m, v, decay, wd, maximize, c1, beta2, c2, adaptive, eps, scale):
    """``_radam_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        pi, gi, mi, vi = _adam_moments_at(p[i], g[i], m[i], v[i], decay, wd, maximize, c1,
                                          beta2, c2)
        m[i] = mi
        v[i] = vi
        if adaptive:
            p[i] = pi + mi / (np.sqrt(vi) + eps) * scale
        else:
            p[i] = pi + mi * scale
