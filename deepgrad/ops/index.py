"""Indexing: x[idx], x[idx] = v, gather, scatter_add, index_select.

Reading ``y = x[idx]`` picks elements; its gradient puts each element of dy back
where it came from in a zero tensor of x's shape, *adding* where an index repeats
(``x[[0, 0]]`` sends two gradients to x[0]). That scatter is itself an op whose
gradient is the gather again, so double backward works.
"""
import numbers

import numpy as np

from .._layout import restride, row_major_exact, torch_strides
from ..autograd.function import ArrayFunction, SliceGradient
from ..backend import is_device_array
from ..tensor import Tensor
from ._util import broadcast_shapes, constant, row_major, to_tensor_like, wrap_dim
from . import arithmetic as _arith
from . import inplace as _inplace
from . import shape as _shape


def _is_basic(index):
    """True when NumPy's result is a view (ints, slices, None, Ellipsis only)."""
    for i in index:
        kind = type(i)
        if kind is int or kind is slice or i is None or i is Ellipsis:
            continue
        # an array is advanced (checked first: isinstance against the ABC is slow)
        if kind is np.ndarray or not isinstance(i, (slice, numbers.Integral)):
            return False
    return True


def normalize_index(index, shape):
    """A NumPy index from PyTorch-style input, with clear errors for bad entries."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for i in index:
        if type(i) is int:  # the common case first: the checks below are slower
            out.append(i)
        elif isinstance(i, Tensor):
            arr = i._data
            if arr.dtype.kind == "f":
                raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, "
                                 f"got {i.dtype}")
            out.append(arr)
        elif isinstance(i, (bool, np.bool_)):
            out.append(np.asarray(i))
        elif isinstance(i, numbers.Integral):
            out.append(int(i))
        elif isinstance(i, float):
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got float {i!r})")
        elif isinstance(i, (list, range, np.ndarray)):
            # a range indexes like the list of its values (torch: x[range(n), y])
            arr = np.asarray(i)
            if arr.dtype.kind == "f":
                raise IndexError(f"tensors used as indices must be long, int, byte or bool "
                                 f"tensors, got a float list/array {i!r}")
            if arr.size == 0:
                arr = arr.astype(np.int64)
            out.append(arr)
        elif is_device_array(i):   # a raw CuPy index saved by an op for its backward
            out.append(i)
        elif i is None or i is Ellipsis or isinstance(i, slice):
            if isinstance(i, slice):
                for part in (i.start, i.stop, i.step):
                    if part is not None and not isinstance(part, (numbers.Integral, Tensor)):
                        raise IndexError(f"slice indices must be integers or None, got {part!r}")
                if i.step is not None and int(i.step) <= 0:
                    raise ValueError("step must be greater than zero")
            out.append(i)
        else:
            raise IndexError(f"unsupported index of type {type(i).__name__}: {i!r}")
    return tuple(out)


class GetItem(ArrayFunction):
    saves_inputs = False

    def forward(self, a, index, basic=None):
        """``basic``: whether ``index`` is basic (the result a view), when the caller knows."""
        if basic is None:
            basic = _is_basic(index)
        self.in_shape, self.index, self.basic = a.shape, index, basic
        try:
            out = a[index]
        except IndexError as err:
            raise IndexError(f"{err} (indexing a tensor of shape {list(a.shape)})") from None
        if not hasattr(out, "shape"):
            return np.asarray(out)
        if not basic:
            if not out.flags.c_contiguous:
                # NumPy may lay an advanced-index result out permuted; torch's is row-major
                out = row_major(out)
        elif 0 in out.strides and any(i is None for i in index):
            out = _none_strides(a, out, index)
        return out

    def backward(self, g):
        return IndexAddInto.apply(g, shape=self.in_shape, index=self.index)

    def backward_arrays(self, g):
        shape = self.in_shape
        if shape and self.basic:
            # a slice: the engine writes g where it lies in x's gradient (no zeros per slice)
            return (SliceGradient(shape, self.index, g),)
        return (_index_add_into(g, shape, self.index),)


_ALL = slice(None)


def _none_strides(a, out, index):
    """``out`` with torch's strides for the dims None added: torch unsqueezes while it
    walks the index from the left, so a None's stride is size * stride of the dim it
    lands before, *before* later slices or ints apply (NumPy gives 0)."""
    if row_major_exact(a) and all(
            i is None or i is Ellipsis or i == _ALL for i in index):
        return a.reshape(out.shape)  # x[None], x[:, None]: a contiguous reshape agrees
    dims = [[n, s, False] for n, s in zip(a.shape, torch_strides(a))]
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    d = 0
    for i in index:
        if i is None:
            dims.insert(d, [1, dims[d][0] * dims[d][1] if d < len(dims) else 1, True])
            d += 1
        elif i is Ellipsis:
            d += a.ndim - consumed
        elif isinstance(i, slice):
            d += 1
        else:
            del dims[d]
    strides = [s // out.itemsize for s in out.strides]
    for k, (_, stride, added) in enumerate(dims):
        if added:
            strides[k] = stride
    return restride(out, out.shape, strides)


class IndexAddInto(ArrayFunction):
    """zeros(shape) with g added at ``index``: the gradient of x[index]."""
    saves_inputs = False

    def forward(self, g, shape, index):
        self.index = index
        return _index_add_into(g, shape, index)

    def backward(self, gg):
        return GetItem.apply(gg, index=self.index)   # self.index is already a raw index


def _index_add_into(g, shape, index):
    # np.zeros on NumPy: a quarter of np.zeros_like's cost (its Python wrapper); CuPy's own
    out = np.zeros(shape, g.dtype) if type(g) is np.ndarray else np.zeros_like(g, shape=shape)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


class IndexPut(ArrayFunction):
    """x with ``x[index] = v``; dx is dy with zeros at index, dv is dy[index] summed to v."""
    saves_inputs = False

    def forward(self, a, v, index):
        self.index = index
        out = a.copy()
        out[index] = v
        return out

    def backward(self, g):
        a, v = self.inputs
        ga = gv = None
        if self.needs_input_grad[0]:
            keep = np.ones_like(g._data)
            keep[self.index] = 0
            ga = g * constant(keep, g)
        if self.needs_input_grad[1]:
            picked = getitem(g, self.index)
            gv = _arith.sum_to(picked, v.shape) if picked.shape != v.shape else picked
        return ga, gv


class Gather(ArrayFunction):
    saves_inputs = False

    def forward(self, a, dim, index):
        self.dim, self.index, self.in_shape = dim, index, a.shape
        return np.take_along_axis(a, index, axis=dim)

    def backward(self, g):
        zeros = constant(np.zeros_like(g._data, shape=self.in_shape), g)
        return scatter_add(zeros, self.dim, constant(self.index, g), g)


class ScatterAdd(ArrayFunction):
    """out = base; out[..., index[i], ...] += src[i] along ``dim``."""
    saves_inputs = False

    def forward(self, base, index, src, dim):
        self.dim = dim
        out = base.copy()
        np.add.at(out, _along_axis_index(index, dim), src[tuple(slice(0, s) for s in index.shape)])
        return out

    def backward(self, g):
        _, index, src = self.inputs
        gbase = g if self.needs_input_grad[0] else None
        gsrc = None
        if self.needs_input_grad[2]:
            picked = gather(g, self.dim, index)
            if picked.shape != src.shape:  # src may be larger than index: the rest gets 0

                widths = []
                for s_src, s_idx in reversed(list(zip(src.shape, index.shape))):
                    widths += [0, s_src - s_idx]
                picked = _shape.pad(picked, widths)
            gsrc = picked
        return gbase, None, gsrc


def _along_axis_index(index, dim):
    """Full fancy index addressing ``out[..., index, ...]`` along ``dim``."""
    # np.indices(index.shape, sparse=True), made on index's device (like=)
    grids = [np.arange(n, like=index).reshape([n if k == d else 1 for k in range(index.ndim)])
             for d, n in enumerate(index.shape)]
    grids[dim] = index
    return tuple(grids)


def getitem(x, index):
    index = normalize_index(index, x._data.shape)
    basic = _is_basic(index)
    out = GetItem.apply(x, index=index, basic=basic)
    if basic:
        out._vc = x._vc  # a view shares its base's version counter
    return out


def slice_view(x, index):
    """``x[index]`` for an index built by the library from slices and ints (narrow, split,
    chunk): already valid and basic, so the checks of ``getitem`` are skipped."""
    out = GetItem.apply(x, index=index, basic=True)
    out._vc = x._vc
    return out


def setitem(x, index, value):
    """``x[index] = value`` in place (recorded in the graph like any in-place op)."""

    index = normalize_index(index, x._data.shape)
    v = to_tensor_like(value, x)
    if v._data.dtype != x._data.dtype:
        v = v.to(x.dtype)
    _inplace.inplace(x, lambda old: IndexPut.apply(old, v, index=index))


def _check_index_tensor(index, name):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): index must be a Tensor, got {type(index).__name__}")
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index, got {index.dtype}")


def gather(x, dim, index):
    """out[i][j] = x[index[i][j]][j] for dim=0 (and so on for other dims)."""
    _check_index_tensor(index, "gather")
    d = wrap_dim(dim, x._data.ndim)
    if index._data.ndim != x._data.ndim:
        raise RuntimeError(f"gather(): Index tensor must have the same number of dimensions as "
                           f"input tensor ({x._data.ndim}), got {index._data.ndim}")
    _check_range(index._data, x._data.shape[d], "gather", d)
    return Gather.apply(x, dim=d, index=index._data)


def _check_range(idx, size, name, dim):
    if not idx.size:
        return
    # one explicit device-to-host sync for the check (torch asserts on the device instead)
    lo, hi = idx.min().item(), idx.max().item()
    if lo < -size or hi >= size:
        bad = hi if hi >= size else lo
        raise IndexError(f"{name}(): index {int(bad)} is out of bounds for dimension {dim} "
                         f"with size {size}")


def scatter_add(x, dim, index, src):
    _check_index_tensor(index, "scatter_add")
    d = wrap_dim(dim, x._data.ndim)
    _check_range(index._data, x._data.shape[d], "scatter_add", d)
    if src._data.dtype != x._data.dtype:
        src = src.to(x.dtype)
    return ScatterAdd.apply(x, index, src, dim=d)


def scatter(x, dim, index, src):
    """out = x with out[index along dim] = src (no accumulation; last write wins)."""
    _check_index_tensor(index, "scatter")
    d = wrap_dim(dim, x._data.ndim)
    _check_range(index._data, x._data.shape[d], "scatter", d)

    full = _along_axis_index(index._data, d)
    if not isinstance(src, Tensor):
        src = to_tensor_like(src, x).expand(index.shape)
    src = src[tuple(slice(0, s) for s in index.shape)]
    return IndexPut.apply(x, src.to(x.dtype), index=full)


def index_select(x, dim, index):
    _check_index_tensor(index, "index_select")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = wrap_dim(dim, x._data.ndim)
    _check_range(index._data, x._data.shape[d], "index_select", d)
    return getitem(x, (slice(None),) * d + (index._data.reshape(-1),))


def take_along_dim(x, indices, dim):
    return gather(x, dim, indices)


def masked_select(x, mask):
    shape = broadcast_shapes(x._data.shape, mask._data.shape)
    return getitem(_shape.expand(x, shape), np.broadcast_to(mask._data, shape))
