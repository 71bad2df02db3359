"""Compiled loops of the LSTM and GRU sequence kernels (deepgrad[fast]): one call per time step.

``_lstm_kernel.py`` and ``_gru_kernel.py`` run a recurrent layer over a sequence with the
GEMMs in NumPy (OpenBLAS, threaded like every other GEMM of deepgrad) and the cell's
elementwise maths either as NumPy lines (the fallback) or as the loops below, compiled by
numba. A step of a (32, 128) batch is ~10 to 20 small NumPy calls of a few microseconds
each; the loops read and write every element once per step.

Layouts: the LSTM's loops work feature-major (``_lstm_kernel.py`` explains why): a step's
gates are a C-contiguous (4H, N) block [i; f; g; o], one row per unit, its states (H, N),
and the loops walk each (H, N) block as one flat run of H*N elements. The GRU's are
batch-major rows, as torch's: a step's pre-activations are a C-contiguous (N, 3H) block
with the gate blocks side by side in torch's gate order, so the element k of row b has its
gates at columns k, H + k, 2H + k; the loops walk rows, and inside a row the hidden units.
Both are contiguous runs that the compiler vectorises.

Same numbers as NumPy: every loop performs the float operations of the NumPy lines it
replaces, in the same order (no fused multiply-add: numba does not contract without
fastmath), so both paths give the same bits (tests/nn/test_rnn_kernels.py). The
multiplications by 1 and additions of 0 that look useless are the NumPy path's
broadcast operations (x + 0 turns -0 into +0).

tanh stays NumPy's (its vectorised tanh is much faster than the compiled scalar one), so an
LSTM forward step is: GEMM (the input projection and the bias included), tanh, loop (cell),
tanh, multiply (output); a GRU step: GEMM, add, tanh, loop, tanh, loop; a backward step:
loop, GEMM. Measured per call on hot blocks (N = 32, H = 128), float32, one thread:
lstm_cell 3.0 us, lstm_cell_back 8.3 (of which ~2 for copying dA into the sequence's
(4H, T, N) array; ~4.5 of ~12 in the layer, where that array is cold); gru_gates 5.2,
gru_state 2.1, gru_cell_back 10.0 (CPU time, loaded machine; numba's dispatch ~0.4 us of
each with 3 arguments, ~0.9 with 10), against ~40 to 55 us for a step's GEMM. Within a
layer, between GEMMs, each takes 1 to 4 us more (colder caches).

Switch: the loops follow ``_fast_kernels``' switch (``DEEPGRAD_FUSED=0`` or
``_fast_kernels.ENABLED = False`` turns them off, as numba missing or failing does); they
take NumPy float32/float64 arrays only (``usable``), CuPy arrays run the NumPy lines.
"""
import numpy as np

from . import _fast_kernels as _switch

# The loops below join ``_fast_kernels``' table (end of this file): they share its switch,
# its compiler options and on-disk cache, and its fallback to the NumPy lines when a loop
# does not compile. They run on one thread (no ``work`` given to ``run``): a step's blocks
# are a few thousand elements, below what waking threads pays for.
usable = _switch.usable
kernel = _switch.kernel
run = _switch.run
_compiled = _switch._compiled


def empty(like, shape):
    """An uninitialised C-ordered array of ``like``'s dtype (on its device): for NumPy arrays
    from ``_fast_kernels``' buffer cache, so that a sequence's blocks reuse the last step's
    memory instead of being faulted in page by page (~2.5 ms of a 50-step LSTM's 7 ms
    forward)."""
    if type(like) is np.ndarray:
        return _switch.buffer(shape, like.dtype)
    return np.empty_like(like, shape=shape, order="C")  # (not like's strides: a strided x)


def matmul(a, b, like):
    """a @ b into an ``empty`` array (like ``empty``, for the sequence-sized GEMM results)."""
    return np.matmul(a, b, out=empty(like, a.shape[:-1] + b.shape[-1:]))


def copy(a):
    """A copy of ``a`` in an ``empty`` array (the layer's outputs)."""
    out = empty(a, a.shape)
    out[...] = a
    return out


# --- LSTM (``_lstm_kernel.py``) ---------------------------------------------------------------
# Feature-major blocks: a step's gates are a C-ordered (4H, N) block [i; f; g; o], its states
# (H, N) blocks, one row per unit and a column per sample. The elementwise loops walk each
# (H, N) block as one flat run of H*N elements: loops over rows of only N = 32 samples were
# 3x slower (backward step 25 us against 7, forward cell 10 against 3.2 with the gates
# written to a second array; presumably the compiler's run-time checks that a dozen arrays
# do not overlap, repeated for every 32-element row).
# The gates' tanh has already run on the scaled pre-activations (sigmoid(a) = tanh(a/2)/2 +
# 1/2, the 1/2 folded into the weights), so y = tanh(s a) gives the gate y * s + (1 - s):
# s = 1/2 for i, f, o and s = 1 for g.

def lstm_cell_loop(a, c, c_new):
    """a (4H, N) holds tanh(s * pre-activations): turn it into the gates [i; f; g; o] in
    place, then c_new = f * c + i * g (H, N)."""
    m = c.size
    half, one, zero = a.dtype.type(0.5), a.dtype.type(1), a.dtype.type(0)
    flat = a.reshape(4 * m)
    ai, af, ag, ao = flat[:m], flat[m:2 * m], flat[2 * m:3 * m], flat[3 * m:]
    cr, cnr = c.reshape(m), c_new.reshape(m)
    for j in range(m):
        i = ai[j] * half + half
        f = af[j] * half + half
        g = ag[j] * one + zero
        ao[j] = ao[j] * half + half
        ai[j], af[j], ag[j] = i, f, g
        cnr[j] = f * cr[j] + i * g


def lstm_cell_back_loop(a, tc, c_prev, dh, gy, has_gy, t, dc, da, da_all):
    """One step of LSTM backpropagation through time, elementwise part ((H, N) blocks):
    d = dh + gy[t]^T (if has_gy; into dh, which the step's GEMM overwrites next);
    dc += d o (1 - tanh(c)^2); the gate gradients (dc g, dc c_prev, dc i, d tanh(c)) times
    the gate derivatives (a + e)(1 - a) (e = 1 for g, else 0) into da (4H, N), also copied
    into column block t of da_all (4H, T, N); then dc *= f in place."""
    n, batch = dh.shape
    m = n * batch
    one, zero = dh.dtype.type(1), dh.dtype.type(0)
    if has_gy:
        for k in range(n):
            dhk = dh[k]
            for b in range(batch):
                dhk[b] = dhk[b] + gy[t, b, k]
    flat, dflat = a.reshape(4 * m), da.reshape(4 * m)
    ai, af, ag, ao = flat[:m], flat[m:2 * m], flat[2 * m:3 * m], flat[3 * m:]
    di, df, dg, do = dflat[:m], dflat[m:2 * m], dflat[2 * m:3 * m], dflat[3 * m:]
    tcr, cpr, dhr, dcr = tc.reshape(m), c_prev.reshape(m), dh.reshape(m), dc.reshape(m)
    for j in range(m):
        d = dhr[j]
        i, f, g, o = ai[j], af[j], ag[j], ao[j]
        tv = tcr[j]
        dcv = dcr[j] + (one - tv * tv) * o * d
        di[j] = dcv * g * ((i + zero) * (one - i))
        df[j] = dcv * cpr[j] * ((f + zero) * (one - f))
        dg[j] = dcv * i * ((g + one) * (one - g))
        do[j] = d * tv * ((o + zero) * (one - o))
        dcr[j] = dcv * f
    for r in range(4 * n):
        src, dst = da[r], da_all[r, t]
        for b in range(batch):
            dst[b] = src[b]


# --- GRU (``_gru_kernel.py``) ----------------------------------------------------------------
# r and z: tanh has run on (x W_ir^T + b_ir + b_hr + h W_hr^T) / 2 (the 1/2 folded into the
# weights and biases), so the gate is y / 2 + 1/2; n = tanh(n_x + r * (h W_hn^T + b_hn)).

def gru_gates_loop(rz, hp, xp, b_hn, has_bias, hn, pre_n):
    """rz (N, 2H) holds tanh of the halved r, z pre-activations: the gates r, z in place;
    hn = hp[:, 2H:] + b_hn (N, H) (the hidden part of n, kept for backward);
    pre_n = xp[:, 2H:] + r * hn, the pre-activation of n (its tanh runs next)."""
    n = hn.shape[1]
    half = rz.dtype.type(0.5)
    for b in range(hn.shape[0]):
        rr, zr, hpn, xpn = rz[b, :n], rz[b, n:], hp[b, 2 * n:], xp[b, 2 * n:]
        hnr, pnr = hn[b], pre_n[b]
        bias = b_hn if has_bias else hpn
        for k in range(n):
            r = rr[k] * half + half
            rr[k] = r
            zr[k] = zr[k] * half + half
            h = hpn[k] + bias[k] if has_bias else hpn[k]
            hnr[k] = h
            pnr[k] = r * h + xpn[k]


def gru_state_loop(n_t, rz, h, h_new):
    """h_new = n + z * (h - n) (N, H); z is the right half of the gates rz (N, 2H)."""
    n = h.shape[1]
    for b in range(h.shape[0]):
        nr, zr, hr, outr = n_t[b], rz[b, n:], h[b], h_new[b]
        for k in range(n):
            outr[k] = nr[k] + (hr[k] - nr[k]) * zr[k]


def gru_cell_back_loop(direct, mm, gy_t, has_gy, rz, n_t, hn, h, dxp, dhp):
    """One step of GRU backpropagation through time, elementwise part (rows (N, .)):
    d = direct + mm (+ gy_t): the gradient of h' (the direct part z * dh of the later step
    plus its W_hh part); dan = d (1 - z)(1 - n^2); dar = dan hn r (1 - r);
    daz = d (h - n) z (1 - z); dxp = [dar, daz, dan], dhp = [dar, daz, dan r] (N, 3H);
    then direct = d z in place."""
    m = hn.shape[1]
    one = hn.dtype.type(1)
    for b in range(hn.shape[0]):
        dir_r, mmr, rr, zr, nr, hnr, hr = direct[b], mm[b], rz[b, :m], rz[b, m:], n_t[b], \
            hn[b], h[b]
        dxr, dxz, dxn = dxp[b, :m], dxp[b, m:2 * m], dxp[b, 2 * m:]
        dhr, dhz, dhn = dhp[b, :m], dhp[b, m:2 * m], dhp[b, 2 * m:]
        gyr = gy_t[b] if has_gy else mmr
        for k in range(m):
            d = dir_r[k] + mmr[k]
            if has_gy:
                d = d + gyr[k]
            r, z, nv = rr[k], zr[k], nr[k]
            dan = d * (one - z) * (one - nv * nv)
            dar = dan * hnr[k] * r * (one - r)
            daz = d * (hr[k] - nv) * z * (one - z)
            dxr[k], dxz[k], dxn[k] = dar, daz, dan
            dhr[k], dhz[k], dhn[k] = dar, daz, dan * r
            dir_r[k] = d * z


_switch._LOOPS.update({name[:-5]: fn for name, fn in dict(globals()).items()
                       if name.endswith("_loop")})
