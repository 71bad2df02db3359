"""Exporters of RNN, LSTM and GRU layers, as ONNX ``RNN``, ``LSTM`` and ``GRU`` ops.

One ONNX op runs one layer (both directions when bidirectional); layers are
chained. The weights are rearranged once, here:

* ONNX stacks the gates in another order than PyTorch: LSTM gates are
  i, f, g, o in PyTorch (input, forget, cell, output) and i, o, f, c in ONNX;
  GRU gates are r, z, n in PyTorch and z, r, h in ONNX.
* ONNX's W, R, B have a leading direction axis, and B is [Wb, Rb] concatenated.
* PyTorch's GRU applies the reset gate after the hidden projection,
  n = tanh(W_n x + b_in + r ⊙ (U_n h + b_hn)): ONNX's ``linear_before_reset=1``.

ONNX's sequences are (seq, batch, features); ``batch_first`` inputs are transposed
in and out. The layer's output Y is (seq, directions, batch, hidden), turned
into PyTorch's (seq, batch, directions · hidden) for the next layer and the output.
"""
import numpy as np

from ..nn.modules import rnn as _rnn
from ._graph import _to_numpy

_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _reorder(array, mode):
    """Reorder the gate blocks along axis 0 from PyTorch's order to ONNX's."""
    blocks = np.split(array, len(_GATE_ORDER[mode]), axis=0)
    return np.concatenate([blocks[i] for i in _GATE_ORDER[mode]], axis=0)


def _layer_weights(g, m, layer, call):
    """W, R, B of one layer (B None without bias), directions stacked on a new axis 0."""
    suffixes = [""] + (["_reverse"] if m.bidirectional else [])
    mode = m.mode

    def stacked(kind):
        arrays = [_reorder(_to_numpy(getattr(m, f"{kind}_l{layer}{s}")._data), mode)
                  for s in suffixes]
        return np.stack(arrays)
    prefix = f"{call.path}." if call.path else ""
    w = g.const(stacked("weight_ih"), f"{prefix}W_l{layer}")
    r = g.const(stacked("weight_hh"), f"{prefix}R_l{layer}")
    b = None
    if m.bias:
        b = g.const(np.concatenate([stacked("bias_ih"), stacked("bias_hh")], axis=1),
                    f"{prefix}B_l{layer}")
    return w, r, b


def _initial_state(g, state, layer, dirs, unbatched):
    """Layer ``layer``'s rows of a (layers · directions, batch, hidden) initial state."""
    if state is None:
        return None
    if unbatched:
        state = g.unsqueeze(state, [1])
    return g.op("Slice", [state, g.ints([layer * dirs], "starts"),
                          g.ints([(layer + 1) * dirs], "ends"), g.ints([0], "axes")])


def export_rnn(g, call, name):
    m = call.module
    x_t = call.arguments["input"]
    hx = call.arguments.get("hx")
    h0, c0 = (hx if isinstance(hx, (tuple, list)) else (hx, None)) if hx is not None else (None,
                                                                                            None)
    h0 = None if h0 is None else name(h0)
    c0 = None if c0 is None else name(c0)
    dirs = 2 if m.bidirectional else 1
    unbatched = x_t.dim() == 2
    x = name(x_t)
    if unbatched:
        x = g.unsqueeze(x, [1])
    elif m.batch_first:
        x = g.op("Transpose", [x], perm=[1, 0, 2])

    op_type = {"LSTM": "LSTM", "GRU": "GRU"}.get(m.mode, "RNN")
    extra = {}
    if op_type == "GRU":
        extra["linear_before_reset"] = 1
    if m.mode == "RNN_RELU":
        extra["activations"] = ["Relu"] * dirs
    h_last, c_last = [], []
    for layer in range(m.num_layers):
        w, r, b = _layer_weights(g, m, layer, call)
        inputs = [x, w, r, b, None, _initial_state(g, h0, layer, dirs, unbatched)]
        if op_type == "LSTM":
            inputs.append(_initial_state(g, c0, layer, dirs, unbatched))
        n_out = 3 if op_type == "LSTM" else 2
        outs = g.op(op_type, inputs, outputs=n_out, hidden_size=int(m.hidden_size),
                    direction="bidirectional" if dirs == 2 else "forward", **extra)
        y = g.op("Transpose", [outs[0]], perm=[0, 2, 1, 3])       # (seq, batch, dirs, hidden)
        x = g.op("Reshape", [y, g.ints([0, 0, -1])])              # (seq, batch, dirs·hidden)
        h_last.append(outs[1])
        if op_type == "LSTM":
            c_last.append(outs[2])

    def stack_states(parts):
        s = parts[0] if len(parts) == 1 else g.op("Concat", parts, axis=0)
        return g.squeeze(s, [1]) if unbatched else s

    if unbatched:
        out = g.squeeze(x, [1])
    else:
        out = g.op("Transpose", [x], perm=[1, 0, 2]) if m.batch_first else x
    states = [stack_states(h_last)] + ([stack_states(c_last)] if op_type == "LSTM" else [])
    return [out] + states


OP_EXPORTERS = {}
MODULE_EXPORTERS = {_rnn.RNN: export_rnn, _rnn.LSTM: export_rnn, _rnn.GRU: export_rnn}
