"""The GRU layer's fast path on raw arrays: the equations of ``rnn.py`` with few calls per step.

The same plan as the LSTM's (``_lstm_kernel.py``, whose docstring explains it): one GEMM
for the input projections of all steps, one per step for ``h W_hh^T``, the weight
gradients as GEMMs over all T*N rows after the backward loop, batch-major (T, N, 3H)
blocks, and the elementwise lines as compiled loops with numba (``_rnn_kernels.py``).

The GRU's own details (gate order r, z, n):

    r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)      z likewise
    n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))    h' = n + z * (h - n)

* r and z with one tanh: sigmoid(a) = tanh(a / 2) / 2 + 1/2, the 1/2 folded into the r, z
  rows of W_ih, W_hh and both biases (exact). b_hr and b_hz add to the pre-activation like
  b_ir and b_iz, so they join the input projection; b_hn stays apart, r multiplies it.
* A forward step: ``hp = h W_hh^T``; [r, z] from tanh(xp_rz + hp_rz); hn = hp_n + b_hn;
  n = tanh(xp_n + r * hn); h' = n + z * (h - n).
* A backward step, from the gradient d of h' (the closed forms of ``rnn.gru_step_back``):
  dan = d (1 - z)(1 - n^2), dar = dan hn r (1 - r), daz = d (h - n) z (1 - z);
  the input side gets dxp = [dar, daz, dan], the hidden side dhp = [dar, daz, dan r], and
  dh = d z + dhp W_hh. The direct part d z and the GEMM part are added at the start of the
  next step's loop, so a step is one loop and one GEMM.

Saved for backward: the gates r, z (T, N, 2H), n and hn (T, N, H), the outputs h_t, the
input rows and h0.
"""
import numpy as np

from . import _rnn_kernels as loops
from ._lstm_kernel import _steps, input_rows


def _scales(w_hh):
    """The row scale (3H,): 1/2 for r and z (sigmoid through tanh), 1 for n."""
    s = np.full_like(w_hh, 0.5, shape=(w_hh.shape[0],))
    s[2 * w_hh.shape[1]:] = 1
    return s


def gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse):
    """Run the layer over x (T, N, H_in). Returns (y, h_n, saved)."""
    steps, batch, _ = x.shape
    k = w_hh.shape[1]
    s = _scales(w_hh)
    x_rows = input_rows(x)
    xp = loops.matmul(x_rows, (w_ih * s[:, None]).T, x)  # scaled input projections (T*N, 3H)
    b_hn = None
    if b_ih is not None:
        bias = b_ih * s
        bias[:2 * k] += b_hh[:2 * k] * s[:2 * k]        # b_hr, b_hz join the projection
        xp += bias
        b_hn = b_hh[2 * k:]
    xp = xp.reshape(steps, batch, 3 * k)
    w_t = (w_hh * s[:, None]).T.copy()                  # (H, 3H), C order: the faster GEMM
    rz = loops.empty(xp, (steps, batch, 2 * k))
    ns, hns, hs = (loops.empty(xp, (steps, batch, k)) for _ in range(3))
    compiled = loops.usable(xp, w_hh, h0)
    h = np.ascontiguousarray(h0) if compiled else h0
    no_bias = np.empty_like(xp, shape=(0,))
    hp = np.empty_like(xp[0])                           # h W_hh^T of the step
    for t in _steps(steps, reverse):
        np.matmul(h, w_t, out=hp)
        np.add(xp[t, :, :2 * k], hp[:, :2 * k], out=rz[t])
        np.tanh(rz[t], out=rz[t])
        if compiled and loops.run("gru_gates", rz[t], hp, xp[t],
                                  no_bias if b_hn is None else b_hn, b_hn is not None,
                                  hns[t], ns[t]):
            np.tanh(ns[t], out=ns[t])
            if not loops.run("gru_state", ns[t], rz[t], h, hs[t]):
                _new_state_numpy(ns[t], rz[t], h, hs[t], k)
        else:
            _step_numpy(rz[t], hp, xp[t], b_hn, hns[t], ns[t], h, hs[t], k)
        h = hs[t]
    saved = (rz, ns, hns, hs, x_rows, h0, reverse)
    # copies, so that the saved values stay intact whatever the caller does to the outputs
    return loops.copy(hs), h.copy(), saved


def _step_numpy(rz, hp, xp, b_hn, hn, n_t, h, h_new, k):
    """The NumPy lines of a forward step after the first tanh (what ``gru_gates_loop``,
    tanh and ``gru_state_loop`` compute)."""
    rz *= 0.5
    rz += 0.5                                           # [r, z]
    if b_hn is None:
        hn[...] = hp[:, 2 * k:]
    else:
        np.add(hp[:, 2 * k:], b_hn, out=hn)
    np.multiply(rz[:, :k], hn, out=n_t)                 # r * hn
    n_t += xp[:, 2 * k:]
    np.tanh(n_t, out=n_t)
    _new_state_numpy(n_t, rz, h, h_new, k)


def _new_state_numpy(n_t, rz, h, h_new, k):
    """h' = n + z * (h - n) (what ``gru_state_loop`` computes)."""
    np.subtract(h, n_t, out=h_new)
    h_new *= rz[:, k:]
    h_new += n_t


def _cell_back_numpy(direct, mm, gy_t, rz, n_t, hn, h, dxp, dhp, k):
    """The NumPy lines of a backward step (what ``gru_cell_back_loop`` computes); updates
    ``direct`` in place."""
    d = direct + mm
    if gy_t is not None:
        d += gy_t
    r, z = rz[:, :k], rz[:, k:]
    dan = d * (1 - z)
    dan *= 1 - n_t * n_t
    dar = dan * hn
    dar *= r
    dar *= 1 - r
    daz = h - n_t
    daz *= d
    daz *= z
    daz *= 1 - z
    dxp[:, :k] = dar
    dxp[:, k:2 * k] = daz
    dxp[:, 2 * k:] = dan
    dhp[:, :2 * k] = dxp[:, :2 * k]
    np.multiply(dan, r, out=dhp[:, 2 * k:])
    np.multiply(d, z, out=direct)


def weight_gradients(da2, x_rows, hs, h0, w_ih, reverse, needs):
    """dX, dW_ih, dW_hh, db from the batch-major pre-activation gradients da2 (T*N, G*H),
    as GEMMs over all rows; ``needs`` = (x, w_ih, w_hh, bias). h_{t-1} is the output of
    the step before (the one after, in reverse), h0 for the first: dA_t^T h_{t-1} summed
    over t is one GEMM over the other steps' rows plus one with h0, no shifted copy of the
    outputs."""
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


def gru_backward(saved, w_ih, w_hh, gy, gh, needs):
    """Backpropagation through time; ``needs`` as the kernel's inputs
    (x, h0, w_ih, w_hh[, b_ih, b_hh]). Returns their gradients (None where not needed)."""
    rz, ns, hns, hs, x_rows, h0, reverse = saved
    steps, batch, k = hs.shape
    dxp_all, dhp_all = (loops.empty(rz, (steps, batch, 3 * k)) for _ in range(2))
    compiled = loops.usable(rz, w_hh, h0)
    direct = np.zeros_like(h0) if gh is None else gh.copy()  # our own buffer, in place
    mm = np.zeros_like(direct)                          # dhp W_hh of the later step
    if compiled:
        gy_c = None if gy is None else np.ascontiguousarray(gy)
        no_gy = np.empty_like(direct, shape=(0, 0))
        h0_c = np.ascontiguousarray(h0)
    first = steps - 1 if reverse else 0                 # the step that read h0
    prev = 1 if reverse else -1
    for t in _steps(steps, not reverse):                # the forward's steps, last first
        h_prev = (h0_c if compiled else h0) if t == first else hs[t + prev]
        if not (compiled and loops.run("gru_cell_back", direct, mm,
                                       no_gy if gy is None else gy_c[t], gy is not None,
                                       rz[t], ns[t], hns[t], h_prev, dxp_all[t], dhp_all[t])):
            _cell_back_numpy(direct, mm, None if gy is None else gy[t], rz[t], ns[t], hns[t],
                             h_prev, dxp_all[t], dhp_all[t], k)
        if t != first or needs[1]:                      # (dh0 only when h0 needs it)
            np.matmul(dhp_all[t], w_hh, out=mm)
    dh0 = direct + mm if needs[1] else None
    dxp2, dhp2 = dxp_all.reshape(-1, 3 * k), dhp_all.reshape(-1, 3 * k)
    has_bias = len(needs) > 4
    dx, dw_ih, _, db_ih = weight_gradients(dxp2, x_rows, hs, h0, w_ih, reverse,
                                           (needs[0], needs[2], False, has_bias and needs[4]))
    _, _, dw_hh, db_hh = weight_gradients(dhp2, x_rows, hs, h0, w_ih, reverse,
                                          (False, False, needs[3], has_bias and needs[5]))
    grads = [dx, dh0, dw_ih, dw_hh]
    if has_bias:
        grads += [db_ih, db_hh]
    return grads
