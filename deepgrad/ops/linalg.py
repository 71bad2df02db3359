"""Matrix products: matmul (all of PyTorch's cases), mm, bmm, mv, dot, outer, einsum.

For C = A @ B over the last two dims (leading dims broadcast):

    dA = dC @ B^T        dB = A^T @ dC

each summed back over broadcast batch dims. 1-D operands are promoted to
matrices (a row for the left, a column for the right) and the added dim is
removed from the result, exactly as NumPy and PyTorch define matmul.
"""
import numpy as np

from ..autograd.function import ArrayFunction
from ..backend import as_array
from .arithmetic import sum_to, sum_to_array
from .shape import reshape, transpose, unsqueeze, squeeze
from . import shape as _shape
from ._util import blas_2d, broadcast_shapes, row_major


class Matmul(ArrayFunction):
    """Batched matrix product of two tensors with at least 2 dims each.

    ``ta``/``tb`` multiply by the transpose of an operand without a separate
    transpose op (the backward formulas need A^T and B^T).
    """

    def forward(self, a, b, ta=False, tb=False):
        self.ta, self.tb = ta, tb
        return _matmul_arrays(a, b, ta, tb)

    def backward(self, g):
        # C = op(A) op(B) with op = identity or transpose:
        #   d op(A) = G op(B)^T,  d op(B) = op(A)^T G, then undo op on each.
        a, b = self.inputs
        ta, tb = self.ta, self.tb
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = (Matmul.apply(b, g, ta=tb, tb=True) if ta else
                  Matmul.apply(g, b, ta=False, tb=not tb))
            if ga._data.shape != a._data.shape:
                ga = sum_to(ga, a.shape)
        if self.needs_input_grad[1]:
            gb = (Matmul.apply(g, a, ta=True, tb=ta) if tb else
                  Matmul.apply(a, g, ta=not ta, tb=False))
            if gb._data.shape != b._data.shape:
                gb = sum_to(gb, b.shape)
        return ga, gb

    def backward_arrays(self, g):
        """``backward`` on raw arrays (the same products, no nodes)."""
        a, b = self.inputs[0]._data, self.inputs[1]._data
        ta, tb = self.ta, self.tb
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = _matmul_arrays(b, g, tb, True) if ta else _matmul_arrays(g, b, False, not tb)
            if ga.shape != a.shape:  # a was broadcast over batch dims
                ga = sum_to_array(ga, a.shape)
        if self.needs_input_grad[1]:
            gb = _matmul_arrays(g, a, True, ta) if tb else _matmul_arrays(a, g, not ta, False)
            if gb.shape != b.shape:
                gb = sum_to_array(gb, b.shape)
        return ga, gb


def _matmul_arrays(a, b, ta, tb):
    """op(a) @ op(b), op = transpose of the last two dims when ``ta``/``tb`` is set."""
    if blas_2d(a, b):  # matrices: np.dot, the same BLAS call with less dispatch
        return np.dot(a.T if ta else a, b.T if tb else b)
    if ta:
        a = a.swapaxes(-1, -2)
    if tb:
        b = b.swapaxes(-1, -2)
    return a @ b


def _shape_error(a, b):
    sa, sb = a._data.shape, b._data.shape
    if len(sa) <= 2 and len(sb) <= 2:
        fa = "x".join(map(str, sa if len(sa) == 2 else (1,) + sa))
        fb = "x".join(map(str, sb if len(sb) == 2 else sb + (1,)))
        return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({fa} and {fb})")
    return RuntimeError(f"matmul: inner dimensions do not match: shapes {list(sa)} and "
                        f"{list(sb)} ({sa[-1]} != {sb[-2] if len(sb) > 1 else sb[0]})")


def _dtype_error(a, b):
    # as torch: products never promote (a silent float64 leak would double time and memory)
    return RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != "
                        f"{b.dtype}")


def matmul(a, b):
    """Matrix product with PyTorch's rules for 1-D, 2-D and batched (broadcast) operands."""
    ad, bd = a._data, b._data
    na, nb = ad.ndim, bd.ndim
    if na == 2 and nb == 2 and ad.shape[1] == bd.shape[0] and ad.dtype == bd.dtype:
        return Matmul.apply(a, b)  # the common case, checked in one line
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if ad.dtype != bd.dtype:
        raise _dtype_error(a, b)
    inner_b = bd.shape[-2] if nb > 1 else bd.shape[0]
    if ad.shape[-1] != inner_b:
        raise _shape_error(a, b)
    if na == 1 and nb == 1:
        return dot(a, b)
    if na == 1:
        return squeeze(Matmul.apply(unsqueeze(a, 0), b), -2)
    if nb == 1:
        return squeeze(Matmul.apply(a, unsqueeze(b, -1)), -1)
    if na > 2 or nb > 2:
        try:
            broadcast_shapes(ad.shape[:-2], bd.shape[:-2])
        except RuntimeError as err:
            raise RuntimeError(f"matmul: batch dimensions do not broadcast: shapes "
                               f"{list(ad.shape)} and {list(bd.shape)} ({err})") from None
    return Matmul.apply(a, b)


def mm(a, b):
    if a._data.ndim != 2 or b._data.ndim != 2:
        raise RuntimeError(f"mm: both arguments must be 2D, got {a._data.ndim}D and "
                           f"{b._data.ndim}D")
    return matmul(a, b)


def bmm(a, b):
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"bmm: both arguments must be 3D, got {a._data.ndim}D and "
                           f"{b._data.ndim}D")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: shapes {list(a._data.shape)} and "
                           f"{list(b._data.shape)}")
    return matmul(a, b)


def mv(a, v):
    if a._data.ndim != 2 or v._data.ndim != 1:
        raise RuntimeError(f"mv: expected a 2D matrix and a 1D vector, got {a._data.ndim}D and "
                           f"{v._data.ndim}D")
    return matmul(a, v)


class Dot(ArrayFunction):
    def forward(self, a, b):
        return as_array(np.dot(a, b))

    def backward(self, g):
        a, b = self.inputs
        return (g * b if self.needs_input_grad[0] else None,
                g * a if self.needs_input_grad[1] else None)


def dot(a, b):
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D "
                           f"tensors")
    if a._data.shape != b._data.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a._data.shape[0]}] and "
                           f"src [{b._data.shape[0]}] to have the same number of elements")
    if a._data.dtype != b._data.dtype:
        raise _dtype_error(a, b)
    return Dot.apply(a, b)


def inner(a, b):
    return dot(a, b) if a._data.ndim == 1 and b._data.ndim == 1 else matmul(a, transpose(b, -1, -2))


def outer(a, b):
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"outer: expected 1D tensors, got {a._data.ndim}D and {b._data.ndim}D")
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


# --- einsum -----------------------------------------------------------------------------

def _parse_einsum(equation, operands):
    """Explicit subscripts (ellipses replaced by letters) for every operand and the output."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum(): the equation {equation!r} names {len(inputs)} operands but "
                         f"{len(operands)} were given")
    used = set(c for c in eq if c.isalpha())
    spare = iter(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used)
    max_ell = max((op.ndim - (len(s) - 3) for s, op in zip(inputs, operands) if "..." in s),
                  default=0)
    ell = "".join(next(spare) for _ in range(max_ell))
    expanded = []
    for s, op in zip(inputs, operands):
        if "..." in s:
            n = op.ndim - (len(s) - 3)
            s = s.replace("...", ell[max_ell - n:] if n else "")
        if len(s) != op.ndim:
            raise ValueError(f"einsum(): subscripts {s!r} do not match an operand with "
                             f"{op.ndim} dims (shape {list(op.shape)})")
        expanded.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for s in expanded:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return expanded, out


class Einsum(ArrayFunction):
    """Generic contraction; the gradient for operand k is an einsum of dy with the others."""

    def forward(self, *arrays, subs, out):
        self.subs, self.out = subs, out
        result = np.einsum(",".join(subs) + "->" + out, *arrays, optimize=len(arrays) > 2)
        return row_major(as_array(result))  # torch's einsum result is row-major

    def backward(self, g):
        grads = []
        for k, (x, s) in enumerate(zip(self.inputs, self.subs)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            if len(set(s)) != len(s):
                raise NotImplementedError(f"einsum backward for repeated subscripts in one "
                                          f"operand ({s!r}) is not supported")
            others = [t for i, t in enumerate(self.inputs) if i != k]
            other_subs = [t for i, t in enumerate(self.subs) if i != k]
            present = set(self.out).union(*other_subs) if other_subs else set(self.out)
            # letters of x that appear nowhere else were summed away: broadcast them back
            missing = [c for c in s if c not in present]
            term = Einsum.apply(g, *others, subs=[self.out] + other_subs,
                                out="".join(c for c in s if c in present))
            if missing:
                term = _shape.expand(reshape(term, _fill_shape(s, present, x.shape)), x.shape)
            if term.shape != x.shape:  # x was broadcast along a size-1 dim
                term = sum_to(term, x.shape)
            grads.append(term)
        return tuple(grads)


def _fill_shape(subs, present, full_shape):
    """x's shape with 1 for the letters that were summed away."""
    return tuple(full_shape[i] if c in present else 1 for i, c in enumerate(subs))


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``; ellipses are supported."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _parse_einsum(equation, operands)
    for s, op in zip(subs, operands):
        for c, size in zip(s, op.shape):
            for s2, op2 in zip(subs, operands):
                if c in s2 and op2.shape[s2.index(c)] not in (size, 1) and size != 1:
                    raise RuntimeError(f"einsum(): operands do not broadcast: subscript {c!r} "
                                       f"has size {size} and {op2.shape[s2.index(c)]}")

    ops = list(operands)
    for i in range(1, len(ops)):
        if ops[i]._data.dtype != ops[0]._data.dtype:
            ops[0], ops[i] = operands(ops[0], ops[i])
    return Einsum.apply(*ops, subs=subs, out=out)
