"""LSTM, GRU and RNN exported as ONNX's LSTM/GRU/RNN ops (gate order and layout converted)."""
import pytest

import deepgrad
import deepgrad.nn as nn

from ._roundtrip import check_roundtrip


class WithState(nn.Module):
    """Calls the recurrent layer with an explicit initial state (a tuple for LSTM)."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x, h0, c0=None):
        return self.rnn(x, h0 if c0 is None else (h0, c0))


CASES = [
    dict(num_layers=1, bidirectional=False, batch_first=False),
    dict(num_layers=2, bidirectional=False, batch_first=True),
    dict(num_layers=2, bidirectional=True, batch_first=False),
    dict(num_layers=3, bidirectional=True, batch_first=True, bias=False),
]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN", "RNN_relu"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_recurrent_layer_matches_onnxruntime(kind, case):
    options = dict(CASES[case])
    if kind == "RNN_relu":
        kind, options["nonlinearity"] = "RNN", "relu"
    rnn = getattr(nn, kind)(5, 4, **options)
    shape = (3, 6, 5) if options["batch_first"] else (6, 3, 5)
    check_roundtrip(rnn, deepgrad.randn(*shape))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_initial_state_is_an_input(kind):
    layers, dirs, batch = 2, 2, 3
    model = WithState(getattr(nn, kind)(5, 4, num_layers=layers, bidirectional=True,
                                        batch_first=True))
    x = deepgrad.randn(batch, 7, 5)
    h0 = deepgrad.randn(layers * dirs, batch, 4)
    args = (x, h0) + ((deepgrad.randn(layers * dirs, batch, 4),) if kind == "LSTM" else ())
    check_roundtrip(model, args)


def test_unbatched_sequence():
    check_roundtrip(nn.GRU(5, 4, num_layers=2), deepgrad.randn(6, 5))


def test_lstm_batch_axis_is_dynamic():
    lstm = nn.LSTM(5, 4, num_layers=2, batch_first=True, bidirectional=True)
    names = dict(input_names=["x"], output_names=["y", "h", "c"],
                 dynamic_axes={"x": {0: "batch", 1: "time"}, "y": {0: "batch", 1: "time"},
                               "h": {1: "batch"}, "c": {1: "batch"}})
    check_roundtrip(lstm, deepgrad.randn(2, 6, 5), run_args=deepgrad.randn(5, 9, 5), **names)
