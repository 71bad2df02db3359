"""The LSTM layer's fast path on raw arrays: the equations of ``rnn.py`` with few calls per step.

A training step of a small LSTM is GEMMs plus many small elementwise operations on
(4H, N) blocks; each NumPy call costs a few microseconds whatever it computes. This
kernel computes exactly what ``lstm_step`` / ``lstm_step_back`` compute, like cuDNN does:

* A step is one GEMM: the weights s [W_hh | W_ih | b] (4H, K), K = H + H_in + 1, times
  the step's operand [h_{t-1}^T; x_t^T; 1] (K, N) gives the scaled pre-activations with
  the input projection and the bias already added (below).
* One tanh for all four gates. sigmoid(a) = tanh(a / 2) / 2 + 1/2, so with the row
  scale s = 1/2 for the i, f, o blocks and 1 for the g block, and offset 1 - s,

      [i, f, g, o] = tanh(s * a) * s + (1 - s)

  The scale is folded into W_ih, W_hh and the bias once per call (halving a float is
  exact, so the products are exactly s * a).
* One formula for the four gate derivatives: sigmoid' = y (1 - y) and
  tanh' = (1 - y)(1 + y), i.e. (1 - y)(y + e) with e = 2s - 1 (0 for i, f, o; 1 for g).
* The weight gradients are one GEMM over all T*N samples after the backward loop
  (below); a step of the backward loop only computes its dA block and its dh.

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

* forward: the steps' operands [h_{t-1}^T; x_t^T; 1] are the (K, N) blocks of
  z (T + 1, K, N); the x rows and the ones are copied in once per call, and each step
  writes its h_t^T into the first H rows of the next step's block. A step writes
  s [W_hh | W_ih | b] z_t into its contiguous gates block (gates (T, 4H, N)), takes one
  tanh and runs the cell; the cells c^T and tanh(c^T) are (T, H, N) blocks.
  The stacked GEMM replaces what the kernel did before, a projection GEMM
  s W_ih X^T (4H, T*N) of all steps before the loop plus, per step, the recurrent GEMM
  and a compiled loop adding the step's projection and the bias (one thread, CPU time,
  N = 32, H = 128, H_in = 32, float32, in the layer): the step GEMM takes ~54 us against
  ~45 for W_hh h^T alone, but the projection GEMM (~0.6 ms for 50 steps) and the adds
  (~6 us a step: the projection's strided block came from memory) are gone: the forward
  took 3.65 to 3.75 ms against 4.0. (At 2 threads, alone: 27.4 against 22.3 us a step
  GEMM, 0.32 ms the projection GEMM.)
* the same operands batch-major, rows (T + 1, N, K), for the weight gradients: after the
  loop, one transposing copy gives the outputs y (T, N, H) in torch's layout, from z's h
  rows, and one copy puts them into rows (a compiled loop writing h_t transposed into rows
  as the steps run was no faster: forward 3.72 to 3.80 ms either way, one thread). rows is
  saved, the caller gets y; h_n and c_n are (N, H) copies.
* backward: a step's dA^T (4H, N) goes to a contiguous block (the operand of
  dh^T = W_hh^T dA^T, a C-ordered copy of W_hh^T made once per call) and to column block t
  of dA^T (4H, T, N), i.e. one (4H, T*N) matrix. The weight gradients are then one GEMM
  over the T*N columns, whose operand is the saved rows as they are:

      [dW_hh | dW_ih | db] = dA^T [H_prev | X | 1]      dX = (dA^T)^T W_ih

  with H_prev the h_{t-1} each step read (h0 for the first), computed over the columns
  needed and then copied apart (~2.05 ms against ~2.23 for the former three GEMMs
  dA^T X, dA^T H_prev, dA^T h0 and the matrix-vector product dA^T 1, one thread, alone).
* With numba (deepgrad[fast]) the elementwise lines of a forward step between the two
  tanh calls run as one compiled loop (the cell), those of a backward step as one
  (``_rnn_kernels.py``: the same operations in the same order, so the same bits), called
  directly, without ``_fast_kernels.run``'s checks at every step.

* The sequence-sized arrays (operands, gates, cells, outputs, dA, dX) come from
  ``_fast_kernels``' buffer cache (``_rnn_kernels.empty``): a fresh 3 MB block per call was
  page-faulted in on its first write, which cost more than the step GEMMs of the 50-step
  benchmark.

Saved for backward: the gates (T, 4H, N), the cells c_t and tanh(c_t) (T, H, N), the
operand rows [h_{t-1} | x_t | 1] (T*N, K) and the initial cell c0.
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
    (batch_first input read time-major), made once for the input projection GEMM and dW_ih
    (of the GRU kernel; the LSTM's copies x into its step operands)."""
    steps, batch, n_in = x.shape
    return x.reshape(steps * batch, n_in)


def _stacked_weights(w_hh, w_ih, b):
    """s [W_hh | W_ih | b] (4H, K), K = H + H_in (+ 1 with a bias): the weights of a step's one
    GEMM, the rows of the i, f, o blocks halved (s, the sigmoid's 1/2; exact, so the products
    are exactly s times the unscaled ones)."""
    n, n_in = w_hh.shape[1], w_ih.shape[1]
    w = np.empty_like(w_hh, shape=(w_hh.shape[0], n + n_in + (b is not None)))
    w[:, :n] = w_hh
    w[:, n:n + n_in] = w_ih
    if b is not None:
        w[:, -1] = b
    half = w.dtype.type(0.5)
    w[:2 * n] *= half                                    # i, f (scalar products of contiguous
    w[3 * n:] *= half                                    # o     blocks: faster than by s)
    return w


def _step_operands(x, h0, width, read):
    """The steps' right-hand operands [h_{t-1}; x_t; 1] (K values per sample), twice:
    z (T + 1, K, N) feature-major, the blocks the step GEMMs read, and rows (T + 1, N, K)
    batch-major, whose T*N rows are the operand of the one weight-gradient GEMM. Step t
    reads block t + read (read = 1 in reverse, else 0) and writes its h_t into the first H
    rows (columns) of the block the next step reads. Filled here, once per call: the x
    part, the ones (they pick the bias column of the weights) and h0, in the first step's
    block. (The x part of the block after the last step stays unset: nothing reads it.)"""
    steps, batch, n_in = x.shape
    n = h0.shape[1]
    z = loops.empty(x, (steps + 1, width, batch))
    rows = loops.empty(x, (steps + 1, batch, width))
    z[read:read + steps, n:n + n_in] = x.transpose(0, 2, 1)
    rows[read:read + steps, :, n:n + n_in] = x
    if width > n + n_in:
        z[:, -1] = 1
        rows[:, :, -1] = 1
    first = steps if read else 0
    z[first, :n] = h0.T
    rows[first, :, :n] = h0
    return z, rows


_ready = {}  # (loop name, dtype char) -> the compiled loop, once it has run on a probe


def _compiled_loop(name, dtype, probe):
    """The compiled loop ``name`` as a plain function, or None (numba missing or failing: the
    caller runs its NumPy lines). The first time, per dtype, the loop runs through
    ``loops.run`` on ``probe()``, arguments of the real dtypes and layouts in blocks of one
    element, which compiles it (or finds it failing); then the steps call the function
    directly (``loops.run`` costs ~0.5 us a call, and a 50-step layer makes 100 calls)."""
    fn = _ready.get((name, dtype.char))
    if fn is None and loops.run(name, *probe()):
        fn = _ready[(name, dtype.char)] = loops.kernel(name)
    return fn


def lstm_forward(x, h0, c0, w_ih, w_hh, b, reverse):
    """Run the layer over x (T, N, H_in); b = b_ih + b_hh or None. Returns (y, h_n, c_n, saved)."""
    steps, batch, _ = x.shape
    n = w_hh.shape[1]
    w = _stacked_weights(w_hh, w_ih, b)                     # (4H, K), C order
    read, write = (1, 0) if reverse else (0, 1)             # z blocks a step reads / writes
    z, rows = _step_operands(x, h0, w.shape[1], read)
    gates = loops.empty(z, (steps, 4 * n, batch))
    cs, tcs = (loops.empty(z, (steps, n, batch)) for _ in range(2))
    c = c0.T.copy()                                         # (H, N), C order
    cell = None
    if loops.usable(z, w, c):
        tiny = np.zeros_like(c, shape=(6, 1))               # one-element blocks for the probe
        cell = _compiled_loop("lstm_cell", c.dtype, lambda: (tiny[:4], tiny[4:5], tiny[5:6]))
    if cell is None:
        s, offset, _ = _scales(w_hh)
    for t in _steps(steps, reverse):
        a = gates[t]
        np.matmul(w, z[t + read], out=a)      # s (W_hh h^T + W_ih x^T + b): (4H, N)
        np.tanh(a, out=a)
        c_new, tc = cs[t], tcs[t]
        if cell is not None:
            cell(a, c, c_new)                               # gates in place, c_new
        else:
            a *= s
            a += offset                                     # a = [i; f; g; o]
            np.multiply(a[n:2 * n], c, out=c_new)          # f * c
            c_new += a[:n] * a[2 * n:3 * n]                # + i * g
        np.tanh(c_new, out=tc)
        np.multiply(a[3 * n:], tc, out=z[t + write, :n])    # h^T = o * tanh(c)
        c = c_new
    y = loops.empty(z, (steps, batch, n))                   # torch's layout of the h_t
    y[...] = z[write:write + steps, :n].transpose(0, 2, 1)
    rows[write:write + steps, :, :n] = y    # (y a copy: the saved rows stay intact)
    saved = (gates, cs, tcs, rows[read:read + steps].reshape(steps * batch, -1), c0, reverse)
    return y, rows[0 if reverse else steps, :, :n].copy(), c.T.copy(), saved


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


def weight_gradients(da_t, rows, w_ih, needs):
    """dX, dW_ih, dW_hh, db from the pre-activation gradients da_t = dA^T (4H, T*N), column
    block t for step t, and the rows [h_{t-1} | x_t | 1] (T*N, K) of the forward's GEMM
    operands in the same order; ``needs`` = (x, w_ih, w_hh, bias). The weight gradients are
    one GEMM, dA^T [H_prev | X | 1] = [dW_hh | dW_ih | db] (4H, K), over the columns needed,
    then copied apart (one GEMM of K = 161 columns: 0.2 ms faster than three, one thread)."""
    n, n_in = w_ih.shape[0] // 4, w_ih.shape[1]
    dx = dw_ih = dw_hh = db = None
    if needs[0]:                                        # dX = dA W_ih, rows (T*N, H_in)
        dx = loops.matmul(da_t.T, w_ih, da_t)
    lo = 0 if needs[2] else n                           # the columns to compute
    hi = rows.shape[1] if needs[3] else (n + n_in if needs[1] else n)
    if hi > lo:
        dw = da_t @ rows[:, lo:hi]
        if needs[2]:
            dw_hh = dw[:, :n].copy()
        if needs[1]:
            dw_ih = dw[:, n - lo:n - lo + n_in].copy()
        if needs[3]:
            db = dw[:, -1].copy()
    return dx, dw_ih, dw_hh, db


def lstm_backward(saved, w_ih, w_hh, gy, gh, gc, needs):
    """Backpropagation through time; ``needs`` as the kernel's inputs
    (x, h0, c0, w_ih, w_hh[, b_ih, b_hh]). Returns their gradients (None where not needed)."""
    gates, cs, tcs, rows, c0, reverse = saved
    steps, _, batch = gates.shape
    n = w_hh.shape[1]
    da_all = loops.empty(gates, (4 * n, steps, batch))  # dA_t^T = da_all[:, t]
    da = np.empty_like(gates[0])                        # the step's dA^T (4H, N), C order
    w_hh_t = w_hh.T.copy()                              # (H, 4H), C order: the faster GEMM
    # dh^T and dc^T (H, N) are our own C-ordered buffers, updated in place
    dh = np.zeros_like(c0, shape=(n, batch)) if gh is None else gh.T.copy()
    dc = np.zeros_like(c0, shape=(n, batch)) if gc is None else gc.T.copy()
    c0_t = c0.T.copy()
    cell_back = None
    if loops.usable(gates, w_hh, dh, dc):
        # the loop reads gy (T, N, H) as it is, in C order
        gy_c = np.empty_like(dh, shape=(1, 1, 1)) if gy is None else np.ascontiguousarray(gy)
        tiny = np.zeros_like(dh, shape=(16, 1))         # one-element blocks for the probe
        cell_back = _compiled_loop("lstm_cell_back", dh.dtype, lambda: (
            tiny[:4], tiny[4:5], tiny[5:6], tiny[6:7], gy_c[:1, :1, :1], False, 0, tiny[7:8],
            tiny[8:12], tiny[12:16].reshape(4, 1, 1)))
    if cell_back is None:
        _, _, e = _scales(w_hh)
    first = steps - 1 if reverse else 0                 # the step that read h0, c0
    prev = 1 if reverse else -1                         # where the previous state lives
    for t in _steps(steps, not reverse):                # the forward's steps, last first
        a, tc, c_prev = gates[t], tcs[t], c0_t if t == first else cs[t + prev]
        if cell_back is not None:
            cell_back(a, tc, c_prev, dh, gy_c, gy is not None, t, dc, da, da_all)
        else:
            dc = _cell_back_numpy(a, tc, c_prev, dh, None if gy is None else gy[t].T, dc,
                                  da, e, n)
            da_all[:, t] = da
        if t != first or needs[1]:                      # (dh0 only when h0 needs it)
            np.matmul(w_hh_t, da, out=dh)               # dh_{t-1}^T = W_hh^T dA_t^T
    has_bias = len(needs) > 5
    dx, dw_ih, dw_hh, db = weight_gradients(
        da_all.reshape(4 * n, -1), rows, w_ih,
        (needs[0], needs[3], needs[4], has_bias and (needs[5] or needs[6])))
    if dx is not None:
        dx = dx.reshape(steps, batch, -1)
    grads = [dx, dh.T.copy() if needs[1] else None, dc.T.copy() if needs[2] else None,
             dw_ih, dw_hh]
    if has_bias:
        grads += [db if needs[5] else None, db.copy() if needs[6] else None]
    return grads
