"""The op table: one row per op, run by test_ops_parity.py against PyTorch.

Each row gives a function ``fn(m, *inputs)`` written once for both libraries
(``m`` is the ``deepgrad`` or ``torch`` module), the input shapes, the input
domain, and whether PyTorch supports double backward for it (most do).
"""
from dataclasses import dataclass, field


@dataclass
class OpCase:
    name: str
    fn: object
    shapes: list                      # list of tuples of input shapes, one case each
    domain: tuple = (-2.0, 2.0)       # uniform sampling range of the inputs
    double: bool = True               # compare grad-of-grad with torch
    fd: bool = True                   # also check with finite differences
    int_inputs: dict = field(default_factory=dict)  # index -> (low, high) integer inputs




POS = (0.2, 2.0)
SHAPES_1 = [((3, 4),), ((),), ((2, 3, 4),), ((0, 3),)]
SHAPES_BIN = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,)),
              ((1,), ())]

CASES = [
    # arithmetic and broadcasting
    OpCase("add", lambda m, a, b: a + b, SHAPES_BIN),
    OpCase("sub", lambda m, a, b: a - b, SHAPES_BIN),
    OpCase("mul", lambda m, a, b: a * b, SHAPES_BIN),
    OpCase("div", lambda m, a, b: a / b, SHAPES_BIN, domain=POS),
    OpCase("pow", lambda m, a, b: a ** b, [((3, 4), (3, 4)), ((3, 1), (4,))], domain=POS),
    OpCase("add_scalar", lambda m, a: a + 2.5, SHAPES_1),
    OpCase("rsub_scalar", lambda m, a: 2.5 - a, SHAPES_1),
    OpCase("mul_scalar", lambda m, a: 3.0 * a, SHAPES_1),
    OpCase("div_scalar", lambda m, a: a / 4.0, SHAPES_1),
    OpCase("rdiv_scalar", lambda m, a: 2.0 / a, SHAPES_1, domain=POS),
    OpCase("pow_scalar", lambda m, a: a ** 3, SHAPES_1),
    OpCase("pow_frac", lambda m, a: a ** 0.5, SHAPES_1, domain=POS),
    OpCase("rpow_scalar", lambda m, a: 2.0 ** a, SHAPES_1),
    OpCase("neg", lambda m, a: -a, SHAPES_1),
    OpCase("add_alpha", lambda m, a, b: m.add(a, b, alpha=0.5), SHAPES_BIN[:3]),
    OpCase("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.3),
           [((3, 4), (3, 4), (4,))]),
    OpCase("lerp", lambda m, a, b: m.lerp(a, b, 0.3), SHAPES_BIN[:2]),
    # elementwise
    OpCase("exp", lambda m, a: m.exp(a), SHAPES_1),
    OpCase("log", lambda m, a: m.log(a), SHAPES_1, domain=POS),
    OpCase("log1p", lambda m, a: m.log1p(a), SHAPES_1, domain=POS),
    OpCase("expm1", lambda m, a: m.expm1(a), SHAPES_1),
    OpCase("log2", lambda m, a: m.log2(a), SHAPES_1, domain=POS),
    OpCase("sqrt", lambda m, a: m.sqrt(a), SHAPES_1, domain=POS),
    OpCase("rsqrt", lambda m, a: m.rsqrt(a), SHAPES_1, domain=POS),
    OpCase("abs", lambda m, a: m.abs(a), SHAPES_1),
    OpCase("sign", lambda m, a: m.sign(a) * a, SHAPES_1),
    OpCase("sin", lambda m, a: m.sin(a), SHAPES_1),
    OpCase("cos", lambda m, a: m.cos(a), SHAPES_1),
    OpCase("tan", lambda m, a: m.tan(a), SHAPES_1, domain=(-1.2, 1.2)),
    OpCase("tanh", lambda m, a: m.tanh(a), SHAPES_1),
    OpCase("sigmoid", lambda m, a: m.sigmoid(a), SHAPES_1, domain=(-30.0, 30.0)),
    OpCase("relu", lambda m, a: m.relu(a), SHAPES_1),
    OpCase("clamp", lambda m, a: m.clamp(a, -0.5, 0.7), SHAPES_1),
    OpCase("clamp_min", lambda m, a: a.clamp(min=0.1), SHAPES_1),
    OpCase("maximum", lambda m, a, b: m.maximum(a, b), SHAPES_BIN[:3]),
    OpCase("minimum", lambda m, a, b: m.minimum(a, b), SHAPES_BIN[:3]),
    OpCase("where", lambda m, a, b: m.where(a > 0, a, b), SHAPES_BIN[:3]),
    OpCase("where_scalar", lambda m, a: m.where(a > 0, a, 0.5), SHAPES_1),
    OpCase("floor", lambda m, a: m.floor(a) + a, SHAPES_1, fd=False),
    OpCase("ceil", lambda m, a: m.ceil(a) * a, SHAPES_1, fd=False),
    OpCase("round", lambda m, a: m.round(a) + a, SHAPES_1, fd=False),
    OpCase("masked_fill", lambda m, a: a.masked_fill(a > 0.5, -1.0), SHAPES_1),
    OpCase("square", lambda m, a: m.square(a), SHAPES_1),
    OpCase("reciprocal", lambda m, a: m.reciprocal(a), SHAPES_1, domain=POS),
    # reductions
    OpCase("sum_all", lambda m, a: a.sum(), SHAPES_1),
    OpCase("sum_dim", lambda m, a: a.sum(1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("sum_dims_keep", lambda m, a: a.sum((0, 2), keepdim=True), [((2, 3, 4),)]),
    OpCase("sum_neg_dim", lambda m, a: a.sum(-1), [((2, 3, 4),), ((0, 3),)]),
    OpCase("mean_all", lambda m, a: a.mean(), SHAPES_1[:3]),
    OpCase("mean_dim", lambda m, a: a.mean((0, -1)), [((2, 3, 4),)]),
    OpCase("prod", lambda m, a: a.prod(), [((3, 4),), ((5,),)]),
    OpCase("prod_dim", lambda m, a: a.prod(1, keepdim=True), [((3, 4),)]),
    OpCase("var", lambda m, a: a.var(), SHAPES_1[:1] + [((2, 3, 4),)]),
    OpCase("var_dim", lambda m, a: a.var(1, keepdim=True), [((3, 4),)]),
    OpCase("var_biased", lambda m, a: a.var(0, unbiased=False), [((3, 4),)]),
    OpCase("var_correction", lambda m, a: m.var(a, dim=(0, 1), correction=2), [((3, 4, 2),)]),
    OpCase("std", lambda m, a: a.std(), [((3, 4),)]),
    OpCase("std_dim", lambda m, a: a.std(-1), [((3, 4),)]),
    OpCase("max_all", lambda m, a: a.max(), SHAPES_1[:3]),
    OpCase("min_all", lambda m, a: a.min(), SHAPES_1[:3]),
    OpCase("max_dim", lambda m, a: a.max(1).values, [((3, 4),), ((2, 3, 4),)]),
    OpCase("max_dim_keep", lambda m, a: a.max(0, keepdim=True)[0], [((3, 4),)]),
    OpCase("min_dim", lambda m, a: a.min(-1).values, [((3, 4),)]),
    OpCase("amax", lambda m, a: a.amax((0, 1)), [((3, 4, 2),)]),
    OpCase("amin", lambda m, a: a.amin(1, keepdim=True), [((3, 4),)]),
    OpCase("logsumexp", lambda m, a: a.logsumexp(1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("logsumexp_multi", lambda m, a: m.logsumexp(a, (0, 2), keepdim=True), [((2, 3, 4),)]),
    OpCase("norm", lambda m, a: a.norm(), SHAPES_1[:3]),
    OpCase("norm_dim", lambda m, a: a.norm(dim=1), [((3, 4),)]),
    OpCase("norm_p1", lambda m, a: a.norm(p=1, dim=0), [((3, 4),)]),
    OpCase("norm_p3", lambda m, a: a.norm(p=3), [((3, 4),)], domain=POS),
    OpCase("norm_inf", lambda m, a: a.norm(p=float("inf")), [((3, 4),)]),
    OpCase("cumsum", lambda m, a: a.cumsum(1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("softmax", lambda m, a: m.softmax(a, 1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("softmax_neg", lambda m, a: m.softmax(a, -1), [((3, 4),)], domain=(-50.0, 50.0)),
    OpCase("log_softmax", lambda m, a: m.log_softmax(a, 1), [((3, 4),), ((2, 3, 4),)]),
    OpCase("log_softmax_big", lambda m, a: m.log_softmax(a, 0), [((5, 2),)],
           domain=(-300.0, 300.0), fd=False),
    # linear algebra
    OpCase("matmul_2d", lambda m, a, b: a @ b, [((3, 4), (4, 2))]),
    OpCase("matmul_1d_2d", lambda m, a, b: a @ b, [((4,), (4, 2))]),
    OpCase("matmul_2d_1d", lambda m, a, b: a @ b, [((3, 4), (4,))]),
    OpCase("matmul_1d_1d", lambda m, a, b: a @ b, [((4,), (4,))]),
    OpCase("matmul_batched", lambda m, a, b: a @ b, [((2, 3, 4), (2, 4, 5))]),
    OpCase("matmul_broadcast", lambda m, a, b: m.matmul(a, b),
           [((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (4,))]),
    OpCase("mm", lambda m, a, b: m.mm(a, b), [((3, 4), (4, 2))]),
    OpCase("bmm", lambda m, a, b: m.bmm(a, b), [((2, 3, 4), (2, 4, 5))]),
    OpCase("mv", lambda m, a, b: m.mv(a, b), [((3, 4), (4,))]),
    OpCase("dot", lambda m, a, b: m.dot(a, b), [((4,), (4,))]),
    OpCase("outer", lambda m, a, b: m.outer(a, b), [((3,), (4,))]),
    OpCase("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [((3, 4), (4, 2))]),
    OpCase("einsum_batch", lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
           [((2, 3, 4), (2, 4, 5))]),
    OpCase("einsum_sum", lambda m, a, b: m.einsum("ij,ij->", a, b), [((3, 4), (3, 4))]),
    OpCase("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,jk->...ik", a, b),
           [((2, 3, 4), (4, 2))]),
    OpCase("einsum_outer_reduce", lambda m, a, b: m.einsum("ij,k->jk", a, b),
           [((3, 4), (2,))]),
    # shape
    OpCase("reshape", lambda m, a: a.reshape(4, -1), [((3, 4),)]),
    OpCase("view", lambda m, a: a.view(2, 6), [((3, 4),)]),
    OpCase("flatten", lambda m, a: a.flatten(1), [((2, 3, 4),)]),
    OpCase("unflatten", lambda m, a: a.unflatten(1, (2, 2)), [((3, 4),)]),
    OpCase("squeeze", lambda m, a: a.squeeze(), [((3, 1, 4, 1),)]),
    OpCase("squeeze_dim", lambda m, a: a.squeeze(1), [((3, 1, 4),)]),
    OpCase("unsqueeze", lambda m, a: a.unsqueeze(-1), [((3, 4),), ((),)]),
    OpCase("permute", lambda m, a: a.permute(2, 0, 1), [((2, 3, 4),)]),
    OpCase("transpose", lambda m, a: a.transpose(0, 2), [((2, 3, 4),)]),
    OpCase("t", lambda m, a: a.t(), [((3, 4),), ((4,),)]),
    OpCase("T", lambda m, a: a.T, [((3, 4),)]),
    OpCase("expand", lambda m, a: a.expand(2, 3, 4), [((3, 1),), ((1, 4),)]),
    OpCase("expand_as", lambda m, a, b: a.expand_as(b), [((3, 1), (3, 4))]),
    OpCase("repeat", lambda m, a: a.repeat(2, 1, 3), [((3, 4),), ((4,),)]),
    OpCase("cat", lambda m, a, b: m.cat([a, b, a], 1), [((3, 4), (3, 2))]),
    OpCase("cat0", lambda m, a, b: m.cat((a, b)), [((3, 4), (0, 4))]),
    OpCase("stack", lambda m, a, b: m.stack([a, b], -1), [((3, 4), (3, 4))]),
    OpCase("split", lambda m, a: a.split(2, 1)[1], [((3, 5),)]),
    OpCase("split_sizes", lambda m, a: m.split(a, [1, 3], 1)[1] * 2, [((3, 4),)]),
    OpCase("chunk", lambda m, a: a.chunk(3, 0)[-1], [((7, 2),)]),
    OpCase("unbind", lambda m, a: a.unbind(1)[2], [((3, 4),)]),
    OpCase("flip", lambda m, a: a.flip(0, 1), [((3, 4),)]),
    OpCase("narrow", lambda m, a: a.narrow(1, 1, 2), [((3, 4),)]),
    OpCase("pad", lambda m, a: m.nn.functional.pad(a, (1, 2, 0, 1), value=0.5), [((3, 4),)]),
    OpCase("pad_crop", lambda m, a: m.nn.functional.pad(a, (-1, 2)), [((3, 4),)]),
    # indexing
    OpCase("getitem_slice", lambda m, a: a[1:, ::2], [((3, 4),)]),
    OpCase("getitem_int", lambda m, a: a[1], [((3, 4),)]),
    OpCase("getitem_none", lambda m, a: a[None, :, 1], [((3, 4),)]),
    OpCase("getitem_ellipsis", lambda m, a: a[..., 1], [((2, 3, 4),)]),
    OpCase("getitem_array_repeat", lambda m, a: a[m.tensor([0, 2, 0, 0])], [((3, 4),)]),
    OpCase("getitem_2arrays", lambda m, a: a[m.tensor([0, 2, 2]), m.tensor([1, 1, 3])],
           [((3, 4),)]),
    OpCase("getitem_mask", lambda m, a: a[a > 0], [((3, 4),)]),
    OpCase("getitem_neg", lambda m, a: a[-1, -2:], [((3, 4),)]),
    OpCase("gather", lambda m, a: a.gather(1, m.tensor([[0, 0], [1, 3], [2, 2]])), [((3, 4),)]),
    OpCase("scatter_add", lambda m, a, b: a.scatter_add(0, m.tensor([[0, 1], [0, 2]]), b),
           [((3, 2), (2, 2))]),
    OpCase("index_select", lambda m, a: a.index_select(1, m.tensor([3, 0, 3])), [((3, 4),)]),
    OpCase("masked_select", lambda m, a: a.masked_select(a > 0.2), [((3, 4),)]),
]
