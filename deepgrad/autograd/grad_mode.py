"""Switching gradient recording on and off.

While grad mode is off, ops compute values only: no graph node is created and
results never require grad. ``backward`` turns it off while it runs (unless
``create_graph=True``), which is why the backward formulas, although written
with ordinary Tensor ops, cost no more than plain array code.

The state is per thread, as in PyTorch, so a DataLoader's prefetch thread
never changes the training thread's mode.
"""
import functools
import threading


class _GradState(threading.local):
    enabled = True


_state = _GradState()


def is_grad_enabled():
    return _state.enabled


class set_grad_enabled:
    """Set grad mode on or off: as a function call, a context manager or a decorator."""

    def __init__(self, mode):
        self.prev = _state.enabled
        self.mode = bool(mode)
        _state.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode
        _state.enabled = self.prev  # decorating must not change the mode now

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class _ModeContext:
    mode = True

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_ModeContext):
    """Context manager and decorator: compute without recording the graph."""
    mode = False


class enable_grad(_ModeContext):
    """Context manager and decorator: record the graph even inside ``no_grad``."""
    mode = True


class inference_mode(no_grad):
    """PyTorch's ``inference_mode``; here the same as ``no_grad``."""

    def __init__(self, mode=True):
        self.mode = not mode
