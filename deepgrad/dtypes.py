"""Data types: thin named wrappers over NumPy dtypes, with PyTorch's names.

``deepgrad.float32`` is to NumPy's ``np.float32`` what ``torch.float32`` is to
PyTorch's storage type. The wrapper exists so that ``repr`` and the promotion
rules read like PyTorch's while the arrays underneath stay plain NumPy (or CuPy).

Promotion follows PyTorch, not NumPy: categories are ordered bool < integer <
floating; a Python ``float`` meeting an integer tensor gives the *default*
float dtype (float32), not float64; a 0-d tensor does not widen the dtype of a
dimensioned tensor of the same category.
"""
import numpy as np


class dtype:
    """A deepgrad data type. Compare with ``==``; ``.is_floating_point`` tells the category."""

    __slots__ = ("name", "numpy", "is_floating_point", "itemsize")

    def __init__(self, name, numpy_dtype):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return f"deepgrad.{self.name}"

    def __reduce__(self):
        return (from_numpy_dtype, (self.numpy,))


float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
float16 = dtype("float16", np.float16)
int64 = dtype("int64", np.int64)
int32 = dtype("int32", np.int32)
int16 = dtype("int16", np.int16)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
bool_ = dtype("bool", np.bool_)

# PyTorch's aliases
float = float32  # noqa: A001 - mirrors torch.float
double = float64
half = float16
long = int64
int = int32  # noqa: A001 - mirrors torch.int

_ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
_BY_NUMPY = {d.numpy: d for d in _ALL}

_default_float = float32


def from_numpy_dtype(np_dtype):
    """The deepgrad dtype of a NumPy dtype; a clear error for unsupported ones."""
    d = _BY_NUMPY.get(np.dtype(np_dtype))
    if d is None:
        raise TypeError(f"deepgrad does not support NumPy dtype {np.dtype(np_dtype)}; "
                        f"supported: {', '.join(x.name for x in _ALL)}")
    return d


def to_numpy_dtype(d):
    """Accept a deepgrad dtype, a NumPy dtype, a type like ``np.float32`` or a name."""
    if d is None:
        return None
    if isinstance(d, dtype):
        return d.numpy
    return from_numpy_dtype(d).numpy


def set_default_dtype(d):
    """Set the floating dtype used for Python floats and new float tensors (float32 or float64)."""
    global _default_float
    d = from_numpy_dtype(to_numpy_dtype(d))
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype only accepts floating dtypes, got {d}")
    _default_float = d


def get_default_dtype():
    """The floating dtype given to new float tensors (float32 unless changed)."""
    return _default_float


def default_float_numpy():
    return _default_float.numpy


def _category(np_dtype):
    kind = np_dtype.kind
    return 2 if kind == "f" else (0 if kind == "b" else 1)


def promote_types(a, b, a_is_scalar=False, b_is_scalar=False):
    """Result NumPy dtype of a binary op between arrays of dtypes ``a`` and ``b``.

    ``*_is_scalar`` marks a 0-d operand, which only decides the result when its
    category is higher than the other operand's (PyTorch's rule).
    """
    if a == b:
        return a
    ca, cb = _category(a), _category(b)
    if a_is_scalar != b_is_scalar and ca != cb:
        # the higher category wins; a float 0-d meeting an int tensor keeps its own dtype
        return a if ca > cb else b
    if a_is_scalar != b_is_scalar:
        return b if a_is_scalar else a
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)
