"""The CNN kernels' threaded loops and buffer cache (nn/functional/_fast_kernels.py).

The parallel versions of the compiled loops (numba ``prange`` over samples, planes or
elements) must give the same bits as the serial loops and the NumPy code, and the values
torch 2.13 gives; ``buffer`` must never hand out an array that someone still uses.
"""
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad
import deepgrad.nn.functional as F
from deepgrad.nn.functional import _fast_kernels as fast
from tests.conftest import assert_close, assert_same_bits, conv_arrays

numba = pytest.importorskip("numba")
TWO_THREADS = numba.config.NUMBA_NUM_THREADS >= 2


@pytest.fixture
def paths(monkeypatch):
    """run(fn) -> [parallel loops (every size), serial loops, NumPy code] results of fn()."""
    def run(fn):
        results = []
        saved = fast.ENABLED
        try:
            for parallel, enabled in ((True, True), (False, True), (False, False)):
                fast.ENABLED = enabled
                monkeypatch.setattr(fast, "PARALLEL_MIN_WORK", 0 if parallel else 1 << 62)
                monkeypatch.setattr(fast, "num_threads", lambda: 2 if parallel else 1)
                results.append(fn())
        finally:
            fast.ENABLED = saved
        return results
    return run


def _forward_backward(fn, arrays, seed):
    """[output, gradient of sum(output * random) for each array], as NumPy arrays."""
    ts = [deepgrad.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    go = np.random.default_rng(seed).standard_normal(y.shape).astype(arrays[0].dtype)
    (y * deepgrad.tensor(go)).sum().backward()
    return [y.detach().numpy().copy()] + [t.grad.numpy().copy() for t in ts], go


def _torch_forward_backward(fn, arrays, go):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    y.backward(torch.tensor(go))
    return [y.detach()] + [t.grad for t in ts]


@pytest.mark.skipif(not TWO_THREADS, reason="numba has one thread here")
@pytest.mark.parametrize("xs, ws, kw", [
    ((3, 5, 9, 9), (6, 5, 3, 3), dict()),                                       # LeNet's conv2
    ((3, 1, 12, 11), (4, 1, 3, 3), dict()),                                     # one channel
    ((2, 3, 10, 9), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ((3, 4, 7, 8), (5, 4, 3, 3), dict(padding=2, bias=False)),
])
def test_conv2d_parallel_serial_and_numpy_agree_with_torch(paths, xs, ws, kw):
    arrays, kw = conv_arrays(xs, ws, kw, seed=1)
    fn = lambda *t: F.conv2d(*t, **kw)  # noqa: E731
    runs = paths(lambda: _forward_backward(fn, arrays, 2)[0])
    assert_same_bits(*runs)
    assert "col2im_nchw" + fast.PARALLEL_SUFFIX in fast._compiled or ws[1] == 1
    expected = _torch_forward_backward(lambda *t: TF.conv2d(*t, **kw), arrays,
                                       _forward_backward(fn, arrays, 2)[1])
    for got, want in zip(runs[0], expected):
        assert_close(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not TWO_THREADS, reason="numba has one thread here")
@pytest.mark.parametrize("shape, kw", [
    ((3, 4, 26, 26), dict(kernel_size=2)),                          # tiles the input
    ((3, 4, 11, 11), dict(kernel_size=2)),                          # floor mode drops a row
    ((2, 3, 9, 7), dict(kernel_size=2, stride=1, padding=1)),       # overlapping windows
    ((2, 2, 9, 9), dict(kernel_size=3, stride=2, padding=1)),
])
def test_max_pool2d_parallel_serial_and_numpy_agree_with_torch(paths, shape, kw):
    x = np.round(np.random.default_rng(3).standard_normal(shape).astype(np.float32) * 2)  # ties
    fn = lambda t: F.max_pool2d(t, **kw)  # noqa: E731
    runs = paths(lambda: _forward_backward(fn, [x], 4)[0])
    assert_same_bits(*runs)
    expected = _torch_forward_backward(lambda t: TF.max_pool2d(t, **kw), [x],
                                       _forward_backward(fn, [x], 4)[1])
    assert_close(runs[0][0], expected[0], rtol=0, atol=0)
    assert_close(runs[0][1], expected[1], rtol=1e-6, atol=1e-6)


@pytest.mark.skipif(not TWO_THREADS, reason="numba has one thread here")
def test_relu_parallel_serial_and_numpy_agree_with_torch(paths):
    x = np.random.default_rng(5).standard_normal((4, 8, 32, 40)).astype(np.float32)
    x.reshape(-1)[:6] = [0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf]
    runs = paths(lambda: _forward_backward(F.relu, [x], 6)[0])
    assert_same_bits(*runs)
    for run in runs:  # the same bits as np.maximum(x, 0): NaN's sign kept, -0 -> +0
        assert np.array_equal(np.asarray(run[0]).view(np.uint32),
                              np.maximum(x, 0).view(np.uint32))
    expected = _torch_forward_backward(torch.relu, [x], _forward_backward(F.relu, [x], 6)[1])
    assert_close(runs[0][0], expected[0], rtol=0, atol=0)  # NaN where torch has NaN
    # (at a NaN input torch passes the gradient through, deepgrad's mask y > 0 does not)
    real = ~np.isnan(x)
    assert_close(runs[0][1][real], expected[1].numpy()[real], rtol=0, atol=0)


def test_relu_keeps_a_channels_last_layout():
    x = deepgrad.randn(4, 8, 32, 40).contiguous(memory_format=deepgrad.channels_last)
    tx = torch.tensor(x.numpy()).contiguous(memory_format=torch.channels_last)
    assert F.relu(x).stride() == torch.relu(tx).stride()


def test_lenet_steps_match_torch():
    """Three SGD steps of LeNet: the reused buffers never hold a live value."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    deepgrad.manual_seed(0)
    dnn = deepgrad.nn
    model = dnn.Sequential(dnn.Conv2d(1, 32, 3), dnn.ReLU(), dnn.MaxPool2d(2),
                           dnn.Conv2d(32, 64, 3), dnn.ReLU(), dnn.MaxPool2d(2), dnn.Flatten(),
                           dnn.Linear(1600, 10))
    tnn = torch.nn
    tmodel = tnn.Sequential(tnn.Conv2d(1, 32, 3), tnn.ReLU(), tnn.MaxPool2d(2),
                            tnn.Conv2d(32, 64, 3), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
                            tnn.Linear(1600, 10))
    tmodel.load_state_dict({k: torch.tensor(v.detach().numpy())
                            for k, v in model.state_dict().items()})
    opt = deepgrad.optim.SGD(model.parameters(), lr=0.05)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.05)
    kept, snapshots = [], []
    for _ in range(3):
        opt.zero_grad()
        h = deepgrad.tensor(x)
        for layer in model:
            h = layer(h)
            kept.append(h)  # activations kept alive: later steps must not write into them
            snapshots.append(h.detach().numpy().copy())
        F.cross_entropy(h, deepgrad.tensor(y)).backward()
        opt.step()
        topt.zero_grad()
        tout = tmodel(torch.tensor(x))
        TF.cross_entropy(tout, torch.tensor(y)).backward()
        topt.step()
        assert_close(h, tout, rtol=1e-4, atol=1e-4)
    for t, snapshot in zip(kept, snapshots):
        np.testing.assert_array_equal(t.detach().numpy(), snapshot)
    for p, tp in zip(model.state_dict().values(), tmodel.state_dict().values()):
        assert_close(p, tp, rtol=1e-4, atol=1e-5)


def test_buffer_never_hands_out_an_array_in_use():
    shape = (300, 300)  # 360 kB: cached
    a = fast.buffer(shape, np.float32)
    b = fast.buffer(shape, np.float32)
    assert a is not b and a.flags.c_contiguous and a.dtype == np.float32
    view = a[::2]                    # a view keeps its base in use
    t = deepgrad.tensor(b)           # so does a Tensor over it (or over a view of it)
    del a, b
    c = fast.buffer(shape, np.float32)
    assert c is not view.base and not np.shares_memory(c, t.numpy())
    address = c.__array_interface__["data"][0]
    del c
    d = fast.buffer(shape, np.float32)  # free again: the same memory comes back
    assert d.__array_interface__["data"][0] == address
    assert fast.buffer((10,), np.float32).shape == (10,)  # small arrays: plain np.empty


def test_buffer_cache_is_bounded_and_can_be_emptied(monkeypatch):
    fast.empty_buffer_cache()
    monkeypatch.setattr(fast, "BUFFER_CACHE_BYTES", 3 << 20)
    for extra in range(5):                 # five shapes of 1 MiB: the oldest are dropped
        fast.buffer(((1 << 18) + extra,), np.float32)
    assert fast._buffer_bytes[0] <= 3 << 20
    fast.empty_buffer_cache()
    assert fast._buffer_bytes[0] == 0 and not fast._buffers


def test_threads_follow_set_num_threads():
    saved = deepgrad.get_num_threads()
    try:
        deepgrad.set_num_threads(1)
        assert fast.num_threads() == 1
        deepgrad.set_num_threads(64)  # never more than numba's pool
        assert fast.num_threads() == numba.config.NUMBA_NUM_THREADS
    finally:
        deepgrad.set_num_threads(saved)


@pytest.mark.skipif(not TWO_THREADS, reason="numba has one thread here")
def test_parallel_loops_from_several_python_threads(monkeypatch):
    """numba's workqueue serves one caller at a time: the others run the serial loop."""
    monkeypatch.setattr(fast, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(fast, "num_threads", lambda: 2)
    x = np.random.default_rng(8).standard_normal((8, 16, 64, 64)).astype(np.float32)
    expected = np.maximum(x, 0)
    results, errors = [], []

    def work():
        try:
            for _ in range(20):
                results.append(F.relu(deepgrad.tensor(x)).numpy().copy())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 80
    for r in results:
        np.testing.assert_array_equal(r, expected)
