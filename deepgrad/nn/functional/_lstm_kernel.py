"""The LSTM layer's fast path on raw arrays: the equations of ``rnn.py`` with few calls per step.

A training step of a small LSTM is GEMMs plus many small elementwise operations on
(N, 4H) blocks; each NumPy call costs a few microseconds whatever it computes. This
kernel computes exactly what ``lstm_step`` / ``lstm_step_back`` compute, like cuDNN does:

* The input projection of all T steps is one GEMM before the loop,
  ``xp = X W_ih^T + b`` (T*N, 4H); a step only adds ``h W_hh^T``.
* One tanh for all four gates. sigmoid(a) = tanh(a / 2) / 2 + 1/2, so with the column
  scale s = 1/2 for the i, f, o blocks and 1 for the g block, and offset 1 - s,

      [i, f, g, o] = tanh(s * a) * s + (1 - s)

  The scale is folded into W_ih, W_hh and the bias once per call (halving a float is
  exact, so the products are exactly s * a).
* One formula for the four gate derivatives: sigmoid' = y (1 - y) and
  tanh' = (1 - y)(1 + y), i.e. (1 - y)(y + e) with e = 2s - 1 (0 for i, f, o; 1 for g).
* The weight gradients are GEMMs over all T*N rows after the backward loop:

      dW_ih = dA^T X      dW_hh = dA^T H_prev      db = sum of dA over rows      dX = dA W_ih

  with dA (T*N, 4H) the gradients of the pre-activations; a step of the backward loop
  only computes its dA block and dh = dA_t W_hh.
* Batch-major layout (T, N, 4H), torch's: the outputs h_t are already the (T, N, H)
  result and dA is one (T*N, 4H) matrix, no layout copy anywhere.
* With numba (deepgrad[fast]) the lines between the two tanh calls of a forward step,
  and all the elementwise lines of a backward step, run as one compiled loop each
  (``_rnn_kernels.py``: the same operations in the same order, so the same bits).

* The sequence-sized arrays (gates, cells, outputs, dA, dX) come from ``_fast_kernels``'
  buffer cache (``_rnn_kernels.empty``): a fresh 3 MB block per call was page-faulted
  in on its first write, which cost more than the step GEMMs of the 50-step benchmark.

Saved for backward: the gates (T, N, 4H), the cells c_t, tanh(c_t) and the outputs h_t
(T, N, H), the input rows X (T*N, H_in) and the initial state.
"""
import numpy as np

from . import _rnn_kernels as loops


def _scales(w_hh):
    """(s, 1 - s, 2s - 1) as rows (4H,): 1/2 for the sigmoid gates, 1 for g."""
    n = w_hh.shape[1]
    s = np.full_like(w_hh, 0.5, shape=(w_hh.shape[0],))
    s[2 * n:3 * n] = 1
    return s, 1 - s, 2 * s - 1


def _steps(steps, reverse):
    return range(steps - 1, -1, -1) if reverse else range(steps)


def input_rows(x):
    """x (T, N, H_in) as rows (T*N, H_in): a view of a contiguous x, a copy of a strided view
    (batch_first input read time-major), made once for the forward GEMM and dW_ih."""
    steps, batch, n_in = x.shape
    return x.reshape(steps * batch, n_in)


def lstm_forward(x, h0, c0, w_ih, w_hh, b, reverse):
    """Run the layer over x (T, N, H_in); b = b_ih + b_hh or None. Returns (y, h_n, c_n, saved)."""
    steps, batch, _ = x.shape
    n = w_hh.shape[1]
    s, offset, _ = _scales(w_hh)
    x_rows = input_rows(x)
    acts = loops.matmul(x_rows, (w_ih * s[:, None]).T, x)  # scaled input projections (T*N, 4H)
    if b is not None:
        acts += b * s
    acts = acts.reshape(steps, batch, 4 * n)            # overwritten step by step: the gates
    w_t = (w_hh * s[:, None]).T.copy()                  # (H, 4H), C order: the faster GEMM
    cs, tcs, hs = (loops.empty(acts, (steps, batch, n)) for _ in range(3))
    compiled = loops.usable(acts, w_hh, h0, c0)
    h = np.ascontiguousarray(h0) if compiled else h0
    c = np.ascontiguousarray(c0) if compiled else c0
    wh = np.empty_like(acts[0])                         # h W_hh^T of the step
    for t in _steps(steps, reverse):
        a = acts[t]
        a += np.matmul(h, w_t, out=wh)                  # s * (x W_ih^T + b + h W_hh^T)
        np.tanh(a, out=a)
        c_new = cs[t]
        if not (compiled and loops.run("lstm_cell", a, c, c_new)):
            a *= s
            a += offset                                 # a = [i, f, g, o]
            np.multiply(a[:, n:2 * n], c, out=c_new)    # f * c
            c_new += a[:, :n] * a[:, 2 * n:3 * n]       # + i * g
        np.tanh(c_new, out=tcs[t])
        np.multiply(a[:, 3 * n:], tcs[t], out=hs[t])    # h = o * tanh(c)
        h, c = hs[t], c_new
    saved = (acts, cs, tcs, hs, x_rows, h0, c0, reverse)
    # copies, so that the saved values stay intact whatever the caller does to the outputs
    return loops.copy(hs), h.copy(), c.copy(), saved


def _cell_back_numpy(a, tc, c_prev, dh, gy_t, dc, da, e, n):
    """The NumPy lines of one backward step (what ``lstm_cell_back_loop`` computes).
    Returns the new dc (dh is only read; da (N, 4H) is written)."""
    if gy_t is not None:
        dh = dh + gy_t
    tmp = tc * tc                                       # dc += dh * o * (1 - tanh(c)^2)
    np.subtract(1, tmp, out=tmp)
    tmp *= a[:, 3 * n:]
    tmp *= dh
    dc = dc + tmp
    np.multiply(dc, a[:, 2 * n:3 * n], out=da[:, :n])   # d i = dc * g
    np.multiply(dc, c_prev, out=da[:, n:2 * n])         # d f = dc * c_prev
    np.multiply(dc, a[:, :n], out=da[:, 2 * n:3 * n])   # d g = dc * i
    np.multiply(dh, tc, out=da[:, 3 * n:])              # d o = dh * tanh(c)
    deriv = a + e                                       # gate derivatives (1 - y)(y + e)
    deriv *= 1 - a
    da *= deriv                                         # d pre-activations (N, 4H)
    return dc * a[:, n:2 * n]                           # to the previous cell: dc * f


def weight_gradients(da2, x_rows, hs, h0, w_ih, reverse, needs):
    """dX, dW_ih, dW_hh, db from the pre-activation gradients da2 (T*N, G*H), as GEMMs over
    all rows; ``needs`` = (x, w_ih, w_hh, bias). h_{t-1} is the output of the step before
    (the one after, in reverse), h0 for the first: dA_t^T h_{t-1} summed over t is one GEMM
    over the other steps' rows plus one with h0, no shifted copy of the outputs."""
    steps, batch, n = hs.shape
    dx = dw_ih = dw_hh = db = None
    if needs[0]:
        dx = loops.matmul(da2, w_ih, da2).reshape(steps, batch, -1)
    if needs[1]:
        dw_ih = da2.T @ x_rows
    if needs[2]:
        first = steps - 1 if reverse else 0             # the step that read h0
        dw_hh = da2[first * batch:(first + 1) * batch].T @ h0
        if steps > 1:
            later = da2[:-batch] if reverse else da2[batch:]
            earlier = hs[1:] if reverse else hs[:-1]
            dw_hh += later.T @ earlier.reshape(-1, n)
    if needs[3]:  # the column sums as a matrix-vector product: BLAS, ~1.6x faster than sum(0)
        db = np.ones_like(da2, shape=(da2.shape[0],)) @ da2
    return dx, dw_ih, dw_hh, db


def lstm_backward(saved, w_ih, w_hh, gy, gh, gc, needs):
    """Backpropagation through time; ``needs`` as the kernel's inputs
    (x, h0, c0, w_ih, w_hh[, b_ih, b_hh]). Returns their gradients (None where not needed)."""
    acts, cs, tcs, hs, x_rows, h0, c0, reverse = saved
    steps = acts.shape[0]
    n = w_hh.shape[1]
    _, _, e = _scales(w_hh)
    da_all = loops.empty(acts, acts.shape)
    compiled = loops.usable(acts, w_hh, h0, c0)
    # dh and dc are our own buffers, updated in place (never the caller's arrays)
    dh = np.zeros_like(h0) if gh is None else gh.copy()  # (copy: C order, also on CuPy)
    dc = np.zeros_like(c0) if gc is None else gc.copy()
    if compiled:
        gy_c = None if gy is None else np.ascontiguousarray(gy)
        no_gy = np.empty_like(dh, shape=(0, 0))
        c0_c = np.ascontiguousarray(c0)
    first = steps - 1 if reverse else 0                 # the step that read h0, c0
    prev = 1 if reverse else -1                         # where the previous state lives
    for t in _steps(steps, not reverse):                # the forward's steps, last first
        a, tc, da = acts[t], tcs[t], da_all[t]
        if compiled and loops.run("lstm_cell_back", a, tc, c0_c if t == first else cs[t + prev],
                                  dh, no_gy if gy is None else gy_c[t], gy is not None, dc, da):
            pass
        else:
            dc = _cell_back_numpy(a, tc, c0 if t == first else cs[t + prev], dh,
                                  None if gy is None else gy[t], dc, da, e, n)
        if t != first or needs[1]:                      # (dh0 only when h0 needs it)
            np.matmul(da, w_hh, out=dh)                 # dh_{t-1} = dA_t W_hh
    has_bias = len(needs) > 5
    dx, dw_ih, dw_hh, db = weight_gradients(
        da_all.reshape(-1, 4 * n), x_rows, hs, h0, w_ih, reverse,
        (needs[0], needs[3], needs[4], has_bias and (needs[5] or needs[6])))
    grads = [dx, dh if needs[1] else None, dc if needs[2] else None, dw_ih, dw_hh]
    if has_bias:
        grads += [db if needs[5] else None, db.copy() if needs[6] else None]
    return grads
