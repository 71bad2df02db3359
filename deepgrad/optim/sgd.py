"""Stochastic gradient descent, with momentum and Nesterov's accelerated gradient."""
import numpy as np

from ..ops._util import scalar_array
from ..tensor import Tensor
from ._fused import fused_loop
from ._updates import SMALL
from .optimizer import Optimizer, _check_implementation_flags, _effective_grad, _grad_at, _invalid


class SGD(Optimizer):
    r"""Gradient descent with optional (heavy-ball or Nesterov) momentum.

    Plain gradient descent steps against the gradient of the loss ``f``::

        p <- p - lr * g,        g = grad f(p) + weight_decay * p

    Whether this is *batch*, *stochastic* or *mini-batch* gradient descent depends
    only on how many examples the loss that produced ``g`` averaged over (the whole
    set, one example, or a mini-batch of m); see ``examples/gradient_descent_variants.py``.

    **Momentum** (Polyak's heavy ball). The textbook form keeps a velocity ``v``::

        v <- gamma * v + lr * g
        p <- p - v

    torch (and deepgrad) keep the velocity *without* the learning rate, ``b = v / lr``::

        b <- momentum * b + (1 - dampening) * g      (b = g on the first step)
        p <- p - lr * b

    With a constant learning rate and ``dampening=0`` both give the same iterates
    (``gamma = momentum``); torch's form keeps ``b`` meaningful when a scheduler
    changes ``lr``.

    **Nesterov momentum** (NAG) evaluates the gradient at the look-ahead point::

        v <- gamma * v + lr * grad f(p - gamma * v)
        p <- p - v

    Substituting the look-ahead point ``p' = p - gamma * v`` as the stored variable
    (Sutskever et al. 2013) turns this into an update that only needs the gradient at
    the stored point, which is what is implemented::

        b <- momentum * b + g
        p <- p - lr * (g + momentum * b)

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-3).
        momentum (float): momentum factor (default 0).
        dampening (float): dampening of the gradient added to the momentum (default 0).
        weight_decay (float): L2 penalty coefficient (default 0).
        nesterov (bool): Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``momentum_buffer`` (only when ``momentum != 0``).

    Speed and memory: the update runs as NumPy ufuncs over cache-sized blocks, or as one
    compiled loop (same bits) once numba has been imported, by the program or by
    deepgrad's other compiled kernels. SGD does not import numba itself: the loop saves
    ~0.4 ns per parameter per step, which never pays for numba's ~130 MiB on its own
    (``optim/_fused.py``). ``import numba`` first to use it for a large model.

    Example::

        opt = deepgrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()

    References: Polyak (1964), "Some methods of speeding up the convergence of iteration
    methods"; Nesterov (1983); Sutskever, Martens, Dahl, Hinton (2013), "On the importance
    of initialization and momentum in deep learning", ICML.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_implementation_flags(foreach=foreach, fused=fused, differentiable=differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        _invalid(0.0 <= o["momentum"], "momentum value", o["momentum"])
        _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])
        if o["nesterov"] and (o["momentum"] <= 0 or o["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             f"(got momentum={o['momentum']}, dampening={o['dampening']})")

    def _update_group(self, group):
        params = group["params"]
        if group["momentum"] == 0 and group["weight_decay"] == 0 and not group["maximize"]:
            params = _plain_steps(params, group)  # what the plain loop left to the runner
            if not params:
                return
        scalars = _scalars(group)
        momentum = scalars["momentum"]
        for p in params:
            if p.grad is None:
                continue
            first = False
            buf = None
            if momentum != 0:
                state = self.state.setdefault(p, {})
                if state.get("momentum_buffer") is None:
                    state["momentum_buffer"] = Tensor._make(np.empty_like(p._data), p._device)
                    first = True
                buf = state["momentum_buffer"]._data
            self._apply(_sgd_kernel, (p._data, p.grad._data, buf), 2, loop=_sgd_loop, first=first,
                        **scalars)
            p._vc[0] += 1


def _scalars(group):
    """The group's hyperparameters as the update kernels take them (a dict literal: the
    ``dict()`` call with keywords costs twice as much)."""
    return {"lr": float(group["lr"]), "momentum": float(group["momentum"]),
            "dampening": float(group["dampening"]), "weight_decay": float(group["weight_decay"]),
            "nesterov": bool(group["nesterov"]), "maximize": bool(group["maximize"])}


def _plain_steps(params, group):
    """``p <- p - lr * g`` for each small NumPy parameter, without the general runner: the
    plain rule's whole cost at a small model is Python calls, not arithmetic. The same
    two NumPy operations as ``_sgd_kernel`` (``tmp = g * -lr; p += tmp``), so the same
    numbers. Returns the parameters left to the runner: large or non-NumPy ones, a
    gradient of another dtype, or any the compiled loop can take."""
    rest = []
    loop_scalars = None
    neg_lr = None  # -lr as a 0-d array of the parameters' dtype: g * neg_lr is g * -lr
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        data, g = p._data, grad._data
        dtype = data.dtype
        if type(data) is not np.ndarray or data.size > SMALL or g.dtype != dtype:
            rest.append(p)
            continue
        if neg_lr is None or neg_lr.dtype != dtype:
            # whether the compiled loop takes these arrays, asked once per dtype met (it
            # also needs contiguous arrays: a later parameter may run on NumPy instead,
            # with the same numbers)
            if loop_scalars is None:  # as _apply hands them to the loop
                loop_scalars = {"first": False, **_scalars(group)}
            if _sgd_loop.kernel((data, g, None), loop_scalars) is not None:
                rest.append(p)
                continue
            neg_lr = scalar_array(-loop_scalars["lr"], dtype)
        data += np.multiply(g, neg_lr)
        p._vc[0] += 1
    return rest


def _sgd_kernel(p, g, b, gbuf, tmp, *, lr, momentum, dampening, weight_decay, nesterov,
                maximize, first):
    g = _effective_grad(p, g, gbuf, weight_decay, maximize)
    if momentum != 0:
        if first:
            np.copyto(b, g)
        else:
            b *= momentum                      # b <- momentum * b + (1 - dampening) * g
            if dampening != 0:
                np.multiply(g, 1.0 - dampening, out=tmp)
                b += tmp
            else:
                b += g
        if nesterov:
            np.multiply(b, momentum, out=tmp)  # look-ahead: g + momentum * b
            tmp += g
            g = tmp
        else:
            g = b
    np.multiply(g, -lr, out=tmp)               # p <- p - lr * g
    p += tmp


def _sgd_constants(*, lr, momentum, dampening, weight_decay, nesterov, maximize, first):
    """The fused loop's constants, as ``_sgd_kernel`` computes them."""
    return (weight_decay, maximize, momentum, 1.0 - dampening, dampening != 0, nesterov,
            first, -lr)


# A few passes only: compiled only once numba is loaded anyway (``_fused.py``'s policy)
@fused_loop(_sgd_constants, loads_numba=False)
def _sgd_loop(p, g, b, wd, maximize, momentum, keep, damped, nesterov, first, neg_lr):
    """``_sgd_kernel`` element by element: the same operations in the same order."""
    for i in range(p.size):
        gi = _grad_at(p[i], g[i], wd, maximize)
        if b is not None:  # momentum
            if first:
                bi = gi
            elif damped:
                bi = b[i] * momentum + gi * keep
            else:
                bi = b[i] * momentum + gi
            b[i] = bi
            gi = bi * momentum + gi if nesterov else bi
        p[i] = p[i] + gi * neg_lr
