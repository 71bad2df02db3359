"""Memory layout of the tensor core against torch 2.13: stride(), storage_offset(),
is_contiguous(), and when view() succeeds.

Every op of tests/core/op_table.py runs on row-major inputs and on transposed inputs
(dense but not contiguous); its result must have torch's shape, is_contiguous(),
storage_offset() and strides, and ``view(n, -1)`` must succeed or fail as torch's does.

Documented exception (NumPy chooses differently, and it never changes which memory is
read): the stride of a dim of *size 1*. torch computes a conventional value for it
(unsqueeze gives ``size * stride`` of the next dim, a keepdim reduction gives a
row-major value), NumPy gives 0 for ``x[None]`` and for every size-1 dim of an expand
(np.broadcast_to), and keeps the input's stride order after
a keepdim reduction of a transposed input. Such a stride is never multiplied by a
non-zero index, so is_contiguous() and view() are unaffected (both ignore size-1 dims,
in torch and here); SIZE1_STRIDE_CASES lists the rows where it shows and the test
compares the strides of the other dims there.
"""
import numpy as np
import pytest
import torch

import deepgrad

from .op_table import CASES

SIZE1_STRIDE_CASES = {  # (op name, variant) whose size-1 dims' strides differ from torch's
    ("sum_dims_keep", "transposed"), ("prod_dim", "transposed"), ("var_dim", "transposed"),
    ("amin", "transposed"), ("unsqueeze", "transposed"), ("getitem_none", "plain"),
    ("getitem_none", "transposed"),
}

PARAMS = [pytest.param(case, shapes, variant,
                       id=f"{case.name}-{'x'.join(map(str, shapes))}-{variant}")
          for case in CASES for shapes in case.shapes for variant in ("plain", "transposed")
          # a transposed *empty* input has no memory to lay out (torch's strides for it are
          # conventions that NumPy does not reproduce): empty inputs run plain only
          if variant == "plain" or (any(len(s) >= 2 for s in shapes)
                                    and 0 not in [n for s in shapes for n in s])]


def _torch_tensor(arr):
    """A row-major torch copy (torch.tensor keeps NumPy's zero strides of an empty array)."""
    return torch.empty(arr.shape, dtype=torch.float64).copy_(torch.from_numpy(arr))


def _inputs(case, shapes, variant):
    """The same values for both libraries; 'transposed' stores each 2-D+ input transposed in
    memory (a dense, non-contiguous view, strides like a.t())."""
    rng = np.random.default_rng(0)
    lo, hi = case.domain
    d_in, t_in = [], []
    for shape in shapes:
        arr = rng.uniform(lo, hi, size=shape)
        if variant == "transposed" and arr.ndim >= 2:
            stored = np.ascontiguousarray(arr.swapaxes(-1, -2))
            d_in.append(deepgrad.tensor(stored).transpose(-1, -2))
            t_in.append(_torch_tensor(stored).transpose(-1, -2))
        else:
            d_in.append(deepgrad.tensor(arr))
            t_in.append(_torch_tensor(arr))
    return d_in, t_in


def _view_outcome(t):
    if t.dim() == 0:
        return "n/a"
    try:
        t.view(t.size(0), -1) if t.numel() else t.view(-1)
    except RuntimeError:
        return "RuntimeError"
    return "ok"


def _layout(t, shape, skip_size1):
    strides = t.stride()
    if skip_size1:
        strides = tuple(s for s, n in zip(strides, shape) if n != 1)
    # an empty tensor reads no memory: where it starts is not compared
    offset = t.storage_offset() if t.numel() else None
    return tuple(t.shape), strides, t.is_contiguous(), offset, _view_outcome(t)


@pytest.mark.parametrize("case,shapes,variant", PARAMS)
def test_op_result_layout_matches_torch(case, shapes, variant):
    d_in, t_in = _inputs(case, shapes, variant)
    for d, t in zip(d_in, t_in):
        assert d.stride() == t.stride() and d.is_contiguous() == t.is_contiguous()
    try:
        t_out = case.fn(torch, *t_in)
    except RuntimeError:  # e.g. view() of a transposed input: deepgrad must refuse too
        with pytest.raises(RuntimeError):
            case.fn(deepgrad, *d_in)
        return
    d_out = case.fn(deepgrad, *d_in)
    skip = (case.name, variant) in SIZE1_STRIDE_CASES
    shape = tuple(t_out.shape)
    assert _layout(d_out, shape, skip) == _layout(t_out, shape, skip)


@pytest.mark.parametrize("case,shapes,variant", [p for p in PARAMS if p.values[2] == "plain"])
def test_leaf_gradient_layout_matches_torch(case, shapes, variant):
    """x.grad after backward: torch gives a leaf's gradient the leaf's (row-major) layout."""
    d_in, t_in = _inputs(case, shapes, variant)
    for x in d_in + t_in:
        x.requires_grad_(True)
    d_out, t_out = case.fn(deepgrad, *d_in), case.fn(torch, *t_in)
    upstream = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
    d_out.backward(deepgrad.tensor(upstream))
    t_out.backward(torch.tensor(upstream))
    for d, t in zip(d_in, t_in):
        if t.grad is not None:
            assert d.grad is not None
            assert _layout(d.grad, tuple(t.grad.shape), False) == \
                _layout(t.grad, tuple(t.grad.shape), False)


# --- stride(), storage_offset(), is_contiguous() on views ------------------------------------

VIEWS = {
    "transpose": lambda x: x.transpose(0, 2),
    "permute": lambda x: x.permute(1, 2, 0),
    "t_of_slice": lambda x: x[0].t(),
    "mT": lambda x: x.mT,
    "expand": lambda x: x[:, :1].expand(2, 5, 4),
    "slice_step": lambda x: x[:, 1::2, ::3],
    "narrow": lambda x: x.narrow(1, 2, 2),
    "select": lambda x: x[1],
    "select_last": lambda x: x[..., 2],
    "unsqueeze_contig": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "view": lambda x: x.view(10, 4),
    "view_split": lambda x: x.transpose(1, 2).view(2, 2, 2, 5),
    "flatten_contig": lambda x: x.flatten(1),
    "reshape_of_transpose": lambda x: x.transpose(0, 1).reshape(5, 8),  # a copy
    "unbind": lambda x: x.unbind(2)[1],
    "split": lambda x: x.split(2, dim=2)[1],
    "chunk": lambda x: x.chunk(2, dim=1)[1],
    "clone_of_transpose": lambda x: x.transpose(0, 2).clone(),
    "contiguous_of_transpose": lambda x: x.transpose(0, 2).contiguous(),
    "float_of_transpose": lambda x: x.transpose(1, 2).float(),
    "add_to_transpose": lambda x: x.transpose(0, 2) + 1,
    "exp_of_transpose": lambda x: x.transpose(0, 1).exp(),
    "mul_of_transposes": lambda x: x.transpose(0, 1) * x.transpose(0, 1),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_layout_matches_torch(name):
    arr = np.arange(40.0).reshape(2, 5, 4)
    d, t = VIEWS[name](deepgrad.tensor(arr)), VIEWS[name](torch.tensor(arr))
    np.testing.assert_array_equal(d.numpy(), t.numpy())
    assert tuple(d.shape) == tuple(t.shape)
    assert d.stride() == t.stride()
    assert d.storage_offset() == t.storage_offset()
    assert d.is_contiguous() == t.is_contiguous()
    assert [d.stride(i) for i in range(-d.dim(), d.dim())] == \
        [t.stride(i) for i in range(-t.dim(), t.dim())]


def test_views_share_memory_as_torch_views_do():
    x = deepgrad.zeros(3, 4)
    for view in (x.t(), x[1:], x.unsqueeze(0), x.view(12), x.narrow(1, 1, 2), x.expand(2, 3, 4)):
        assert np.shares_memory(view.numpy(), x.numpy())
    x.t()[0, 1] = 5.0
    assert x[1, 0].item() == 5.0


def test_stride_of_a_bad_dim_raises_as_torch():
    with pytest.raises(IndexError):
        deepgrad.tensor(1.0).stride(0)
    with pytest.raises(IndexError):
        deepgrad.zeros(2, 3).stride(2)
    assert deepgrad.tensor(1.0).stride() == torch.tensor(1.0).stride() == ()
    assert deepgrad.zeros(0, 3).stride() == torch.zeros(0, 3).stride()


# --- view(): succeeds exactly where torch's does ---------------------------------------------

def _random_layouts(rng, count):
    """Recipes for tensors made by slicing, permuting and expanding a row-major block."""
    for _ in range(count):
        ndim = int(rng.integers(1, 5))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=ndim))
        perm = tuple(int(p) for p in rng.permutation(ndim))
        steps = tuple(int(s) for s in rng.integers(1, 3, size=ndim))
        yield shape, perm, steps, int(rng.integers(-1, ndim))


def _targets(numel):
    """Shapes with ``numel`` elements: flat, and split in two or three dims."""
    targets = [(-1,), (numel,), (1, numel), (numel, 1)]
    for k in range(1, numel + 1):
        if numel % k == 0:
            targets += [(k, -1), (-1, k, 1), (1, k, -1)]
    return targets


def _significant(strides, shape):
    return tuple(s for s, n in zip(strides, shape) if n != 1)


def _make(m, shape, perm, steps, expand_dim):
    x = m.arange(float(np.prod(shape))).reshape(*shape)
    x = x[tuple(slice(None, None, s) for s in steps)].permute(*perm)
    if expand_dim >= 0 and x.shape[expand_dim] == 1:
        sizes = list(x.shape)
        sizes[expand_dim] = 3
        x = x.expand(*sizes)
    return x


def test_view_succeeds_and_fails_exactly_where_torch_does():
    rng = np.random.default_rng(7)
    checked = refused = 0
    for shape, perm, steps, expand_dim in _random_layouts(rng, 150):
        d = _make(deepgrad, shape, perm, steps, expand_dim)
        t = _make(torch, shape, perm, steps, expand_dim)
        # np.broadcast_to gives every size-1 dim stride 0 (the size-1 exception above)
        assert _significant(d.stride(), t.shape) == _significant(t.stride(), t.shape)
        assert d.is_contiguous() == t.is_contiguous()
        for target in _targets(t.numel()):
            try:
                tv = t.view(*target)
            except RuntimeError:
                refused += 1
                with pytest.raises(RuntimeError, match="view size is not compatible"):
                    d.view(*target)
                continue
            dv = d.view(*target)
            checked += 1
            np.testing.assert_array_equal(dv.numpy(), tv.numpy())
            assert _significant(dv.stride(), tv.shape) == _significant(tv.stride(), tv.shape)
            assert np.shares_memory(dv.numpy(), d.numpy()) or d.numel() == 0
    assert checked > 100 and refused > 50  # both outcomes are exercised


def test_gradients_users_see_are_contiguous_as_torch():
    """A leaf's .grad is row-major in torch whatever the path the gradient took."""
    arr = np.random.default_rng(0).standard_normal((3, 4))
    results = []
    for m in (deepgrad, torch):
        x = m.tensor(arr, requires_grad=True)
        w = m.tensor(arr.T.copy(), requires_grad=True)
        (x.t() * 2.0 + w).exp().sum().backward()
        results.append((x.grad.stride(), x.grad.is_contiguous(), w.grad.stride()))
    assert results[0] == results[1]


def test_mixed_layout_operands_give_row_major_results():
    """Documented exception: for a binary elementwise op whose operands have different
    stride orders (a transposed and a row-major one), torch lays the result out in the
    first operand's order; NumPy's ufuncs (order="K") fall back to row-major there.
    Matching torch would need an extra output allocation per op in the hot path of every
    binary op, for a case whose values are the same either way."""
    arr = np.random.default_rng(0).standard_normal((4, 3))
    d_a, t_a = deepgrad.tensor(arr.T.copy()).t(), torch.tensor(arr.T.copy()).t()
    d_b, t_b = deepgrad.tensor(arr), torch.tensor(arr)
    d_out, t_out = d_a + d_b, t_a + t_b
    np.testing.assert_array_equal(d_out.numpy(), t_out.numpy())
    assert t_out.stride() == t_a.stride()          # torch: the first operand's order
    assert d_out.is_contiguous() and d_out.stride() == (3, 1)
    assert (d_b + d_a).stride() == (t_b + t_a).stride() == (3, 1)  # agree when it leads
