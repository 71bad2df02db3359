"""``repr`` of a tensor in PyTorch's style: ``tensor([1., 2.], requires_grad=True)``."""
import numpy as np

from .backend import CPU, move_array


def _float_format(arr):
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return {"precision": 4, "floatmode": "fixed"}
    integral = np.all(finite == np.round(finite))
    big = np.abs(finite).max()
    small = np.abs(finite[finite != 0]).min() if np.any(finite != 0) else 1.0
    if big >= 1e8 or small < 1e-4 or (big / small > 1000 and not integral):
        return {"precision": 4, "floatmode": "fixed", "suppress_small": False,
                "formatter": {"float_kind": lambda v: f"{v:.4e}"}}
    if integral:  # "1.", "12." aligned in columns, as PyTorch prints whole numbers
        return {"precision": 0, "floatmode": "fixed"}
    return {"precision": 4, "floatmode": "fixed", "suppress_small": True}


def format_tensor(t):
    from . import dtypes  # noqa: PLC0415

    arr = move_array(t._data, CPU)
    prefix = "tensor("
    if arr.size == 0:
        body = f"[], size={tuple(arr.shape)}" if arr.ndim > 1 else "[]"
    else:
        opts = _float_format(arr) if arr.dtype.kind == "f" else {}
        body = np.array2string(arr, separator=", ", prefix=prefix, threshold=1000, edgeitems=3,
                               max_line_width=80, **opts)
    extras = []
    if t._device != CPU:
        extras.append(f"device='{t._device}'")
    default = dtypes.get_default_dtype().numpy
    if arr.dtype not in (default, np.int64, np.bool_):
        extras.append(f"dtype=deepgrad.{dtypes.from_numpy_dtype(arr.dtype).name}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
