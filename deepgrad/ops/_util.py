"""Helpers shared by the ops: operand conversion, dtype promotion, broadcasting, dims."""
import numbers

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from . import convert as _convert


def row_major(arr):
    """``arr`` itself when C-contiguous, else a row-major copy (0-d stays 0-d, unlike
    ``np.ascontiguousarray``). For ops whose torch result is contiguous for any input."""
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


_ONES = {}   # (n, dtype) -> read-only vector of n ones
_ZEROS = {}  # dtype -> read-only 0-d zero


def ones_vector(n, dtype):
    """A read-only NumPy vector of ``n`` ones, kept for reuse.

    ``np.dot(a, ones_vector(a.shape[1], a.dtype))`` sums the rows of a matrix, and
    ``np.dot(ones_vector(a.shape[0], a.dtype), a)`` its columns, in one BLAS call: on the small
    arrays of a training step about half the instructions of NumPy's reduction machinery
    (``np.add.reduce``), with the same float32 accuracy (only the order of the additions
    differs)."""
    key = (n, dtype)
    arr = _ONES.get(key)
    if arr is None:
        if len(_ONES) >= 256:  # many shapes (varying batch sizes): keep the cache small
            _ONES.clear()
        arr = np.ones(n, dtype)
        arr.flags.writeable = False
        _ONES[key] = arr
    return arr


_OFFSETS = {}  # (rows, columns) -> read-only int64 vector 0, C, 2C, ..., (M - 1) C


def row_offsets(m, c):
    """The flat index ``i * C`` of each row's first element in a row-major (M, C) array,
    kept for reuse (``np.arange`` per call costs as much as the addition that follows it).
    ``row_offsets(m, c) + j`` are the flat indices of the elements (i, j_i): a 1-D gather
    or scatter with them costs less than NumPy's 2-D fancy indexing."""
    key = (m, c)
    arr = _OFFSETS.get(key)
    if arr is None:
        if len(_OFFSETS) >= 64:  # many batch sizes: keep the cache small
            _OFFSETS.clear()
        arr = np.arange(0, m * c, c)
        arr.flags.writeable = False
        _OFFSETS[key] = arr
    return arr


def blas_2d(a, b):
    """Whether ``a`` and ``b`` are 2-D float32/float64 NumPy arrays of one dtype: then
    ``np.dot(a, b)`` makes the very BLAS call of ``a @ b`` (the same bits and strides, on
    every layout: tests/core/test_per_op_third_pass.py) with less dispatch, 0.3-0.5 us
    of the 1-3 us that a small product costs."""
    return (type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2
            and a.dtype.char in "fd" and b.dtype == a.dtype)


def row_max(a):
    """max_j a_ij of a row-major 2-D NumPy array, as a (M,) vector.

    Gathered at each row's ``argmax``: along short rows NumPy's argmax is several times
    faster than its ``maximum.reduce`` (0.7 against 3.5 us at 32 x 10). The same values: a
    NaN's index comes first, so a row holding NaN gets NaN, as ``max`` gives."""
    m, c = a.shape
    return a.reshape(-1)[row_offsets(m, c) + a.argmax(axis=1)]


_SCALARS = {}  # (value, dtype) -> read-only 0-d array


def scalar_array(value, dtype):
    """``value`` (a Python int or float) as a read-only 0-d NumPy array of an inexact
    ``dtype`` (float or complex), kept for reuse. ``a * scalar_array(c, a.dtype)`` gives the bits of ``a * c`` (NumPy
    first casts a Python scalar to the array's dtype) but skips that conversion, a third
    of a small ufunc call's cost; an optimizer's learning rate is the typical ``value``."""
    key = (value, dtype)
    arr = _SCALARS.get(key)
    if arr is None:
        if len(_SCALARS) >= 64:  # a schedule changing lr every step: keep the cache small
            _SCALARS.clear()
        arr = np.array(value, dtype=dtype)
        arr.flags.writeable = False
        _SCALARS[key] = arr
    return arr


def zero_scalar(dtype):
    """A read-only 0-d NumPy zero of ``dtype``: ``np.maximum(a, zero_scalar(a.dtype))``
    gives the bits of ``np.maximum(a, 0)`` but skips converting the Python 0 each call."""
    arr = _ZEROS.get(dtype)
    if arr is None:
        arr = np.zeros((), dtype)
        arr.flags.writeable = False
        _ZEROS[dtype] = arr
    return arr


def is_scalar(x):
    """A Python (or NumPy) number, which ops take as an attribute rather than a tensor."""
    if isinstance(x, Tensor):  # the common case first: ABC checks below are slow
        return False
    return type(x) in (float, int, bool) or isinstance(x, numbers.Number)


def python_scalar(x, like):
    """``x`` as a Python number that will not widen ``like``'s dtype (NumPy's weak scalars)."""
    if type(x) in (float, int):
        return x
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return float(x)
    if like._data.dtype.kind != "c":
        raise TypeError(f"complex scalar {x!r} used with a real tensor")
    return complex(x)


def scalar_operand(t, c):
    """(tensor, scalar) ready for a tensor-scalar op: an integer tensor meeting a float scalar
    is first cast to the default float dtype, as in PyTorch."""
    c = python_scalar(c, t)
    kind = t._data.dtype.kind
    if kind == "f":
        return t, c
    if isinstance(c, float) and kind in "iub":
        t = cast(t, dtypes.default_float_numpy())
    elif isinstance(c, int) and not isinstance(c, bool) and kind == "b":
        t = cast(t, np.int64)
    return t, c


def to_tensor_like(x, like):
    """Wrap a non-tensor operand as a 0-d tensor on ``like``'s device."""
    if isinstance(x, Tensor):
        return x
    if is_scalar(x):
        c = python_scalar(x, like)
        if isinstance(c, bool):
            np_dtype = np.bool_
        elif isinstance(c, int):
            np_dtype = like._data.dtype if like._data.dtype.kind in "iuf" else np.int64
        else:
            np_dtype = like._data.dtype if like._data.dtype.kind == "f" else dtypes.default_float_numpy()
        arr = np.asarray(c, dtype=np_dtype)
    else:
        arr = np.asarray(x)
        if arr.dtype == np.float64 and not isinstance(x, np.ndarray):
            arr = arr.astype(dtypes.default_float_numpy())
    from ..backend import move_array  # noqa: PLC0415

    return Tensor._make(move_array(arr, like._device), like._device)


def operands(a, b):
    """Two tensors of one dtype, promoted as PyTorch does, with a clear broadcasting error."""
    if not isinstance(a, Tensor):
        a = to_tensor_like(a, b)
    elif not isinstance(b, Tensor):
        b = to_tensor_like(b, a)
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        common = dtypes.promote_types(da, db, a._data.ndim == 0, b._data.ndim == 0)
        if da != common:
            a = cast(a, common)
        if db != common:
            b = cast(b, common)
    sa, sb = a._data.shape, b._data.shape
    # the common cases (same shape, a bias added along the last dims) need no check
    if sa != sb and not (len(sb) < len(sa) and sa[len(sa) - len(sb):] == sb):
        broadcast_shapes(sa, sb)
    return a, b


def broadcast_shapes(*shapes):
    """The broadcast shape, or PyTorch's error naming the sizes that disagree."""
    ndim = max(len(s) for s in shapes)
    result = []
    for i in range(-1, -ndim - 1, -1):
        size = 1
        for k, s in enumerate(shapes):
            if -i <= len(s) and s[i] != 1:
                if size != 1 and s[i] != size:
                    other = next(j for j, t in enumerate(shapes) if -i <= len(t) and t[i] == size)
                    raise RuntimeError(
                        f"The size of tensor a ({size}) must match the size of tensor b ({s[i]}) "
                        f"at non-singleton dimension {ndim + i}: shapes "
                        f"{list(shapes[other])} and {list(s)}")
                size = s[i]
        result.append(size)
    return tuple(reversed(result))


def wrap_dim(dim, ndim):
    """A dimension index in [0, ndim), accepting negatives; 0-d tensors accept 0 and -1."""
    if type(dim) is not int and (isinstance(dim, bool) or not isinstance(dim, numbers.Integral)):
        raise TypeError(f"dim must be an int, got {type(dim).__name__} ({dim!r})")
    n = ndim if ndim > 0 else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return int(dim) % n


def wrap_dims(dim, ndim):
    """``dim`` (None, int, or tuple/list of ints) as a sorted tuple of axes; None means all."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        axes = tuple(sorted({wrap_dim(d, ndim) for d in dim}))
        if len(axes) != len(dim):
            raise RuntimeError(f"dim {list(dim)} appears multiple times in the list of dims")
        return axes if ndim > 0 else ()
    return (wrap_dim(dim, ndim),) if ndim > 0 else ()


def reduced_shape(shape, axes):
    """``shape`` with the reduced ``axes`` kept as size 1 (to broadcast a gradient back)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def cast(t, np_dtype):
    return _convert.cast(t, np_dtype)


def constant(arr, like):
    """A tensor for an array computed from raw values in a backward formula (no gradient)."""
    return Tensor._make(arr, like._device)
