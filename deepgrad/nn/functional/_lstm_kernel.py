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
* Results are written into preallocated (T, N, ...) arrays (``out=``), so the
  sequence GEMMs read them without stacking copies.

Saved for backward: the gate activations (T, N, 4H), the cells c_t and tanh(c_t)
(T, N, H), the outputs h_t and the initial state.
"""
import numpy as np


def _scales(w_hh):
    """(s, 1 - s, 2s - 1) as rows of length 4H: 1/2 for the sigmoid gates, 1 for g."""
    n = w_hh.shape[1]
    s = np.full_like(w_hh, 0.5, shape=(w_hh.shape[0],))
    s[2 * n:3 * n] = 1
    return s, 1 - s, 2 * s - 1


def lstm_forward(x, h0, c0, w_ih, w_hh, b, reverse):
    """Run the layer over x (T, N, H_in); b = b_ih + b_hh or None. Returns (y, h_n, c_n, saved)."""
    steps, batch, n_in = x.shape
    n = w_hh.shape[1]
    s, offset, _ = _scales(w_hh)
    xp = x.reshape(steps * batch, n_in) @ (w_ih.T * s)      # one GEMM for all steps
    if b is not None:
        xp += b * s
    xp = xp.reshape(steps, batch, 4 * n)
    w_t = w_hh.T * s                                      # C-contiguous, scaled W_hh^T
    acts = np.empty_like(xp)
    cs = np.empty_like(xp, shape=(steps, batch, n))
    tcs, ys = np.empty_like(cs), np.empty_like(cs)
    h, c = h0, c0
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        a = acts[t]
        np.matmul(h, w_t, out=a)
        a += xp[t]
        np.tanh(a, out=a)
        a *= s
        a += offset                                       # a = [i, f, g, o]
        c_new = cs[t]
        np.multiply(a[:, n:2 * n], c, out=c_new)          # f * c
        c_new += a[:, :n] * a[:, 2 * n:3 * n]             # + i * g
        np.tanh(c_new, out=tcs[t])
        np.multiply(a[:, 3 * n:], tcs[t], out=ys[t])      # h = o * tanh(c)
        h, c = ys[t], c_new
    saved = (acts, cs, tcs, ys, h0, c0, reverse)
    return ys.copy(), h.copy(), c.copy(), saved           # copies: the saved ones stay intact


def lstm_backward(saved, x, w_ih, w_hh, gy, gh, gc, needs):
    """Backpropagation through time; ``needs`` as the kernel's inputs
    (x, h0, c0, w_ih, w_hh[, b_ih, b_hh]). Returns their gradients (None where not needed)."""
    acts, cs, tcs, ys, h0, c0, reverse = saved
    steps, batch, n_in = x.shape
    n = w_hh.shape[1]
    _, _, e = _scales(w_hh)
    da_all = np.empty_like(acts)
    dh = np.zeros_like(h0) if gh is None else gh
    dc = np.zeros_like(c0) if gc is None else gc
    order = range(steps) if reverse else range(steps - 1, -1, -1)
    first = steps - 1 if reverse else 0                   # the step that read h0, c0
    prev = 1 if reverse else -1                           # where the previous state lives
    deriv = np.empty_like(acts[0])
    for t in order:
        if gy is not None:
            dh = dh + gy[t]
        a, tc, da = acts[t], tcs[t], da_all[t]
        c_prev = c0 if t == first else cs[t + prev]
        tmp = tc * tc                                     # dc += dh * o * (1 - tanh(c)^2)
        np.subtract(1, tmp, out=tmp)
        tmp *= a[:, 3 * n:]
        tmp *= dh
        dc = dc + tmp
        np.multiply(dc, a[:, 2 * n:3 * n], out=da[:, :n])      # d i = dc * g
        np.multiply(dc, c_prev, out=da[:, n:2 * n])            # d f = dc * c_prev
        np.multiply(dc, a[:, :n], out=da[:, 2 * n:3 * n])      # d g = dc * i
        np.multiply(dh, tc, out=da[:, 3 * n:])                 # d o = dh * tanh(c)
        np.add(a, e, out=deriv)                           # gate derivatives (1 - y)(y + e)
        deriv *= 1 - a
        da *= deriv                                       # d pre-activations
        dc = dc * a[:, n:2 * n]                           # to the previous cell: dc * f
        dh = da @ w_hh
    rows = steps * batch
    da2 = da_all.reshape(rows, 4 * n)
    grads = [da2 @ w_ih if needs[0] else None, dh if needs[1] else None,
             dc if needs[2] else None]
    grads.append(da2.T @ x.reshape(rows, n_in) if needs[3] else None)
    dw_hh = None
    if needs[4]:  # sum_t da_t^T h_{t-1}: the outputs shifted by one step, plus h0 at `first`
        inner = slice(0, steps - 1) if reverse else slice(1, steps)
        outer = slice(1, steps) if reverse else slice(0, steps - 1)
        dw_hh = da_all[first].T @ h0
        if steps > 1:
            m = (steps - 1) * batch
            dw_hh += da_all[inner].reshape(m, 4 * n).T @ ys[outer].reshape(m, n)
    grads.append(dw_hh)
    if len(needs) > 5:
        db = da2.sum(0) if needs[5] or needs[6] else None
        grads += [db if needs[5] else None, db.copy() if needs[6] else None]
    if grads[0] is not None:
        grads[0] = grads[0].reshape(x.shape)
    return grads
