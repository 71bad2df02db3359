"""Adadelta: step sizes from the ratio of two running RMS values."""
import numpy as np

from ._fused import fused_loop
from .optimizer import (Optimizer, _check_implementation_flags, _effective_grad, _grad_at,
                        _invalid, _square_mean_at, _update_square_mean)


class Adadelta(Optimizer):
    r"""Adadelta: an RMSprop whose step has the units of the parameter.

    Two moving averages, of squared gradients and of squared updates::

        g_t <- g_t + weight_decay * p
        v_t = rho * v_{t-1} + (1 - rho) * g_t^2
        dx_t = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g_t
        u_t = rho * u_{t-1} + (1 - rho) * dx_t^2
        p <- p - lr * dx_t

    The ratio ``RMS[dx] / RMS[g]`` approximates the inverse curvature (a diagonal
    Newton step), which is why the paper needs no learning rate (``lr=1``).

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): scale applied to the update (default 1.0).
        rho (float): decay rate of the two averages (default 0.9).
        eps (float): added inside the square roots (default 1e-6).
        weight_decay (float): L2 penalty (default 0).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``square_avg`` (v), ``acc_delta`` (u).

    Example::

        opt = deepgrad.optim.Adadelta(model.parameters())

    Reference: Zeiler (2012), "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_implementation_flags(foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        _invalid(0.0 <= o["rho"] <= 1.0, "rho value", o["rho"])
        _invalid(0.0 <= o["eps"], "epsilon value", o["eps"])
        _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])

    def _update_group(self, group):
        scalars = dict(lr=float(group["lr"]), rho=float(group["rho"]), eps=float(group["eps"]),
                       weight_decay=float(group["weight_decay"]),
                       maximize=bool(group["maximize"]))
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "square_avg", "acc_delta")
            self._advance(state)
            self._apply(_adadelta_kernel, (p._data, p.grad._data, state["square_avg"]._data,
                                           state["acc_delta"]._data), 3, loop=_adadelta_loop,
                        **scalars)
            p._vc[0] += 1


def _adadelta_kernel(p, g, v, u, gbuf, tmp, dx, *, lr, rho, eps, weight_decay, maximize):
    g = _effective_grad(p, g, gbuf, weight_decay, maximize)
    _update_square_mean(v, g, rho, tmp)       # v <- rho v + (1 - rho) g^2
    np.add(v, eps, out=tmp)                   # dx = sqrt(u + eps) / sqrt(v + eps) * g
    np.sqrt(tmp, out=tmp)
    np.add(u, eps, out=dx)
    np.sqrt(dx, out=dx)
    dx /= tmp
    dx *= g
    _update_square_mean(u, dx, rho, tmp)      # u <- rho u + (1 - rho) dx^2
    dx *= -lr                                 # p <- p - lr dx
    p += dx


def _adadelta_constants(*, lr, rho, eps, weight_decay, maximize):
    """The fused loop's constants, as ``_adadelta_kernel`` computes them."""
    return weight_decay, maximize, rho, 1.0 - rho, eps, -lr


@fused_loop(_adadelta_constants)
def _adadelta_loop(p, g, v, u, wd, maximize, rho, c, eps, neg_lr):
    """``_adadelta_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        gi = _grad_at(p[i], g[i], wd, maximize)
        vi = _square_mean_at(v[i], gi, rho, c)
        v[i] = vi
        dx = np.sqrt(u[i] + eps) / np.sqrt(vi + eps) * gi
        u[i] = _square_mean_at(u[i], dx, rho, c)
        p[i] = p[i] + dx * neg_lr
