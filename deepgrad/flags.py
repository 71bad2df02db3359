"""Global switches that PyTorch scripts set: determinism and float32 matmul precision.

deepgrad's kernels are deterministic (NumPy calls in a fixed order; no atomics), so
``use_deterministic_algorithms(True)`` is already satisfied: it is recorded and reported
back. ``set_float32_matmul_precision`` is recorded only: NumPy's float32 matmuls always
run in full float32.
"""
_state = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}


def use_deterministic_algorithms(mode, *, warn_only=False):
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms expects a bool, got {type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["warn_only"]


def set_float32_matmul_precision(precision):
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision!r}: expected 'highest', 'high' or "
                           "'medium'")
    _state["matmul_precision"] = precision


def get_float32_matmul_precision():
    return _state["matmul_precision"]


def set_deterministic_debug_mode(debug_mode):
    """0/'default', 1/'warn', 2/'error': the same switch as use_deterministic_algorithms."""
    levels = {"default": 0, "warn": 1, "error": 2}
    level = levels.get(debug_mode, debug_mode)
    if level not in (0, 1, 2):
        raise RuntimeError(f"invalid debug_mode {debug_mode!r}: expected 0, 1, 2 or 'default', "
                           "'warn', 'error'")
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode():
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


_warn_always = [False]


def set_warn_always(b):
    """Recorded: deepgrad's warnings follow Python's ``warnings`` filters either way."""
    _warn_always[0] = bool(b)


def is_warn_always_enabled():
    return _warn_always[0]
