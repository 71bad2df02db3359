"""Products built on matmul: addmm and its family, tensordot, kron, cross, cdist, vdot.

    addmm(M, A, B)     = beta M + alpha A @ B          (addmv: A @ v,   addr: outer(u, v))
    baddbmm(M, A, B)   = beta M + alpha bmm(A, B)      addbmm: the bmm summed over the batch
    cross(a, b)_i      = a_j b_k - a_k b_j   for (i, j, k) cyclic, along a dim of size 3
    cdist(X, Y)[i, j]  = ||X_i - Y_j||_p

With beta = 0 the ``input`` is ignored (NaNs in it do not propagate), as in torch.
All are compositions of differentiable ops.
"""
import numbers
import warnings

import numpy as np

from ._util import wrap_dim
from . import index as _index
from . import linalg as _linalg
from . import reduce as _reduce
from . import shape as _shape


def _scaled_sum(input, product, beta, alpha):  # noqa: A002
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return _shape.expand(product, tuple(np.broadcast_shapes(input.shape, product.shape))) \
            if tuple(input.shape) != tuple(product.shape) else product
    scaled = input if beta == 1 else input * beta
    return scaled + product


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002 - PyTorch's argument name
    return _scaled_sum(input, _linalg.mm(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    return _scaled_sum(input, _linalg.mv(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    return _scaled_sum(input, _linalg.outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    return _scaled_sum(input, _linalg.bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    return _scaled_sum(input, _reduce.sum(_linalg.bmm(batch1, batch2), 0), beta, alpha)


def vdot(input, other):  # noqa: A002
    return _linalg.dot(input, other)


def tensordot(a, b, dims=2):
    """Contract the last ``dims`` dims of a with the first of b, or the listed dim pairs."""
    if isinstance(dims, numbers.Integral):
        dims_a = list(range(a.ndim - dims, a.ndim))
        dims_b = list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, numbers.Integral) else list(d) for d in dims)
    dims_a = [wrap_dim(d, a.ndim) for d in dims_a]
    dims_b = [wrap_dim(d, b.ndim) for d in dims_b]
    if len(dims_a) != len(dims_b):
        raise RuntimeError(f"both dimension lists should have same length, got {dims_a} and "
                           f"{dims_b}")
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[da]} in dim {da} and second has size {b.shape[db]} in "
                               f"dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = int(np.prod([a.shape[d] for d in dims_a]))
    left = _shape.reshape(_shape.permute(a, tuple(free_a + dims_a)), -1, k)
    right = _shape.reshape(_shape.permute(b, tuple(dims_b + free_b)), k, -1)
    out_shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    return _shape.reshape(_linalg.mm(left, right), *out_shape) if out_shape else \
        _shape.reshape(_linalg.mm(left, right), ())


def kron(input, other):  # noqa: A002
    """Kronecker product: block (i, j) of the result is input[i, j] * other (any rank)."""
    nd = max(input.ndim, other.ndim)
    a = _shape.reshape(input, *((1,) * (nd - input.ndim) + tuple(input.shape)))
    b = _shape.reshape(other, *((1,) * (nd - other.ndim) + tuple(other.shape)))
    a_view = [s for size in a.shape for s in (size, 1)]
    b_view = [s for size in b.shape for s in (1, size)]
    prod = _shape.reshape(a, *a_view) * _shape.reshape(b, *b_view)
    return _shape.reshape(prod, *[x * y for x, y in zip(a.shape, b.shape)])


def cross(input, other, dim=None):  # noqa: A002
    """The 3-vector cross product along ``dim`` (default: the first dim of size 3, deprecated)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        sizes = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(sizes) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input of shape {list(sizes)}")
    a, b = _shape.broadcast_to(input, np.broadcast_shapes(tuple(input.shape),
                                                          tuple(other.shape))), other
    b = _shape.broadcast_to(b, tuple(a.shape))
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")

    def part(t, i):
        return _index.getitem(t, (slice(None),) * d + (slice(i, i + 1),))
    a0, a1, a2 = (part(a, i) for i in range(3))
    b0, b1, b2 = (part(b, i) for i in range(3))
    return _shape.cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, "
                           f"X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = _shape.unsqueeze(x1, -2) - _shape.unsqueeze(x2, -3)      # (..., P, R, M)
    return _reduce.norm(diff, p, -1)
