"""Fused update loops: one pass over the arrays instead of a dozen, compiled by numba.

A NumPy kernel such as Adam's makes ~12 passes over its arrays, one per ufunc call
(``m *= beta1``, ``np.sqrt(v, out=tmp)``, ...). The same rule written as a loop over the
elements reads ``p, g, m, v`` once and writes ``p, m, v`` once; compiled to machine
code it runs about 3x faster than the twelve passes (``bench/RESULTS.md``). numba
compiles such a loop from plain Python when it is installed (``pip install
deepgrad[fast]``); without it, or with the environment variable ``DEEPGRAD_FUSED=0``,
the NumPy kernels run.

When numba is imported (the policy). numba is not free: ``import numba`` makes ~65 MiB of
resident memory and its first compiled call ~65 MiB more (LLVM), and takes about a second.
So a loop compiles on its own only if it pays for that:

* numba already imported (by the program, or by deepgrad's other compiled kernels such as
  a CNN's pooling loops or another optimiser's loop): every loop runs compiled; loading is
  paid, and the loop gives the same bits as the kernel;
* a loop made with ``loads_numba=True`` (the ~12-pass rules: Adam and its family,
  Adagrad, Adadelta, RMSprop, Rprop, ASGD; about 3x faster compiled) imports numba on
  its first update;
* SGD's loop (``loads_numba=False``) never imports numba by itself. Its NumPy kernel makes
  2 to 4 passes, and the loop saves ~0.4 ns per parameter per step (one thread: ~220 against
  ~440 us for an MLP 784-512-256-10's 535k parameters), ~4 % of that MLP's training step,
  while numba would more than treble the run's peak memory (``bench/bench_memory.py``).
  For a large model trained long with SGD, ``import numba`` before training switches the
  loop on.

Each loop performs the same float operations in the same order as its NumPy kernel,
on scalars of the arrays' dtype (cast from Python floats exactly as NumPy casts them),
so both give the same bits; the tests check this for every option. The compiled loops
release the GIL (``nogil``): other Python threads run while an update does.
"""
import functools
import importlib.util
import os
import sys
import threading
import warnings

import numpy as np

ENABLED = os.environ.get("DEEPGRAD_FUSED", "1") != "0"  # tests switch it to compare paths

_numba_jit = None     # numba.njit with our options, once imported
_numba_failed = False
_lock = threading.Lock()
_element_functions = []  # helpers the loops call, registered with numba when it loads


def element_function(fn):
    """Mark ``fn`` (a plain function of scalars) as callable from the compiled loops.

    It stays an ordinary Python function; when numba loads, it is registered so that
    compiled loops can call it too (and inline it).
    """
    _element_functions.append(fn)
    if _numba_jit is not None:
        _register(fn)
    return fn


def _register(fn):
    from numba.extending import register_jitable  # noqa: PLC0415

    register_jitable(fn)


def _jit():
    """numba's compiler with the options every loop uses, or None without numba."""
    global _numba_jit, _numba_failed
    with _lock:
        if _numba_jit is None and not _numba_failed:
            if importlib.util.find_spec("numba") is None:
                _numba_failed = True
            else:
                import numba  # noqa: PLC0415 - optional, and slow to import

                for fn in _element_functions:
                    _register(fn)
                # nogil: other threads run meanwhile; error_model="numpy": x / 0 gives
                # inf as in NumPy (no Python ZeroDivisionError check, which would also
                # stop the loop from being vectorised). No on-disk cache: numba would not
                # notice a changed element function in another file, and a loop compiles
                # in ~0.15 s.
                _numba_jit = functools.partial(numba.njit, nogil=True, error_model="numpy")
        return _numba_jit


class FusedLoop:
    """An update rule written per element, compiled on first use.

    ``loop(*arrays, *constants)`` updates the arrays in place; ``constants(**scalars)``
    turns the optimiser's hyperparameters into the loop's constants (Python floats and
    bools), computed as the NumPy kernel computes them. ``loads_numba``: whether this loop
    may import numba itself; if False it runs compiled only once numba has been imported
    by something else (see the module's docstring).
    """

    def __init__(self, loop, constants, loads_numba=True):
        self.loop = loop
        self.constants = constants
        self.loads_numba = loads_numba
        self._compiled = None
        self._ready = set()  # (dtype, which arrays are None) already compiled
        self._last = (None, None)  # (arguments, kernel) last handed out
        functools.update_wrapper(self, loop)

    def kernel(self, arrays, scalars):
        """A kernel ``f(*flat arrays)`` running the compiled loop with these hyperparameters,
        or None when the loop cannot take these arrays (not all NumPy, C-contiguous and
        of one float dtype), numba is missing or disabled, or it cannot compile the loop."""
        if not ENABLED or _numba_failed:
            return None
        if not self.loads_numba and _numba_jit is None and "numba" not in sys.modules:
            return None  # numba not imported yet, and this loop does not pay for importing it
        p = arrays[0]
        if type(p) is not np.ndarray or p.dtype.char not in "fd":
            return None
        dtype = p.dtype
        for a in arrays:
            if a is not None and (type(a) is not np.ndarray or a.dtype != dtype
                                  or not a.flags.c_contiguous):
                return None
        missing = tuple(a is None for a in arrays)
        key = (dtype, missing, *scalars.values())
        last_key, last_kernel = self._last  # the parameters of a group share one kernel
        if key == last_key:
            return last_kernel
        cast = dtype.type  # Python float -> float32 rounds exactly as NumPy's weak scalars
        consts = tuple(c if isinstance(c, bool) else cast(c)
                       for c in self.constants(**scalars))
        compiled = self._compiled_for(dtype, missing, consts)
        kernel = None if compiled is None else (lambda *flat: compiled(*flat, *consts))
        self._last = (key, kernel)  # one assignment: safe if two threads ask at once
        return kernel

    def _compiled_for(self, dtype, missing, consts):
        """The compiled loop, after compiling it for this signature on empty arrays (numba
        compiles on the first call; a failure there must happen before any update)."""
        global _numba_failed
        key = (dtype.str, missing)
        if key in self._ready:
            return self._compiled
        jit = _jit()
        if jit is None:
            return None
        try:
            if self._compiled is None:
                self._compiled = jit(self.loop)
            empty = np.empty(0, dtype)
            self._compiled(*[None if m else empty for m in missing], *consts)
        except Exception as exc:  # noqa: BLE001 - an unusable numba must not stop training
            _numba_failed = True
            warnings.warn(f"deepgrad: numba could not compile {self.loop.__name__} "
                          f"({type(exc).__name__}: {exc}); using the NumPy update kernels",
                          RuntimeWarning, stacklevel=2)
            return None
        self._ready.add(key)
        return self._compiled


def fused_loop(constants, loads_numba=True):
    """Decorator: ``@fused_loop(constants_fn)`` over a per-element loop gives a FusedLoop."""
    return lambda loop: FusedLoop(loop, constants, loads_numba)
