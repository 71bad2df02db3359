"""ASGD: averaged stochastic gradient descent (Polyak-Ruppert averaging)."""
import numpy as np

from ._fused import fused_loop
from .optimizer import Optimizer, _check_implementation_flags, _effective_grad, _grad_at, _invalid


class ASGD(Optimizer):
    r"""ASGD: SGD with a decaying step size, plus a running average of the iterates.

    The iterates of SGD with a noisy gradient jump around the minimum; their average
    is a much better estimate of it (Polyak & Juditsky 1992). ASGD runs SGD as usual
    and keeps that average, ``ax``, on the side: the parameters themselves follow
    plain SGD, and ``optimizer.state[p]["ax"]`` holds the averaged weights (copy them
    into the model for evaluation). With ``eta`` and ``mu`` scalars kept per parameter
    (``eta_1 = lr``, ``mu_1 = 1``), step ``t`` is::

        g_t <- -g_t if maximize;   g_t <- g_t + weight_decay * p     (L2)
        p <- p * (1 - lambd * eta_t) - eta_t * g_t
        ax <- ax + mu_t * (p - ax)        (ax <- p while mu_t = 1)
        eta_{t+1} = lr / (1 + lambd * lr * t)^alpha
        mu_{t+1} = 1 / max(1, t - t0)

    The step size ``eta`` decays like ``t^-alpha`` (``lambd`` sets how soon); ``lambd``
    also shrinks the weights a little at each step. Averaging starts only after ``t0``
    steps: until then ``mu = 1`` and ``ax`` just copies ``p`` (the early iterates are
    far from the minimum and would spoil the average); from then on ``ax`` is the
    mean of the iterates since ``t0``. Note the default ``t0=1e6``: no averaging in a
    short run.

    ``eta`` and ``mu`` are computed in Python at each step and stored, as torch does,
    as 0-d tensors of the default float dtype; the update of the arrays is written
    twice below: as in-place NumPy calls (``_asgd_kernel``) and as one loop over the
    elements (``_asgd_loop``), compiled when numba is installed.

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-2).
        lambd (float): decay term (default 1e-4).
        alpha (float): power of the step-size decay (default 0.75).
        t0 (float): the step after which averaging starts (default 1e6).
        weight_decay (float): L2 penalty (default 0).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``eta``, ``mu`` (0-d) and ``ax`` (the average).

    Example::

        opt = deepgrad.optim.ASGD(model.parameters(), lr=1e-2, t0=1000)

    References: Polyak & Juditsky (1992), "Acceleration of Stochastic Approximation by
    Averaging", SIAM J. Control and Optimization 30(4); Bottou (2012), "Stochastic
    Gradient Descent Tricks", Neural Networks: Tricks of the Trade.
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_implementation_flags(foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])

    def _update_group(self, group):
        lr, lambd = float(group["lr"]), float(group["lambd"])
        alpha, t0 = float(group["alpha"]), float(group["t0"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "ax", eta=lr, mu=1.0)
            step = self._advance(state)
            eta, mu = float(state["eta"]._data), float(state["mu"]._data)
            self._apply(_asgd_kernel, (p._data, p.grad._data, state["ax"]._data), 2,
                        loop=_asgd_loop, decay=1.0 - lambd * eta, neg_eta=-eta, mu=mu,
                        weight_decay=float(group["weight_decay"]),
                        maximize=bool(group["maximize"]))
            p._vc[0] += 1
            # the next step's scalars (rounded to the state's dtype when stored)
            state["eta"]._data[...] = lr / (1.0 + lambd * lr * step) ** alpha
            state["mu"]._data[...] = 1.0 / max(1.0, step - t0)


def _asgd_kernel(p, g, ax, gbuf, tmp, *, decay, neg_eta, mu, weight_decay, maximize):
    g = _effective_grad(p, g, gbuf, weight_decay, maximize)  # with p before the decay
    p *= decay                                # p <- p (1 - lambd eta) - eta g
    np.multiply(g, neg_eta, out=tmp)
    p += tmp
    if mu != 1.0:                             # ax <- ax + mu (p - ax)
        np.subtract(p, ax, out=tmp)
        tmp *= mu
        ax += tmp
    else:                                     # not averaging yet: ax <- p
        np.copyto(ax, p)


def _asgd_constants(*, decay, neg_eta, mu, weight_decay, maximize):
    """The fused loop's constants, as ``_asgd_kernel`` computes them."""
    return weight_decay, maximize, decay, neg_eta, mu, mu != 1.0


@fused_loop(_asgd_constants)
def _asgd_loop(p, g, ax, wd, maximize, decay, neg_eta, mu, averaging):
    """``_asgd_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        gi = _grad_at(p[i], g[i], wd, maximize)
        pi = p[i] * decay + gi * neg_eta
        p[i] = pi
        ax[i] = ax[i] + (pi - ax[i]) * mu if averaging else pi
