"""Muon: momentum whose update matrix is orthogonalised by a Newton-Schulz iteration."""
import math

import numpy as np

from ..tensor import Tensor
from .adafactor import _lerp_
from .optimizer import Optimizer, _invalid

ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


class Muon(Optimizer):
    r"""Muon (MomentUm Orthogonalized by Newton-Schulz), for 2-D weight matrices.

    SGD with momentum, except that the update matrix ``M`` is replaced by the nearest
    (semi-)orthogonal matrix, ``U V^T`` for the SVD ``M = U S V^T``: every direction of the
    update gets the same size, so the rare directions are not drowned by the dominant
    ones. ``U V^T`` is approximated by a few steps of an odd polynomial iteration instead
    of an SVD. With ``g`` the gradient and ``mu`` the momentum::

        B <- mu B + (1 - mu) g                    momentum buffer (an average: lerp)
        M = (1 - mu) g + mu B   if nesterov,  else  M = B
        O = NS(M)                                 orthogonalised update
        p <- p * (1 - lr * weight_decay)          decoupled weight decay (with lr itself)
        p <- p - lr' * O

    ``NS`` (Newton-Schulz), with coefficients ``(a, b, c)`` and ``ns_steps`` iterations::

        X = M / max(|M|_F, eps)                   all singular values now <= 1
        repeat ns_steps times:  A = X X^T ;  X <- a X + (b A + c A A) X

    Each iteration maps every singular value ``s`` of X to ``a s + b s^3 + c s^5``; the
    default coefficients push all of them quickly into roughly [0.7, 1.2] (not exactly
    to 1, which would take more steps and does not help training). A tall M is
    transposed first, so that ``A`` is the smaller Gram matrix.

    As in torch (and the reference implementation) the iteration runs in **bfloat16**,
    which is accurate enough for this job. deepgrad has no bfloat16 dtype, so it keeps
    the values in float32 arrays rounded to bfloat16 (round to nearest, ties to even)
    after each operation, as torch rounds each bfloat16 operation computed in float32.
    ``O`` therefore holds bfloat16 values whatever the parameter's dtype.

    ``lr'`` makes the update's size comparable across shapes (A x B = p.shape):
    ``adjust_lr_fn=None`` or ``"original"``: ``lr * sqrt(max(1, A / B))`` (Keller Jordan);
    ``"match_rms_adamw"``: ``lr * 0.2 * sqrt(max(A, B))``, an update with the RMS of
    AdamW's, so AdamW's lr and weight decay can be reused (Liu et al. 2025).

    Muon is for the matrices of hidden layers: give biases, gains, embeddings and the
    output layer to another optimiser (e.g. AdamW). Parameters must be 2-D.

    Args:
        params: iterable of 2-D Tensors or of dicts defining parameter groups.
        lr (float): learning rate (default 1e-3).
        weight_decay (float): decoupled weight decay (default 0.1).
        momentum (float): momentum factor mu (default 0.95).
        nesterov (bool): use the Nesterov form of M (default True).
        ns_coefficients (Tuple[float, float, float]): (a, b, c) (default
            (3.4445, -4.775, 2.0315)).
        eps (float): floor of |M|_F in the normalisation (default 1e-7).
        ns_steps (int): Newton-Schulz iterations, 0 to 99 (default 5).
        adjust_lr_fn (str or None): None, "original" or "match_rms_adamw" (default None).

    State per parameter: ``momentum_buffer`` (B); no step count.

    Example::

        hidden = [p for p in model.parameters() if p.ndim == 2]
        opt = deepgrad.optim.Muon(hidden, lr=0.02, momentum=0.95)

    References: Keller Jordan et al. (2024), "Muon: An optimizer for hidden layers in
    neural networks", blog post and code (github.com/KellerJordan/Muon); Liu et al. (2025),
    "Muon is Scalable for LLM Training", arXiv:2502.16982.
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5,
                 adjust_lr_fn=None):
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                        adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)

    def _validate(self, o):
        _invalid(0.0 <= o["lr"], "learning rate", o["lr"])
        _invalid(0.0 <= o["momentum"], "momentum value", o["momentum"])
        _invalid(0.0 <= o["weight_decay"], "weight_decay value", o["weight_decay"])
        _invalid(o["adjust_lr_fn"] in ADJUST_LR_FNS,
                 "adjust_lr_fn (expected None, 'original' or 'match_rms_adamw')",
                 o["adjust_lr_fn"])
        coefficients = o["ns_coefficients"]
        _invalid(isinstance(coefficients, (tuple, list)) and len(coefficients) == 3,
                 "ns_coefficients (expected 3 numbers a, b, c)", coefficients)
        steps = o["ns_steps"]
        _invalid(isinstance(steps, int) and 0 <= steps < 100, "ns_steps (expected 0 to 99)",
                 steps)
        for p in o.get("params", ()):
            if p.ndim != 2:
                raise ValueError("Muon only supports 2-D parameters, but got a parameter of "
                                 f"shape {tuple(p.shape)}; optimise it with e.g. AdamW")

    def _update_group(self, group):
        lr, wd, mu = float(group["lr"]), float(group["weight_decay"]), float(group["momentum"])
        coefficients = tuple(float(x) for x in group["ns_coefficients"])
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            if g.ndim != 2:
                raise ValueError(f"Muon needs 2-D gradients, got shape {tuple(g.shape)}")
            state = self.state.setdefault(p, {})
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = Tensor._make(np.zeros_like(g), p._device)
            buf = state["momentum_buffer"]._data
            scratch = np.empty_like(g)
            _lerp_(buf, g, 1.0 - mu, scratch)            # B <- B + (1 - mu)(g - B)
            m = buf
            if group["nesterov"]:                         # M = g + mu (B - g)
                np.copyto(scratch, g)
                _lerp_(scratch, buf, mu, np.empty_like(g) if abs(mu) < 0.5 else None)
                m = scratch
            o = newton_schulz(m, coefficients, group["ns_steps"], float(group["eps"]))
            if wd != 0:
                p._data *= 1.0 - lr * wd
            # -lr' O in the parameter's dtype (a float64 step from the bfloat16 values)
            np.multiply(o, -_adjusted_lr(lr, group["adjust_lr_fn"], p._data.shape),
                        out=scratch, dtype=scratch.dtype)
            p._data += scratch
            p._vc[0] += 1


def _adjusted_lr(lr, adjust_lr_fn, shape):
    """The learning rate scaled for a weight of ``shape`` (A, B), by ``adjust_lr_fn``."""
    a, b = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1.0, a / b))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(a, b))
    return lr


def round_to_bfloat16_(x):
    """Round a float32 array in place to the nearest bfloat16 value (ties to even).

    bfloat16 is float32 with the 16 low bits of the significand dropped: add half of
    the dropped range (0x7FFF, plus 1 if the kept part is odd, for ties to even) to the
    bits, then clear the low 16. NaNs stay NaN; overflow rounds to inf. Returns ``x``.
    """
    nan = np.isnan(x)
    bits = x.view(np.uint32)
    carry = np.right_shift(bits, 16)
    carry &= 1
    carry += 0x7FFF
    bits += carry
    bits &= 0xFFFF0000
    np.copyto(x, np.nan, where=nan)   # no data-dependent branch: no device-to-host sync
    return x


def _bf16_scalar(s):
    """A number rounded to bfloat16, as a float32 array of shape (1,) (NumPy or CuPy)."""
    return round_to_bfloat16_(np.reshape(s, (1,)).astype(np.float32))


def _add_scaled(acc, c, beta):
    """``beta * c + acc`` rounded once to float32, as a fused multiply-add computes it.

    In ``X <- a X + P X`` the two terms nearly cancel, so rounding ``a X`` before the
    sum would lose the small result's low bits (torch's kernels use an FMA here). The
    product of a float32 and a bfloat16 value is exact in float64, so a float64 sum
    rounded to float32 gives the FMA's number.
    """
    out = c.astype(np.float64)
    out *= float(np.float32(beta))
    out += acc
    return out.astype(np.float32)


def newton_schulz(m, coefficients, steps, eps):
    """``NS(M)`` in bfloat16 arithmetic: a float32 array of bfloat16 values, shaped as ``m``.

    Each operation computes in float32 and rounds its result to bfloat16 once, as
    torch's bfloat16 ops do; ``m`` itself (float32 or float64) is not changed.
    """
    a, b, c = coefficients
    x = round_to_bfloat16_(m.astype(np.float32))  # float64 -> float32 -> bfloat16, as torch
    tall = x.shape[0] > x.shape[1]
    if tall:
        x = x.T                                   # make X X^T the smaller Gram matrix
    norm = _bf16_scalar(np.maximum(_bf16_scalar(np.sqrt(np.vdot(x, x))), np.float32(eps)))
    x = round_to_bfloat16_(x / norm)
    for _ in range(steps):
        gram = round_to_bfloat16_(x @ x.T)                        # A = X X^T
        poly = gram @ gram                                        # P = b A + c A A
        poly *= c
        poly = round_to_bfloat16_(_add_scaled(poly, gram, b))
        x = round_to_bfloat16_(_add_scaled(poly @ x, x, a))       # X <- a X + P X
    return x.T if tall else x
