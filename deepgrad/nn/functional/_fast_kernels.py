"""Compiled loops: convolutions, pooling and ReLU (deepgrad[fast]; the LSTM and GRU loops are
in ``_rnn_kernels.py``).

The NumPy code in ``_conv_ops.py`` and ``_pool_ops.py`` makes one ufunc call per kernel
tap: a tap of an NCHW array is a strided run of only Wo elements, so NumPy spends its time
starting short inner loops. The same work written as
plain loops and compiled by numba (``pip install deepgrad[fast]``) reads each element once.
Measured (one thread, CPU time, LeNet's layers): max-pool forward 2.0 ms against 4.0,
backward 2.1 against 4.6, ReLU's gradient 1.2 against 2.3, col2im + NCHW copy of the
second conv's input gradient ~0.5 ms against ~3.

Threads: the convolution, pooling and ReLU loops also come compiled with ``parallel=True``,
their outer loop (``prange``: samples, planes or element blocks) split over deepgrad's
thread count (``num_threads``: ``deepgrad.set_num_threads``, else ``OMP_NUM_THREADS``, else
numba's default, the CPU count; as torch counts its threads). They are OFF by default, as
measured: LeNet's training step at 2 threads, each variant alone in its own process, 3
interleaved rounds, medians: serial loops 26.7 ms, parallel loops 29.6 ms, torch 26.6 ms
(quiet machine; in an earlier run beside another job, the benchmark at high priority:
18.8, 20.2 and 19.0 ms, and the parallel loops now and then 10x slower). After every GEMM,
OpenBLAS's worker thread spins on the second core for ~0.1 s (its thread timeout, fixed when
NumPy loads), so numba's workers share that core with it and a parallel loop waits for its
slowest part; with the spinning switched off (``OPENBLAS_THREAD_TIMEOUT=4``) the GEMMs wake
up slower and the step took 21.4 ms. ``DEEPGRAD_PARALLEL_LOOPS=1`` turns them on (not
measured on more than 2 cores). ``run`` then takes the parallel version when there is more
than one thread and at least ``PARALLEL_MIN_WORK`` elements of work: below that, starting the
threads costs more than they save. Each iteration of a ``prange`` writes its own part of the
output, so both versions give the same bits. numba uses its ``workqueue`` threads
(``THREADING_LAYER``, unless the program chose another): they sleep as soon as a call ends
(numba's OpenMP threads spin first: 49 ms a step). The workqueue serves one caller at a
time, so ``run`` gives threads to one Python thread at a time (the others run the serial
loops).

Copies: im2col, the padded channels-last copy of a convolution's input and the NCHW <->
channels-last copies of its output and gradient are loops here too, only to run them on
all threads (a copy gives the same bits however it is made). Their large buffers come
from ``buffer`` (below), which reuses memory from one training step to the next.

Every loop here performs exactly the float operations of the NumPy code it replaces, in
the same order, so both paths give the same numbers (tests/nn/test_fast_kernels.py):

* max pooling keeps the first strict maximum in row-major window order, and a NaN
  propagates as ``np.maximum`` propagates it (the index then stays at the last strict
  maximum before the NaN, as in the per-tap NumPy code; the two-stage NumPy code for
  tiled windows and torch, which points at the NaN, can pick another index there);
* its gradient adds g at the stored tap, taps in increasing order (as the NumPy path's
  ``view += g * (idx == k)``), so overlapping windows sum in the same order;
* col2im adds the taps of each input element in the order (a, b) of the NumPy loop;
* ReLU is ``np.maximum(x, 0)``: x where x > 0 or x is NaN, else +0;
* ReLU's gradient is ``g * 1`` or ``g * 0`` as the NumPy path's float mask gives.

Switch: ``ENABLED`` (from the environment variable ``DEEPGRAD_FUSED``, ``0`` turns every
compiled loop of deepgrad off), or numba missing, or a failed compilation: then each
caller gets None from ``kernel`` and runs its NumPy code. Kernels take NumPy arrays of
float32/float64 only (``usable``); CuPy arrays always take the NumPy-style path.
"""
import importlib.util
import math
import os
import sys
import threading
import types
import warnings

import numpy as np

from ... import threads as _threads

ENABLED = os.environ.get("DEEPGRAD_FUSED", "1") != "0"

_compiled = {}       # name (or name + PARALLEL_SUFFIX) -> compiled function
_failed = set()      # names that could not be compiled (or numba is absent: "*")
_lock = threading.Lock()

# Loops written with ``prange`` that also come compiled with parallel=True, and the least
# number of elements a call must handle to be given threads: waking numba's workers costs
# some microseconds, what a serial loop spends on ~10^4 elements. Infinite (never) unless
# DEEPGRAD_PARALLEL_LOOPS=1: see "Threads" above.
PARALLEL = frozenset({"relu", "relu_backward", "max_pool", "max_pool_2x2", "max_pool_scatter",
                      "max_pool_scatter_relu",
                      "col2im_nchw", "rows_to_nchw", "nchw_to_rows", "padded_nhwc", "im2col"})
PARALLEL_SUFFIX = "_parallel"
PARALLEL_MIN_WORK = 1 << 16 if os.environ.get("DEEPGRAD_PARALLEL_LOOPS") == "1" else math.inf
THREADING_LAYER = "workqueue"
prange = range  # what the loops read as ``prange``: numba.prange in the parallel versions

# Loops that never load numba themselves: they run compiled only once numba is in the process
# (a convolution's or pooling's loops, the optimisers' fused updates or the program loaded
# it). Loading numba costs ~65 MiB of resident memory, its first compiled call ~65 MiB more
# (LLVM), and ~1 s. ReLU's gradient is 2.4x faster compiled (one thread, CPU time: 10 against
# 24 us on 128 x 256, 18 against 43 us on 128 x 512), but in an MLP 784-512-256-10 at batch
# 128 that is ~40 us of a step of several ms: it never pays for numba on its own, and took the
# MLP run's peak memory from 1.16x hand-written NumPy's to 3.9x. In a CNN the pooling loops
# have loaded numba before the first backward, and ReLU's large feature maps use it.
LOAD_ONLY_WITH_OTHERS = frozenset({"relu", "relu_backward"})


def usable(*arrays):
    """True when the compiled loops may take these arrays: switch on, NumPy float arrays."""
    if not ENABLED or "*" in _failed:
        return False
    dtype = arrays[0].dtype
    return all(type(a) is np.ndarray and a.dtype == dtype for a in arrays) and \
        dtype.char in "fd"


def kernel(name, parallel=False):
    """The compiled loop ``name`` (a function of this module ending in ``_loop``), or None;
    ``parallel``: its version compiled with parallel=True (names in ``PARALLEL`` only)."""
    if not ENABLED:
        return None
    key = name + PARALLEL_SUFFIX if parallel else name
    fn = _compiled.get(key)
    if fn is not None:
        return fn
    if name in LOAD_ONLY_WITH_OTHERS and "numba" not in sys.modules:
        return None
    with _lock:
        if key in _compiled or key in _failed or "*" in _failed:
            return _compiled.get(key)
        if importlib.util.find_spec("numba") is None:
            _failed.add("*")
            return None
        try:
            fn = _compile(name, parallel)
        except Exception as exc:  # noqa: BLE001 - a broken numba must not stop training
            _failed.add(key)
            warnings.warn(f"deepgrad: numba could not compile {key} ({type(exc).__name__}: "
                          f"{exc}); using the NumPy kernels", RuntimeWarning, stacklevel=2)
            return None
        _compiled[key] = fn
        return fn


def _compile(name, parallel):
    """numba.njit of loop ``name``; the parallel version is a copy of the function that
    reads numba.prange as ``prange`` (and has its own name, so its own on-disk cache)."""
    import numba  # noqa: PLC0415 - optional (deepgrad[fast]) and slow to import

    loop = _LOOPS[name]
    options = dict(nogil=True, error_model="numpy")
    if parallel:
        if numba.config.THREADING_LAYER == "default":
            numba.config.THREADING_LAYER = THREADING_LAYER
        options["parallel"] = True
        loop = types.FunctionType(loop.__code__, dict(loop.__globals__, prange=numba.prange),
                                  loop.__name__ + PARALLEL_SUFFIX)
        loop.__qualname__ = loop.__name__
    try:  # compiling takes a second or more per loop: keep the machine code on disk
        return numba.njit(cache=True, **options)(loop)
    except RuntimeError:  # no writable cache folder: compile in every process
        return numba.njit(**options)(loop)


def num_threads():
    """The threads a parallel loop may use, counted as torch counts its own: the number
    given to ``deepgrad.set_num_threads``, else ``OMP_NUM_THREADS``, else numba's default
    (the CPU count); never more than numba started (``NUMBA_NUM_THREADS``)."""
    import numba  # noqa: PLC0415 - only called once a loop has compiled

    requested = _threads._requested["intra"] or _env_threads()
    return max(1, min(requested or numba.config.NUMBA_NUM_THREADS,
                      numba.config.NUMBA_NUM_THREADS))


def _env_threads():
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def run(name, *args, work=0):
    """Call the compiled loop ``name``; False if it is unavailable or fails to compile on
    these argument types (then the caller runs its NumPy code). ``work``: the number of
    elements the loop handles; from ``PARALLEL_MIN_WORK`` on, a loop of ``PARALLEL`` runs
    its parallel version on ``num_threads()`` threads (when that is more than one)."""
    fn = kernel(name)
    if fn is None:
        return False
    try:
        if not (work >= PARALLEL_MIN_WORK and name in PARALLEL and _run_parallel(name, args)):
            fn(*args)
    except Exception as exc:  # noqa: BLE001 - typing errors surface at the first call
        from numba.core.errors import NumbaError  # noqa: PLC0415

        if not isinstance(exc, NumbaError):
            raise
        _failed.add(name)
        _compiled.pop(name, None)
        _compiled.pop(name + PARALLEL_SUFFIX, None)
        warnings.warn(f"deepgrad: numba could not compile {name} ({type(exc).__name__}); "
                      f"using the NumPy kernels", RuntimeWarning, stacklevel=2)
        return False
    return True


_parallel_lock = threading.Lock()


def _run_parallel(name, args):
    """Run loop ``name``'s parallel version on ``num_threads()`` threads; False (nothing
    run) with one thread, without the compiled version, or while another Python thread
    runs a parallel loop: numba's workqueue threads serve one caller at a time (two at
    once abort the process), so the second caller runs the serial loop instead."""
    threads = num_threads()
    if threads < 2:
        return False
    fn = kernel(name, parallel=True)
    if fn is None or not _parallel_lock.acquire(blocking=False):
        return False
    try:
        _set_numba_threads(threads)
        fn(*args)
    finally:
        _parallel_lock.release()
    return True


def _set_numba_threads(threads):
    import numba  # noqa: PLC0415 - loaded: a loop has compiled

    if numba.get_num_threads() != threads:
        numba.set_num_threads(threads)


# --- reusable buffers -------------------------------------------------------------------------
#
# A large NumPy array comes from fresh pages of memory, and the first write to each 4 KiB
# page traps into the operating system (a page fault), which hands out a zeroed page. malloc
# gives the memory of large freed arrays back to the system, so every training step faulted
# its activations in again: a LeNet step took ~6000 faults, ~20 ms of its ~54 ms of CPU time
# (one thread). ``buffer`` keeps the arrays it hands out and hands one out again once nobody
# else refers to it (its reference count is back to the cache's own): from the second step
# on, the same memory is reused and nothing faults. A tiny caching allocator, as torch has
# for GPU memory, for the large arrays of the convolution, pooling and ReLU kernels. Its
# price: up to ``BUFFER_CACHE_BYTES`` of freed arrays stay allocated (least recently used
# shapes are dropped first; ``empty_buffer_cache`` drops all).

BUFFER_CACHE_BYTES = int(os.environ.get("DEEPGRAD_BUFFER_CACHE_MB", "512")) << 20
BUFFER_MIN_BYTES = 1 << 18       # smaller arrays come from malloc's free lists, no faults
BUFFERS_PER_SHAPE = 8            # a model holding more arrays of one shape gets fresh ones
_buffers = {}                    # (shape, dtype) -> [arrays], least recently used first
_buffer_bytes = [0]
_buffer_lock = threading.Lock()  # two threads must not take the same free array


def _references(a):
    return sys.getrefcount(a)


# the count _references reports for an array that only the cache's list holds
_FREE_REFS = (lambda arrays: _references(arrays[0]))([np.empty(1)])


def buffer(shape, dtype):
    """An uninitialised C-contiguous NumPy array of ``shape`` and ``dtype`` (``np.empty``'s
    contract), reusing a cached one that nobody refers to any more."""
    dtype = np.dtype(dtype)
    shape = tuple(shape)
    nbytes = dtype.itemsize * math.prod(shape)
    if nbytes < BUFFER_MIN_BYTES or BUFFER_CACHE_BYTES <= 0:
        return np.empty(shape, dtype)
    key = (shape, dtype)
    with _buffer_lock:
        arrays = _buffers.pop(key, [])
        _buffers[key] = arrays  # now the most recently used
        for i in range(len(arrays)):
            if _references(arrays[i]) <= _FREE_REFS:
                return arrays[i]
        a = np.empty(shape, dtype)
        if len(arrays) < BUFFERS_PER_SHAPE:
            arrays.append(a)
            _buffer_bytes[0] += nbytes
            while _buffer_bytes[0] > BUFFER_CACHE_BYTES and len(_buffers) > 1:
                _drop(next(iter(_buffers)))
        return a


def _drop(key):
    _buffer_bytes[0] -= sum(a.nbytes for a in _buffers.pop(key))


def empty_buffer_cache():
    """Forget every cached array (those still in use live on with their users)."""
    with _buffer_lock:
        for key in list(_buffers):
            _drop(key)


def workers(work):
    """How many threads ``run`` gives a loop of ``PARALLEL`` handling ``work`` elements (for
    loops that take one scratch buffer per thread)."""
    if work < PARALLEL_MIN_WORK or "numba" not in sys.modules:
        return 1
    return num_threads()


# --- the loops (plain Python, compiled by numba) --------------------------------------------


def max_pool_loop(xp, kh, kw, sh, sw, dh, dw, best, idx):
    """best[n, c, i, j] = max over taps (a, b) of xp[n, c, i sh + a dh, j sw + b dw];
    idx = a kw + b of the first strict maximum (a NaN wins and stays)."""
    n, c, ho, wo = best.shape
    for p in prange(n * c):
        s, ch = p // c, p % c
        plane, out, arg = xp[s, ch], best[s, ch], idx[s, ch]
        for i in range(ho):
            r = i * sh
            for j in range(wo):
                q = j * sw
                m = plane[r, q]
                k = 0
                for a in range(kh):
                    for b in range(kw):
                        v = plane[r + a * dh, q + b * dw]
                        if v > m:
                            m = v
                            k = a * kw + b
                        elif v != v:  # NaN: np.maximum propagates it, the index stays
                            m = v
                out[i, j] = m
                arg[i, j] = k


def max_pool_2x2_loop(xp, sh, sw, dh, dw, best, idx):
    """max_pool_loop for a 2 x 2 kernel, its taps written out: the compiler turns the
    comparisons into selects (3.5x faster than the loops over a and b, whose branches on
    random data are mispredicted half the time). The usual tiling (stride 2, no dilation)
    has its own row loop: with constant strides and the NaN test moved out to one pass
    over the two input rows, it vectorises (1.5x faster); a row holding a NaN is then
    recomputed by the general loop, so both give the same numbers."""
    n, c, ho, wo = best.shape
    tiled = sh == 2 and sw == 2 and dh == 1 and dw == 1
    for p in prange(n * c):
        s, ch = p // c, p % c
        plane, out, arg = xp[s, ch], best[s, ch], idx[s, ch]
        for i in range(ho):
            top, bottom = plane[i * sh], plane[i * sh + dh]
            general = not tiled
            if tiled:
                out_row, arg_row = out[i], arg[i]
                for j in range(wo):
                    v0, v1 = top[2 * j], top[2 * j + 1]
                    v2, v3 = bottom[2 * j], bottom[2 * j + 1]
                    m, k = v0, 0
                    if v1 > m:
                        m, k = v1, 1
                    if v2 > m:
                        m, k = v2, 2
                    if v3 > m:
                        m, k = v3, 3
                    out_row[j] = m
                    arg_row[j] = k
                for q in range(2 * wo):
                    general |= (top[q] != top[q]) | (bottom[q] != bottom[q])
            if not general:
                continue
            for j in range(wo):
                q = j * sw
                v0, v1, v2, v3 = top[q], top[q + dw], bottom[q], bottom[q + dw]
                m, k = v0, 0
                if v1 > m:
                    m, k = v1, 1
                if v2 > m:
                    m, k = v2, 2
                if v3 > m:
                    m, k = v3, 3
                if (v0 != v0) | (v1 != v1) | (v2 != v2) | (v3 != v3):
                    # a NaN (rare: kept off the fast path): np.maximum's running max
                    # becomes NaN at the first NaN tap, and nothing beats it afterwards
                    m, k = v0, 0
                    for t, v in ((1, v1), (2, v2), (3, v3)):
                        if m != m:
                            break
                        if v > m:
                            m, k = v, t
                        elif v != v:
                            m = v
                out[i, j] = m
                arg[i, j] = k


def max_pool_scatter_loop(g, idx, row_offset, col_offset, sh, sw, disjoint, gxp):
    """gxp (padded NCHW, any contents) = zeros + g at the stored tap k of each window,
    which sits row_offset[k], col_offset[k] from the window's corner. Each plane is
    zeroed just before its windows add to it (while it is in cache; the caller's buffer
    needs no memset). Overlapping windows: the taps in increasing order, as the NumPy
    path adds them (the same float sums). (Zeroing each window's taps instead was
    measured slower.)"""
    n, c, ho, wo = g.shape
    taps = row_offset.shape[0]
    for p in prange(n * c):
        s, ch = p // c, p % c
        gp, arg, dst = g[s, ch], idx[s, ch], gxp[s, ch]
        dst[:, :] = 0
        if disjoint:  # one contribution per element: any order gives the same numbers
            for i in range(ho):
                for j in range(wo):
                    k = arg[i, j]
                    dst[i * sh + row_offset[k], j * sw + col_offset[k]] += gp[i, j]
            continue
        for k in range(taps):
            for i in range(ho):
                for j in range(wo):
                    if arg[i, j] == k:
                        dst[i * sh + row_offset[k], j * sw + col_offset[k]] += gp[i, j]


def max_pool_scatter_relu_loop(g, idx, row_offset, col_offset, sh, sw, y, zero, gxp):
    """max_pool_scatter_loop for disjoint windows over a ReLU's output y, with ReLU's own
    gradient applied on the way: gxp = relu_backward(scatter(g)), in one pass instead of
    two over the input-sized array. Per element the same float operations as the two loops
    one after the other: the scattered value v = 0 + g is kept where y > 0 and becomes
    v * 0 elsewhere (relu_backward_loop); an element no window picked stays 0 either way."""
    n, c, ho, wo = g.shape
    for p in prange(n * c):
        s, ch = p // c, p % c
        gp, arg, dst, yp = g[s, ch], idx[s, ch], gxp[s, ch], y[s, ch]
        dst[:, :] = 0
        for i in range(ho):
            for j in range(wo):
                k = arg[i, j]
                r, q = i * sh + row_offset[k], j * sw + col_offset[k]
                v = dst[r, q] + gp[i, j]
                dst[r, q] = v if yp[r, q] > 0 else v * zero


def relu_loop(a, out):
    """out = max(a, 0) as np.maximum(a, 0) gives it, flat: a NaN stays (its own bits),
    -0 and negatives become +0."""
    zero = a.dtype.type(0)
    for e in prange(a.size):
        v = a[e]
        out[e] = v if (v > zero) | (v != v) else zero


def relu_backward_loop(g, y, out, zero):
    """out = g * [y > 0] as a float mask: g (g * 1 is g) or g * 0 (0, -0 or NaN), flat."""
    for e in prange(g.size):
        out[e] = g[e] if y[e] > 0 else g[e] * zero


def col2im_nchw_loop(gcols, kh, kw, sh, sw, dh, dw, pt, pl, scratch, out):
    """out[n, c, h, w] = sum over taps (a, b) reaching padded (h + pt, w + pl) of
    gcols[n, i, j, a kw + b, c], gcols (N, Ho, Wo, kh kw, C). One sample at a time: its
    taps are added onto a zeroed channels-last padded scratch (Hp, Wp, C) in the NumPy
    loop's order (so the same float sums; the inner loop runs over contiguous channels),
    then copied out transposed to NCHW. scratch (T, Hp, Wp, C): worker t takes the
    samples t, t + T, t + 2T, ... on scratch[t]."""
    n, ho, wo, _, c = gcols.shape
    _, _, h, w = out.shape
    workers = scratch.shape[0]
    for t in prange(workers):
        pad = scratch[t]
        for s in range(t, n, workers):
            pad[:] = 0
            for a in range(kh):
                for b in range(kw):
                    k = a * kw + b
                    for i in range(ho):
                        for j in range(wo):
                            dst = pad[i * sh + a * dh, j * sw + b * dw]
                            row = gcols[s, i, j, k]
                            for ch in range(c):
                                dst[ch] += row[ch]
            for ch in range(c):
                for y in range(h):
                    for x in range(w):
                        out[s, ch, y, x] = pad[y + pt, x + pl, ch]


def rows_to_nchw_loop(y, bias, out):
    """out[n, o, i, j] = y[n, i, j, o] + bias[o] (bias of length 0: none)."""
    n, ho, wo, o = y.shape
    has_bias = bias.shape[0] > 0
    for s in prange(n):
        for ch in range(o):  # contiguous writes, strided reads (the cheaper way round)
            add = bias[ch] if has_bias else y.dtype.type(0)
            for i in range(ho):
                for j in range(wo):
                    out[s, ch, i, j] = y[s, i, j, ch] + add if has_bias else y[s, i, j, ch]


def nchw_to_rows_loop(g, out):
    """out[n, i, j, o] = g[n, o, i, j]: an NCHW array copied channels-last (a transpose)."""
    n, o, ho, wo = g.shape
    for s in prange(n):
        for ch in range(o):  # contiguous reads, strided writes (2x faster than the reverse)
            for i in range(ho):
                for j in range(wo):
                    out[s, i, j, ch] = g[s, ch, i, j]


def padded_nhwc_loop(x, pt, pl, out):
    """out (N, Hp, Wp, C) = x (N, C, H, W) channels-last, placed at (pt, pl), zeros around."""
    n, c, h, w = x.shape
    _, hp, wp, _ = out.shape
    padded = hp != h or wp != w
    for s in prange(n):
        if padded:  # without padding every element is written below
            out[s] = 0
        for ch in range(c):  # contiguous reads, strided writes (1.4x faster than the reverse)
            for y in range(h):
                for xx in range(w):
                    out[s, y + pt, xx + pl, ch] = x[s, ch, y, xx]


def im2col_loop(xp, kh, kw, sh, sw, dh, dw, cols):
    """cols[n, i, j, a, b, :] = xp[n, i sh + a dh, j sw + b dw, :] (channels-last xp):
    the receptive fields as rows, what reshaping the strided view copies."""
    n, ho, wo, _, _, c = cols.shape
    for s in prange(n):
        for i in range(ho):
            for j in range(wo):
                for a in range(kh):
                    for b in range(kw):
                        src = xp[s, i * sh + a * dh, j * sw + b * dw]
                        dst = cols[s, i, j, a, b]
                        for ch in range(c):
                            dst[ch] = src[ch]


_LOOPS = {name[:-5]: fn for name, fn in dict(globals()).items() if name.endswith("_loop")}
