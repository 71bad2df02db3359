"""The sequence kernel: one layer, one direction of RNN/LSTM/GRU over a whole sequence.

Why a kernel: a recurrent layer of T steps built from Tensor ops records ~10 graph
nodes per step, and per-op Python overhead then dominates small models. ``RNNLayer``
is one graph node for the whole sequence:

* forward: the input projection of all steps in one GEMM,
  ``xp = x W_ih^T + b`` of shape (T*N, G*H), then per step only ``h W_hh^T`` and the
  cell's elementwise math (``rnn.py``), on raw arrays;
* backward (backpropagation through time): walk the steps in reverse with the closed-
  form step gradients of ``rnn.py``, collecting the gradient of every step's
  pre-activations; then the weight gradients are again single GEMMs over the sequence:

      dW_ih = dXP^T X      dW_hh = dHP^T H_prev      db = sum over (T, N)      dX = dXP W_ih

The LSTM's and the GRU's raw-array paths are the specialised kernels ``_lstm_kernel.py`` and
``_gru_kernel.py`` (same math; batch-major blocks; a few calls per step, the elementwise
lines compiled with numba in ``_rnn_kernels.py``); RNN uses the generic lines below.

Double backward: under ``create_graph=True`` the engine runs backward with grad mode
on. The kernel then recomputes the forward with differentiable Tensor ops and runs the
*same* backward lines on Tensors, so the returned gradients carry their own graph.
Both paths execute identical formulas (``ns`` picks arrays or Tensors).

Inputs (time-major): x (T, N, H_in), h0 (N, H), [c0 (N, H) for LSTM], W_ih, W_hh,
[b_ih, b_hh]. Outputs: y (T, N, H), h_n (N, H) [, c_n (N, H) for LSTM].
"""
from ...autograd import grad_mode
from ...autograd.function import ArrayFunction
from ...tensor import Tensor
from ._gru_kernel import gru_backward, gru_forward
from ._lstm_kernel import lstm_backward, lstm_forward
from .rnn import (ARRAYS, TENSORS, gru_step, gru_step_back, lstm_step, lstm_step_back, rnn_step,
                  rnn_step_back)


def _unpack(values, mode, has_bias):
    """(x, h0, c0, w_ih, w_hh, b_ih, b_hh) from the flat input list (absent ones None)."""
    values = list(values)
    x, h0 = values[0], values[1]
    c0 = values.pop(2) if mode == "LSTM" else None
    w_ih, w_hh = values[2], values[3]
    b_ih, b_hh = (values[4], values[5]) if has_bias else (None, None)
    return x, h0, c0, w_ih, w_hh, b_ih, b_hh


def _steps(n, reverse):
    return range(n - 1, -1, -1) if reverse else range(n)


def run_forward(ns, mode, reverse, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """Run the layer; returns (outputs by time index, h_n, c_n, saved values by time index)."""
    steps, batch, n_in = x.shape
    xp = ns.reshape(x, (steps * batch, n_in)) @ ns.t(w_ih)
    if b_ih is not None:
        xp = xp + b_ih if mode == "GRU" else xp + (b_ih + b_hh)
    xp = ns.reshape(xp, (steps, batch, -1))
    w_hh_t = ns.t_for_steps(w_hh)
    ys, saved = [None] * steps, [None] * steps
    for t in _steps(steps, reverse):
        if mode == "LSTM":
            h, c, saved[t] = lstm_step(ns, xp[t], h, c, w_hh_t)
        elif mode == "GRU":
            h, saved[t] = gru_step(ns, xp[t], h, w_hh_t, b_hh)
        else:
            h, saved[t] = rnn_step(ns, xp[t], h, w_hh_t, relu=mode == "RNN_RELU")
        ys[t] = h
    return ys, h, c, saved


def run_backward(ns, mode, reverse, saved, x, w_ih, w_hh, gy, gh, gc, has_bias, needs):
    """Backpropagation through time; returns the gradients in the kernel's input order."""
    steps, batch, n_in = x.shape
    dxps, dhps, h_prev = [None] * steps, [None] * steps, [None] * steps
    # an output that was not used has no gradient (None): start from zeros, skip adds
    like = saved[0][-1]
    dh = ns.zeros_like(like) if gh is None else gh
    dc = ns.zeros_like(like) if gc is None and mode == "LSTM" else gc
    for t in _steps(steps, not reverse):  # the steps in the opposite order of the forward
        s = saved[t]
        if gy is not None:
            dh = dh + gy[t]
        if mode == "LSTM":
            dxp, dc = lstm_step_back(ns, dh, dc, s)
            dhp, direct = dxp, None
        elif mode == "GRU":
            dxp, dhp, direct = gru_step_back(ns, dh, s)
        else:
            dxp, dhp = rnn_step_back(ns, dh, s, relu=mode == "RNN_RELU")
            direct = None
        dh = dhp @ w_hh if direct is None else direct + dhp @ w_hh
        dxps[t], dhps[t], h_prev[t] = dxp, dhp, s[-1]
    # the weight gradients: one GEMM each over all (T * N) rows
    dxp = ns.reshape(ns.stack(dxps), (steps * batch, -1))
    dhp = dxp if mode != "GRU" else ns.reshape(ns.stack(dhps), (steps * batch, -1))
    need_x, need_h0 = needs[0], needs[1]
    need_w = needs[3 if mode == "LSTM" else 2:]
    dx = ns.reshape(dxp @ w_ih, x.shape) if need_x else None
    dw_ih = ns.t(dxp) @ ns.reshape(x, (steps * batch, n_in)) if need_w[0] else None
    dw_hh = None
    if need_w[1]:
        dw_hh = ns.t(dhp) @ ns.reshape(ns.stack(h_prev), (steps * batch, -1))
    grads = [dx, dh if need_h0 else None]
    if mode == "LSTM":
        grads.append(dc if needs[2] else None)
    grads += [dw_ih, dw_hh]
    if has_bias:
        grads += [dxp.sum(0) if need_w[2] else None, dhp.sum(0) if need_w[3] else None]
    return grads


class RNNLayer(ArrayFunction):
    """One layer and direction of a recurrent network as a single graph node."""

    # unused outputs (often the whole sequence y when only h_n feeds a head) arrive as
    # None instead of a zero tensor: no (T, N, H) zeros to allocate and add
    materialize_grads = False

    def forward(self, *arrays, mode, reverse, has_bias):
        self.mode, self.reverse, self.has_bias = mode, reverse, has_bias
        x, h0, c0, w_ih, w_hh, b_ih, b_hh = _unpack(arrays, mode, has_bias)
        if mode == "LSTM":  # the same math with fewer NumPy calls (_lstm_kernel.py)
            y, h, c, self.saved = lstm_forward(x, h0, c0, w_ih, w_hh,
                                               b_ih + b_hh if has_bias else None, reverse)
            return y, h, c
        if mode == "GRU":  # likewise (_gru_kernel.py)
            y, h, self.saved = gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
            return y, h
        ys, h, c, self.saved = run_forward(ARRAYS, mode, reverse, x, h0, c0, w_ih, w_hh,
                                           b_ih, b_hh)
        y = ARRAYS.stack(ys)
        return (y, h, c) if mode == "LSTM" else (y, h)

    def backward(self, gy, gh, gc=None):
        mode, reverse, has_bias = self.mode, self.reverse, self.has_bias
        needs = self.needs_input_grad
        if grad_mode.is_grad_enabled():
            # create_graph=True: the same formulas on Tensors, recomputing the forward
            x, h0, c0, w_ih, w_hh, b_ih, b_hh = _unpack(self.inputs, mode, has_bias)
            _, _, _, saved = run_forward(TENSORS, mode, reverse, x, h0, c0, w_ih, w_hh,
                                         b_ih, b_hh)
            return tuple(run_backward(TENSORS, mode, reverse, saved, x, w_ih, w_hh, gy, gh, gc,
                                      has_bias, needs))
        x, _, _, w_ih, w_hh, _, _ = _unpack([t._data for t in self.inputs], mode, has_bias)
        raw = [None if g is None else g._data for g in (gy, gh, gc)]
        if mode == "LSTM":
            grads = lstm_backward(self.saved, w_ih, w_hh, *raw, needs)
        elif mode == "GRU":
            grads = gru_backward(self.saved, w_ih, w_hh, raw[0], raw[1], needs)
        else:
            grads = run_backward(ARRAYS, mode, reverse, self.saved, x, w_ih, w_hh, *raw,
                                 has_bias, needs)
        dev = self.inputs[0]._device
        return tuple(None if g is None else Tensor._make(g, dev) for g in grads)


def rnn_layer(mode, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, reverse=False):
    """Run one recurrent layer over a time-major sequence (see the module docstring)."""
    inputs = [x, h0] + ([c0] if mode == "LSTM" else []) + [w_ih, w_hh]
    has_bias = b_ih is not None
    if has_bias:
        inputs += [b_ih, b_hh]
    return RNNLayer.apply(*inputs, mode=mode, reverse=reverse, has_bias=has_bias)
