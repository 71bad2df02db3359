"""The LSTM and GRU sequence kernels (nn/functional/_lstm_kernel.py, _gru_kernel.py) and their
compiled loops (_rnn_kernels.py): the numba path gives the same bits as the NumPy lines, and
both give torch 2.13's values and gradients, over the options nn.LSTM / nn.GRU take."""
import numpy as np
import pytest
import torch

import deepgrad
from deepgrad.nn.functional import _fast_kernels as switch
from deepgrad.nn.functional import _rnn_kernels as loops
from tests.conftest import assert_close, compiled_and_numpy

LOOPS = {"LSTM": ["lstm_cell", "lstm_cell_back"],
         "GRU": ["gru_gates", "gru_state", "gru_cell_back"]}


def _same(compiled, plain):
    for c, p in zip(compiled, plain):
        assert c.shape == p.shape and c.dtype == p.dtype and c.strides == p.strides
        np.testing.assert_array_equal(c, p)


CASES = [  # (num_layers, bidirectional, batch_first, bias, with_state, use_output)
    (1, False, True, True, False, False),   # the benchmark's shape: only h_n feeds the loss
    (1, False, False, True, True, True),
    (2, True, False, True, True, True),
    (2, True, True, False, False, True),
    (1, True, True, True, True, False),
]


def _run(lib, cell, x, states, weights, case):
    """Forward and backward of one layer stack; returns output, states and all gradients."""
    layers, bidir, batch_first, bias, with_state, use_output = case
    m = getattr(lib.nn, cell)(4, 5, num_layers=layers, bidirectional=bidir,
                              batch_first=batch_first, bias=bias)
    m = m.double() if x.dtype == np.float64 else m
    tensor = lib.tensor
    m.load_state_dict({k: tensor(v) for k, v in weights.items()})
    xt = tensor(x, requires_grad=True)
    st = [tensor(s, requires_grad=True) for s in states] if with_state else []
    hx = None if not with_state else (tuple(st) if cell == "LSTM" else st[0])
    out, state = m(xt, hx)
    state = list(state) if cell == "LSTM" else [state]
    loss = sum((s * s).sum() for s in state) + (out.sum() * 0.5 if use_output else 0)
    if cell == "LSTM":
        loss = loss + state[1].sum()
    loss.backward()
    grads = [xt.grad] + [s.grad for s in st] + [p.grad for p in m.parameters()]
    values = [out.detach()] + [s.detach() for s in state] + grads
    return [v.numpy() for v in values]


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_same_as_numpy_and_torch(cell, case, dtype):
    layers, bidir, batch_first, bias, *_ = case
    rng = np.random.default_rng(3)
    steps, batch = 6, 3
    x = rng.standard_normal((batch, steps, 4) if batch_first else (steps, batch, 4)).astype(dtype)
    states = [rng.standard_normal((layers * (1 + bidir), batch, 5)).astype(dtype)
              for _ in range(2 if cell == "LSTM" else 1)]
    ref = getattr(torch.nn, cell)(4, 5, num_layers=layers, bidirectional=bidir, bias=bias)
    weights = {k: v.detach().numpy().astype(dtype) for k, v in ref.state_dict().items()}

    compiled, plain = compiled_and_numpy(lambda: _run(deepgrad, cell, x, states, weights, case), LOOPS[cell])
    _same(compiled, plain)
    theirs = _run(torch, cell, x, states, weights, case)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)
    assert len(compiled) == len(theirs)
    for ours, t in zip(compiled, theirs):
        assert ours.shape == t.shape
        assert_close(ours, t, **tol)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_long_sequence_float32_matches_torch(cell):
    """50 steps of the benchmark's sizes (shrunk): errors do not build up through time."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 50, 8)).astype(np.float32)
    ref = getattr(torch.nn, cell)(8, 16, batch_first=True)
    weights = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    ref = getattr(torch.nn, cell)(8, 16, batch_first=True)
    ref.load_state_dict({k: torch.tensor(v) for k, v in weights.items()})
    ours = getattr(deepgrad.nn, cell)(8, 16, batch_first=True)
    ours.load_state_dict({k: deepgrad.tensor(v) for k, v in weights.items()})
    results = []
    for m, lib in ((ours, deepgrad), (ref, torch)):
        xt = lib.tensor(x, requires_grad=True)
        out, _ = m(xt)
        (out[:, -1] ** 2).sum().backward()
        results.append([out.detach().numpy(), xt.grad.numpy()] +
                       [p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*results):
        assert_close(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_two_live_graphs_keep_their_buffers(cell):
    """Sequence-sized arrays come from the buffer cache (_fast_kernels.buffer): a second
    forward while the first graph and its output are alive must take fresh memory, so both
    backward passes still give torch's gradients. Sizes above BUFFER_MIN_BYTES, so the
    cache is really used."""
    rng = np.random.default_rng(7)
    steps, batch, n_in, hidden = 20, 16, 8, 64
    assert steps * batch * 4 * hidden * 4 >= switch.BUFFER_MIN_BYTES
    xs = [rng.standard_normal((batch, steps, n_in)).astype(np.float32) for _ in range(2)]
    ref = getattr(torch.nn, cell)(n_in, hidden, batch_first=True)
    weights = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    results = {}
    for lib in (deepgrad, torch):
        m = getattr(lib.nn, cell)(n_in, hidden, batch_first=True)
        m.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
        outs, losses = [], []
        for x in xs:                       # both graphs alive before either backward
            out, _ = m(lib.tensor(x))
            outs.append(out)
            losses.append((out ** 2).mean())
        first = outs[0].detach().numpy().copy()
        grads = []
        for loss in reversed(losses):
            m.zero_grad()
            loss.backward()
            grads.append([p.grad.numpy().copy() for p in m.parameters()])
        results[lib.__name__] = [first, outs[1].detach().numpy()] + grads[0] + grads[1]
    for a, b in zip(results["deepgrad"], results["torch"]):
        assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_loops_take_only_numpy_float_arrays():
    a = np.zeros((2, 8), np.float32)
    assert loops.usable(a, a) == switch.usable(a, a)
    assert not loops.usable(a.astype(np.float16))
    assert not loops.usable(a, a.astype(np.float64))     # mixed dtypes: the NumPy lines
    saved = switch.ENABLED
    try:
        switch.ENABLED = False
        assert not loops.usable(a) and loops.kernel("lstm_cell") is None
        assert loops.run("lstm_cell", a, a, a) is False
    finally:
        switch.ENABLED = saved


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_kernel_outputs_own_their_memory(cell):
    """The outputs are copies of what backward reads: overwriting one behind autograd's back
    (through .numpy()) leaves the gradients unchanged."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 2, 3))
    grads = []
    for clobber in (False, True):
        deepgrad.manual_seed(0)
        m = getattr(deepgrad.nn, cell)(3, 4, dtype=deepgrad.float64)
        out, state = m(deepgrad.tensor(x))
        h = state[0] if cell == "LSTM" else state
        if clobber:
            out.detach().numpy()[...] = 7.0
        (h * h).sum().backward()
        grads.append([p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_kernels_on_a_device_array_take_the_numpy_lines(cell, monkeypatch):
    """On the strict device double (tests/device) the kernels never hand a device array to a
    compiled loop and give the CPU's values, with every output and state used."""
    import sys

    from deepgrad import backend
    from tests.device.strict_array import StrictDeviceArray, make_fake_cupy

    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 5, 3))
    states = [rng.standard_normal((2, 2, 4)) for _ in range(2 if cell == "LSTM" else 1)]
    results = []
    for device in ("cpu", "cuda"):
        if device == "cuda":
            fake = make_fake_cupy()
            monkeypatch.setattr(backend, "_cupy", fake)
            monkeypatch.setattr(backend, "_gpu_count", None)
            monkeypatch.setitem(sys.modules, "cupy", fake)
        deepgrad.manual_seed(0)
        m = getattr(deepgrad.nn, cell)(3, 4, batch_first=True, bidirectional=True,
                                       dtype=deepgrad.float64).to(device)
        xt = deepgrad.tensor(x, device=device, requires_grad=True)
        st = [deepgrad.tensor(s, device=device, requires_grad=True) for s in states]
        out, state = m(xt, tuple(st) if cell == "LSTM" else st[0])
        if device == "cuda":
            assert type(out._data) is StrictDeviceArray
        state = list(state) if cell == "LSTM" else [state]
        (out.sum() + sum((s * s).sum() for s in state)).backward()
        values = [out, *state, xt.grad, *[s.grad for s in st], *[p.grad for p in m.parameters()]]
        results.append([v.detach().cpu().numpy() for v in values])
    for a, b in zip(*results):
        assert_close(a, b, rtol=1e-12, atol=1e-12)
