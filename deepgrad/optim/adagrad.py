"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""
import numpy as np

from ..tensor import Tensor
from ._fused import fused_loop
from .optimizer import (Optimizer, _check_implementation_flags, _effective_grad, _grad_at,
                        _invalid, _scalar_state)


class Adagrad(Optimizer):
    r"""Adagrad: divide each coordinate's step by the root of its summed squared gradients.

    Coordinates that have seen large gradients get small steps, rarely-updated ones
    (rare features) keep large steps::

        g_t <- g_t + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s_t = s_{t-1} + g_t^2                 (s_0 = initial_accumulator_value)
        p <- p - clr * g_t / (sqrt(s_t) + eps)

    As ``s_t`` only grows, the effective learning rate decays like ``1/sqrt(t)``;
    RMSprop and Adadelta replace the sum by a moving average to avoid that.

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-2).
        lr_decay (float): learning-rate decay per step (default 0).
        weight_decay (float): L2 penalty (default 0).
        initial_accumulator_value (float): starting value of ``s`` (default 0).
        eps (float): added to the denominator (default 1e-10).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``sum``.

    Example::

        opt = deepgrad.optim.Adagrad(model.parameters(), lr=0.1)

    Reference: Duchi, Hazan & Singer (2011), "Adaptive Subgradient Methods for Online
    Learning and Stochastic Optimization", JMLR 12.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_implementation_flags(foreach=foreach, fused=fused, differentiable=differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch creates the state up front
            for p in group["params"]:
                self._init_state(p, group)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        _invalid(0.0 <= o["lr_decay"], "lr_decay value", o["lr_decay"])
        _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])
        _invalid(0.0 <= o["initial_accumulator_value"], "initial_accumulator_value value",
                 o["initial_accumulator_value"])
        _invalid(0.0 <= o["eps"], "epsilon value", o["eps"])

    def _init_state(self, p, group):
        state = self.state.setdefault(p, {})
        if not state:
            state["step"] = _scalar_state(0.0)
            state["sum"] = Tensor._make(
                np.full_like(p._data, float(group["initial_accumulator_value"])), p._device)
        return state

    def _update_group(self, group):
        lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._init_state(p, group)
            step = self._advance(state)
            self._apply(_adagrad_kernel, (p._data, p.grad._data, state["sum"]._data), 2,
                        loop=_adagrad_loop,
                        clr=lr / (1.0 + (step - 1.0) * lr_decay), eps=float(group["eps"]),
                        weight_decay=float(group["weight_decay"]),
                        maximize=bool(group["maximize"]))
            p._vc[0] += 1


def _adagrad_kernel(p, g, s, gbuf, tmp, *, clr, eps, weight_decay, maximize):
    g = _effective_grad(p, g, gbuf, weight_decay, maximize)
    np.multiply(g, g, out=tmp)                # s <- s + g^2
    s += tmp
    np.sqrt(s, out=tmp)                       # p <- p - clr * g / (sqrt(s) + eps)
    tmp += eps
    np.divide(g, tmp, out=tmp)
    tmp *= -clr
    p += tmp


def _adagrad_constants(*, clr, eps, weight_decay, maximize):
    """The fused loop's constants, as ``_adagrad_kernel`` computes them."""
    return weight_decay, maximize, eps, -clr


@fused_loop(_adagrad_constants)
def _adagrad_loop(p, g, s, wd, maximize, eps, neg_clr):
    """``_adagrad_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        gi = _grad_at(p[i], g[i], wd, maximize)
        si = s[i] + gi * gi
        s[i] = si
        p[i] = p[i] + gi / (np.sqrt(si) + eps) * neg_clr
