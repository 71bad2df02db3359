"""In-place ops (``add_``, ``mul_``, ``x[i] = v``, ...) and the version counter.

Writing into a tensor that the graph still needs would silently corrupt
gradients, so every in-place write bumps the tensor's version counter, and a
backward that finds a saved input at a newer version raises an error instead.

When the written tensor is part of a graph (it requires grad, or the value
written does), the op is recorded: the result is computed out of place from a
copy of the old value (which keeps the old history), written back into the
tensor's memory (so views see it), and the tensor takes the new node as its
``grad_fn``. A leaf that requires grad may not be changed in place while grad
mode is on: that would make its gradient meaningless.
"""
import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor
from . import arithmetic as _arith
from . import elementwise as _elem
from . import shape as _shape
from ._util import scalar_array


def _write(t, arr):
    dst = t._data
    if arr.dtype != dst.dtype and not np.can_cast(arr.dtype, dst.dtype, casting="same_kind"):
        raise RuntimeError(f"result type {arr.dtype} can't be cast to the desired output type "
                           f"{dst.dtype}")
    if not dst.flags.writeable:
        raise RuntimeError("unsupported operation: the tensor being written in place is an "
                           "expanded (broadcast) view, more than one element of which may refer "
                           "to a single memory location. Please clone() the tensor first.")
    np.copyto(dst, arr, casting="unsafe")
    t._vc[0] += 1


def _leaf_error():
    return RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                        "operation.")


def inplace(t, compute, *others):
    """Replace ``t``'s values by ``compute(t_old)`` in place; returns ``t``.

    ``others`` lists the tensors ``compute`` reads besides ``t`` (to know whether
    the write must be recorded).
    """
    recording = grad_mode.is_grad_enabled() and (
        t._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others))
    if not recording:
        with grad_mode.no_grad():
            result = compute(t)
        if result._data.shape != t._data.shape:
            _shape_error(result, t)
        _write(t, result._data)
        return t
    if t.grad_fn is None and t._requires_grad:
        raise _leaf_error()
    old = Tensor._make(t._data.copy(), t._device)  # the pre-write value, with t's history
    old._requires_grad, old.grad_fn, old._out_index = t._requires_grad, t.grad_fn, t._out_index
    result = compute(old)
    if result._data.shape != t._data.shape:
        _shape_error(result, t)
    _write(t, result._data)
    # t takes over result's place in the graph (result's node keeps its own array,
    # so later writes into t cannot corrupt what that node saved)
    t.grad_fn, t._out_index, t._requires_grad = result.grad_fn, result._out_index, \
        result._requires_grad
    return t


def maybe_inplace(t, compute, write):
    """``compute(t)``; when ``write``, its result written into ``t`` (recorded as above)
    and ``t`` returned: the ``inplace=True`` argument of torch's activations and dropouts."""
    return inplace(t, compute) if write else compute(t)


def _shape_error(result, t):
    raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the broadcast "
                       f"shape {list(result._data.shape)}")


def _ufunc_inplace(t, other, ufunc, fallback, alpha=1):
    """``t = ufunc(t, alpha * other)`` in place; recorded through ``fallback`` if needed."""
    # straight into t's array when there is nothing to record (an optimizer's update)
    is_tensor = isinstance(other, Tensor)
    if grad_mode._state.enabled and (t._requires_grad or (is_tensor and other._requires_grad)):
        fast = False
    else:
        fast = t._data.flags.writeable
    if fast:
        raw = other._data if is_tensor else other
        if alpha != 1:
            if type(alpha) in (float, int) and type(raw) is np.ndarray and raw.dtype.kind == "f":
                raw = raw * scalar_array(alpha, raw.dtype)  # the bits of raw * alpha, cheaper
            else:
                raw = raw * alpha  # a Python scalar: keeps other's dtype
        data = t._data
        try:
            ufunc(data, raw, data)  # out positionally; casting "same_kind" is the default
        except (TypeError, np._core._exceptions._UFuncOutputCastingError) as err:
            raise RuntimeError(f"result type can't be cast to the desired output type "
                               f"{t._data.dtype}: {err}") from None
        except ValueError as err:
            raise RuntimeError(f"in-place op on shape {list(t._data.shape)}: {err}") from None
        t._vc[0] += 1
        return t
    return inplace(t, lambda old: fallback(old, other, alpha=alpha) if alpha != 1 else
                   fallback(old, other), other)


def add_(t, other, alpha=1):
    return _ufunc_inplace(t, other, np.add, _arith.add, alpha)


def sub_(t, other, alpha=1):
    return _ufunc_inplace(t, other, np.subtract, _arith.sub, alpha)


def mul_(t, other):
    return _ufunc_inplace(t, other, np.multiply, _arith.mul)


def div_(t, other):
    if t._data.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{t.dtype.name}")
    return _ufunc_inplace(t, other, np.true_divide, _arith.div)


def pow_(t, exponent):
    return inplace(t, lambda old: _arith.pow(old, exponent), exponent)


def clamp_(t, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    return inplace(t, lambda old: _elem.clamp(old, min, max))


def apply_unary_(t, fn):
    """``t = fn(t)`` in place, e.g. ``relu_``, ``exp_``."""
    return inplace(t, fn)


def _fill_check(t):
    if grad_mode.is_grad_enabled() and t.grad_fn is None and t._requires_grad:
        raise _leaf_error()


def fill_(t, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        value = value.item()
    _fill_check(t)
    t._data[...] = value
    t._vc[0] += 1
    if t.grad_fn is not None and grad_mode.is_grad_enabled():
        t.grad_fn, t._requires_grad = None, False  # the constant no longer depends on the graph
    return t


def zero_(t):
    return fill_(t, 0)


def copy_(t, src):
    """Copy ``src``'s values (broadcast, cast and moved as needed) into ``t``."""

    if not isinstance(src, Tensor):
        src_arr = np.asarray(src)
        _write(t, np.broadcast_to(src_arr.astype(t._data.dtype), t._data.shape))
        return t

    def compute(_old):
        moved = src if src._device == t._device else src.to(t._device)
        if moved._data.dtype != t._data.dtype:
            moved = moved.to(t.dtype)
        return _shape.expand(moved, t._data.shape)

    return inplace(t, compute, src)


def random_fill_(t, draw):
    """Fill ``t`` with values from ``draw(shape)`` (a NumPy array), as uniform_/normal_ do."""
    from ..backend import move_array  # noqa: PLC0415

    _fill_check(t)
    _write(t, move_array(draw(t._data.shape).astype(t._data.dtype, copy=False), t._device))
    return t
