"""More shape ops, each composed from the primitives of ``shape.py`` and ``index.py`` (so the
gradients, of any order, come from those): ravel, tile, roll, rot90, fliplr/flipud,
atleast_Nd, meshgrid, broadcast_tensors, tensor_split and its h/v/d forms, dstack,
column_stack, repeat_interleave, select, take, diff, block_diag, cartesian_prod.
"""
import numbers
import warnings

import numpy as np

from ..backend import CPU, is_device_array, move_array
from ..tensor import Tensor
from ._util import broadcast_shapes, constant, wrap_dim
from . import index as _index
from . import shape as _shape


def ravel(input):  # noqa: A002 - PyTorch's argument name
    return _shape.reshape(input, -1)


def tile(input, dims):  # noqa: A002
    """Repeat ``input`` ``dims[i]`` times along dim i; missing leading dims count as 1."""
    dims = tuple(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return _shape.repeat(input, *dims)


def roll(input, shifts, dims=None):  # noqa: A002
    """Shift elements along ``dims`` by ``shifts``, wrapping around (no dims: the flat tensor)."""
    if dims is None:
        if not isinstance(shifts, numbers.Integral):
            raise RuntimeError("roll: with dims=None, shifts must be a single integer")
        return _shape.reshape(roll(ravel(input), shifts, 0), input.shape)
    shifts = (shifts,) if isinstance(shifts, numbers.Integral) else tuple(shifts)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    out = input
    for shift, dim in zip(shifts, dims):
        d = wrap_dim(dim, out._data.ndim)
        n = out._data.shape[d]
        if n == 0 or shift % n == 0:
            continue
        cut = n - shift % n      # the tail [cut:] moves to the front
        out = _shape.cat([_shape.narrow(out, d, cut, n - cut), _shape.narrow(out, d, 0, cut)], d)
    return out


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """Rotate by 90 degrees ``k`` times, from ``dims[0]`` towards ``dims[1]``."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = (wrap_dim(d, input._data.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k %= 4
    if k == 1:
        return _shape.transpose(_shape.flip(input, d1), d0, d1)
    if k == 2:
        return _shape.flip(input, (d0, d1))
    if k == 3:
        return _shape.flip(_shape.transpose(input, d0, d1), d1)
    return input


def fliplr(input):  # noqa: A002
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _shape.flip(input, 1)


def flipud(input):  # noqa: A002
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _shape.flip(input, 0)


def _atleast(tensors, n, place):
    def one(t):
        while t._data.ndim < n:
            t = place(t)
        return t
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
        return tuple(one(t) for t in tensors)
    return one(tensors[0]) if len(tensors) == 1 else tuple(one(t) for t in tensors)


def atleast_1d(*tensors):
    return _atleast(tensors, 1, lambda t: _shape.reshape(t, 1))


def atleast_2d(*tensors):
    return _atleast(tensors, 2, lambda t: _shape.unsqueeze(t, 0))


def atleast_3d(*tensors):
    # torch: 0-d -> (1, 1, 1), 1-d (n) -> (1, n, 1), 2-d (m, n) -> (m, n, 1)
    def lift(t):
        if t._data.ndim == 0:
            return _shape.reshape(t, 1, 1, 1)
        if t._data.ndim == 1:
            return _shape.reshape(t, 1, -1, 1)
        if t._data.ndim == 2:
            return _shape.unsqueeze(t, -1)
        return t
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(lift(t) for t in tensors[0])
    return lift(tensors[0]) if len(tensors) == 1 else tuple(lift(t) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: output i varies along dim i ('ij'); 'xy' swaps the first two dims."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t._data.ndim}D")
    flat = [_shape.reshape(t, -1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    order = [1, 0] + list(range(2, len(flat))) if swap else list(range(len(flat)))
    shape = tuple(flat[i]._data.shape[0] for i in order)
    out = []
    for i, t in enumerate(flat):
        pos = order.index(i)
        view = [1] * len(flat)
        view[pos] = -1
        out.append(_shape.expand(_shape.reshape(t, *view), shape))
    return tuple(out)


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(_shape.expand(t, shape) for t in tensors)


def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    """Split into ``n`` nearly equal parts (the first ``size % n`` one longer), or at indices."""
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, numbers.Integral):
        n = int(indices_or_sections)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = np.cumsum([0] + [q + 1] * r + [q] * (n - r)).tolist()
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else int(i) + size, 0), size)
                        for i in indices_or_sections] + [size]
    return tuple(_shape.narrow(input, d, lo, max(hi - lo, 0))
                 for lo, hi in zip(bounds[:-1], bounds[1:]))


def _directional_split(input, sections, dim, name):  # noqa: A002
    if isinstance(sections, numbers.Integral):
        size = input._data.shape[dim]
        if sections == 0 or size % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the split_size "
                               f"{sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):  # noqa: A002
    return _directional_split(input, indices_or_sections, 1 if input._data.ndim > 1 else 0,
                              "hsplit")


def vsplit(input, indices_or_sections):  # noqa: A002
    if input._data.ndim < 2:
        raise RuntimeError(f"torch.vsplit requires a tensor with at least 2 dimension, but got a "
                           f"tensor with {input._data.ndim} dimensions!")
    return _directional_split(input, indices_or_sections, 0, "vsplit")


def dsplit(input, indices_or_sections):  # noqa: A002
    if input._data.ndim < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got a "
                           f"tensor with {input._data.ndim} dimensions!")
    return _directional_split(input, indices_or_sections, 2, "dsplit")


def dstack(tensors):
    return _shape.cat(atleast_3d(tuple(tensors)), 2)


def column_stack(tensors):
    cols = [_shape.reshape(t, -1, 1) if t._data.ndim <= 1 else t for t in tensors]
    return _shape.cat(cols, 1)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Repeat each element ``repeats`` times (an int, or one count per element) along ``dim``.

    With only a 1-D integer tensor of counts, returns the indices 0, 0, 1, ... repeated.
    """
    if repeats is None:      # torch.repeat_interleave(counts)
        # the output's size depends on the counts: they come to the host (torch syncs too)
        counts = move_array(input._data, CPU)
        out = np.repeat(np.arange(counts.shape[0]), counts).astype(np.int64)
        return constant(move_array(out, input._device), input)
    if dim is None:
        input, dim = ravel(input), 0
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    reps = repeats._data if isinstance(repeats, Tensor) else repeats
    reps = move_array(reps, CPU) if is_device_array(reps) else np.asarray(reps)  # as above
    if reps.ndim == 1 and reps.shape[0] not in (1, n):
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {reps.shape[0]} and input.size({d}) = {n}")
    if (reps < 0).any():
        raise RuntimeError("repeats can not be negative")
    picks = np.repeat(np.arange(n), reps.reshape(-1) if reps.ndim else int(reps))
    return _index.getitem(input, (slice(None),) * d + (move_array(picks, input._device),))


def select(input, dim, index):  # noqa: A002
    d = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {d}")
    return _index.getitem(input, (slice(None),) * d + (int(index),))


def take(input, index):  # noqa: A002
    """Elements of the flattened input at ``index`` (the result has index's shape)."""
    return _index.getitem(ravel(input), index)


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    """The n-th forward difference along ``dim``: out[i] = x[i + 1] - x[i], n times."""
    d = wrap_dim(dim, input._data.ndim)
    x = input
    if prepend is not None or append is not None:
        parts = [p for p in (prepend, x, append) if p is not None]
        x = _shape.cat(parts, d)
    for _ in range(n):
        size = x._data.shape[d]
        if size == 0:
            break
        x = _shape.narrow(x, d, 1, size - 1) - _shape.narrow(x, d, 0, size - 1) \
            if x._data.dtype != np.bool_ else \
            _shape.narrow(x, d, 1, size - 1) ^ _shape.narrow(x, d, 0, size - 1)
    return x


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-d) as blocks on the diagonal of one zero matrix."""
    blocks = [t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t
              for t in tensors]
    total = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        width = b.shape[1]
        rows.append(_shape.pad(b, (left, total - left - width)))
        left += width
    return _shape.cat(rows, 0)


def cartesian_prod(*tensors):
    """All combinations of the 1-D inputs, one per row (in 'ij' order)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return _shape.stack([ravel(g) for g in grids], 1)


def split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    return _shape.split(input, list(split_sizes), dim)


def unsafe_split(input, split_size_or_sections, dim=0):  # noqa: A002
    """``split`` (deepgrad's parts are always safe to modify)."""
    return _shape.split(input, split_size_or_sections, dim)


def unsafe_chunk(input, chunks, dim=0):  # noqa: A002
    return _shape.chunk(input, chunks, dim)


def adjoint(input):  # noqa: A002
    """The (conjugate) transpose of the last two dims; real tensors: a transpose."""
    return _shape.transpose(input, -2, -1)


unsafe_split_with_sizes = split_with_sizes
