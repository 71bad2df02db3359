"""RNN/LSTM/GRU and their cells against torch.nn (float64, same weights through state_dict)."""
import math

import numpy as np
import pytest

import deepgrad
from deepgrad.nn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from tests.conftest import assert_close, to_torch

torch = pytest.importorskip("torch")

MODES = {  # name -> (deepgrad class, torch class, extra kwargs)
    "rnn_tanh": (RNN, "RNN", {}),
    "rnn_relu": (RNN, "RNN", {"nonlinearity": "relu"}),
    "lstm": (LSTM, "LSTM", {}),
    "gru": (GRU, "GRU", {}),
}
CELLS = {
    "rnn_tanh": (RNNCell, "RNNCell", {}),
    "rnn_relu": (RNNCell, "RNNCell", {"nonlinearity": "relu"}),
    "lstm": (LSTMCell, "LSTMCell", {}),
    "gru": (GRUCell, "GRUCell", {}),
}


def _pair(table, name, *args, **kwargs):
    """A torch module and a deepgrad one with the same weights, copied through state_dict."""
    ours, theirs, extra = table[name]
    t = getattr(torch.nn, theirs)(*args, **kwargs, **extra).double()
    d = ours(*args, **kwargs, **extra, dtype=deepgrad.float64)
    assert list(d.state_dict()) == list(t.state_dict())
    d.load_state_dict({k: deepgrad.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return d, t


def _dg(arr):
    return deepgrad.tensor(arr, requires_grad=True)


def _compare_grads(d, t):
    for (name, p), (_, q) in zip(d.named_parameters(), t.named_parameters()):
        assert_close(p.grad, q.grad, msg=name)


def _run_both(d, t, x, states, lstm):
    """Outputs of both modules and a backward of a random linear functional of all outputs."""
    rng = np.random.default_rng(1)
    dx, tx = _dg(x), to_torch(_dg(x))
    ds = [_dg(s) for s in states]
    ts = [to_torch(s) for s in ds]
    if lstm:
        d_out = d(dx, tuple(ds) if ds else None)
        t_out = t(tx, tuple(ts) if ts else None)
        d_flat, t_flat = [d_out[0], *d_out[1]], [t_out[0], *t_out[1]]
    else:
        d_out = d(dx, ds[0] if ds else None)
        t_out = t(tx, ts[0] if ts else None)
        d_flat, t_flat = list(d_out), list(t_out)
    weights = [rng.standard_normal(tuple(o.shape)) for o in t_flat]
    sum(((o * deepgrad.tensor(w)).sum() for o, w in zip(d_flat, weights)), start=0).backward()
    sum((o * torch.from_numpy(w)).sum() for o, w in zip(t_flat, weights)).backward()
    for a, b in zip(d_flat, t_flat):
        assert_close(a, b)
    assert_close(dx.grad, tx.grad, msg="input grad")
    for a, b in zip(ds, ts):
        assert_close(a.grad, b.grad, msg="state grad")
    _compare_grads(d, t)


CONFIGS = [  # num_layers, bidirectional, batch_first, initial states, bias
    (1, False, False, False, True),
    (2, True, True, True, True),
    (3, True, False, True, False),
    (2, False, True, False, True),
]


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("layers,bidir,batch_first,with_state,bias", CONFIGS)
def test_matches_torch(mode, layers, bidir, batch_first, with_state, bias):
    d, t = _pair(MODES, mode, 3, 5, num_layers=layers, bidirectional=bidir,
                 batch_first=batch_first, bias=bias)
    rng = np.random.default_rng(0)
    seq, batch = 6, 4
    x = rng.standard_normal((batch, seq, 3) if batch_first else (seq, batch, 3))
    shape = (layers * (2 if bidir else 1), batch, 5)
    states = []
    if with_state:
        states = [rng.standard_normal(shape) for _ in range(2 if mode == "lstm" else 1)]
    _run_both(d, t, x, states, mode == "lstm")


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_matches_torch(mode, with_state):
    d, t = _pair(MODES, mode, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(2)
    states = [rng.standard_normal((4, 4)) for _ in range(2 if mode == "lstm" else 1)]
    _run_both(d, t, rng.standard_normal((5, 3)), states if with_state else [], mode == "lstm")


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh"])
def test_dropout_in_eval_mode_is_identity(mode):
    d, t = _pair(MODES, mode, 3, 5, num_layers=3, dropout=0.5, bidirectional=True)
    d.eval()
    t.eval()
    _run_both(d, t, np.random.default_rng(3).standard_normal((4, 2, 3)), [], mode == "lstm")


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_dropout_one_in_training_zeroes_between_layers_only(mode):
    # p = 1 is deterministic: the layers above the first see zeros; the output itself
    # is not dropped (no dropout after the last layer), exactly as in torch
    d, t = _pair(MODES, mode, 3, 5, num_layers=2, dropout=1.0)
    _run_both(d, t, np.random.default_rng(4).standard_normal((4, 2, 3)), [], mode == "lstm")
    out = d(deepgrad.randn(4, 2, 3, dtype=deepgrad.float64))[0]
    assert np.abs(out.detach().numpy()).min() > 0


def test_dropout_in_training_scales_kept_values():
    # layer 2 of a 2-layer RNN sees dropout(y1): y1 * mask / (1 - p); recover the mask
    d = RNN(2, 400, num_layers=2, dropout=0.25, dtype=deepgrad.float64, bias=False)
    with deepgrad.no_grad():
        d.weight_hh_l1.zero_()
        d.weight_ih_l1.copy_(deepgrad.eye(400, dtype=deepgrad.float64))
    x = deepgrad.randn(1, 8, 2, dtype=deepgrad.float64)
    y1 = deepgrad.tanh(x @ d.weight_ih_l0.t())          # first layer, first step (h0 = 0)
    y2 = d(x)[0]                                        # = tanh(dropout(y1)) at step 0
    ratio = np.arctanh(y2.detach().numpy()) / y1.detach().numpy()
    kept = np.isclose(ratio, 1 / 0.75)
    assert np.all(kept | np.isclose(ratio, 0.0))
    assert 0.65 < kept.mean() < 0.85


@pytest.mark.parametrize("mode", list(CELLS))
@pytest.mark.parametrize("batched,with_state,bias", [(True, True, True), (True, False, False),
                                                     (False, True, True), (False, False, True)])
def test_cells_match_torch(mode, batched, with_state, bias):
    d, t = _pair(CELLS, mode, 3, 5, bias=bias)
    rng = np.random.default_rng(5)
    lead = (4,) if batched else ()
    dx = _dg(rng.standard_normal(lead + (3,)))
    tx = to_torch(dx)
    n_states = 2 if mode == "lstm" else 1
    ds = [_dg(rng.standard_normal(lead + (5,))) for _ in range(n_states)] if with_state else []
    ts = [to_torch(s) for s in ds]
    if mode == "lstm":
        d_out = list(d(dx, tuple(ds) if ds else None))
        t_out = list(t(tx, tuple(ts) if ts else None))
    else:
        d_out = [d(dx, ds[0] if ds else None)]
        t_out = [t(tx, ts[0] if ts else None)]
    weights = [rng.standard_normal(tuple(o.shape)) for o in t_out]
    sum((o * deepgrad.tensor(w)).sum() for o, w in zip(d_out, weights)).backward()
    sum((o * torch.from_numpy(w)).sum() for o, w in zip(t_out, weights)).backward()
    for a, b in zip(d_out, t_out):
        assert_close(a, b)
    assert_close(dx.grad, tx.grad)
    for a, b in zip(ds, ts):
        assert_close(a.grad, b.grad)
    _compare_grads(d, t)


@pytest.mark.parametrize("mode", list(MODES))
def test_double_backward_matches_torch(mode):
    # grad of ||d loss / d x||^2 with respect to the weights: the kernel's create_graph path
    d, t = _pair(MODES, mode, 2, 3, num_layers=2, bidirectional=True)
    x = np.random.default_rng(6).standard_normal((4, 2, 2))
    dx, tx = _dg(x), to_torch(_dg(x))
    results = []
    for m, xx, lib in ((d, dx, deepgrad), (t, tx, torch)):
        out = m(xx)[0]
        (gx,) = lib.autograd.grad((out * out).sum(), xx, create_graph=True)
        (gx * gx).sum().backward()
        results.append(gx)
    assert_close(results[0], results[1])
    assert_close(dx.grad, tx.grad)
    _compare_grads(d, t)


@pytest.mark.parametrize("mode", list(MODES))
def test_gradcheck_and_gradgradcheck(mode):
    d = MODES[mode][0](2, 2, dtype=deepgrad.float64, **MODES[mode][2])
    x = deepgrad.randn(3, 1, 2, dtype=deepgrad.float64, requires_grad=True)
    h = deepgrad.randn(1, 1, 2, dtype=deepgrad.float64, requires_grad=True)

    def f(x, h):
        hx = (h, h * 0.5) if mode == "lstm" else h
        return d(x, hx)[0]

    assert deepgrad.autograd.gradcheck(f, (x, h))
    assert deepgrad.autograd.gradgradcheck(f, (x, h))


@pytest.mark.parametrize("mode", list(MODES))
def test_default_init_is_uniform_with_torch_bound(mode):
    hidden = 64
    d = MODES[mode][0](16, hidden, num_layers=2, **MODES[mode][2])
    bound = 1 / math.sqrt(hidden)
    values = np.concatenate([p.detach().numpy().ravel() for p in d.parameters()])
    assert values.dtype == np.float32
    assert values.min() >= -bound and values.max() <= bound
    # U(-b, b) has mean 0 and variance b^2 / 3
    assert abs(values.mean()) < 0.02 * bound
    assert abs(values.var() / (bound ** 2 / 3) - 1) < 0.03


def test_float32_end_to_end_and_repr():
    d = LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True)
    out, (h, c) = d(deepgrad.randn(2, 5, 3))
    assert out.dtype == h.dtype == c.dtype == deepgrad.float32
    assert tuple(out.shape) == (2, 5, 8) and tuple(h.shape) == (4, 2, 4)
    t = torch.nn.LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True)
    assert repr(d) == repr(t)
    assert repr(RNN(3, 4, nonlinearity="relu", bias=False)) == repr(
        torch.nn.RNN(3, 4, nonlinearity="relu", bias=False))
    assert repr(GRUCell(3, 4, bias=False)) == repr(torch.nn.GRUCell(3, 4, bias=False))
    assert repr(RNNCell(3, 4, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(3, 4, nonlinearity="relu"))


def test_wrong_input_size_names_expected_and_actual():
    with pytest.raises(RuntimeError, match="Expected 3, got 7"):
        LSTM(3, 4)(deepgrad.randn(5, 2, 7))
    with pytest.raises(RuntimeError, match="expected 3, got 7"):
        GRUCell(3, 4)(deepgrad.randn(2, 7))
    with pytest.raises(RuntimeError, match="sequence length"):
        LSTM(3, 4, batch_first=True)(deepgrad.randn(2, 0, 3))
    with pytest.raises(ValueError, match="2D .* or 3D"):
        GRU(3, 4)(deepgrad.randn(3))


def test_wrong_state_shape_names_expected_and_actual():
    m = GRU(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 5, 4\), got \[1, 5, 4\]"):
        m(deepgrad.randn(6, 5, 3), deepgrad.zeros(1, 5, 4))
    lstm = LSTM(3, 4, bidirectional=True)
    with pytest.raises(RuntimeError, match=r"cell state size \(2, 5, 4\), got \[2, 5, 3\]"):
        lstm(deepgrad.randn(6, 5, 3), (deepgrad.zeros(2, 5, 4), deepgrad.zeros(2, 5, 3)))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 4\), got \[3, 4\]"):
        LSTMCell(3, 4)(deepgrad.randn(2, 3), (deepgrad.zeros(3, 4), deepgrad.zeros(3, 4)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="nonlinearity"):
        RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size"):
        GRU(3, 0)


@pytest.mark.parametrize("mode,use", [("lstm", "h_n"), ("lstm", "c_n"), ("lstm", "output"),
                                      ("gru", "h_n"), ("rnn_tanh", "output")])
@pytest.mark.parametrize("create_graph", [False, True])
def test_gradients_when_only_some_outputs_are_used(mode, use, create_graph):
    # unused outputs reach the kernel's backward as None (no zero tensors materialised)
    d, t = _pair(MODES, mode, 3, 4, num_layers=2, bidirectional=True)
    x = np.random.default_rng(7).standard_normal((5, 2, 3))
    dx, tx = _dg(x), to_torch(_dg(x))
    grads = []
    for m, xx, lib in ((d, dx, deepgrad), (t, tx, torch)):
        out, state = m(xx)
        picked = {"output": out, "h_n": state[0] if mode == "lstm" else state,
                  "c_n": state[1] if mode == "lstm" else None}[use]
        grads.append(lib.autograd.grad((picked ** 3).sum(), xx, create_graph=create_graph)[0])
    assert_close(grads[0], grads[1])


def test_dtype_mismatch_and_single_layer_dropout_warning():
    with pytest.raises(RuntimeError, match="float64.*got type .*float32"):
        LSTM(3, 4, dtype=deepgrad.float64)(deepgrad.randn(5, 2, 3))
    with pytest.raises(RuntimeError, match="hidden must have the type .*float32"):
        GRU(3, 4)(deepgrad.randn(5, 2, 3), deepgrad.zeros(1, 2, 4, dtype=deepgrad.float64))
    with pytest.raises(RuntimeError, match="float32.*got type .*float64"):
        RNNCell(3, 4)(deepgrad.randn(2, 3, dtype=deepgrad.float64))
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        LSTM(3, 4, dropout=0.5)


@pytest.mark.parametrize("mode", list(MODES))
def test_sequence_of_length_one_with_states(mode):
    d, t = _pair(MODES, mode, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
    rng = np.random.default_rng(8)
    states = [rng.standard_normal((4, 2, 4)) for _ in range(2 if mode == "lstm" else 1)]
    _run_both(d, t, rng.standard_normal((2, 1, 3)), states, mode == "lstm")
