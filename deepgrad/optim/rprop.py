"""Rprop: resilient backpropagation, steps of a learned size in the gradient's sign direction."""
import numpy as np

from ..tensor import Tensor
from ._fused import fused_loop
from .optimizer import Optimizer, _check_implementation_flags, _invalid


class Rprop(Optimizer):
    r"""Rprop: each coordinate keeps its own step size and moves by it against the gradient's sign.

    Only the *sign* of the gradient is used, never its size. Every coordinate ``i`` has a
    step size ``s_i`` (``lr`` at the start), which grows while the gradient keeps its
    sign and shrinks when the sign flips (the last step jumped over a minimum)::

        g_t <- -g_t if maximize
        if g_t * g_prev > 0:   s_t = min(s_{t-1} * eta_plus, step_max)    same sign: speed up
        if g_t * g_prev < 0:   s_t = max(s_{t-1} * eta_minus, step_min)   flipped: slow down
                               g_t <- 0      (no move now; the next step starts afresh)
        if g_t * g_prev = 0:   s_t = s_{t-1}  (first step, or after a flip)
        p <- p - sign(g_t) * s_t
        g_prev <- g_t

    with ``(eta_minus, eta_plus) = etas`` and ``(step_min, step_max) = step_sizes``.
    ``lr`` is only the initial step size: changing it later (a scheduler) has no effect
    on parameters that already have state. Rprop is meant for full-batch training: the
    sign of a noisy mini-batch gradient flips too often for the step sizes to adapt.

    ``sign`` is torch's: 0 for a NaN, so a NaN gradient leaves its coordinate (and step
    size) where it is, as in torch (NumPy's ``np.sign`` would give NaN). The rule is
    written twice below: as in-place NumPy calls (``_rprop_kernel``) and as one loop
    over the elements (``_rprop_loop``), compiled when numba is installed; both give
    the same bits.

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): initial step size (default 1e-2).
        etas (Tuple[float, float]): (eta_minus, eta_plus), the factors by which a step
            size shrinks and grows; 0 < eta_minus < 1 < eta_plus (default (0.5, 1.2)).
        step_sizes (Tuple[float, float]): the smallest and the largest step size
            (default (1e-6, 50)).
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step``, ``prev`` (the gradient used at the last step, zeroed
    where its sign flipped) and ``step_size``.

    Example::

        opt = deepgrad.optim.Rprop(model.parameters(), lr=1e-2)

    Reference: Riedmiller & Braun (1993), "A Direct Adaptive Method for Faster
    Backpropagation Learning: The RPROP Algorithm", IEEE International Conference on
    Neural Networks.
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_implementation_flags(foreach=foreach, capturable=capturable,
                                    differentiable=differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        etaminus, etaplus = o["etas"]
        _invalid(0.0 < etaminus < 1.0 < etaplus, "eta values", f"{etaminus}, {etaplus}")

    def _update_group(self, group):
        etaminus, etaplus = (float(e) for e in group["etas"])
        step_min, step_max = (float(s) for s in group["step_sizes"])
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._state_of(p, "prev")
            if "step_size" not in state:  # every coordinate starts with a step of lr
                state["step_size"] = Tensor._make(np.full_like(p._data, float(group["lr"])),
                                                  p._device)
            self._advance(state)
            self._apply(_rprop_kernel, (p._data, p.grad._data, state["prev"]._data,
                                        state["step_size"]._data), 2, loop=_rprop_loop,
                        etaminus=etaminus, etaplus=etaplus, step_min=step_min,
                        step_max=step_max, maximize=bool(group["maximize"]))
            p._vc[0] += 1


def _rprop_kernel(p, g, prev, s, gbuf, tmp, *, etaminus, etaplus, step_min, step_max,
                  maximize):
    if maximize:                              # a copy of the gradient: it gets zeroed below
        np.negative(g, out=gbuf)
    else:
        np.copyto(gbuf, g)
    g = gbuf
    np.multiply(g, prev, out=tmp)             # its sign: did the gradient keep its sign?
    same, flipped = tmp > 0, tmp < 0          # (a NaN product is neither, as torch's sign 0)
    tmp.fill(1.0)                             # s <- s * (eta_plus, eta_minus or 1)
    np.copyto(tmp, etaplus, where=same)
    np.copyto(tmp, etaminus, where=flipped)
    s *= tmp
    np.maximum(s, step_min, out=s)            # s <- clamp(s, step_min, step_max)
    np.minimum(s, step_max, out=s)
    np.copyto(g, 0.0, where=flipped)          # after a flip: no move, and g_prev = 0
    np.copyto(prev, g)
    np.sign(g, out=tmp)                       # p <- p - sign(g) * s
    np.copyto(tmp, 0.0, where=np.isnan(tmp))  # torch's sign(NaN) is 0, NumPy's NaN
    tmp *= s
    p -= tmp


def _rprop_constants(*, etaminus, etaplus, step_min, step_max, maximize):
    """The fused loop's constants: the kernel's, and 0 and 1 in the arrays' dtype."""
    return maximize, etaminus, etaplus, step_min, step_max, 0.0, 1.0


@fused_loop(_rprop_constants)
def _rprop_loop(p, g, prev, s, maximize, etaminus, etaplus, step_min, step_max, zero, one):
    """``_rprop_kernel`` element by element: the same operations in the same order.

    ``zero`` and ``one`` come in the arrays' dtype, so that float32 stays float32.
    """
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        d = gi * prev[i]
        si = s[i]
        if d > 0:
            si = si * etaplus
        elif d < 0:
            si = si * etaminus
            gi = zero
        if not (si >= step_min or si != si):  # np.maximum: a NaN step size stays NaN
            si = step_min
        if not (si <= step_max or si != si):  # np.minimum, likewise
            si = step_max
        s[i] = si
        prev[i] = gi
        sign = one if gi > 0 else (-one if gi < 0 else zero)  # NaN -> 0, as torch
        p[i] = p[i] - sign * si
