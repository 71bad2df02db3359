"""``torch.autocast``: what deepgrad does with mixed-precision regions.

PyTorch's autocast runs selected ops (matmul, conv) in float16/bfloat16 inside the
block. deepgrad has no autocasting: NumPy has no bfloat16, and its float16 matmuls are
slow emulations. So a block always runs in the tensors' own precision, and deepgrad
says so instead of pretending:

* ``enabled=False``: a no-op, silently (what an AMP script run with AMP off asks for).
* ``device_type="cuda"`` without a GPU: torch's own warning, then disabled.
* otherwise: a ``UserWarning`` that the block runs in full precision; the program runs
  on, with the same results it would have in float32 (more accurate, not faster).

``is_autocast_enabled()`` reports the flag the block asked for, so library code that
branches on it sees what it would see in torch.
"""
import threading
import warnings

from ..backend import device as Device

_local = threading.local()


def _enabled_stack():
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def is_autocast_enabled(device_type=None):
    """True inside an enabled ``autocast`` block (of ``device_type``, when given)."""
    for dev, enabled in reversed(_enabled_stack()):
        if device_type is None or dev == device_type:
            return enabled
    return False


class autocast:  # noqa: N801 - torch's name
    """Context manager and decorator: ``with autocast("cuda", enabled=use_amp): ...``.

    Args:
        device_type (str): "cuda" or "cpu".
        dtype: the low-precision dtype torch would use (recorded, not applied).
        enabled (bool): default True.
        cache_enabled: accepted for compatibility; unused.
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        Device(device_type)   # unknown device types raise here
        self.device = device_type
        self.fast_dtype = dtype
        if enabled and device_type == "cuda":
            from ..cuda import is_available  # noqa: PLC0415

            if not is_available():
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                              UserWarning, stacklevel=2)
                enabled = False
        if enabled:
            warnings.warn("deepgrad does not autocast: this autocast block runs in the tensors' "
                          "own precision (results as in float32)", UserWarning, stacklevel=2)
        self._enabled = bool(enabled)

    def __enter__(self):
        _enabled_stack().append((self.device, self._enabled))
        return self

    def __exit__(self, *exc):
        _enabled_stack().pop()
        return False

    def __call__(self, func):
        def wrapped(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        wrapped.__name__ = getattr(func, "__name__", "wrapped")
        wrapped.__doc__ = getattr(func, "__doc__", None)
        return wrapped
