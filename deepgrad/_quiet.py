"""Floating-point edge cases computed as torch does: the IEEE value, without a warning.

torch returns log(0) = -inf, 1 / 0 = inf, 0 / 0 = nan, exp(1000) = inf, sqrt(-1) = nan and
a softmax over a row that is all -inf (a fully masked attention row) = nan, silently.
NumPy computes the same IEEE values but also emits a RuntimeWarning ("divide by zero
encountered in log"). A PyTorch program that takes ``log`` of probabilities with zeros in
them would print warnings under deepgrad that it never prints under torch, so the ops
whose inputs commonly reach those edges compute under NumPy's "ignore" error state.

``np.errstate`` builds a context manager on every use (about 4 microseconds, as much as a
small op's whole forward). NumPy 2 keeps the error state in a ``contextvars.ContextVar``;
setting it to a prepared "ignore everything" value and resetting the token afterwards
costs a fraction of that, and is exact per thread and per asyncio task as errstate is.
When that (private) variable is not there, ``np.errstate`` is the fallback.

    token = quiet_begin()
    try:
        out = np.log(a)
    finally:
        quiet_end(token)

or, for one call, ``quietly(np.log, a)``.
"""
import numpy as np

try:  # NumPy >= 2.0
    from numpy._core._ufunc_config import _extobj_contextvar as _STATE

    with np.errstate(all="ignore"):
        _IGNORE_ALL = _STATE.get()
except (ImportError, AttributeError):  # pragma: no cover - older NumPy
    _STATE = None


if _STATE is not None:
    def quiet_begin():
        """Enter the "ignore every floating-point error" state; returns the token to end it."""
        return _STATE.set(_IGNORE_ALL)

    def quiet_end(token):
        """Restore the error state that ``quiet_begin`` replaced."""
        _STATE.reset(token)
else:  # pragma: no cover - older NumPy
    def quiet_begin():
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def quiet_end(token):
        token.__exit__(None, None, None)


def quietly(fn, *args):
    """``fn(*args)`` without NumPy's floating-point warnings."""
    token = quiet_begin()
    try:
        return fn(*args)
    finally:
        quiet_end(token)
