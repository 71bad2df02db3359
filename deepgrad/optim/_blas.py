"""NumPy's own BLAS library, for the optimisers' simplest updates: level-1 ``axpy``/``axpby``.

The two routines, on vectors ``x`` and ``y`` of ``n`` elements, in place on ``y``::

    axpy:   y <- a * x + y
    axpby:  y <- a * x + b * y

Plain SGD's step ``p <- p - lr * g`` is ``axpy(-lr, g, p)``; the momentum buffer's
``b <- momentum * b + g`` is ``axpby(1, g, momentum, b)``.

Why this is faster than NumPy for a large parameter:

* **Threads.** OpenBLAS runs ``axpy`` on its own thread pool for more than ~10,000
  elements. Right after a training step's backward pass those threads are still
  busy-waiting from the matrix products, so they start at once; a thread of our own (a
  parallel numba loop, a Python thread) had to fight them for the cores instead
  (``_updates.py``). ``axpby`` runs on one thread whatever the setting (401k float32
  elements: 115 us on 1 or 2 threads; ``axpy``: 119 and 54 us).
* **One pass.** ``p += g * -lr`` in NumPy is two ufunc calls: one writes ``g * -lr`` to a
  scratch array, the next reads it back. ``axpy`` reads ``g`` and ``p`` once and writes
  ``p`` once.
* **FMA.** On CPUs with fused multiply-add, ``a * x + y`` is one instruction, rounded once
  (NumPy's two calls round twice). torch's ``param.add_(grad, alpha=-lr)`` rounds once too:
  here ``axpy`` gave torch's bits exactly, NumPy's kernel differed in the last bit of ~2 %
  of the elements. (OpenBLAS's ``axpby`` rounded twice, as ``b * momentum + g`` in NumPy and
  torch.)

Measured on the MLP 784-512-256-10 (2 threads): ``axpy`` updates the 401k-element first
weight in ~50-75 us against ~200-240 us for NumPy's two passes (``optim/sgd.py``).

No new dependency: the library is the one NumPy itself loaded for its matrix products
(OpenBLAS in NumPy's wheels, in ``numpy.libs``). It is found, without loading anything
new, from

1. ``threadpoolctl``'s list of loaded BLAS libraries, when it is importable;
2. else ``/proc/self/maps`` (Linux): the mapped files whose name says openblas;
3. else a glob of the libraries shipped next to NumPy (``numpy.libs``, ``numpy/.dylibs``),

NumPy's own files first. A library is opened with ``RTLD_NOLOAD``: only one already in the
process qualifies, so a second OpenBLAS with a second thread pool is never started.

Symbols, and the integer type of their sizes (a wrong guess would corrupt memory, so a
routine is bound only where the width is known):

* ``scipy_cblas_saxpy64_`` ... (NumPy >= 2 wheels, scipy-openblas64) and ``cblas_saxpy64_``
  (older NumPy wheels): the ``64_`` suffix marks OpenBLAS's 64-bit-integer interface, int64;
* ``scipy_cblas_saxpy`` ... (scipy-openblas32): int32;
* plain ``cblas_saxpy``: only when the library's ``openblas_get_config()`` is present to
  say whether it was built with ``USE64BITINT``.

Anything else (MKL, Accelerate, no BLAS found, an unknown symbol set) gives ``None`` and the
callers keep their NumPy or compiled path. Lookup happens on the first call of
``level1()``, once; its result is cached. It never raises.

Switch: the environment variable ``DEEPGRAD_BLAS_UPDATES=0`` (read at that first call)
turns these routines off: every update runs on NumPy or the compiled loops.
"""
import ctypes
import glob
import os
import sys
import warnings

import numpy as np

# elements; from here on a BLAS call beats NumPy. A call costs ~4 us of Python and ctypes
# (checks, two array addresses, argument conversion). Right after a matrix product, with
# OpenBLAS's threads awake, axpy overtook SGD's NumPy kernel from ~6,000 float32 elements
# (16,384: 13 against 18 us); with them asleep, from ~25,000 (16,384: 6.5 against 4.5 us)
MIN_SIZE = 1 << 14

_UNSET = object()
_bound = _UNSET  # the Level1 found by level1(), or None


class Level1:
    """``axpy`` and ``axpby`` of one BLAS library, bound per dtype (float32, float64)."""

    def __init__(self, path, axpy, axpby, int_type):
        self.path = path      # the library file
        self._axpy = axpy     # {np.dtype: ctypes function}
        self._axpby = axpby   # {np.dtype: ctypes function}; may lack a dtype
        # the largest size the routines' integers hold (ctypes would silently wrap a larger)
        self._max_size = 2 ** (8 * ctypes.sizeof(int_type) - 1) - 1

    def has_axpby(self, dtype):
        return dtype in self._axpby

    def takes(self, y, *xs):
        """Whether the routines can update ``y`` from ``xs``: NumPy arrays of one float
        dtype the library has, of one shape, each one C-contiguous block, aligned, ``y``
        writable, and no two overlapping (BLAS reads and writes element by element; NumPy
        copies when operands overlap)."""
        if (type(y) is not np.ndarray or y.dtype not in self._axpy or not _plain_block(y)
                or not y.flags.writeable or y.size > self._max_size):
            return False
        for x in xs:
            if (type(x) is not np.ndarray or x.dtype != y.dtype or x.shape != y.shape
                    or not _plain_block(x) or np.may_share_memory(x, y)):
                return False
        return True

    def axpy(self, a, x, y):
        """``y <- a * x + y`` in place (arrays that ``takes`` accepted)."""
        self._axpy[y.dtype](y.size, a, x.ctypes.data, 1, y.ctypes.data, 1)

    def axpby(self, a, x, b, y):
        """``y <- a * x + b * y`` in place (arrays that ``takes`` accepted)."""
        self._axpby[y.dtype](y.size, a, x.ctypes.data, 1, b, y.ctypes.data, 1)


def _plain_block(a):
    flags = a.flags
    return flags.c_contiguous and flags.aligned


def level1():
    """NumPy's BLAS ``axpy``/``axpby`` as a ``Level1``, or None (switched off, not found)."""
    global _bound
    if _bound is _UNSET:
        _bound = _find() if os.environ.get("DEEPGRAD_BLAS_UPDATES", "1") != "0" else None
    return _bound


def _find():
    """Bind the first candidate library that has usable routines; None if none has."""
    try:
        if not _numpy_uses_openblas():
            return None
        seen = set()
        for path in _candidates():
            if path in seen:
                continue
            seen.add(path)
            found = _bind(path)
            if found is not None:
                return found
    except Exception:  # noqa: BLE001 - discovery is an optimisation: never break an update
        return None
    return None


def _numpy_uses_openblas():
    """False when NumPy's build record names a BLAS other than OpenBLAS; True if unsure."""
    try:
        from numpy.__config__ import CONFIG  # noqa: PLC0415
        name = CONFIG["Build Dependencies"]["blas"]["name"]
    except (ImportError, KeyError, TypeError):
        return True
    return "openblas" in str(name).lower()


def _numpy_dirs():
    here = os.path.dirname(os.path.abspath(np.__file__))
    return [here + ".libs", os.path.join(here, ".dylibs"), here]


def _numpy_first(paths):
    """``paths`` with NumPy's own files first (a process may hold another OpenBLAS, e.g.
    SciPy's: its threads are not the ones NumPy's matrix products left spinning)."""
    dirs = tuple(os.path.join(d, "") for d in _numpy_dirs())
    return sorted(paths, key=lambda path: not os.path.abspath(path).startswith(dirs))


def _candidates():
    """Paths of loaded OpenBLAS libraries, best first, from the first source that has any."""
    for source in (_from_threadpoolctl, _from_proc_maps, _from_numpy_dirs):
        try:
            paths = [p for p in source() if p]
        except Exception:  # noqa: BLE001 - a source that fails is skipped
            paths = []
        if paths:
            return _numpy_first(paths)
    return []


def _from_threadpoolctl():
    try:
        import threadpoolctl  # noqa: PLC0415 - optional
    except ImportError:
        return []
    with warnings.catch_warnings():  # e.g. its note on two OpenMP runtimes: not ours to say
        warnings.simplefilter("ignore")
        infos = threadpoolctl.threadpool_info()
    return [info.get("filepath") for info in infos if info.get("internal_api") == "openblas"]


def _from_proc_maps():
    if not sys.platform.startswith("linux"):
        return []
    paths = []
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) == 6:
                path = fields[5].strip()
                if path.startswith("/") and "openblas" in os.path.basename(path).lower() \
                        and path not in paths:
                    paths.append(path)
    return paths


def _from_numpy_dirs():
    paths = []
    for folder in _numpy_dirs()[:2]:
        paths += sorted(glob.glob(os.path.join(glob.escape(folder), "*openblas*")))
    return paths


def _open_loaded(path):
    """The library at ``path`` if this process has already loaded it, else None."""
    mode = getattr(os, "RTLD_NOLOAD", 0) | ctypes.RTLD_LOCAL
    try:
        return ctypes.CDLL(path, mode=mode)
    except OSError:
        return None


# symbol name patterns ({t}: s or d) and their integer type; None: ask openblas_get_config
_SYMBOLS = [
    ("scipy_cblas_{t}{name}64_", ctypes.c_int64),
    ("cblas_{t}{name}64_", ctypes.c_int64),
    ("scipy_cblas_{t}{name}", ctypes.c_int32),
    ("cblas_{t}{name}", None),
]
_FLOATS = {np.dtype(np.float32): ("s", ctypes.c_float),
           np.dtype(np.float64): ("d", ctypes.c_double)}


def _bind(path):
    """A ``Level1`` over the library at ``path`` (already loaded), or None."""
    lib = _open_loaded(path)
    if lib is None:
        return None
    for pattern, int_type in _SYMBOLS:
        if int_type is None:
            int_type = _config_int_type(lib)
            if int_type is None:
                continue
        axpy, axpby = {}, {}
        for dtype, (letter, real) in _FLOATS.items():
            fn = _function(lib, pattern.format(t=letter, name="axpy"),
                           [int_type, real, ctypes.c_void_p, int_type, ctypes.c_void_p, int_type])
            if fn is None:
                continue
            axpy[dtype] = fn
            fn = _function(lib, pattern.format(t=letter, name="axpby"),
                           [int_type, real, ctypes.c_void_p, int_type, real, ctypes.c_void_p,
                            int_type])
            if fn is not None:
                axpby[dtype] = fn
        if axpy:
            return Level1(path, axpy, axpby, int_type)
    return None


def _function(lib, name, argtypes):
    try:
        fn = getattr(lib, name)
    except AttributeError:
        return None
    fn.argtypes = argtypes
    fn.restype = None
    return fn


def _config_int_type(lib):
    """The integer type of an unprefixed OpenBLAS's sizes, from its build configuration
    (``USE64BITINT`` means int64); None when the library cannot say."""
    try:
        config = lib.openblas_get_config
    except AttributeError:
        return None
    config.argtypes = []
    config.restype = ctypes.c_char_p
    text = config() or b""
    return ctypes.c_int64 if b"USE64BITINT" in text else ctypes.c_int32
