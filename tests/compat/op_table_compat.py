"""Rows for the ops added for torch parity (issue 9), in tests/core/op_table.py's format.

Each ``fn(m, *inputs)`` is written once for both libraries (``m`` is deepgrad or torch);
test_new_ops.py runs the rows through test_ops_parity's checks: forward and gradients
against torch in float64, central finite differences, and grad-of-grad.
"""
from ..core.op_table import OpCase

M34 = [((3, 4),), ((2, 3, 4),)]
SQ = [((4, 4),), ((2, 3, 3),)]
UNIT = (-0.9, 0.9)
POS = (0.2, 2.0)

CASES = [
    # triangles and diagonals
    OpCase("tril", lambda m, a: m.tril(a), M34 + [((0, 3),)]),
    OpCase("tril_k", lambda m, a: m.tril(a, diagonal=-1) * a, M34),
    OpCase("triu", lambda m, a: m.triu(a), M34),
    OpCase("triu_k", lambda m, a: a.triu(2) * a, M34),
    OpCase("diag_of_matrix", lambda m, a: m.diag(a, 1) ** 2, [((3, 4),)]),
    OpCase("diag_of_vector", lambda m, a: m.diag(a, -1) * 3, [((4,),)]),
    OpCase("diagonal", lambda m, a: m.diagonal(a, 1, 0, 2) ** 2, [((3, 2, 4),)]),
    OpCase("diag_embed", lambda m, a: m.diag_embed(a, -1) ** 2, [((2, 3),)]),
    OpCase("trace", lambda m, a: m.trace(a * a), [((3, 4),)]),
    # elementwise maths
    OpCase("sinh", lambda m, a: m.sinh(a), [((3, 4),), ((),)]),
    OpCase("cosh", lambda m, a: m.cosh(a), [((3, 4),)]),
    OpCase("asin", lambda m, a: m.asin(a), [((3, 4),)], domain=UNIT),
    OpCase("acos", lambda m, a: m.acos(a), [((3, 4),)], domain=UNIT),
    OpCase("atan", lambda m, a: m.atan(a), [((3, 4),)]),
    OpCase("asinh", lambda m, a: m.asinh(a), [((3, 4),)]),
    OpCase("acosh", lambda m, a: m.acosh(a + 2.5), [((3, 4),)], domain=(-1.0, 2.0)),
    OpCase("atanh", lambda m, a: m.atanh(a), [((3, 4),)], domain=UNIT),
    OpCase("atan2", lambda m, a, b: m.atan2(a, b), [((3, 4), (3, 4)), ((3, 1), (4,))], domain=POS),
    OpCase("fmod", lambda m, a, b: m.fmod(a, b), [((3, 4), (4,))], domain=POS, fd=False),
    OpCase("hypot", lambda m, a, b: m.hypot(a, b), [((3, 4), (3, 4))], domain=POS),
    OpCase("logaddexp", lambda m, a, b: m.logaddexp(a, b), [((3, 4), (3, 4)), ((3, 1), (4,))]),
    OpCase("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), [((3, 4), (3, 4))]),
    OpCase("xlogy", lambda m, a, b: m.xlogy(a, b), [((3, 4), (3, 4))], domain=POS),
    OpCase("logit", lambda m, a: m.logit(a), [((3, 4),)], domain=(0.1, 0.9)),
    OpCase("logit_eps", lambda m, a: m.logit(a, eps=0.2), [((3, 4),)], domain=(0.25, 0.75)),
    OpCase("sinc", lambda m, a: m.sinc(a), [((3, 4),)]),
    OpCase("frac", lambda m, a: m.frac(a) * a, [((3, 4),)], fd=False),
    OpCase("deg2rad", lambda m, a: m.deg2rad(a), [((3, 4),)]),
    OpCase("rad2deg", lambda m, a: m.rad2deg(a), [((3, 4),)]),
    OpCase("nan_to_num", lambda m, a: m.nan_to_num(a * a), [((3, 4),)]),
    # non-negative exponents: torch 2.13's ldexp gradient computes 2**e in integers (0 for e < 0)
    OpCase("ldexp", lambda m, a: m.ldexp(a, m.tensor([1, 2, 0, 3])), [((3, 4),)]),
    OpCase("float_power", lambda m, a: m.float_power(a, 2.5), [((3, 4),)], domain=POS),
    OpCase("clamp_min", lambda m, a: m.clamp_min(a, 0.1), [((3, 4),)]),
    OpCase("clamp_max", lambda m, a: a.clamp_max(0.3), [((3, 4),)]),
    OpCase("nansum", lambda m, a: m.nansum(a * a, 1), [((3, 4),)]),
    OpCase("nanmean", lambda m, a: m.nanmean(a * a, 0), [((3, 4),)]),
    OpCase("erf_method", lambda m, a: a.erf(), [((3, 4),)]),
    # shapes
    OpCase("ravel", lambda m, a: m.ravel(a.transpose(0, 1)) ** 2, [((3, 4),)]),
    OpCase("tile", lambda m, a: m.tile(a, (2, 1, 2)) ** 2, [((3, 4),)]),
    OpCase("roll", lambda m, a: m.roll(a, (1, -2), (0, 1)) * a, [((3, 4),)]),
    OpCase("roll_flat", lambda m, a: m.roll(a, 5) * a, [((3, 4),)]),
    OpCase("rot90", lambda m, a: m.rot90(a, 1, (0, 1)) ** 2, [((3, 4),)]),
    OpCase("rot90_3", lambda m, a: m.rot90(a, 3, (1, 2)) ** 2, [((2, 3, 4),)]),
    OpCase("fliplr", lambda m, a: m.fliplr(a) * a, [((3, 4),)]),
    OpCase("repeat_interleave", lambda m, a: m.repeat_interleave(a, 2, 1) ** 2, [((3, 4),)]),
    OpCase("repeat_interleave_t", lambda m, a: a.repeat_interleave(m.tensor([1, 0, 2]), 0) ** 2,
           [((3, 4),)]),
    OpCase("select", lambda m, a: m.select(a, 1, -1) ** 2, [((3, 4),)]),
    OpCase("take", lambda m, a: m.take(a, m.tensor([[0, 5], [11, 5]])) ** 2, [((3, 4),)]),
    OpCase("diff", lambda m, a: m.diff(a, 2, 1) ** 2, [((3, 5),)]),
    OpCase("tensor_split", lambda m, a: m.tensor_split(a, 3, 1)[1] ** 2, [((3, 5),)]),
    OpCase("block_diag", lambda m, a, b: m.block_diag(a, b) ** 2, [((2, 3), (2,))]),
    OpCase("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b) ** 2, [((3,), (2,))]),
    OpCase("meshgrid_xy", lambda m, a, b: m.meshgrid(a, b, indexing="xy")[0] * 2 +
           m.meshgrid(a, b, indexing="xy")[1] ** 2, [((3,), (2,))]),
    # statistics
    OpCase("cumprod", lambda m, a: m.cumprod(a, 1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("cumprod_zeros", lambda m, a: m.cumprod(a * m.tensor([1.0, 0.0, 1.0, 0.0]), 1),
           [((3, 4),)], fd=False),
    OpCase("cummax", lambda m, a: m.cummax(a, 1).values ** 2, [((3, 4),)]),
    OpCase("cummin", lambda m, a: m.cummin(a, 0).values ** 2, [((3, 4),)]),
    OpCase("logcumsumexp", lambda m, a: m.logcumsumexp(a, 1), [((3, 4),)]),
    OpCase("median", lambda m, a: m.median(a) ** 2, [((3, 5),)]),
    OpCase("median_dim", lambda m, a: m.median(a, 1).values ** 2, [((3, 4),)]),
    OpCase("kthvalue", lambda m, a: m.kthvalue(a, 2, 0).values ** 2, [((3, 4),)]),
    OpCase("quantile", lambda m, a: m.quantile(a, 0.3, dim=1) ** 2, [((3, 4),)]),
    OpCase("quantile_all", lambda m, a: m.quantile(a, 0.75) ** 2, [((3, 4),)]),
    OpCase("aminmax", lambda m, a: m.aminmax(a, dim=0).max ** 2, [((3, 4),)]),
    OpCase("cov", lambda m, a: m.cov(a), [((3, 5),)]),
    OpCase("corrcoef", lambda m, a: m.corrcoef(a), [((3, 5),)]),
    # products
    OpCase("addmm", lambda m, a, b, c: m.addmm(a, b, c, beta=0.5, alpha=2.0),
           [((3, 4), (3, 2), (2, 4)), ((4,), (3, 2), (2, 4))]),
    OpCase("addmv", lambda m, a, b, c: m.addmv(a, b, c), [((3,), (3, 2), (2,))]),
    OpCase("addr", lambda m, a, b, c: m.addr(a, b, c, alpha=0.5), [((3, 2), (3,), (2,))]),
    OpCase("baddbmm", lambda m, a, b, c: m.baddbmm(a, b, c), [((2, 3, 4), (2, 3, 2), (2, 2, 4))]),
    OpCase("addbmm", lambda m, a, b, c: m.addbmm(a, b, c), [((3, 4), (2, 3, 2), (2, 2, 4))]),
    OpCase("tensordot", lambda m, a, b: m.tensordot(a, b, 2), [((2, 3, 4), (3, 4, 2))]),
    OpCase("tensordot_pairs", lambda m, a, b: m.tensordot(a, b, ([0, 2], [2, 0])),
           [((2, 3, 4), (4, 5, 2))]),
    OpCase("kron", lambda m, a, b: m.kron(a, b), [((2, 3), (2, 2)), ((2,), (3, 2))]),
    OpCase("cross", lambda m, a, b: m.cross(a, b, dim=1), [((4, 3), (4, 3))]),
    # torch 2.13 has no double backward for cdist (deepgrad's is checked by finite differences
    # in test_new_ops.py)
    OpCase("cdist", lambda m, a, b: m.cdist(a, b), [((3, 4), (2, 4)), ((2, 3, 4), (2, 2, 4))],
           double=False),
    OpCase("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1.0), [((3, 4), (2, 4))], double=False),
    # writing along an index
    OpCase("index_add", lambda m, a, b: m.index_add(a, 0, m.tensor([0, 2, 0]), b, alpha=2),
           [((3, 4), (3, 4))]),
    OpCase("index_copy", lambda m, a, b: a.index_copy(1, m.tensor([3, 1]), b) * a,
           [((3, 4), (3, 2))]),
    OpCase("index_fill", lambda m, a: a.index_fill(1, m.tensor([0, 2]), -1.5) * a, [((3, 4),)]),
    # writes at computed positions and float helpers
    OpCase("index_put", lambda m, a, b: m.index_put(a, (m.tensor([0, 2]), m.tensor([1, 3])), b) * a,
           [((3, 4), (2,))]),
    OpCase("index_put_acc", lambda m, a, b: a.index_put((m.tensor([0, 0, 2]),), b,
                                                         accumulate=True) ** 2,
           [((3, 4), (3, 4))]),
    OpCase("put", lambda m, a, b: a.put(m.tensor([0, 5, -1]), b) * a, [((3, 4), (3,))]),
    OpCase("masked_scatter", lambda m, a, b: a.masked_scatter(a > 0.5, b) * a,
           [((3, 4), (13,))], fd=False),
    OpCase("copysign", lambda m, a, b: m.copysign(a, b) * a, [((3, 4), (4,))], fd=False),
    OpCase("renorm", lambda m, a: m.renorm(a, 2, 0, 1.5), [((3, 4),)], double=False),
    # scatter_reduce: index rows (0, 2, 0) and (1, 1, 2) along dim 0 of a (3, 2) input
    *[OpCase(f"scatter_reduce_{r}_{inc}",
             (lambda r, inc: lambda m, a, b: a.scatter_reduce(
                 0, m.tensor([[0, 1], [2, 1], [0, 2]]), b, r, include_self=inc) * 1.5)(r, inc),
             [((3, 2), (3, 2))], fd=r in ("sum", "mean"))
      for r in ("sum", "mean", "amax", "amin") for inc in (True, False)],
]
