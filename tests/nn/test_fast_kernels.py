"""The compiled loops of deepgrad[fast] (nn/functional/_fast_kernels.py) against the NumPy
code they replace (the same bits: both paths run the same float operations in the same
order) and against torch 2.13 (values, indices, gradients), on float32 as in training."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad
import deepgrad.nn.functional as F
from deepgrad.nn.functional import _fast_kernels as fast
from tests.conftest import assert_close, assert_same_bits, compiled_and_numpy, conv_arrays

pytest.importorskip("numba")


def _grads(fn, arrays, seed):
    """(output, gradients of sum(output * random) wrt arrays) in deepgrad, as NumPy arrays."""
    ts = [deepgrad.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    y = y[0] if isinstance(y, tuple) else y
    go = np.random.default_rng(seed).standard_normal(y.shape).astype(arrays[0].dtype)
    (y * deepgrad.tensor(go)).sum().backward()
    return [y.detach().numpy()] + [t.grad.numpy() for t in ts], go


@pytest.mark.parametrize("shape, kw, loop", [
    ((2, 3, 8, 8), dict(kernel_size=2), "max_pool_2x2"),                       # tiled
    ((2, 3, 9, 7), dict(kernel_size=2, stride=1, padding=1), "max_pool_2x2"),  # overlapping
    ((2, 2, 9, 9), dict(kernel_size=3, stride=2, padding=1, dilation=1), "max_pool"),
    ((1, 2, 10, 11), dict(kernel_size=(3, 2), stride=(1, 2), dilation=(2, 1)), "max_pool"),
])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool2d_same_as_numpy_and_torch(shape, kw, loop, ties):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    if ties:  # repeated values: the first maximum in row-major window order wins
        x = np.round(x)
    run = lambda: _grads(lambda t: F.max_pool2d(t, **kw), [x], 2)[0]  # noqa: E731
    compiled, plain = compiled_and_numpy(run, [loop, "max_pool_scatter"])
    assert_same_bits(compiled, plain)
    tx = torch.tensor(x, requires_grad=True)
    ty, idx = TF.max_pool2d(tx, return_indices=True, **kw)
    ty.backward(torch.tensor(_grads(lambda t: F.max_pool2d(t, **kw), [x], 2)[1]))
    assert_close(compiled[0], ty, rtol=0, atol=0)
    # overlapping windows add several g's per element: torch adds them in another order
    assert_close(compiled[1], tx.grad, rtol=1e-6, atol=1e-6)
    _, didx = F.max_pool2d(deepgrad.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(didx.numpy(), idx.numpy())


def test_max_pool_nan_follows_the_numpy_path():
    x = np.random.default_rng(3).standard_normal((1, 2, 6, 6)).astype(np.float32)
    x[0, 0, 0, 1] = x[0, 1, 4, 4] = np.nan
    run = lambda: [F.max_pool2d(deepgrad.tensor(x), 3, 1).numpy()]  # noqa: E731
    compiled, plain = compiled_and_numpy(run, ["max_pool"])
    np.testing.assert_array_equal(compiled[0], plain[0])  # NaN propagates in both
    assert np.isnan(compiled[0]).sum() == np.isnan(TF.max_pool2d(torch.tensor(x), 3, 1).numpy()).sum()


def test_tiled_2x2_max_pool_rows_with_nan_take_the_general_loop():
    # the stride-2 row loop leaves NaN to the general loop: same bits as NumPy, torch's NaNs
    x = np.random.default_rng(7).standard_normal((2, 3, 9, 11)).astype(np.float32)
    x[0, 0, 0, 1] = x[1, 2, 5, 4] = x[1, 1, 8, 10] = np.nan  # the last: in the dropped edge
    x[0, 1, 2:4, 2:4] = 1.5  # a tie: the first tap wins
    xs = [deepgrad.tensor(x, requires_grad=True) for _ in range(2)]

    def run():
        xt = xs.pop()
        y, i = F.max_pool2d(xt, 2, return_indices=True)
        y.backward(deepgrad.tensor(np.arange(y.numel(), dtype=np.float32).reshape(y.shape)))
        return [y.detach().numpy().copy(), i.numpy().copy(), xt.grad.numpy().copy()]

    compiled, plain = compiled_and_numpy(run, ["max_pool_2x2"])
    assert_same_bits(compiled, plain)
    ty, ti = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(compiled[0], ty.numpy())
    finite = ~np.isnan(compiled[0])  # (a NaN window's index is not compared here)
    np.testing.assert_array_equal(compiled[1][finite], ti.numpy()[finite])


@pytest.mark.parametrize("xs, ws, kw", [
    ((2, 5, 9, 9), (6, 5, 3, 3), dict()),
    ((2, 3, 10, 9), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ((3, 4, 7, 8), (5, 4, 1, 1), dict(stride=2)),
    ((2, 3, 8, 8), (4, 3, 3, 3), dict(padding=2, bias=False)),
])
def test_conv2d_same_as_numpy_and_torch(xs, ws, kw):
    arrays, kw = conv_arrays(xs, ws, kw, seed=4)
    run = lambda: _grads(lambda *t: F.conv2d(*t, **kw), arrays, 5)[0]  # noqa: E731
    compiled, plain = compiled_and_numpy(run, ["rows_to_nchw", "col2im_nchw"])
    assert_same_bits(compiled, plain)
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = TF.conv2d(*tt, **kw)
    ty.backward(torch.tensor(_grads(lambda *t: F.conv2d(*t, **kw), arrays, 5)[1]))
    assert_close(compiled[0], ty, rtol=1e-5, atol=1e-5)
    for got, t in zip(compiled[1:], tt):
        assert_close(got, t.grad, rtol=1e-4, atol=1e-4)


def test_conv2d_double_backward_with_compiled_loops():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 6, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    dx, dw = deepgrad.tensor(x, requires_grad=True), deepgrad.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    gd, = deepgrad.autograd.grad((F.conv2d(dx, dw, padding=1) ** 2).sum(), [dx],
                                 create_graph=True)
    gt, = torch.autograd.grad((TF.conv2d(tx, tw, padding=1) ** 2).sum(), [tx], create_graph=True)
    (gd ** 2).sum().backward()
    (gt ** 2).sum().backward()
    assert_close(dx.grad, tx.grad)
    assert_close(dw.grad, tw.grad)


def test_relu_backward_same_as_numpy_and_torch():
    x = np.random.default_rng(7).standard_normal((4, 8, 32, 40)).astype(np.float32)  # >= 32768
    x[0, 0, 0, :4] = 0  # ReLU's gradient at 0 is 0, as torch's
    run = lambda: _grads(F.relu, [x], 8)[0]  # noqa: E731
    compiled, plain = compiled_and_numpy(run, ["relu_backward"])
    assert_same_bits(compiled, plain)
    tx = torch.tensor(x, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(_grads(F.relu, [x], 8)[1]))
    assert_close(compiled[1], tx.grad, rtol=0, atol=0)


def test_switched_off_or_foreign_arrays_take_the_numpy_path():
    saved = fast.ENABLED
    try:
        fast.ENABLED = False
        assert fast.kernel("max_pool") is None
        assert not fast.run("max_pool")
    finally:
        fast.ENABLED = saved
    a = np.zeros(3, np.float32)
    assert not fast.usable(a, np.zeros(3, np.float64))  # mixed dtypes
    assert not fast.usable(np.zeros(3, np.int64))        # not a float array
