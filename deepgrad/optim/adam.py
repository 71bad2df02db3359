"""Adam: adaptive moment estimation."""
import numpy as np

from ._fused import fused_loop
from .optimizer import (Optimizer, _adam_family_constants, _adam_family_grad, _adam_family_scalars,
                        _adam_moments_at, _check_adam_options, _check_implementation_flags,
                        _update_mean, _update_square_mean)


class Adam(Optimizer):
    r"""Adam: momentum on the gradient, scaled per coordinate by its running RMS.

    With ``g_t`` the gradient at step ``t`` (negated when ``maximize``)::

        g_t <- g_t + weight_decay * p            (L2 penalty; see AdamW for decoupled)
        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t        first moment (mean)
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2      second moment (uncentred variance)
        m_hat = m_t / (1 - beta1^t)                      bias corrections: m_0 = v_0 = 0
        v_hat = v_t / (1 - beta2^t)                      pulls early averages towards 0
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    With ``amsgrad=True`` the denominator uses ``vmax_t = max(vmax_{t-1}, v_t)``
    (so the effective step size never grows: Reddi et al. 2018).

    The implementation folds the bias corrections into two scalars,
    ``lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m_t / (sqrt(v_t) + eps * sqrt(1 - beta2^t))``,
    which is the same number with one pass over the arrays fewer. The rule is written
    twice below: as in-place NumPy calls (``_adam_kernel``) and as one loop over the
    elements (``_adam_loop``), which runs instead, compiled, when numba is installed.

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-3).
        betas (Tuple[float, float]): decay rates of the two moments (default (0.9, 0.999)).
        eps (float): added to the denominator for stability (default 1e-8).
        weight_decay (float): L2 penalty (default 0).
        amsgrad (bool): use the AMSGrad variant (default False).
        maximize (bool): ascend instead of descend (default False).
        decoupled_weight_decay (bool): decay the weights directly, as AdamW (default False).

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad,
    ``max_exp_avg_sq``.

    Example::

        opt = deepgrad.optim.Adam(model.parameters(), lr=1e-3)

    References: Kingma & Ba (2015), "Adam: A Method for Stochastic Optimization", ICLR;
    Reddi, Kale & Kumar (2018), "On the Convergence of Adam and Beyond", ICLR.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_implementation_flags(foreach=foreach, fused=fused, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _validate(self, o):
        _check_adam_options(o)

    def _update_group(self, group):
        amsgrad = bool(group["amsgrad"])
        scalars = _adam_family_scalars(group)
        beta1, beta2 = scalars["beta1"], scalars["beta2"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "exp_avg", "exp_avg_sq",
                                   *(["max_exp_avg_sq"] if amsgrad else []))
            step = self._advance(state)
            vmax = state["max_exp_avg_sq"]._data if amsgrad else None
            self._apply(_adam_kernel, (p._data, p.grad._data, state["exp_avg"]._data,
                                       state["exp_avg_sq"]._data, vmax), 2, loop=_adam_loop,
                        bc1=1.0 - beta1 ** step, bc2=1.0 - beta2 ** step, **scalars)
            p._vc[0] += 1


def _adam_kernel(p, g, m, v, vmax, gbuf, tmp, *, lr, beta1, beta2, eps, weight_decay, decoupled,
                 maximize, bc1, bc2):
    g = _adam_family_grad(p, g, gbuf, lr, weight_decay, decoupled, maximize)
    _update_mean(m, g, beta1, tmp)            # m <- beta1 m + (1 - beta1) g
    _update_square_mean(v, g, beta2, tmp)     # v <- beta2 v + (1 - beta2) g^2
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)         # AMSGrad: the largest v so far
        v = vmax
    bc2_sqrt = bc2 ** 0.5
    np.sqrt(v, out=tmp)                       # p <- p - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
    tmp += eps * bc2_sqrt
    np.divide(m, tmp, out=tmp)
    tmp *= -lr * bc2_sqrt / bc1
    p += tmp


def _adam_constants(*, lr, beta1, beta2, eps, weight_decay, decoupled, maximize, bc1, bc2):
    """The fused loop's constants, as ``_adam_kernel`` computes them."""
    bc2_sqrt = bc2 ** 0.5
    return (*_adam_family_constants(lr, beta1, beta2, weight_decay, decoupled, maximize),
            eps * bc2_sqrt, -lr * bc2_sqrt / bc1)


@fused_loop(_adam_constants)
def _adam_loop(p, g, m, v, vmax, decay, wd, maximize, c1, beta2, c2, eps_hat, step):
    """``_adam_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        pi, gi, mi, vi = _adam_moments_at(p[i], g[i], m[i], v[i], decay, wd, maximize, c1,
                                          beta2, c2)
        m[i] = mi
        v[i] = vi
        if vmax is not None:
            if vi > vmax[i] or vi != vi:  # np.maximum: a NaN on either side wins
                vmax[i] = vi
            vi = vmax[i]
        p[i] = pi + mi / (np.sqrt(vi) + eps_hat) * step
