"""Recurrent layers: RNN (tanh/relu), LSTM, GRU and their single-step cells, as in torch.nn.

A layer runs its cell over a sequence, h_t = cell(x_t, h_{t-1}), for ``num_layers``
stacked layers (layer k reads the outputs of layer k-1; dropout between layers, not
after the last) and optionally in both directions (the reverse direction runs from
t = L-1 down to 0; the two outputs are concatenated on the feature axis).
The cell equations are in ``deepgrad/nn/functional/rnn.py``; the whole-sequence kernel
(one graph node per layer and direction) in ``deepgrad/nn/functional/_rnn_layer.py``.

Shapes (D = 2 if bidirectional else 1, N batch, L sequence length):
    input   (L, N, H_in), (N, L, H_in) with batch_first, or (L, H_in) unbatched
    h_0     (D * num_layers, N, H_out), or (D * num_layers, H_out) unbatched; zeros if absent
    output  (L, N, D * H_out) (batch_first: (N, L, D * H_out))
    h_n     (D * num_layers, N, H_out);  LSTM also c_0 / c_n of the same shape

Parameters per layer k (suffix ``_reverse`` for the reverse direction), torch's names
and gate order (LSTM: i, f, g, o; GRU: r, z, n), each drawn from U(-1/sqrt(H), 1/sqrt(H)):
    weight_ih_l{k} (G * H_out, H_in or D * H_out)   weight_hh_l{k} (G * H_out, H_out)
    bias_ih_l{k} (G * H_out,)                        bias_hh_l{k} (G * H_out,)

Example::

    lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True)
    out, (h, c) = lstm(deepgrad.randn(3, 5, 10))     # out (3, 5, 20), h and c (2, 3, 20)
"""
import math
import warnings

from ... import creation
from ...autograd import grad_mode
from ...ops import shape as _shape
from ..functional import rnn as _cells
from ..functional._rnn_layer import rnn_layer
from ..functional.dropout import dropout
from ..functional.rnn import GATES
from ..parameter import Parameter
from .module import Module


def _uniform_parameter(shape, bound, dtype, device):
    p = Parameter(creation.empty(*shape, dtype=dtype, device=device))
    with grad_mode.no_grad():
        p.uniform_(-bound, bound)
    return p


def _check_dtype(t, weight, name):
    # the kernel computes on raw arrays: a silent float32/float64 mix would upcast
    if t.dtype != weight.dtype:
        raise RuntimeError(f"{name} must have the type {weight.dtype} (the parameters' dtype), "
                           f"got type {t.dtype}")


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or
    'GRU')."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so "
                          f"non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = 0
        gates = GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        bound = 1.0 / math.sqrt(hidden_size)
        self._flat_weights_names = []
        for layer in range(num_layers):
            n_in = input_size if layer == 0 else hidden_size * dirs
            for d in range(dirs):
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (gates, n_in)), ("weight_hh", (gates, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                for name, shape in shapes:
                    setattr(self, name + suffix, _uniform_parameter(shape, bound, dtype, device))
                    self._flat_weights_names.append(name + suffix)

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        with grad_mode.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound)

    def flatten_parameters(self):
        """No-op, for scripts written for torch (cuDNN's weight layout does not apply here)."""

    @property
    def all_weights(self):
        per = 4 if self.bias else 2
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --- checks (before anything runs) -------------------------------------------------
    def _check_input(self, x):
        if x.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D (unbatched) or "
                             f"3D (batched), got {x.ndim}D input of shape {list(x.shape)}")
        if x.shape[0 if x.ndim == 2 or not self.batch_first else 1] == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in "
                               f"{type(self).__name__}, got input of shape {list(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        _check_dtype(x, self.weight_ih_l0, "input")

    def _check_state(self, h, expected, name, unbatched):
        if h.ndim != len(expected) and unbatched:
            raise RuntimeError(f"For unbatched 2-D input, {name} should also be 2-D but got "
                               f"{h.ndim}-D tensor")
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {name} size {expected}, got {list(h.shape)}")
        _check_dtype(h, self.weight_ih_l0, name)

    # --- forward -----------------------------------------------------------------------
    def forward(self, input, hx=None):  # noqa: A002 - torch's argument name
        """Returns (output, h_n), or (output, (h_n, c_n)) for LSTM."""
        x = input
        self._check_input(x)
        unbatched = x.ndim == 2
        dirs = 2 if self.bidirectional else 1
        if unbatched:
            batch = 1
        else:
            batch = x.shape[0] if self.batch_first else x.shape[1]
        expected = (self.num_layers * dirs,) + (() if unbatched else (batch,)) + (
            self.hidden_size,)
        lstm = self.mode == "LSTM"
        h0 = c0 = None
        if hx is not None:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError("LSTM expects hx as a tuple (h_0, c_0)")
                h0, c0 = hx
                self._check_state(h0, expected, "hidden", unbatched)
                self._check_state(c0, expected, "cell state", unbatched)
            else:
                h0 = hx
                self._check_state(h0, expected, "hidden", unbatched)
        if unbatched:
            x = _shape.unsqueeze(x, 1)
            h0 = None if h0 is None else _shape.unsqueeze(h0, 1)
            c0 = None if c0 is None else _shape.unsqueeze(c0, 1)
        elif self.batch_first:
            x = _shape.transpose(x, 0, 1)
        zeros = None
        if h0 is None or (lstm and c0 is None):
            zeros = creation.zeros(batch, self.hidden_size, dtype=x.dtype, device=x.device)
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                names = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if self.bias else ())
                weights = [getattr(self, n + suffix) for n in names]
                h_init = zeros if h0 is None else h0[k]
                c_init = (zeros if c0 is None else c0[k]) if lstm else None
                res = rnn_layer(self.mode, x, h_init, c_init, *weights, reverse=d == 1)
                outs.append(res[0])
                hs.append(res[1])
                if lstm:
                    cs.append(res[2])
            x = outs[0] if dirs == 1 else _shape.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, training=True)
        h_n = _shape.stack(hs)
        c_n = _shape.stack(cs) if lstm else None
        if unbatched:
            x = _shape.squeeze(x, 1)
            h_n = _shape.squeeze(h_n, 1)
            c_n = None if c_n is None else _shape.squeeze(c_n, 1)
        elif self.batch_first:
            x = _shape.transpose(x, 0, 1)
        return (x, (h_n, c_n)) if lstm else (x, h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.

    Args: input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False. Returns (output, h_n).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), gate order i, f, g, o:

        i, f, o = sigmoid(.), g = tanh(.) of x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh
        c_t = f * c_{t-1} + i * g          h_t = o * tanh(c_t)

    Args as :class:`RNN` (no nonlinearity). ``forward(input, (h_0, c_0))`` returns
    (output, (h_n, c_n)).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        if proj_size:
            raise NotImplementedError("LSTM with proj_size > 0 is not supported")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014), gate order r, z, n:

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)   z likewise
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    Args as :class:`RNN` (no nonlinearity). Returns (output, h_n).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)


# --- cells: one time step ------------------------------------------------------------

class RNNCellBase(Module):
    """Parameters weight_ih (G*H, H_in), weight_hh (G*H, H), bias_ih, bias_hh (G*H,), all
    U(-1/sqrt(H), 1/sqrt(H)); input (N, H_in) or (H_in,) unbatched."""

    def __init__(self, mode, input_size, hidden_size, bias, device, dtype):
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = (mode, input_size,
                                                                   hidden_size, bias)
        gates = GATES[mode] * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = _uniform_parameter((gates, input_size), bound, dtype, device)
        self.weight_hh = _uniform_parameter((gates, hidden_size), bound, dtype, device)
        if bias:
            self.bias_ih = _uniform_parameter((gates,), bound, dtype, device)
            self.bias_hh = _uniform_parameter((gates,), bound, dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        with grad_mode.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"  # torch's format (RNN itself does not show it)
        return s

    def _prepare(self, x, states):
        """Check shapes, add a batch dim to unbatched input, default states to zeros."""
        if x.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{x.ndim}D input of shape {list(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        _check_dtype(x, self.weight_ih, "input")
        unbatched = x.ndim == 1
        expected = (() if unbatched else (x.shape[0],)) + (self.hidden_size,)
        for h in states:
            if h is not None and tuple(h.shape) != expected:
                raise RuntimeError(f"Expected hidden size {expected}, got {list(h.shape)}")
            if h is not None:
                _check_dtype(h, self.weight_ih, "hidden")
        if unbatched:
            x = _shape.unsqueeze(x, 0)
        out = []
        for h in states:
            if h is None:
                h = creation.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            elif unbatched:
                h = _shape.unsqueeze(h, 0)
            out.append(h)
        return x, out, unbatched


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = 'tanh' (default) or 'relu'."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):  # noqa: A002
        x, (h,), unbatched = self._prepare(input, [hx])
        cell = _cells.rnn_tanh_cell if self.nonlinearity == "tanh" else _cells.rnn_relu_cell
        h = cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return _shape.squeeze(h, 0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step (gate order i, f, g, o); ``forward(x, (h, c))`` returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        x, (h, c), unbatched = self._prepare(input, [None, None] if hx is None else list(hx))
        h, c = _cells.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih,
                                self.bias_hh)
        return (_shape.squeeze(h, 0), _shape.squeeze(c, 0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step (gate order r, z, n); returns h'."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002
        x, (h,), unbatched = self._prepare(input, [hx])
        h = _cells.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return _shape.squeeze(h, 0) if unbatched else h
