"""Adafactor: Adam-like steps whose second moment of a matrix is stored as a row and a column."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check_implementation_flags, _invalid, _scalar_state


class Adafactor(Optimizer):
    r"""Adafactor: per-coordinate step sizes from a *factored* second moment.

    Adam keeps ``v``, a running mean of ``g^2``, as large as the parameter. For an
    ``n x m`` matrix Adafactor keeps only the running means of ``g^2`` over each row
    (``R``, n numbers) and over each column (``C``, m numbers), and rebuilds ``v`` from
    them as the rank-one matrix ``R C^T / mean(R)``: memory n + m instead of n m.
    A tensor of 3 or more dims is a stack of matrices (its last two dims); a vector
    (or a 0-d tensor) keeps an ordinary running mean ``V``. There is no first moment.

    With ``g`` the gradient at step ``t`` (negated when ``maximize``)::

        beta2_t = 1 - t^beta2_decay                      (t = 1: 0, so R, C, V start at g^2)
        rho_t   = min(lr, 1 / sqrt(t))                   relative step size
        alpha_t = max(eps2, RMS(p)) * rho_t              step size relative to the weights
        p <- p * (1 - lr * weight_decay)                 decoupled weight decay
        matrices:  R <- beta2_t R + (1 - beta2_t) mean_over_columns(g^2)   (shape ..., n, 1)
                   C <- beta2_t C + (1 - beta2_t) mean_over_rows(g^2)      (shape ..., 1, m)
                   v = R C / max(mean(R), eps1)                            (outer product)
        vectors:   V <- beta2_t V + (1 - beta2_t) g^2 ;  v = V
        u = g / sqrt(max(v, eps1^2))
        p <- p - alpha_t * u / max(1, RMS(u) / d)        update clipping at RMS d

    ``RMS(x) = |x|_2 / sqrt(numel)``, and ``alpha_t`` uses the weights *before* the decay.
    ``eps1=None`` means the machine epsilon of the parameter's dtype (the first parameter
    with a gradient in the group decides it for the whole group, as in torch).

    As torch's, this differs from the paper in three ways: ``lr`` caps ``rho_t`` (the paper
    uses the constant 0.01) and scales the weight decay; ``eps1`` is applied to
    ``mean(R)`` and to ``v`` rather than added to ``g^2``; and R, C are means, not sums.

    Args:
        params: iterable of Tensors or of dicts defining parameter groups.
        lr (float): the largest relative step size rho_t; also the weight decay's scale
            (default 1e-2).
        beta2_decay (float): exponent of the schedule of beta2_t, <= 0 (default -0.8).
        eps (Tuple[float or None, float]): (eps1, eps2): the floor of the second moment
            estimate, and of RMS(p) in alpha_t (default (None, 1e-3)).
        d (float): clipping threshold on RMS(u), >= 1 (default 1.0).
        weight_decay (float): decoupled weight decay (default 0).
        foreach: accepted as torch's switch; changes nothing here.
        maximize (bool): ascend instead of descend (default False).

    State per parameter: ``step`` and, for 2 or more dims, ``row_var`` (R, last dim 1) and
    ``col_var`` (C, second-last dim 1); for vectors ``variance`` (V).

    Example::

        opt = deepgrad.optim.Adafactor(model.parameters(), lr=1e-2)

    Reference: Shazeer & Stern (2018), "Adafactor: Adaptive Learning Rates with Sublinear
    Memory Cost", ICML.
    """

    # row_var and col_var are reduced along one dim, so shapes are checked by ``_cast`` here
    _state_matches_params = False

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        _check_implementation_flags(foreach=foreach)
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        _invalid(o["beta2_decay"] <= 0.0, "beta2_decay value (must be <= 0)", o["beta2_decay"])
        eps = o["eps"]
        if not (isinstance(eps, (tuple, list)) and len(eps) == 2):
            raise ValueError(f"Invalid eps: expected a pair (eps1 or None, eps2), got {eps!r}")
        _invalid(eps[0] is None or 0.0 <= eps[0], "epsilon1 value (must be >= 0 or None)",
                 eps[0])
        _invalid(0.0 <= eps[1], "epsilon2 value (must be >= 0)", eps[1])
        _invalid(1.0 <= o["d"], "clipping threshold d (must be >= 1)", o["d"])
        _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])

    def _update_group(self, group):
        lr, wd, d = float(group["lr"]), float(group["weight_decay"]), float(group["d"])
        beta2_decay, maximize = float(group["beta2_decay"]), bool(group["maximize"])
        eps1, eps2 = group["eps"]
        for p in group["params"]:
            if p.grad is None:
                continue
            if eps1 is None:  # decided once per group, by its first parameter with a gradient
                eps1 = float(np.finfo(p._data.dtype).eps)
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = _scalar_state(0.0)
                shape = p.grad._data.shape
                for name in ("row_var", "col_var") if len(shape) > 1 else ("variance",):
                    state[name] = Tensor._make(
                        np.zeros_like(p.grad._data, shape=_state_shape(shape, name)), p._device)
            t = self._advance(state)
            rho = min(lr, 1.0 / t ** 0.5)
            # alpha and clip stay 0-d float64 arrays (on p's device: no host sync per step)
            alpha = np.maximum(float(eps2), _rms(p._data)) * rho
            if wd != 0:
                p._data *= 1.0 - lr * wd
            u = _scaled_gradient(p.grad._data, state, t ** beta2_decay, float(eps1))
            clip = np.maximum(1.0, _rms(u) / d)
            step = (alpha if maximize else -alpha) / clip  # -g's u is -u: flip the step's sign
            u *= step.astype(u.dtype)  # rounded to u's dtype first, as a Python float would be
            p._data += u
            p._vc[0] += 1

    def _cast(self, p, name, value):
        """Check a loaded state's shape against its parameter's, then copy and cast it."""
        expected = _state_shape(p._data.shape, name)
        if name != "step" and isinstance(value, Tensor) and value._data.shape != expected:
            raise ValueError(f"loaded state {name!r} has shape {tuple(value._data.shape)}, "
                             f"but a parameter of shape {tuple(p._data.shape)} needs {expected}")
        return super()._cast(p, name, value)


def _state_shape(shape, name):
    """The shape of state ``name`` for a gradient of ``shape``."""
    shape = tuple(shape)
    if name == "row_var":  # a mean over the last dim (the columns) of each row
        return shape[:-1] + (1,)
    if name == "col_var":  # a mean over the second-last dim (the rows) of each column
        return shape[:-2] + (1,) + shape[-1:]
    return shape


def _rms(x):
    """Root mean square of all the elements, a 0-d float64 array on x's device."""
    return np.linalg.norm(x.reshape(-1)).astype(np.float64) / x.size ** 0.5


def _lerp_(start, end, weight, scratch):
    """``start <- start + weight (end - start)`` in place, rounded as torch's ``lerp``.

    Torch computes ``end - (end - start)(1 - weight)`` when ``|weight| >= 0.5``, which
    is exact at ``weight = 1``. ``scratch`` (same shape) may be ``end`` itself, which is
    then overwritten; the second form needs no scratch.
    """
    if abs(weight) < 0.5:
        np.subtract(end, start, out=scratch)
        scratch *= weight
        start += scratch
    else:
        start -= end
        start *= 1.0 - weight
        start += end


def _scaled_gradient(g, state, one_minus_beta2, eps1):
    """Update the second moment in ``state`` with ``g`` and return a new array
    ``u = g / sqrt(max(v, eps1^2))`` (the gradient's sign is the caller's business)."""
    u = np.empty_like(g)
    if g.ndim > 1:
        r, c = state["row_var"]._data, state["col_var"]._data
        # mean of g^2 over each row and each column, without an array of g^2
        row_mean = np.einsum("...ij,...ij->...i", g, g)[..., None]
        row_mean /= g.shape[-1]
        col_mean = np.einsum("...ij,...ij->...j", g, g)[..., None, :]
        col_mean /= g.shape[-2]
        _lerp_(r, row_mean, one_minus_beta2, row_mean)
        _lerp_(c, col_mean, one_minus_beta2, col_mean)
        np.multiply(r, c, out=u)                           # R C^T: the outer product
        u /= np.maximum(r.mean(axis=-2, keepdims=True), eps1)
    else:
        v = state["variance"]._data
        np.multiply(g, g, out=u)
        _lerp_(v, u, one_minus_beta2, u)
        np.copyto(u, v)
    np.maximum(u, eps1 * eps1, out=u)
    np.sqrt(u, out=u)
    np.divide(g, u, out=u)
    return u

