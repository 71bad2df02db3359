"""torch's memory-layout conventions on top of NumPy (and CuPy) arrays.

A tensor's values live in a raw array whose strides (in bytes) say how far apart
neighbours are. For every dim of size > 1 NumPy and torch agree, because the memory
decides. A dim of *size 1* is never stepped along, so its stride is a free choice, and
the two libraries choose differently:

* torch gives ``unsqueeze`` (and ``x[None]``, and the leading dims ``expand`` adds) the
  stride ``size[d+1] * stride[d+1]`` (1 for the last dim); NumPy gives 0, and 0 for a
  size-1 dim that ``expand`` (np.broadcast_to) leaves size 1, where torch keeps it;
* torch lays a freshly computed contiguous result out row-major, stride of dim d =
  product of the sizes after d (a size 0 counted as 1); NumPy's reductions keep the
  input's stride order for the size-1 dims a ``keepdims`` reduction leaves;
* torch's ``view``/``reshape`` compute size-1 strides from the neighbouring chunk
  (:func:`view_strides`); NumPy gives a trailing size-1 dim the last stride unchanged.

:func:`torch_strides` reads torch's strides (in elements) off an array: NumPy's, except
for a fresh contiguous array. The view ops whose NumPy result would disagree (unsqueeze,
None in an index, expand, view/reshape of a non-contiguous tensor) build their result
with :func:`restride`, on a path that a contiguous input never takes.
"""
import numpy as np


def row_major_strides(shape):
    """Strides (in elements) of a fresh contiguous tensor: (2, 3, 4) -> (12, 4, 1)."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def torch_strides(arr):
    """torch's strides, in elements, of the tensor whose values are ``arr``."""
    if arr.base is None and arr.flags.c_contiguous:
        # a fresh contiguous result (NumPy may give its size-1 dims other strides)
        return row_major_strides(arr.shape)
    item = arr.itemsize
    return tuple(s // item for s in arr.strides)


def row_major_exact(arr):
    """True when ``arr``'s torch strides are exactly row-major, size-1 dims included: then
    NumPy's reshape of it gives torch's view strides (the fast path of the view ops)."""
    return arr.flags.c_contiguous and (arr.base is None or 1 not in arr.shape)


def view_strides(old_shape, old_strides, new_shape):
    """torch's strides for ``view(new_shape)`` of a tensor, or None when no view exists.

    The old dims split into *chunks* of dims that are contiguous with each other (stride
    of d == size of d+1 times stride of d+1; size-1 dims never end a chunk); a view can
    only split or merge dims inside one chunk. Walking both shapes from the right, each
    new dim gets ``(product of the new sizes after it in the chunk) * the chunk's last
    stride``; a new size-1 dim takes the value its position gives.
    """
    if not old_shape:
        return (1,) * len(new_shape)
    new = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    base = old_strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1
                      and old_strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new[view_d] = view_numel * base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base = old_strides[d - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new)


def restride(arr, shape, strides, device_result=None):
    """A view of ``arr``'s memory, starting at its first element, with the given shape
    and strides (in elements). For a CuPy ``arr``: ``device_result`` (the op's own result,
    whose only difference is the stride of a size-1 dim, which never addresses memory),
    or ``arr`` itself when not given."""
    if not isinstance(arr, np.ndarray):
        return arr if device_result is None else device_result
    item = arr.itemsize
    byte_strides = tuple(s * item for s in strides)
    if arr.flags.c_contiguous:
        # the common case (x[None], unsqueeze of a contiguous tensor): NumPy makes the
        # owner of the memory the new array's .base
        res = np.ndarray(shape, arr.dtype, buffer=arr, strides=byte_strides)
    else:
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        if not root.flags.c_contiguous:  # memory NumPy cannot hand out as a buffer
            return np.lib.stride_tricks.as_strided(arr, shape, byte_strides,
                                                   writeable=arr.flags.writeable)
        offset = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        res = np.ndarray(shape, arr.dtype, buffer=root, offset=offset, strides=byte_strides)
    if res.flags.writeable and not arr.flags.writeable:
        res.flags.writeable = False
    return res


# --- the layout of an elementwise result (torch's TensorIterator) ------------------------

def _dense(shape, strides):
    """torch's is_non_overlapping_and_dense: some order of the dims is row-major."""
    dims = sorted((s, n) for s, n in zip(strides, shape) if n != 1)
    expected = 1
    for s, n in dims:
        if s != expected:
            return False
        expected *= n
    return True


def iteration_order(shape, operand_strides):
    """torch's order of the dims of an elementwise result, fastest first.

    Start from row-major (last dim fastest) and insertion-sort the dims by the
    operands' strides: the first operand whose strides for two dims differ (neither
    broadcast, i.e. 0) decides which is faster; equal strides put the smaller dim first;
    when no operand decides, the dims keep their order.
    """
    perm = list(range(len(shape) - 1, -1, -1))

    def should_swap(d0, d1):
        for strides in operand_strides:
            s0, s1 = strides[d0], strides[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    for i in range(1, len(shape)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm


def elementwise_strides(shape, arrays):
    """The strides (in elements) torch gives the result of an elementwise op on
    ``arrays`` (broadcast to ``shape``), or None for row-major.

    torch's TensorIterator: operands of the result's shape that are all contiguous give
    a contiguous result, all channels-last a channels-last one, all dense with the same
    strides those strides; otherwise the dims are ordered by :func:`iteration_order` and
    packed densely in that order.
    """
    ndim = len(shape)
    strides = [torch_strides(a) for a in arrays]
    if all(a.shape == shape for a in arrays):
        if all(a.flags.c_contiguous for a in arrays):
            return None
        if ndim == 4 and all(is_channels_last(a.shape, s) for a, s in zip(arrays, strides)):
            return channels_last_strides(shape)
        if all(s == strides[0] for s in strides) and _dense(shape, strides[0]):
            return strides[0]
    operand_strides = []
    for a, s in zip(arrays, strides):
        lead = ndim - a.ndim
        # broadcast dims (new, or size 1 stretched) count as stride 0; byte strides, as
        # torch compares them (operands of different dtypes)
        operand_strides.append((0,) * lead + tuple(
            0 if n == 1 and shape[lead + i] != 1 else st * a.itemsize
            for i, (n, st) in enumerate(zip(a.shape, s))))
    perm = iteration_order(shape, operand_strides)
    if perm == list(range(ndim - 1, -1, -1)):
        return None
    out, step = [0] * ndim, 1
    for d in perm:
        out[d] = step
        step *= shape[d]
    return tuple(out)


def _in_row_major_order(a):
    """Each dim steps strictly further in memory than every later one (broadcast dims,
    stride 0, aside): a row-major array or a slice of one, whose dims the sort in
    :func:`iteration_order` leaves in row-major order."""
    last = None
    for s in a.strides:
        if s == 0:
            continue
        if s < 0 or (last is not None and s >= last):
            return False
        last = s
    return True


def like_torch(out, *arrays):
    """``out`` (an elementwise op's NumPy result) laid out as torch lays that result out.

    Called only when some operand is not contiguous: NumPy's order="K" follows the
    operands' memory too, but breaks ties (operands in different orders) differently.
    """
    if not isinstance(out, np.ndarray) or out.ndim < 2:
        return out
    arrays = [a for a in arrays if isinstance(a, np.ndarray)]
    if out.flags.c_contiguous:
        for a in arrays:
            if not _in_row_major_order(a):
                break
        else:
            # the common case (gates sliced out of one matrix): torch iterates these
            # row-major as well, and NumPy's result already is; skip the general sort
            return out
    want = elementwise_strides(out.shape, arrays)
    if want is None:
        if out.flags.c_contiguous:
            return out
        return np.ascontiguousarray(out)
    if torch_strides(out) == want:
        return out
    res = restride(np.empty(out.size, out.dtype), out.shape, want)
    np.copyto(res, out)
    return res


# --- memory formats ------------------------------------------------------------------------

def channels_last_strides(shape):
    """Strides of an (N, C, H, W) (or (N, C, D, H, W)) tensor stored as N, (D,) H, W, C
    (torch's products of the raw sizes: a size 0 makes the slower strides 0)."""
    n = len(shape)
    order = (0,) + tuple(range(2, n)) + (1,)  # dims from slowest to fastest in memory
    strides, step = [0] * n, 1
    for d in reversed(order):
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def is_channels_last(shape, strides):
    """torch's is_contiguous(memory_format=channels_last(_3d)): the strides are those of
    N, (D,) H, W, C storage, ignoring dims of size 1."""
    n = len(shape)
    order = (0,) + tuple(range(2, n)) + (1,)
    expected = 1
    for d in reversed(order):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True
