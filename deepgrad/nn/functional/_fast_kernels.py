"""Compiled loops: convolutions, pooling, ReLU's gradient, the LSTM and GRU cells (deepgrad[fast]).

The NumPy code in ``_conv_ops.py``, ``_pool_ops.py`` and ``_lstm_kernel.py`` makes one
ufunc call per kernel tap or per line of the cell's maths: a tap of an NCHW array is a
strided run of only Wo elements, an LSTM step works on (H, N) blocks of a few thousand
elements, so NumPy spends its time starting short inner loops. The same work written as
plain loops and compiled by numba (``pip install deepgrad[fast]``) reads each element once.
Measured (one thread, CPU time, LeNet's layers): max-pool forward 2.0 ms against 4.0,
backward 2.1 against 4.6, ReLU's gradient 1.2 against 2.3, col2im + NCHW copy of the
second conv's input gradient ~0.5 ms against ~3.

Serial loops: ``parallel=True`` with ``prange`` over the samples was measured on the
shared 2-core machine and lost badly (ReLU's gradient: 8 ms of CPU and 8-24 ms of wall
clock against 1 ms serial; OpenMP's worker threads spin and wait for a busy core).
Kept out until it can be measured on a quiet machine.

Every loop here performs exactly the float operations of the NumPy code it replaces, in
the same order, so both paths give the same numbers (tests/nn/test_fast_kernels.py):

* max pooling keeps the first strict maximum in row-major window order, and a NaN
  propagates as ``np.maximum`` propagates it (the index then stays at the last strict
  maximum before the NaN, as in the per-tap NumPy code; the two-stage NumPy code for
  tiled windows and torch, which points at the NaN, can pick another index there);
* its gradient adds g at the stored tap, taps in increasing order (as the NumPy path's
  ``view += g * (idx == k)``), so overlapping windows sum in the same order;
* col2im adds the taps of each input element in the order (a, b) of the NumPy loop;
* ReLU's gradient is ``g * 1`` or ``g * 0`` as the NumPy path's float mask gives;
* the LSTM and GRU cells' lines are written with NumPy's operands and order, e.g.
  ``f * c + i * g`` and ``((1 - t * t) * o) * dh``.

Switch: ``ENABLED`` (from the environment variable ``DEEPGRAD_FUSED``, ``0`` turns every
compiled loop of deepgrad off), or numba missing, or a failed compilation: then each
caller gets None from ``kernel`` and runs its NumPy code. Kernels take NumPy arrays of
float32/float64 only (``usable``); CuPy arrays always take the NumPy-style path.
"""
import importlib.util
import os
import sys
import threading
import warnings

import numpy as np

ENABLED = os.environ.get("DEEPGRAD_FUSED", "1") != "0"

_compiled = {}       # name -> compiled function
_failed = set()      # names that could not be compiled (or numba is absent: "*")
_lock = threading.Lock()

# Loops that never load numba themselves: they run compiled only once numba is in the process
# (a convolution's or pooling's loops, the optimisers' fused updates or the program loaded
# it). Loading numba costs ~65 MiB of resident memory, its first compiled call ~65 MiB more
# (LLVM), and ~1 s. ReLU's gradient is 2.4x faster compiled (one thread, CPU time: 10 against
# 24 us on 128 x 256, 18 against 43 us on 128 x 512), but in an MLP 784-512-256-10 at batch
# 128 that is ~40 us of a step of several ms: it never pays for numba on its own, and took the
# MLP run's peak memory from 1.16x hand-written NumPy's to 3.9x. In a CNN the pooling loops
# have loaded numba before the first backward, and ReLU's large feature maps use it.
LOAD_ONLY_WITH_OTHERS = frozenset({"relu_backward"})


def usable(*arrays):
    """True when the compiled loops may take these arrays: switch on, NumPy float arrays."""
    if not ENABLED or "*" in _failed:
        return False
    dtype = arrays[0].dtype
    return all(type(a) is np.ndarray and a.dtype == dtype for a in arrays) and \
        dtype.char in "fd"


def kernel(name):
    """The compiled loop ``name`` (a function of this module ending in ``_loop``), or None."""
    if not ENABLED:
        return None
    fn = _compiled.get(name)
    if fn is not None:
        return fn
    if name in LOAD_ONLY_WITH_OTHERS and "numba" not in sys.modules:
        return None
    with _lock:
        if name in _compiled or name in _failed or "*" in _failed:
            return _compiled.get(name)
        if importlib.util.find_spec("numba") is None:
            _failed.add("*")
            return None
        try:
            import numba  # noqa: PLC0415 - optional (deepgrad[fast]) and slow to import

            loop = _LOOPS[name]
            options = dict(nogil=True, error_model="numpy")
            try:  # compiling takes a second or more per loop: keep the machine code on disk
                fn = numba.njit(cache=True, **options)(loop)
            except RuntimeError:  # no writable cache folder: compile in every process
                fn = numba.njit(**options)(loop)
        except Exception as exc:  # noqa: BLE001 - a broken numba must not stop training
            _failed.add(name)
            warnings.warn(f"deepgrad: numba could not compile {name} ({type(exc).__name__}: "
                          f"{exc}); using the NumPy kernels", RuntimeWarning, stacklevel=2)
            return None
        _compiled[name] = fn
        return fn


def run(name, *args):
    """Call the compiled loop ``name``; False if it is unavailable or fails to compile on
    these argument types (then the caller runs its NumPy code)."""
    fn = kernel(name)
    if fn is None:
        return False
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - typing errors surface at the first call
        from numba.core.errors import NumbaError  # noqa: PLC0415

        if not isinstance(exc, NumbaError):
            raise
        _failed.add(name)
        _compiled.pop(name, None)
        warnings.warn(f"deepgrad: numba could not compile {name} ({type(exc).__name__}); "
                      f"using the NumPy kernels", RuntimeWarning, stacklevel=2)
        return False
    return True


# --- the loops (plain Python, compiled by numba) --------------------------------------------


def max_pool_loop(xp, kh, kw, sh, sw, dh, dw, best, idx):
    """best[n, c, i, j] = max over taps (a, b) of xp[n, c, i sh + a dh, j sw + b dw];
    idx = a kw + b of the first strict maximum (a NaN wins and stays)."""
    n, c, ho, wo = best.shape
    for p in range(n * c):
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
    random data are mispredicted half the time)."""
    n, c, ho, wo = best.shape
    for p in range(n * c):
        s, ch = p // c, p % c
        plane, out, arg = xp[s, ch], best[s, ch], idx[s, ch]
        for i in range(ho):
            top, bottom = plane[i * sh], plane[i * sh + dh]
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
    """gxp (zeros, padded NCHW) += g at the stored tap k of each window, which sits
    row_offset[k], col_offset[k] from the window's corner. Overlapping windows: the taps
    in increasing order, as the NumPy path adds them (the same float sums). (Zeroing each
    window's taps here instead of a memset before was measured slower.)"""
    n, c, ho, wo = g.shape
    taps = row_offset.shape[0]
    for p in range(n * c):
        s, ch = p // c, p % c
        gp, arg, dst = g[s, ch], idx[s, ch], gxp[s, ch]
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


def relu_backward_loop(g, y, out, zero):
    """out = g * [y > 0] as a float mask: g (g * 1 is g) or g * 0 (0, -0 or NaN), flat."""
    for e in range(g.size):
        out[e] = g[e] if y[e] > 0 else g[e] * zero


def col2im_nchw_loop(gcols, kh, kw, sh, sw, dh, dw, pt, pl, scratch, out):
    """out[n, c, h, w] = sum over taps (a, b) reaching padded (h + pt, w + pl) of
    gcols[n, i, j, a kw + b, c], gcols (N, Ho, Wo, kh kw, C). One sample at a time: its
    taps are added onto a zeroed channels-last padded scratch (Hp, Wp, C) in the NumPy
    loop's order (so the same float sums; the inner loop runs over contiguous channels),
    then copied out transposed to NCHW."""
    n, ho, wo, _, c = gcols.shape
    _, _, h, w = out.shape
    for s in range(n):
        scratch[:] = 0
        for a in range(kh):
            for b in range(kw):
                k = a * kw + b
                for i in range(ho):
                    for j in range(wo):
                        dst = scratch[i * sh + a * dh, j * sw + b * dw]
                        row = gcols[s, i, j, k]
                        for ch in range(c):
                            dst[ch] += row[ch]
        for ch in range(c):
            for y in range(h):
                for x in range(w):
                    out[s, ch, y, x] = scratch[y + pt, x + pl, ch]


def rows_to_nchw_loop(y, bias, out):
    """out[n, o, i, j] = y[n, i, j, o] + bias[o] (bias of length 0: none)."""
    n, ho, wo, o = y.shape
    has_bias = bias.shape[0] > 0
    for s in range(n):
        for ch in range(o):  # contiguous writes, strided reads (the cheaper way round)
            add = bias[ch] if has_bias else y.dtype.type(0)
            for i in range(ho):
                for j in range(wo):
                    out[s, ch, i, j] = y[s, i, j, ch] + add if has_bias else y[s, i, j, ch]


# --- the LSTM cell (``_lstm_kernel.py``): its elementwise lines, one call per step --------
# tanh stays NumPy's (its vectorised tanh is ~30x faster than the compiled scalar one);
# everything between two tanh calls or two GEMMs is one loop.
#
# Both loops run over the flat (H N) elements of C-contiguous (H, N) blocks, the four gates
# of element k at k, m + k, 2m + k, 3m + k (m = H N), with the gate constants of
# ``_lstm_kernel._scales`` written in (s = 1/2, offset 1/2, e = 0 for i, f, o; s = 1,
# offset 0, e = 1 for g). One flat loop with constants is what the compiler vectorises:
# the earlier version, a loop over rows with the constants read from (4H, 1) columns,
# stayed scalar: 50-76 us per backward step on hot (128, 32) blocks (one thread, CPU time)
# against ~5 us now and ~37 us for the 14 NumPy calls, so it was slower than NumPy's.
# The multiplications by 1 and additions of 0 are kept: they are the NumPy path's
# operations (x + 0 turns -0 into +0), so both paths give the same bits.

def lstm_cell_loop(a, c, c_new):
    """a (4H, N) holds tanh of the scaled pre-activations: a = a * s + offset gives the
    gates [i; f; g; o] in place, then c_new = f * c + i * g (NumPy's order of operations).
    All three C-contiguous."""
    m = c.size
    af, cf, cnf = a.ravel(), c.ravel(), c_new.ravel()
    half, one, zero = a.dtype.type(0.5), a.dtype.type(1), a.dtype.type(0)
    for k in range(m):
        i = af[k] * half + half
        f = af[m + k] * half + half
        g = af[2 * m + k] * one + zero
        o = af[3 * m + k] * half + half
        af[k], af[m + k], af[2 * m + k], af[3 * m + k] = i, f, g, o
        cnf[k] = f * cf[k] + i * g


def lstm_cell_back_loop(a, tc, c_prev, dh, gy_t, has_gy, dc, da):
    """One step of LSTM backpropagation through time, elementwise part:
    dh + gy_t (if has_gy); dc += dh o (1 - tanh(c)^2); the four gate gradients
    (dc g, dc c_prev, dc i, dh tanh(c)) times (a + e)(1 - a) into da; then dc *= f in
    place. dh is only read (the caller overwrites it with W_hh^T da). All C-contiguous."""
    m = dh.size
    af, tcf, cpf, dhf, dcf, daf = a.ravel(), tc.ravel(), c_prev.ravel(), dh.ravel(), \
        dc.ravel(), da.ravel()
    gyf = gy_t.ravel()
    one, zero = dh.dtype.type(1), dh.dtype.type(0)
    for k in range(m):
        dhv = dhf[k] + gyf[k] if has_gy else dhf[k]
        i, f, g, o = af[k], af[m + k], af[2 * m + k], af[3 * m + k]
        t = tcf[k]
        dcv = dcf[k] + (one - t * t) * o * dhv
        daf[k] = dcv * g * ((i + zero) * (one - i))
        daf[m + k] = dcv * cpf[k] * ((f + zero) * (one - f))
        daf[2 * m + k] = dcv * i * ((g + one) * (one - g))
        daf[3 * m + k] = dhv * t * ((o + zero) * (one - o))
        dcf[k] = dcv * f


# --- the GRU cell's backward step (``_rnn_layer.py``): ~20 NumPy calls as one loop --------

def gru_cell_back_loop(dh, gy_t, has_gy, r, z, n, hn, h, dxp, dhp, direct):
    """One step of GRU backpropagation through time, elementwise part, rows (N, H):
    d = dh + gy_t (if has_gy); dan = d (1 - z)(1 - n^2); dar = dan hn r (1 - r);
    daz = d (h - n) z (1 - z); dxp = [dar, daz, dan], dhp = [dar, daz, dan r] (N, 3H),
    direct = d z. The operations and their order of ``rnn.gru_step_back``."""
    rows, k = dh.shape
    one = dh.dtype.type(1)
    for i in range(rows):
        for j in range(k):
            d = dh[i, j] + gy_t[i, j] if has_gy else dh[i, j]
            rv, zv, nv = r[i, j], z[i, j], n[i, j]
            dan = d * (one - zv) * (one - nv * nv)
            dar = dan * hn[i, j] * rv * (one - rv)
            daz = d * (h[i, j] - nv) * zv * (one - zv)
            dxp[i, j], dxp[i, k + j], dxp[i, 2 * k + j] = dar, daz, dan
            dhp[i, j], dhp[i, k + j], dhp[i, 2 * k + j] = dar, daz, dan * rv
            direct[i, j] = d * zv


_LOOPS = {name[:-5]: fn for name, fn in dict(globals()).items() if name.endswith("_loop")}
