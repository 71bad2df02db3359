"""Stochastic gradient descent, with momentum and Nesterov's accelerated gradient."""
import numpy as np

from ..ops._util import scalar_array
from ..tensor import Tensor
from . import _blas
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

    Speed and memory: a large parameter (``optim/_blas.py``'s ``MIN_SIZE``, 16,384
    elements) of float32 or float64, C-contiguous like its gradient, is updated by NumPy's
    own BLAS (OpenBLAS, no new dependency): plain SGD as one ``axpy`` (``p <- -lr * g + p``),
    heavy-ball momentum without dampening or weight decay as ``axpby`` (``b <- g + momentum
    * b``) then ``axpy`` (``p <- -lr * b + p``). ``axpy`` runs on OpenBLAS's threads, already
    awake after the backward pass's matrix products, in one pass: for an MLP 784-512-256-10
    (2 threads) ``opt.step()`` went from ~330 to ~140 us, the training step from ~2400 to
    ~2150 us. With fused multiply-add it rounds once, as torch's ``add_(g, alpha=-lr)``
    does, where the NumPy kernel rounds twice: the two differ in the last bit.
    ``DEEPGRAD_BLAS_UPDATES=0`` turns BLAS off.

    Everything else runs as NumPy ufuncs over cache-sized blocks, or as one compiled
    loop (same bits) once numba has been imported, by the program or by deepgrad's other
    compiled kernels. SGD does not import numba itself: the loop saves ~0.4 ns per
    parameter per step, which never pays for numba's ~130 MiB on its own
    (``optim/_fused.py``). ``import numba`` first to use it for a large model. With momentum
    the loop's single pass runs as fast as BLAS's (OpenBLAS runs ``axpby`` on one thread),
    so where the loop is compiled it keeps the momentum rule.

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
            if params:
                params = _blas_plain_steps(params, group)
            if not params:
                return
        scalars = _scalars(group)
        momentum = scalars["momentum"]
        blas = _blas_for_momentum(scalars)
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
            if (blas is not None and not first
                    and _blas_momentum_step(blas, p._data, p.grad._data, buf, scalars)):
                p._vc[0] += 1
                continue
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


def _blas_plain_steps(params, group):
    """``p <- p - lr * g`` as one BLAS ``axpy(-lr, g, p)`` for each parameter of at least
    ``_blas.MIN_SIZE`` elements that NumPy's BLAS can take (``_blas.py``: on OpenBLAS's
    threads, one pass, one rounding as torch's ``add_(g, alpha=-lr)``). Returns the
    parameters left to the runner."""
    blas = _blas.level1()
    if blas is None:
        return params
    rest = []
    neg_lr = -float(group["lr"])
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        data, g = p._data, grad._data
        if data.size >= _blas.MIN_SIZE and blas.takes(data, g):
            blas.axpy(neg_lr, g, data)
            p._vc[0] += 1
        else:
            rest.append(p)
    return rest


def _blas_for_momentum(scalars):
    """NumPy's BLAS when the group's rule is heavy-ball momentum as BLAS computes it (no
    dampening, weight decay, Nesterov or maximize), else None."""
    if (scalars["momentum"] == 0 or scalars["dampening"] != 0 or scalars["weight_decay"] != 0
            or scalars["nesterov"] or scalars["maximize"]):
        return None
    return _blas.level1()


def _blas_momentum_step(blas, p, g, b, scalars):
    """``b <- momentum * b + g`` as ``axpby(1, g, momentum, b)``, then ``p <- p - lr * b``
    as ``axpy(-lr, b, p)``, for large arrays BLAS takes, unless the compiled loop can run.
    Returns whether it updated them.

    OpenBLAS runs ``axpby`` on one thread (``axpy`` on all): for an MLP 784-512-256-10
    (2 threads) the two calls take ``opt.step()`` from ~570 to ~380 us against the NumPy
    kernel's four passes, and the training step from ~2850 to ~2450 us, but only tie with
    the compiled loop's single pass (~350-400 us either way), which is left to run."""
    if p.size < _blas.MIN_SIZE or not blas.has_axpby(p.dtype) or not blas.takes(p, g, b) \
            or np.may_share_memory(g, b):
        return False
    if _sgd_loop.kernel((p, g, b), {"first": False, **scalars}) is not None:
        return False
    blas.axpby(1.0, g, scalars["momentum"], b)
    blas.axpy(-scalars["lr"], b, p)
    return True


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
