"""The LSTM kernel's one-GEMM step and one-GEMM weight gradients (nn/functional/_lstm_kernel.py):
a step multiplies s [W_hh | W_ih | b] by the stacked operand [h_{t-1}; x_t; 1], and the weight
gradients come out of one GEMM dA^T [H_prev | X | 1], over only the columns asked for. Both
the compiled loops (numba) and the NumPy lines give the same bits, and torch 2.13's values
and gradients, for every subset of gradients, with and without a bias, in both directions."""
import numpy as np
import pytest
import torch

from deepgrad.nn.functional import _fast_kernels as switch
from deepgrad.nn.functional._lstm_kernel import _stacked_weights, lstm_backward, lstm_forward
from tests.conftest import assert_close, compiled_and_numpy

LOOPS = ["lstm_cell", "lstm_cell_back"]
NAMES = ["dx", "dh0", "dc0", "dw_ih", "dw_hh", "db_ih", "db_hh"]


def _arrays(dtype, bias, seed, steps=6, batch=3, n_in=4, n=5):
    rng = np.random.default_rng(seed)

    def draw(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(dtype)

    x, h0, c0 = draw(steps, batch, n_in), draw(batch, n), draw(batch, n)
    w_ih, w_hh = draw(4 * n, n_in, scale=0.5), draw(4 * n, n, scale=0.5)
    b_ih, b_hh = (draw(4 * n), draw(4 * n)) if bias else (None, None)
    gy, gh, gc = draw(steps, batch, n), draw(batch, n), draw(batch, n)
    return x, h0, c0, w_ih, w_hh, b_ih, b_hh, gy, gh, gc


def _ours(arrays, reverse, needs):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, gy, gh, gc = arrays
    b = None if b_ih is None else b_ih + b_hh
    y, h, c, saved = lstm_forward(x, h0, c0, w_ih, w_hh, b, reverse)
    grads = lstm_backward(saved, w_ih, w_hh, gy, gh, gc, needs)
    return [y, h, c] + list(grads)


def _torch(arrays, reverse):
    """torch.nn.LSTM's outputs and all seven gradients (reverse: on the flipped sequence)."""
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, gy, gh, gc = arrays
    m = torch.nn.LSTM(x.shape[2], w_hh.shape[1], bias=b_ih is not None)
    m = m.double() if x.dtype == np.float64 else m
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.tensor(w_ih))
        m.weight_hh_l0.copy_(torch.tensor(w_hh))
        if b_ih is not None:
            m.bias_ih_l0.copy_(torch.tensor(b_ih))
            m.bias_hh_l0.copy_(torch.tensor(b_hh))
    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    y, (h, c) = m(xt.flip(0) if reverse else xt, (h0t[None], c0t[None]))
    y = y.flip(0) if reverse else y
    loss = (y * torch.tensor(gy)).sum() + (h[0] * torch.tensor(gh)).sum() + \
        (c[0] * torch.tensor(gc)).sum()
    loss.backward()
    grads = [xt.grad, h0t.grad, c0t.grad, m.weight_ih_l0.grad, m.weight_hh_l0.grad]
    if b_ih is not None:
        grads += [m.bias_ih_l0.grad, m.bias_hh_l0.grad]
    return [v.detach().numpy() for v in [y, h[0], c[0]] + grads]


def _tolerance(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def _check(ours, theirs, needs, dtype):
    """Outputs y, h_n, c_n and the gradients against torch's, in torch's layouts."""
    for value, ref in zip(ours[:3], theirs[:3]):
        assert value.flags.c_contiguous and value.dtype == dtype
        assert_close(value, ref, **_tolerance(dtype))
    _check_gradients(ours[3:], theirs[3:], needs, dtype)


def _check_gradients(ours, theirs, needs, dtype):
    tol = _tolerance(dtype)
    for name, need, grad, ref in zip(NAMES, needs, ours, theirs):
        if not need:
            assert grad is None, name
            continue
        assert grad.flags.c_contiguous and grad.dtype == dtype, name
        assert grad.shape == ref.shape and grad.strides == ref.strides, name
        assert_close(grad, ref, msg=name, **tol)


# every column range of the weight-gradient GEMM: all, W_hh only, W_ih only, the bias only,
# W_hh and the bias without W_ih (its columns computed, then dropped), W_ih and the bias,
# one of the two bias gradients, and no weight gradient at all
NEEDS = [(True, True, True, True, True, True, True),
         (False, False, False, False, True, False, False),
         (False, True, False, True, False, False, False),
         (False, False, True, False, False, True, True),
         (True, False, False, False, True, False, True),
         (False, False, False, True, False, True, False),
         (True, True, True, False, False, False, False)]


@pytest.mark.parametrize("needs", NEEDS)
@pytest.mark.parametrize("reverse", [False, True])
def test_gradients_asked_for_are_torchs_on_both_paths(needs, reverse):
    arrays = _arrays(np.float64, bias=True, seed=len(NEEDS) * reverse + NEEDS.index(needs))
    compiled, plain = compiled_and_numpy(lambda: _ours(arrays, reverse, needs), LOOPS)
    for c, p in zip(compiled, plain):
        assert (c is None) == (p is None)
        if c is not None:
            np.testing.assert_array_equal(c, p)
    _check(compiled, _torch(arrays, reverse), needs, np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
def test_without_bias_the_operand_has_no_ones_row(dtype, reverse):
    """bias=False: K = H + H_in, and every gradient is still torch's, on both paths."""
    arrays = _arrays(dtype, bias=False, seed=20 + reverse)
    needs = (True, True, True, True, True)
    compiled, plain = compiled_and_numpy(lambda: _ours(arrays, reverse, needs), LOOPS)
    for c, p in zip(compiled, plain):
        np.testing.assert_array_equal(c, p)
    _check(compiled, _torch(arrays, reverse), needs, dtype)


@pytest.mark.parametrize("bias", [False, True])
def test_stacked_weights_are_the_scaled_blocks(bias):
    """s [W_hh | W_ih | b] with s = 1/2 on the rows of i, f, o and 1 on those of g."""
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, *_ = _arrays(np.float32, bias, seed=30)
    b = None if b_ih is None else b_ih + b_hh
    n = w_hh.shape[1]
    blocks = [w_hh, w_ih] + ([b[:, None]] if bias else [])
    s = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], np.float32), n)[:, None]
    w = _stacked_weights(w_hh, w_ih, b)
    assert w.flags.c_contiguous and w.dtype == np.float32
    np.testing.assert_array_equal(w, np.concatenate(blocks, axis=1) * s)


def test_outputs_own_their_memory():
    """y is a copy of the saved operand rows: changing it in place (or the returned states)
    changes no gradient."""
    arrays = _arrays(np.float64, bias=True, seed=40)
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, gy, gh, gc = arrays
    needs = (True,) * 7
    for enabled in (True, False):
        saved_switch = switch.ENABLED
        try:
            switch.ENABLED = enabled
            y, h, c, saved = lstm_forward(x, h0, c0, w_ih, w_hh, b_ih + b_hh, False)
            y[...], h[...], c[...] = 7.0, 7.0, 7.0
            grads = lstm_backward(saved, w_ih, w_hh, gy, gh, gc, needs)
        finally:
            switch.ENABLED = saved_switch
        _check_gradients(grads, _torch(arrays, False)[3:], needs, np.float64)


def test_long_sequence_both_directions_float32():
    """50 steps at the benchmark's batch, hidden size shrunk: no error builds up in the
    stacked GEMM or in the one weight-gradient GEMM over all T*N rows."""
    arrays = _arrays(np.float32, bias=True, seed=50, steps=50, batch=32, n_in=8, n=16)
    needs = (True,) * 7
    for reverse in (False, True):
        compiled, plain = compiled_and_numpy(lambda: _ours(arrays, reverse, needs), LOOPS)
        for c, p in zip(compiled, plain):
            np.testing.assert_array_equal(c, p)
        _check(compiled, _torch(arrays, reverse), needs, np.float32)
