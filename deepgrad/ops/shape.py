"""Shape ops: reshape/view, permute/transpose, expand, repeat, cat/stack, split, flip, pad.

None of them changes values, so each gradient just undoes the rearrangement:
reshape back, permute by the inverse permutation, sum what expand copied, slice
what cat joined. Ops whose result is a NumPy view share the input's version
counter, so an in-place change through either is seen by both (as in PyTorch).
"""
import numbers

import numpy as np

from .._layout import restride, row_major_exact, torch_strides, view_strides
from ..autograd.function import ArrayFunction
from ._util import operands, row_major, wrap_dim
from . import arithmetic as _arith
from . import index as _index
from . import reduce as _reduce


def _share_version(out, src):
    """Make a view result share its base's version counter."""
    if out._data.base is not None:
        out._vc = src._vc
    return out


class Reshape(ArrayFunction):
    saves_inputs = False

    def forward(self, a, shape):
        self.in_shape = a.shape
        out = a.reshape(shape)
        if 1 in shape and out.size and not row_major_exact(a):
            # torch gives the new size-1 dims strides from their chunk; NumPy differs
            # (this path only for a non-contiguous input: contiguous ones agree)
            strides = view_strides(a.shape, torch_strides(a), shape)
            if strides is not None:
                return restride(a, shape, strides, out)
        return out

    def backward(self, g):
        return reshape(g, self.in_shape)


class Unsqueeze(Reshape):
    """A new size-1 dim at ``dim``; torch's stride for it is size * stride of the dim
    after it (1 when last), which NumPy's reshape of a non-contiguous array does not give."""

    def forward(self, a, shape, dim):
        self.in_shape = a.shape
        out = a.reshape(shape)
        if not row_major_exact(a) and out.size:
            strides = list(torch_strides(a))
            strides.insert(dim, a.shape[dim] * strides[dim] if dim < a.ndim else 1)
            return restride(a, shape, strides, out)
        return out


class Squeeze(Reshape):
    """Drops size-1 dims; torch keeps the other dims' strides as they are."""

    def forward(self, a, shape, dims):
        self.in_shape = a.shape
        if row_major_exact(a):
            return a.reshape(shape)
        return a[tuple(0 if d in dims else slice(None) for d in range(a.ndim))]


class Permute(ArrayFunction):
    saves_inputs = False

    def forward(self, a, dims):
        self.dims = dims
        return a.transpose(dims)

    def backward(self, g):
        return permute(g, tuple(np.argsort(self.dims)))


class Expand(ArrayFunction):
    saves_inputs = False

    def forward(self, a, shape):
        self.in_shape = a.shape
        out = np.broadcast_to(a, shape)
        lead = len(shape) - a.ndim
        if 1 in shape and (1 in shape[:lead] or any(
                n == 1 and shape[lead + i] == 1 for i, n in enumerate(a.shape))):
            # NumPy gives every size-1 dim stride 0; torch keeps the stride of one that
            # stays size 1 and gives a new leading one unsqueeze's size * stride
            strides = list(torch_strides(out))
            kept = torch_strides(a)
            for i, n in enumerate(a.shape):
                if n == 1 and shape[lead + i] == 1:
                    strides[lead + i] = kept[i]
            for d in range(lead - 1, -1, -1):
                if shape[d] == 1:
                    strides[d] = shape[d + 1] * strides[d + 1] if d + 1 < len(shape) else 1
            res = restride(a if isinstance(a, np.ndarray) else out, shape, strides, out)
            if isinstance(res, np.ndarray):
                res.flags.writeable = False  # as np.broadcast_to's result
            return res
        return out

    def backward(self, g):
        return _arith.sum_to(g, self.in_shape)


class Repeat(ArrayFunction):
    saves_inputs = False

    def forward(self, a, reps):
        lead = len(reps) - a.ndim
        self.shape = (1,) * lead + a.shape
        self.reps = reps
        return np.tile(a.reshape(self.shape), reps)

    def backward(self, g):
        split = []
        for r, s in zip(self.reps, self.shape):
            split += [r, s]
        summed = _reduce.sum(reshape(g, split), tuple(range(0, 2 * len(self.reps), 2)))
        return reshape(summed, self.inputs[0].shape)


class Cat(ArrayFunction):
    saves_inputs = False

    def forward(self, *arrays, dim):
        self.dim = dim
        self.sizes = [a.shape[dim] for a in arrays]
        # torch's cat is row-major unless every input shares another memory format
        return row_major(np.concatenate(arrays, axis=dim))

    def backward(self, g):
        out, start = [], 0
        for size, needs in zip(self.sizes, self.needs_input_grad):
            out.append(narrow(g, self.dim, start, size) if needs else None)
            start += size
        return tuple(out)

    def backward_arrays(self, g):
        """Each input's gradient is a view of ``g`` (the slice its values went to)."""
        out, start = [], 0
        lead = (slice(None),) * self.dim
        for size, needs in zip(self.sizes, self.needs_input_grad):
            out.append(g[lead + (slice(start, start + size),)] if needs else None)
            start += size
        return tuple(out)


class Flip(ArrayFunction):
    saves_inputs = False

    def forward(self, a, dims):
        self.dims = dims
        return np.flip(a, dims).copy(order="K")  # keeps a's stride order, as torch's flip

    def backward(self, g):
        return flip(g, self.dims)


class Pad(ArrayFunction):
    saves_inputs = False

    def forward(self, a, widths, value):
        self.crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, a.shape))
        return row_major(np.pad(a, widths, mode="constant", constant_values=value))

    def backward(self, g):
        return _index.getitem(g, self.crop)


# --- functional wrappers -------------------------------------------------------------------

def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if all(type(s) is int for s in shape):
        return tuple(shape)
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"shape must be a sequence of ints, got {shape!r}")
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel, in_shape):
    if shape.count(-1) > 1:
        raise RuntimeError(f"only one dimension can be inferred: {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel} "
                           f"(input shape {list(in_shape)})")
    return shape


def reshape(x, *shape):
    shape = _infer_shape(_shape_arg(shape), x._data.size, x._data.shape)
    return _share_version(Reshape.apply(x, shape=shape), x)


def view(x, *shape):
    shape = _infer_shape(_shape_arg(shape), x._data.size, x._data.shape)
    if x._data.size and not _viewable(x._data, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return reshape(x, shape)


def _viewable(arr, shape):
    try:
        view_arr = arr.view()
        view_arr.shape = shape  # NumPy refuses (AttributeError) when a copy would be needed
    except AttributeError:
        return False
    return True


def flatten(x, start_dim=0, end_dim=-1):
    nd = x._data.ndim
    if nd == 0:
        return reshape(x, (1,))
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = x._data.shape
    return reshape(x, shape[:s] + (-1 if 0 not in shape[s:e + 1] else 0,) + shape[e + 1:])


def unflatten(x, dim, sizes):
    d = wrap_dim(dim, x._data.ndim)
    shape = x._data.shape
    sizes = _infer_shape(tuple(sizes), shape[d], (shape[d],))
    return reshape(x, shape[:d] + sizes + shape[d + 1:])


def squeeze(x, dim=None):
    shape = x._data.shape
    if dim is None:
        dims = {i for i, s in enumerate(shape) if s == 1}
    else:
        dims = {wrap_dim(d, x._data.ndim)
                for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
        dims = {d for d in dims if shape[d] == 1}
    new_shape = tuple(s for i, s in enumerate(shape) if i not in dims)
    return _share_version(Squeeze.apply(x, shape=new_shape, dims=dims), x)


def unsqueeze(x, dim):
    d = wrap_dim(dim, x._data.ndim + 1)
    shape = x._data.shape
    return _share_version(Unsqueeze.apply(x, shape=shape[:d] + (1,) + shape[d:], dim=d), x)


def permute(x, *dims):
    dims = _shape_arg(dims)
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {list(dims)}")
    return _share_version(Permute.apply(x, dims=dims), x)


def transpose(x, dim0, dim1):
    nd = x._data.ndim
    if nd < 2 and wrap_dim(dim0, nd) == wrap_dim(dim1, nd):
        return x
    order = list(range(nd))
    a, b = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    order[a], order[b] = order[b], order[a]
    return permute(x, tuple(order))


def t(x):
    if x._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{x._data.ndim}D")
    return x if x._data.ndim < 2 else transpose(x, 0, 1)


def movedim(x, source, destination):
    nd = x._data.ndim
    order = list(range(nd))
    src, dst = wrap_dim(source, nd), wrap_dim(destination, nd)
    order.remove(src)
    order.insert(dst, src)
    return permute(x, tuple(order))


def expand(x, *shape):
    shape = _shape_arg(shape)
    in_shape = x._data.shape
    lead = len(shape) - len(in_shape)
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({len(in_shape)})")
    target = []
    for i, s in enumerate(shape):
        if s == -1:
            if i < lead:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = in_shape[i - lead]
        elif i >= lead and in_shape[i - lead] not in (1, s):
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({in_shape[i - lead]}) at non-singleton dimension {i}.  "
                               f"Target sizes: {list(shape)}.  Tensor sizes: {list(in_shape)}")
        target.append(s)
    target = tuple(target)
    if target == in_shape:
        return x
    return _share_version(Expand.apply(x, shape=target), x)


def expand_as(x, other):
    return expand(x, other.shape)


def broadcast_to(x, shape):
    return expand(x, shape)


def repeat(x, *sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return Repeat.apply(x, reps=sizes)


def _plain_cat_dim(tensors, dim):
    """``dim`` wrapped when ``tensors`` (two or more) share ndim (>= 2), dtype and every size
    but along ``dim``: the common case, which needs none of ``cat``'s checks; else None."""
    if len(tensors) < 2 or type(dim) is not int:
        return None
    first = tensors[0]._data
    ndim, dtype, shape = first.ndim, first.dtype, first.shape
    if ndim < 2 or not -ndim <= dim < ndim:
        return None
    d = dim % ndim
    before, after = shape[:d], shape[d + 1:]
    for t in tensors:
        a = t._data
        if a.dtype != dtype or a.ndim != ndim or a.shape[:d] != before or a.shape[d + 1:] != after:
            return None
    return d


def cat(tensors, dim=0):
    tensors = [t for t in tensors]
    d = _plain_cat_dim(tensors, dim)
    if d is not None:
        return Cat.apply(*tensors, dim=d)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    ref = max(tensors, key=lambda t: t._data.ndim)
    d = wrap_dim(dim, ref._data.ndim)
    # PyTorch skips 1-D empty tensors in cat (a legacy rule kept for compatibility)
    tensors = [t for t in tensors if not (t._data.ndim == 1 and t._data.size == 0)] or tensors[:1]
    for i, t in enumerate(tensors):
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got "
                               f"{ref._data.ndim} and {t._data.ndim}")
        for k, (a, b) in enumerate(zip(t._data.shape, ref._data.shape)):
            if k != d and a != b:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {b} but got size {a} for tensor number {i} "
                                   f"in the list.")

    common = tensors[0]
    for t in tensors[1:]:
        if t._data.dtype != common._data.dtype:
            common = operands(common, t)[0]
    tensors = [t if t._data.dtype == common._data.dtype else t.to(common.dtype) for t in tensors]
    if len(tensors) == 1:
        return tensors[0]
    return Cat.apply(*tensors, dim=d)


concat = cat
concatenate = cat


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    return Cat.apply(*[unsqueeze(t, d) for t in tensors], dim=d) if len(tensors) > 1 else \
        unsqueeze(tensors[0], d)


def hstack(tensors):
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t._data.ndim > 1 else unsqueeze(t, 0) for t in tensors], 0)


def narrow(x, dim, start, length):
    d = wrap_dim(dim, x._data.ndim)
    size = x._data.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size "
                         f"({size}) of dim {d}")
    return _index.slice_view(x, (slice(None),) * d + (slice(start, start + length),))


def split(x, split_size_or_sections, dim=0):
    d = wrap_dim(dim, x._data.ndim)
    size = x._data.shape[d]
    # type(...) is int first: the ABC check alone costs more than a view (chunk calls this)
    if type(split_size_or_sections) is int or isinstance(split_size_or_sections,
                                                          numbers.Integral):
        step = int(split_size_or_sections)
        if step <= 0 and size:
            raise RuntimeError(f"split expects split_size be non-negative, but got {step}")
        sizes = [min(step, size - s) for s in range(0, size, step)] if size else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    out, start = [], 0
    for s in sizes:
        out.append(narrow(x, d, start, s))
        start += s
    return tuple(out)


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = x._data.shape[wrap_dim(dim, x._data.ndim)]
    step = -(-size // chunks) if size else 1
    return split(x, step, dim)


def unbind(x, dim=0):
    d = wrap_dim(dim, x._data.ndim)
    return tuple(_index.getitem(x, (slice(None),) * d + (i,)) for i in range(x._data.shape[d]))


def flip(x, dims):
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    dims = tuple(wrap_dim(d, x._data.ndim) for d in dims)
    return Flip.apply(x, dims=dims)


def pad(x, pad, mode="constant", value=None):  # noqa: A002 - PyTorch's argument name
    """Constant padding; ``pad`` lists (before, after) pairs from the last dim backwards."""
    if mode != "constant":
        raise NotImplementedError(f"pad mode {mode!r} is not supported yet; use 'constant'")
    if len(pad) % 2 or len(pad) // 2 > x._data.ndim:
        raise RuntimeError(f"Padding length must be divisible by 2 and at most twice the number "
                           f"of dims ({x._data.ndim}), got {len(pad)}")
    widths = [(0, 0)] * x._data.ndim
    for i in range(len(pad) // 2):
        widths[x._data.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        crop = tuple(slice(-lo if lo < 0 else 0, s + hi if hi < 0 else s)
                     for (lo, hi), s in zip(widths, x._data.shape))
        x = _index.getitem(x, crop)
        widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    return Pad.apply(x, widths=tuple(widths), value=0 if value is None else value)
