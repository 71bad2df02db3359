"""The LSTM layer's fast path on raw arrays: the equations of ``rnn.py`` with fewer NumPy calls.

An LSTM training step is ~45 % GEMMs and ~55 % small elementwise NumPy calls (each
costs a few microseconds on a (32, 128) block, whatever it computes). This kernel
computes exactly what ``lstm_step`` / ``lstm_step_back`` compute, with about half the calls:

* One tanh for all four gates. sigmoid(a) = tanh(a / 2) / 2 + 1/2, so with the column
  scale s = 1/2 for the i, f, o blocks and 1 for the g block, and offset 1 - s,

      [i, f, g, o] = tanh(s * a) * s + (1 - s)

  The scale is folded into W_ih, W_hh and the bias once per call (halving a float is
  exact, so the products are exactly s * a).
* One formula for the four gate derivatives: sigmoid' = y (1 - y) and
  tanh' = (1 - y)(1 + y), i.e. (1 - y)(y + e) with e = 2s - 1 (0 for i, f, o; 1 for g).
* Feature-major layout: states are kept transposed, h^T (H, N), and the step GEMM is
  a^T = W_hh h^T of shape (4H, N). OpenBLAS runs this shape ~1.5x faster than
  h W_hh^T, and the gate blocks become contiguous row blocks. Results are written into
  preallocated (T, ., N) arrays (``out=``); the caller sees the usual (T, N, H) layout.

* With numba (deepgrad[fast]) the lines between the two tanh calls of a forward step,
  and all the elementwise lines of a backward step, run as one compiled loop each
  (``_fast_kernels.py``: same operations in the same order, so the same bits; NumPy's
  vectorised tanh stays, it is ~30x faster than a compiled scalar tanh).

Saved for backward: the gate activations (T, 4H, N), the cells c_t and tanh(c_t) and
the outputs h_t (T, H, N), and the initial state.
"""
import numpy as np

from . import _fast_kernels as fast


def _scales(w_hh):
    """(s, 1 - s, 2s - 1) as columns (4H, 1): 1/2 for the sigmoid gates, 1 for g."""
    n = w_hh.shape[1]
    s = np.full_like(w_hh, 0.5, shape=(w_hh.shape[0], 1))
    s[2 * n:3 * n] = 1
    return s, 1 - s, 2 * s - 1


def lstm_forward(x, h0, c0, w_ih, w_hh, b, reverse):
    """Run the layer over x (T, N, H_in); b = b_ih + b_hh or None. Returns (y, h_n, c_n, saved)."""
    steps, batch, _ = x.shape
    n = w_hh.shape[1]
    s, offset, _ = _scales(w_hh)
    # input projections of all steps, transposed: (T, 4H, N), one batched GEMM
    xp = np.matmul(w_ih * s, x.transpose(0, 2, 1).copy())  # (contiguous copy: faster GEMMs)
    if b is not None:
        xp += (b * s[:, 0])[:, None]
    w = w_hh * s                                          # scaled W_hh (4H, H)
    acts = xp                                             # overwritten step by step
    cs = np.empty_like(xp, shape=(steps, n, batch))
    tcs, hs = np.empty_like(cs), np.empty_like(cs)
    h, c = h0.T, c0.T
    # compiled (deepgrad[fast]): the lines between the two tanh calls as one loop
    cell = fast.usable(xp, w_hh, c0)
    if cell:
        c = np.ascontiguousarray(c)                       # the loop reads flat C-order blocks
    wh = np.empty_like(xp[0])                             # W_hh h^T of the step
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        a = acts[t]
        a += np.matmul(w, h, out=wh)                      # a^T = xp^T + W_hh h^T
        np.tanh(a, out=a)
        c_new = cs[t]
        if not (cell and fast.run("lstm_cell", a, c, c_new)):
            a *= s
            a += offset                                   # a = [i; f; g; o]
            np.multiply(a[n:2 * n], c, out=c_new)         # f * c
            c_new += a[:n] * a[2 * n:3 * n]               # + i * g
        np.tanh(c_new, out=tcs[t])
        np.multiply(a[3 * n:], tcs[t], out=hs[t])         # h = o * tanh(c)
        h, c = hs[t], c_new
    saved = (acts, cs, tcs, hs, h0, c0, reverse)
    # back to (T, N, H); copies, so that the saved values stay intact
    return hs.transpose(0, 2, 1).copy(), h.T.copy(), c.T.copy(), saved


def lstm_backward(saved, x, w_ih, w_hh, gy, gh, gc, needs):
    """Backpropagation through time; ``needs`` as the kernel's inputs
    (x, h0, c0, w_ih, w_hh[, b_ih, b_hh]). Returns their gradients (None where not needed)."""
    acts, cs, tcs, hs, h0, c0, reverse = saved
    steps = x.shape[0]
    n = w_hh.shape[1]
    _, _, e = _scales(w_hh)
    w_t = w_hh.T.copy()                                   # (H, 4H), contiguous
    da_all = np.empty_like(acts)
    dh = np.zeros_like(h0.T) if gh is None else gh.T      # transposed: (H, N)
    dc = np.zeros_like(c0.T) if gc is None else gc.T
    first = steps - 1 if reverse else 0                   # the step that read h0, c0
    prev = 1 if reverse else -1                           # where the previous state lives
    deriv = np.empty_like(acts[0])
    dw_ih = dw_hh = None
    cell_back = fast.usable(acts, w_hh, c0)
    if cell_back:  # compiled: the step's elementwise lines as one loop, in place
        dh, dc = np.array(dh, order="C"), np.array(dc, order="C")  # never the caller's
        # every operand row-major (H, N), so that the loop's inner runs are contiguous
        gy_t = None if gy is None else np.ascontiguousarray(gy.transpose(0, 2, 1))
        no_gy = np.empty_like(dh, shape=(0, 0))
        c0_t = np.ascontiguousarray(c0.T)
    for t in (range(steps) if reverse else range(steps - 1, -1, -1)):
        if cell_back and fast.run("lstm_cell_back", acts[t], tcs[t],
                                  c0_t if t == first else cs[t + prev], dh,
                                  no_gy if gy is None else gy_t[t], gy is not None, dc,
                                  da_all[t]):
            np.matmul(w_t, da_all[t], out=dh)             # dh is our own buffer here
            continue
        if gy is not None:
            dh = dh + gy[t].T
        a, tc, da = acts[t], tcs[t], da_all[t]
        c_prev = c0.T if t == first else cs[t + prev]
        tmp = tc * tc                                     # dc += dh * o * (1 - tanh(c)^2)
        np.subtract(1, tmp, out=tmp)
        tmp *= a[3 * n:]
        tmp *= dh
        dc = dc + tmp
        np.multiply(dc, a[2 * n:3 * n], out=da[:n])       # d i = dc * g
        np.multiply(dc, c_prev, out=da[n:2 * n])          # d f = dc * c_prev
        np.multiply(dc, a[:n], out=da[2 * n:3 * n])       # d g = dc * i
        np.multiply(dh, tc, out=da[3 * n:])               # d o = dh * tanh(c)
        np.add(a, e, out=deriv)                           # gate derivatives (1 - y)(y + e)
        deriv *= 1 - a
        da *= deriv                                       # d pre-activations (4H, N)
        dc = dc * a[n:2 * n]                              # to the previous cell: dc * f
        dh = w_t @ da                                     # W_hh^T da: (H, N)
    # weight gradients over all (T * N) columns at once: one GEMM each
    rows = steps * x.shape[1]
    da2 = da_all.transpose(1, 0, 2).reshape(-1, rows)     # (4H, T*N): one copy
    if needs[4]:  # sum_t da_t h_{t-1}^T: the outputs shifted by one step, h0 at `first`
        h_prev = np.empty_like(hs)
        shift = slice(0, steps - 1) if reverse else slice(1, steps)
        h_prev[shift] = hs[1:] if reverse else hs[:-1]
        h_prev[first] = h0.T
        dw_hh = da2 @ h_prev.transpose(0, 2, 1).reshape(rows, n)
    if needs[3]:
        dw_ih = da2 @ x.reshape(rows, -1)
    grads = [(w_ih.T @ da2).T.reshape(x.shape) if needs[0] else None,
             dh.T if needs[1] else None, dc.T if needs[2] else None, dw_ih, dw_hh]
    if len(needs) > 5:
        db = da2.sum(1) if needs[5] or needs[6] else None
        grads += [db if needs[5] else None, db.copy() if needs[6] else None]
    return grads
