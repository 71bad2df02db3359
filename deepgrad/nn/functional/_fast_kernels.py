"""Compiled loops for convolutions, pooling, ReLU's gradient and the LSTM cell (deepgrad[fast]).

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
* the LSTM cell's lines are written with NumPy's operands and order, e.g.
  ``f * c + i * g`` and ``((1 - t * t) * o) * dh``.

Switch: ``ENABLED`` (from the environment variable ``DEEPGRAD_FUSED``, ``0`` turns every
compiled loop of deepgrad off), or numba missing, or a failed compilation: then each
caller gets None from ``kernel`` and runs its NumPy code. Kernels take NumPy arrays of
float32/float64 only (``usable``); CuPy arrays always take the NumPy-style path.
"""
import importlib.util
import os
import threading
import warnings

import numpy as np

ENABLED = os.environ.get("DEEPGRAD_FUSED", "1") != "0"

_compiled = {}       # name -> compiled function
_failed = set()      # names that could not be compiled (or numba is absent: "*")
_lock = threading.Lock()


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

def lstm_cell_loop(a, scale, offset, c, c_new):
    """a (4H, N) holds tanh of the scaled pre-activations: a = a * scale + offset gives the
    gates [i; f; g; o] in place, then c_new = f * c + i * g (NumPy's order of operations)."""
    n, batch = c.shape
    for r in range(4 * n):
        s, o = scale[r, 0], offset[r, 0]
        for col in range(batch):
            a[r, col] = a[r, col] * s + o
    for r in range(n):
        for col in range(batch):
            c_new[r, col] = a[n + r, col] * c[r, col] + a[r, col] * a[2 * n + r, col]


def lstm_cell_back_loop(a, tc, c_prev, dh, gy_t, has_gy, dc, da, e):
    """One step of LSTM backpropagation through time, elementwise part, in place:
    dh += gy_t (if has_gy); dc += dh o (1 - tanh(c)^2); the four gate gradients
    (dc g, dc c_prev, dc i, dh tanh(c)) times (a + e)(1 - a); then dc *= f.
    All operands row-major (H, N) / (4H, N): the inner loop runs over contiguous columns."""
    n, batch = dh.shape
    one = dh.dtype.type(1)
    for r in range(n):
        ei, ef, eg, eo = e[r, 0], e[n + r, 0], e[2 * n + r, 0], e[3 * n + r, 0]
        a_i, a_f, a_g, a_o = a[r], a[n + r], a[2 * n + r], a[3 * n + r]
        d_i, d_f, d_g, d_o = da[r], da[n + r], da[2 * n + r], da[3 * n + r]
        dh_r, dc_r, tc_r, cp_r = dh[r], dc[r], tc[r], c_prev[r]
        if has_gy:
            gy_r = gy_t[r]
            for col in range(batch):
                dh_r[col] = dh_r[col] + gy_r[col]
        for col in range(batch):
            dhv = dh_r[col]
            i, f, g, o = a_i[col], a_f[col], a_g[col], a_o[col]
            t = tc_r[col]
            dcv = dc_r[col] + (one - t * t) * o * dhv
            d_i[col] = dcv * g * ((i + ei) * (one - i))
            d_f[col] = dcv * cp_r[col] * ((f + ef) * (one - f))
            d_g[col] = dcv * i * ((g + eg) * (one - g))
            d_o[col] = dhv * t * ((o + eo) * (one - o))
            dc_r[col] = dcv * f


_LOOPS = {name[:-5]: fn for name, fn in dict(globals()).items() if name.endswith("_loop")}
