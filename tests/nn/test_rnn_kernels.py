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


# --- the LSTM kernel itself (_lstm_kernel.py): feature-major recurrence, torch's layouts ------

LSTM_LOOPS = ["lstm_cell", "lstm_cell_back"]


def _lstm_arrays(dtype, strided, bias, seed):
    """Inputs of lstm_forward/lstm_backward and the output gradients; ``strided``: x as
    batch_first input read time-major, h0, c0, gy, gh, gc transposed views (none contiguous)."""
    from deepgrad.nn.functional import _fast_kernels  # noqa: F401 - (the switch)

    rng = np.random.default_rng(seed)
    steps, batch, n_in, n = 7, 3, 4, 5

    def draw(shape, order=None):
        a = rng.standard_normal(shape if order is None else tuple(shape[i] for i in order))
        a = a.astype(dtype)
        return a if order is None else a.transpose(np.argsort(order))

    order2 = (1, 0) if strided else None
    x = draw((steps, batch, n_in), (1, 0, 2) if strided else None)
    h0, c0, gh, gc = (draw((batch, n), order2) for _ in range(4))
    gy = draw((steps, batch, n), (0, 2, 1) if strided else None)
    w_ih = draw((4 * n, n_in)) * 0.5
    w_hh = draw((4 * n, n)) * 0.5
    b = draw((4 * n,)) if bias else None
    if strided:
        assert not any(a.flags.c_contiguous for a in (x, h0, c0, gy, gh))
    return x, h0, c0, w_ih, w_hh, b, gy, gh, gc


def _ours_lstm(arrays, reverse, use_y, needs):
    from deepgrad.nn.functional._lstm_kernel import lstm_backward, lstm_forward

    x, h0, c0, w_ih, w_hh, b, gy, gh, gc = arrays
    y, h, c, saved = lstm_forward(x, h0, c0, w_ih, w_hh, b, reverse)
    grads = lstm_backward(saved, w_ih, w_hh, gy if use_y else None, gh, gc,
                          needs + ((True, True) if b is not None else ()))
    return [y, h, c] + [g for g in grads if g is not None]


def _torch_lstm(arrays, reverse, use_y, needs):
    """torch.nn.LSTM's values and gradients for the same layer (reverse: on the flipped
    sequence, as a bidirectional LSTM runs its backward direction)."""
    x, h0, c0, w_ih, w_hh, b, gy, gh, gc = arrays
    n = w_hh.shape[1]
    m = torch.nn.LSTM(x.shape[2], n, bias=b is not None).to(torch.float64 if x.dtype ==
                                                              np.float64 else torch.float32)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.tensor(w_ih))
        m.weight_hh_l0.copy_(torch.tensor(w_hh))
        if b is not None:
            m.bias_ih_l0.copy_(torch.tensor(b))
            m.bias_hh_l0.zero_()
    xt, h0t, c0t = (torch.tensor(np.ascontiguousarray(a), requires_grad=True) for a in (x, h0, c0))
    y, (h, c) = m(xt.flip(0) if reverse else xt, (h0t[None], c0t[None]))
    y = y.flip(0) if reverse else y
    loss = (h[0] * torch.tensor(gh)).sum() + (c[0] * torch.tensor(gc)).sum()
    if use_y:
        loss = loss + (y * torch.tensor(gy)).sum()
    loss.backward()
    grads = [g for g, need in zip((xt.grad, h0t.grad, c0t.grad), needs) if need]
    grads += [m.weight_ih_l0.grad, m.weight_hh_l0.grad]
    if b is not None:
        grads += [m.bias_ih_l0.grad, m.bias_hh_l0.grad]
    return [v.detach().numpy() for v in [y, h[0], c[0]] + grads]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("use_y", [False, True])
@pytest.mark.parametrize("strided", [False, True])
def test_lstm_kernel_compiled_same_as_numpy_and_torch(dtype, reverse, use_y, strided):
    """The kernel on raw arrays: the compiled loops give the NumPy lines' bits (values,
    shapes, strides), and both give torch's values and gradients, in torch's layouts
    (C-contiguous outputs and gradients), for either direction, with the output sequence
    used (gy) or only the final state, on contiguous or strided inputs."""
    arrays = _lstm_arrays(dtype, strided, bias=not strided, seed=int(reverse) + 2 * use_y)
    needs = (True, True, True, True, True)
    compiled, plain = compiled_and_numpy(lambda: _ours_lstm(arrays, reverse, use_y, needs),
                                         LSTM_LOOPS)
    _same(compiled, plain)
    theirs = _torch_lstm(arrays, reverse, use_y, needs[:3])
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    assert len(compiled) == len(theirs)
    for ours, t in zip(compiled, theirs):
        assert ours.dtype == dtype and ours.flags.c_contiguous
        assert ours.shape == t.shape and ours.strides == t.strides
        assert_close(ours, t, **tol)


@pytest.mark.parametrize("needs", [(True, False, False, True, True), (False, True, False, False,
                                                                      True),
                                   (False, False, True, True, False)])
def test_lstm_kernel_computes_only_the_gradients_asked_for(needs):
    """dh0 and dc0 (and dX, dW) only when needed; those computed are torch's."""
    from deepgrad.nn.functional._lstm_kernel import lstm_backward, lstm_forward

    arrays = _lstm_arrays(np.float64, strided=False, bias=True, seed=4)
    x, h0, c0, w_ih, w_hh, b, gy, gh, gc = arrays
    theirs = _torch_lstm(arrays, True, True, (True, True, True))
    for enabled in (True, False):
        saved = switch.ENABLED
        try:
            switch.ENABLED = enabled
            *_, state = lstm_forward(x, h0, c0, w_ih, w_hh, b, True)
            grads = lstm_backward(state, w_ih, w_hh, gy, gh, gc, needs + (True, True))
        finally:
            switch.ENABLED = saved
        assert [g is not None for g in grads[:5]] == list(needs)
        for g, t in zip(grads[:5], [theirs[3 + i] for i in range(5)]):
            if g is not None:
                assert_close(g, t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_output_and_gradient_strides_are_torchs(batch_first, bidirectional):
    """nn.LSTM's output, h_n, c_n and every gradient have torch's shapes and strides."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 6, 4) if batch_first else (6, 3, 4)).astype(np.float32)
    ref = torch.nn.LSTM(4, 5, num_layers=2, batch_first=batch_first, bidirectional=bidirectional)
    weights = {k: v.detach().numpy() for k, v in ref.state_dict().items()}
    layouts = []
    for lib in (deepgrad, torch):
        m = lib.nn.LSTM(4, 5, num_layers=2, batch_first=batch_first, bidirectional=bidirectional)
        m.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
        xt = lib.tensor(x, requires_grad=True)
        out, (h, c) = m(xt)
        (out.sum() + (h * h).sum() + c.sum()).backward()
        tensors = [out, h, c, xt.grad] + [p.grad for p in m.parameters()]
        layouts.append([(tuple(t.shape), tuple(t.stride()), t.is_contiguous()) for t in tensors])
    assert layouts[0] == layouts[1]
