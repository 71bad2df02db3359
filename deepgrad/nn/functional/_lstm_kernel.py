"""The LSTM layer's fast path on raw arrays: the equations of ``rnn.py`` with few calls per step.

A training step of a small LSTM is GEMMs plus many small elementwise operations on
(4H, N) blocks; each NumPy call costs a few microseconds whatever it computes. This
kernel computes exactly what ``lstm_step`` / ``lstm_step_back`` compute, like cuDNN does:

* The input projection of all T steps is one GEMM before the loop; a step only adds
  its recurrent product (and the bias).
* One tanh for all four gates. sigmoid(a) = tanh(a / 2) / 2 + 1/2, so with the row
  scale s = 1/2 for the i, f, o blocks and 1 for the g block, and offset 1 - s,

      [i, f, g, o] = tanh(s * a) * s + (1 - s)

  The scale is folded into W_ih, W_hh and the bias once per call (halving a float is
  exact, so the products are exactly s * a).
* One formula for the four gate derivatives: sigmoid' = y (1 - y) and
  tanh' = (1 - y)(1 + y), i.e. (1 - y)(y + e) with e = 2s - 1 (0 for i, f, o; 1 for g).
* The weight gradients are GEMMs over all T*N samples after the backward loop (below);
  a step of the backward loop only computes its dA block and its dh.

Feature-major layout: the recurrence runs on the transposes of torch's batch-major
blocks, a step's gates as A^T (4H, N) and its states as h^T, c^T (H, N): one row per
unit, one column per sample. Same maths, faster GEMMs: OpenBLAS's small products are
faster with the long dimension as rows (2 threads, N = 32, H = 128, float32, alone):

    forward   W_hh h^T   -> (4H, N)  23 us   against   h W_hh^T -> (N, 4H)  34 us
    backward  W_hh^T dA^T -> (H, N)  26 us   against   dA W_hh  -> (N, H)   32 us

(in the layer, between the other calls of a step: 30 against 38 us, and 31 against 36;
on one thread both layouts take ~41 us). Transposing only the GEMM does not pay: adding a
(4H, N) product to a (N, 4H) block reads one of them across its rows (15 us against 2.3).
So the whole recurrence lives in this layout:

* forward: the input projections proj (4H, T, N), one GEMM s W_ih X^T over the time-major
  input rows X (T*N, H_in) (its operand X^T a view); step t's block proj[:, t] is strided
  (rows T*N apart). A step writes W_hh_s h_{t-1}^T into its contiguous gates block
  (gates (T, 4H, N)), adds proj[:, t] and the bias (one compiled loop: NumPy's add on the
  strided block took 6 us, and a separate pass of the bias over the T*N columns 0.2 ms),
  takes one tanh and runs the cell. The cells c^T, tanh(c^T) and outputs h^T are
  (T, H, N): contiguous blocks, the next step's GEMM operand as it is (h_t read
  transposed out of (T, N, H): ~160 us a GEMM at 2 threads, measured once, loaded machine).
* the results keep torch's layout: the compiled output loop writes h_t also transposed
  into y (T, N, H) as the steps run (the NumPy lines make one transposing copy at the end,
  ~0.1 ms for 50 steps); y is saved for dW_hh and the caller gets a copy; h_n and c_n
  are (N, H) copies.
* backward: a step's dA^T (4H, N) goes to a contiguous block (the operand of
  dh^T = W_hh^T dA^T, a C-ordered copy of W_hh^T made once per call) and to column block t
  of dA^T (4H, T, N), i.e. one (4H, T*N) matrix. The weight gradients are then single
  GEMMs over the T*N columns, with no copy of any operand:

      dW_ih = dA^T X      dW_hh = dA^T H_prev      db = dA^T 1      dX = (dA^T)^T W_ih

  with H_prev the rows of y shifted by one step (h0 for the first).
* With numba (deepgrad[fast]) the elementwise lines of a forward step run as three
  compiled loops (add, cell, output) around the two tanh calls, those of a backward step
  as one (``_rnn_kernels.py``: the same operations in the same order, so the same bits).

* The sequence-sized arrays (projections, gates, cells, outputs, dA, dX) come from
  ``_fast_kernels``' buffer cache (``_rnn_kernels.empty``): a fresh 3 MB block per call was
  page-faulted in on its first write, which cost more than the step GEMMs of the 50-step
  benchmark.

Saved for backward: the gates (T, 4H, N), the cells c_t and tanh(c_t) (T, H, N), the
outputs y (T, N, H), the input rows X (T*N, H_in) and the initial state.
"""
import numpy as np

from . import _rnn_kernels as loops


def _scales(w_hh):
    """(s, 1 - s, 2s - 1) as columns (4H, 1): 1/2 for the sigmoid gates, 1 for g."""
    n = w_hh.shape[1]
    s = np.full_like(w_hh, 0.5, shape=(w_hh.shape[0], 1))
    s[2 * n:3 * n] = 1
    return s, 1 - s, 2 * s - 1


def _steps(steps, reverse):
    return range(steps - 1, -1, -1) if reverse else range(steps)


def input_rows(x):
    """x (T, N, H_in) as rows (T*N, H_in): a view of a contiguous x, a copy of a strided view
    (batch_first input read time-major), made once for the forward GEMM and dW_ih."""
    steps, batch, n_in = x.shape
    return x.reshape(steps * batch, n_in)


def _input_projections(x_rows, w_ih, s, steps, like):
    """(4H, T, N): column block t is s W_ih x_t^T. One GEMM (4H, T*N) over all the input
    rows, read transposed as they are (faster than T products of (4H, N) blocks)."""
    batch = x_rows.shape[0] // steps
    proj = loops.empty(like, (w_ih.shape[0], steps, batch))
    np.matmul(w_ih * s, x_rows.T, out=proj.reshape(w_ih.shape[0], -1))
    return proj


def lstm_forward(x, h0, c0, w_ih, w_hh, b, reverse):
    """Run the layer over x (T, N, H_in); b = b_ih + b_hh or None. Returns (y, h_n, c_n, saved)."""
    steps, batch, _ = x.shape
    n = w_hh.shape[1]
    s, offset, _ = _scales(w_hh)
    x_rows = input_rows(x)
    proj = _input_projections(x_rows, w_ih, s, steps, x)
    bias = None if b is None else b[:, None] * s              # (4H, 1), added per step
    w_s = w_hh * s                                             # (4H, H), C order
    gates = loops.empty(proj, (steps, 4 * n, batch))
    cs, tcs, hs = (loops.empty(proj, (steps, n, batch)) for _ in range(3))
    y = loops.empty(proj, (steps, batch, n))                   # torch's layout of the h_t
    compiled = loops.usable(proj, w_hh, h0, c0)
    h, c = h0.T.copy(), c0.T.copy()                            # (H, N), C order
    bias_arg = np.empty_like(h, shape=(1, 1)) if bias is None else bias  # (the loop's types)
    wrote_y = True
    for t in _steps(steps, reverse):
        a = gates[t]
        np.matmul(w_s, h, out=a)                               # W_hh_s h^T
        if not (compiled and loops.run("lstm_gates_in", a, proj, t, bias_arg,
                                       bias is not None)):
            a += proj[:, t] if bias is None else proj[:, t] + bias  # s (W_hh h^T + W_ih x^T + b)
        np.tanh(a, out=a)
        c_new = cs[t]
        if not (compiled and loops.run("lstm_cell", a, c, c_new)):
            a *= s
            a += offset                                        # a = [i; f; g; o]
            np.multiply(a[n:2 * n], c, out=c_new)             # f * c
            c_new += a[:n] * a[2 * n:3 * n]                   # + i * g
        np.tanh(c_new, out=tcs[t])
        h, c = hs[t], c_new
        if not (compiled and loops.run("lstm_output", a, tcs[t], h, y, t)):
            np.multiply(a[3 * n:], tcs[t], out=h)             # h = o * tanh(c)
            wrote_y = False
    if not wrote_y:
        y[...] = hs.transpose(0, 2, 1)
    saved = (gates, cs, tcs, y, x_rows, h0, c0, reverse)
    # copies, so that the saved values stay intact whatever the caller does to the outputs
    return loops.copy(y), h.T.copy(), c.T.copy(), saved


def _cell_back_numpy(a, tc, c_prev, dh, gy_t, dc, da, e, n):
    """The NumPy lines of one backward step (what ``lstm_cell_back_loop`` computes), on
    feature-major blocks. Returns the new dc (dh is only read; da (4H, N) is written)."""
    if gy_t is not None:
        dh = dh + gy_t
    tmp = tc * tc                                       # dc += dh * o * (1 - tanh(c)^2)
    np.subtract(1, tmp, out=tmp)
    tmp *= a[3 * n:]
    tmp *= dh
    dc = dc + tmp
    np.multiply(dc, a[2 * n:3 * n], out=da[:n])         # d i = dc * g
    np.multiply(dc, c_prev, out=da[n:2 * n])            # d f = dc * c_prev
    np.multiply(dc, a[:n], out=da[2 * n:3 * n])         # d g = dc * i
    np.multiply(dh, tc, out=da[3 * n:])                 # d o = dh * tanh(c)
    deriv = a + e                                       # gate derivatives (1 - y)(y + e)
    deriv *= 1 - a
    da *= deriv                                         # d pre-activations (4H, N)
    return dc * a[n:2 * n]                              # to the previous cell: dc * f


def weight_gradients_t(da_t, x_rows, y, h0, w_ih, reverse, needs):
    """Feature-major (the LSTM's): dX, dW_ih, dW_hh, db from the pre-activation gradients
    da_t = dA^T (4H, T*N), column block t for step t, and the outputs y (T, N, H);
    ``needs`` = (x, w_ih, w_hh, bias). dW_hh sums dA_t^T h_{t-1} over the steps: one GEMM
    of the other steps' column blocks with the output rows of the steps before them (after,
    in reverse), plus one with h0; every operand is a view BLAS takes as it is."""
    steps, batch, n = y.shape
    dx = dw_ih = dw_hh = db = None
    if needs[0]:                                        # dX = dA W_ih, rows (T*N, H_in)
        dx = loops.matmul(da_t.T, w_ih, da_t).reshape(steps, batch, -1)
    if needs[1]:
        dw_ih = da_t @ x_rows
    if needs[2]:
        first = steps - 1 if reverse else 0             # the step that read h0
        dw_hh = da_t[:, first * batch:(first + 1) * batch] @ h0
        if steps > 1:
            rows = y.reshape(steps * batch, n)
            later = da_t[:, :-batch] if reverse else da_t[:, batch:]
            earlier = rows[batch:] if reverse else rows[:-batch]
            dw_hh += later @ earlier
    if needs[3]:  # the row sums as a matrix-vector product (BLAS)
        db = da_t @ np.ones_like(da_t, shape=(da_t.shape[1],))
    return dx, dw_ih, dw_hh, db


def lstm_backward(saved, w_ih, w_hh, gy, gh, gc, needs):
    """Backpropagation through time; ``needs`` as the kernel's inputs
    (x, h0, c0, w_ih, w_hh[, b_ih, b_hh]). Returns their gradients (None where not needed)."""
    gates, cs, tcs, y, x_rows, h0, c0, reverse = saved
    steps, _, batch = gates.shape
    n = w_hh.shape[1]
    _, _, e = _scales(w_hh)
    da_all = loops.empty(gates, (4 * n, steps, batch))  # dA_t^T = da_all[:, t]
    da = np.empty_like(gates[0])                        # the step's dA^T (4H, N), C order
    w_hh_t = w_hh.T.copy()                              # (H, 4H), C order: the faster GEMM
    compiled = loops.usable(gates, w_hh, h0, c0)
    # dh^T and dc^T (H, N) are our own C-ordered buffers, updated in place
    dh = np.zeros_like(h0, shape=(n, batch)) if gh is None else gh.T.copy()
    dc = np.zeros_like(c0, shape=(n, batch)) if gc is None else gc.T.copy()
    c0_t = c0.T.copy()
    if compiled:  # the loop reads gy (T, N, H) as it is, in C order
        gy_c = np.empty_like(dh, shape=(1, 1, 1)) if gy is None else np.ascontiguousarray(gy)
    first = steps - 1 if reverse else 0                 # the step that read h0, c0
    prev = 1 if reverse else -1                         # where the previous state lives
    for t in _steps(steps, not reverse):                # the forward's steps, last first
        a, tc, c_prev = gates[t], tcs[t], c0_t if t == first else cs[t + prev]
        if not (compiled and loops.run("lstm_cell_back", a, tc, c_prev, dh, gy_c,
                                       gy is not None, t, dc, da, da_all)):
            dc = _cell_back_numpy(a, tc, c_prev, dh, None if gy is None else gy[t].T, dc,
                                  da, e, n)
            da_all[:, t] = da
        if t != first or needs[1]:                      # (dh0 only when h0 needs it)
            np.matmul(w_hh_t, da, out=dh)               # dh_{t-1}^T = W_hh^T dA_t^T
    has_bias = len(needs) > 5
    dx, dw_ih, dw_hh, db = weight_gradients_t(
        da_all.reshape(4 * n, -1), x_rows, y, h0, w_ih, reverse,
        (needs[0], needs[3], needs[4], has_bias and (needs[5] or needs[6])))
    grads = [dx, dh.T.copy() if needs[1] else None, dc.T.copy() if needs[2] else None,
             dw_ih, dw_hh]
    if has_bias:
        grads += [db if needs[5] else None, db.copy() if needs[6] else None]
    return grads
