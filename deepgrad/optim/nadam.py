"""NAdam: Adam with Nesterov momentum."""
import numpy as np

from ._fused import fused_loop
from .optimizer import (Optimizer, _adam_family_constants, _adam_family_grad, _adam_family_scalars,
                        _adam_moments_at, _check_adam_options, _check_implementation_flags,
                        _invalid, _update_mean, _update_square_mean)


class NAdam(Optimizer):
    r"""NAdam: Adam whose momentum looks ahead, as Nesterov's accelerated gradient.

    Nesterov momentum applies the *next* step's momentum now. Dozat writes Adam's
    update with ``m_hat`` split into its gradient and momentum parts and uses
    ``mu_{t+1}`` for the momentum part. With a momentum schedule
    ``mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))``::

        g_t <- g_t + weight_decay * p         (or p <- p (1 - lr weight_decay), decoupled)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2
        d_t = sqrt(v_t / (1 - beta2^t)) + eps
        p <- p - lr * (1 - mu_t) / (1 - prod_{i<=t} mu_i) * g_t / d_t
               - lr * mu_{t+1} / (1 - prod_{i<=t+1} mu_i) * m_t / d_t

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 2e-3).
        betas (Tuple[float, float]): decay rates (default (0.9, 0.999)).
        eps (float): added to the denominator (default 1e-8).
        weight_decay (float): weight decay (default 0).
        momentum_decay (float): ``psi`` of the momentum schedule (default 4e-3).
        decoupled_weight_decay (bool): decay as AdamW ("NAdamW", default False).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``.

    Example::

        opt = deepgrad.optim.NAdam(model.parameters())

    Reference: Dozat (2016), "Incorporating Nesterov Momentum into Adam", ICLR workshop.
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_implementation_flags(foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _check_adam_options(o)
        _invalid(0.0 <= o["momentum_decay"], "momentum_decay value", o["momentum_decay"])

    def _update_group(self, group):
        scalars = _adam_family_scalars(group)
        lr, beta1, beta2 = scalars["lr"], scalars["beta1"], scalars["beta2"]
        psi = float(group["momentum_decay"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "exp_avg", "exp_avg_sq", mu_product=1.0)
            step = self._advance(state)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1.0) * psi))
            state["mu_product"]._data *= mu      # kept in the state's dtype, as torch
            mu_product = float(state["mu_product"]._data)
            self._apply(_nadam_kernel, (p._data, p.grad._data, state["exp_avg"]._data,
                                        state["exp_avg_sq"]._data), 2, loop=_nadam_loop,
                        bc2=1.0 - beta2 ** step,
                        g_scale=-lr * (1.0 - mu) / (1.0 - mu_product),
                        m_scale=-lr * mu_next / (1.0 - mu_product * mu_next), **scalars)
            p._vc[0] += 1


def _nadam_kernel(p, g, m, v, gbuf, tmp, *, lr, beta1, beta2, eps, weight_decay, decoupled,
                  maximize, bc2, g_scale, m_scale):
    g = _adam_family_grad(p, g, gbuf, lr, weight_decay, decoupled, maximize)
    _update_mean(m, g, beta1, tmp)            # m <- beta1 m + (1 - beta1) g
    _update_square_mean(v, g, beta2, tmp)     # v <- beta2 v + (1 - beta2) g^2
    np.divide(v, bc2, out=tmp)                # d = sqrt(v / bc2) + eps
    np.sqrt(tmp, out=tmp)
    tmp += eps
    # p <- p + g_scale * g / d + m_scale * m / d ; gbuf is free once g has been used
    np.divide(g, tmp, out=gbuf)
    gbuf *= g_scale
    p += gbuf
    np.divide(m, tmp, out=gbuf)
    gbuf *= m_scale
    p += gbuf


def _nadam_constants(*, lr, beta1, beta2, eps, weight_decay, decoupled, maximize, bc2, g_scale,
                     m_scale):
    """The fused loop's constants, as ``_nadam_kernel`` computes them."""
    return (*_adam_family_constants(lr, beta1, beta2, weight_decay, decoupled, maximize),
            bc2, eps, g_scale, m_scale)


@fused_loop(_nadam_constants)
def _nadam_loop(p, g, m, v, decay, wd, maximize, c1, beta2, c2, bc2, eps, g_scale, m_scale):
    """``_nadam_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        pi, gi, mi, vi = _adam_moments_at(p[i], g[i], m[i], v[i], decay, wd, maximize, c1,
                                          beta2, c2)
        m[i] = mi
        v[i] = vi
        d = np.sqrt(vi / bc2) + eps
        pi = pi + gi / d * g_scale
        p[i] = pi + mi / d * m_scale
