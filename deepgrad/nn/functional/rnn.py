"""The recurrent cells' math: one time step of RNN (tanh/relu), LSTM and GRU.

Shapes: x (N, H_in), h and c (N, H); W_ih (G*H, H_in), W_hh (G*H, H) with G = 1
(RNN), 4 (LSTM) or 3 (GRU) gate blocks stacked in torch's order; biases (G*H,).

    RNN:   h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)          act = tanh or relu
    LSTM:  [i, f, g, o] = x W_ih^T + b_ih + h W_hh^T + b_hh      (pre-activations)
           i, f, o = sigmoid(.);  g = tanh(.)
           c' = f * c + i * g;    h' = o * tanh(c')
    GRU:   [r_x, z_x, n_x] = x W_ih^T + b_ih;  [r_h, z_h, n_h] = h W_hh^T + b_hh
           r = sigmoid(r_x + r_h);  z = sigmoid(z_x + z_h)
           n = tanh(n_x + r * n_h);  h' = (1 - z) * n + z * h

Each step is written once over a small *namespace* ``ns`` of array functions, so the
same lines run on Tensors (``TENSORS``: every op recorded, double backward works) and
on raw arrays (``ARRAYS``: the fast path of the sequence kernel in ``_rnn_layer``).
The step functions take the input projection ``xp = x W_ih^T + b`` already computed,
because a whole sequence gets its input projection from one matrix product.

Example::

    h2, c2 = lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)
"""
import numpy as np

from ... import creation as _creation
from ...ops import elementwise as _ew
from ...ops import shape as _shape


class _Arrays:
    """Array functions on raw NumPy/CuPy arrays (nothing recorded)."""

    tanh = staticmethod(np.tanh)

    @staticmethod
    def sigmoid(a):
        # sigmoid(a) = (1 + tanh(a/2)) / 2: one ufunc call, no overflow for any a
        return np.tanh(a * 0.5) * 0.5 + 0.5

    @staticmethod
    def relu(a):
        return np.maximum(a, 0)

    @staticmethod
    def relu_grad(g, y):
        return g * (y > 0)

    zeros_like = staticmethod(np.zeros_like)

    @staticmethod
    def cat(parts):
        return np.concatenate(parts, axis=-1)

    @staticmethod
    def stack(parts):
        return np.stack(parts)

    @staticmethod
    def t(w):
        return w.T

    @staticmethod
    def t_for_steps(w):
        # a C-contiguous copy of W^T: the per-step GEMM h @ W^T is ~25% faster on it
        return w.T.copy()  # (ndarray.copy is C order by default, also on CuPy)

    @staticmethod
    def reshape(a, shape):
        return a.reshape(shape)


class _Tensors:
    """The same functions as differentiable Tensor ops."""

    tanh = staticmethod(_ew.tanh)
    sigmoid = staticmethod(_ew.sigmoid)
    relu = staticmethod(_ew.relu)

    @staticmethod
    def relu_grad(g, y):
        return _ew.where(y > 0, g, 0.0)

    zeros_like = staticmethod(_creation.zeros_like)

    @staticmethod
    def cat(parts):
        return _shape.cat(parts, -1)

    @staticmethod
    def stack(parts):
        return _shape.stack(parts)

    @staticmethod
    def t(w):
        return _shape.t(w)

    t_for_steps = t

    @staticmethod
    def reshape(a, shape):
        return _shape.reshape(a, shape)


ARRAYS, TENSORS = _Arrays, _Tensors
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# --- one step forward: returns the new state and what the backward step needs ------------

def rnn_step(ns, xp, h, w_hh_t, relu=False):
    """h' = act(xp + h W_hh^T); saved: (h', h)."""
    a = xp + h @ w_hh_t
    h2 = ns.relu(a) if relu else ns.tanh(a)
    return h2, (h2, h)


def lstm_step(ns, xp, h, c, w_hh_t):
    """(h', c') of the LSTM; saved: (i, f, g, o, c, tanh(c'), h)."""
    a = xp + h @ w_hh_t
    n = h.shape[-1]
    i_f = ns.sigmoid(a[..., :2 * n])  # the adjacent gates i and f in one call
    i, f = i_f[..., :n], i_f[..., n:]
    g = ns.tanh(a[..., 2 * n:3 * n])
    o = ns.sigmoid(a[..., 3 * n:])
    c2 = f * c + i * g
    tc = ns.tanh(c2)
    return o * tc, c2, (i, f, g, o, c, tc, h)


def gru_step(ns, xp, h, w_hh_t, b_hh):
    """h' of the GRU (b_hh enters inside r * (h W_hn^T + b_hn)); saved: (r, z, n, hn, h)."""
    hp = h @ w_hh_t
    if b_hh is not None:
        hp = hp + b_hh
    k = h.shape[-1]
    rz = ns.sigmoid(xp[..., :2 * k] + hp[..., :2 * k])  # r and z in one call
    r, z = rz[..., :k], rz[..., k:]
    hn = hp[..., 2 * k:]
    n = ns.tanh(xp[..., 2 * k:] + r * hn)
    return n + z * (h - n), (r, z, n, hn, h)


# --- one step backward (the closed forms of the chain rule) ---------------------------

def rnn_step_back(ns, dh, saved, relu=False):
    """Gradient of the pre-activation a: dh * act'(a), with act' from the output."""
    h2, _ = saved
    da = ns.relu_grad(dh, h2) if relu else dh * (1 - h2 * h2)
    return da, da


def lstm_step_back(ns, dh, dc, saved):
    """(d pre-activations [i, f, g, o], dc for the previous step) from dh' and dc'."""
    i, f, g, o, c, tc, _ = saved
    dc = dc + dh * o * (1 - tc * tc)
    da = ns.cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g),
                 dh * tc * o * (1 - o)])
    return da, dc * f


def gru_step_back(ns, dh, saved):
    """(d input projection, d hidden projection, the direct part z * dh of dh)."""
    r, z, n, hn, h = saved
    dan = dh * (1 - z) * (1 - n * n)                  # through n = tanh(n_x + r * n_h)
    dar = dan * hn * r * (1 - r)
    daz = dh * (h - n) * z * (1 - z)
    return ns.cat([dar, daz, dan]), ns.cat([dar, daz, dan * r]), dh * z


# --- the cells as functions on Tensors (used by RNNCell, LSTMCell, GRUCell) ------------

def _input_projection(mode, x, w_ih, b_ih, b_hh):
    xp = x @ _shape.t(w_ih)
    if b_ih is not None:
        xp = xp + b_ih
        if mode != "GRU":  # RNN and LSTM add both biases to the same pre-activation
            xp = xp + b_hh
    return xp


def rnn_tanh_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with tanh: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    xp = _input_projection("RNN_TANH", x, w_ih, b_ih, b_hh)
    return rnn_step(TENSORS, xp, h, _shape.t(w_hh))[0]


def rnn_relu_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with relu: h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    xp = _input_projection("RNN_RELU", x, w_ih, b_ih, b_hh)
    return rnn_step(TENSORS, xp, h, _shape.t(w_hh), relu=True)[0]


def lstm_cell(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step; ``state`` = (h, c); returns (h', c')."""
    h, c = state
    xp = _input_projection("LSTM", x, w_ih, b_ih, b_hh)
    h2, c2, _ = lstm_step(TENSORS, xp, h, c, _shape.t(w_hh))
    return h2, c2


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (gate order r, z, n); returns h'."""
    xp = _input_projection("GRU", x, w_ih, b_ih, b_hh)
    return gru_step(TENSORS, xp, h, _shape.t(w_hh), b_hh)[0]
