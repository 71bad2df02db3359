"""Shared test helpers: conversions between deepgrad and the PyTorch oracle."""
import importlib.util

import numpy as np
import pytest

import deepgrad

torch = pytest.importorskip("torch")


def to_torch(t, requires_grad=None):
    """A float64-exact torch copy of a deepgrad tensor (or array)."""
    arr = t.detach().numpy() if isinstance(t, deepgrad.Tensor) else np.asarray(t)
    out = torch.from_numpy(np.array(arr, copy=True))
    if requires_grad is None:
        requires_grad = isinstance(t, deepgrad.Tensor) and t.requires_grad
    return out.requires_grad_(requires_grad) if out.is_floating_point() else out


def to_numpy(x):
    if isinstance(x, deepgrad.Tensor):
        return x.detach().numpy()
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_same_bits(*runs):
    """Each run (a list of arrays: one path's results, e.g. compiled loops vs NumPy code)
    equals the first bit for bit, with the same shapes, dtypes and contiguity."""
    first = runs[0]
    for other in runs[1:]:
        for a, b in zip(first, other):
            a, b = np.asarray(a), np.asarray(b)
            assert a.shape == b.shape and a.dtype == b.dtype
            assert a.flags.c_contiguous == b.flags.c_contiguous
            np.testing.assert_array_equal(a, b)


def compiled_and_numpy(run, loop_names):
    """run() with deepgrad's compiled loops (deepgrad[fast]), then with its NumPy code only:
    (compiled, numpy) results. Where numba is installed, checks that the loops
    ``loop_names`` really ran."""
    from deepgrad.nn.functional import _fast_kernels as fast  # noqa: PLC0415

    saved = fast.ENABLED
    try:
        fast.ENABLED = True
        compiled = run()
        if importlib.util.find_spec("numba") is not None:
            for name in loop_names:
                assert name in fast._compiled, f"the compiled loop {name} did not run"
        fast.ENABLED = False
        plain = run()
    finally:
        fast.ENABLED = saved
    return compiled, plain


def conv_arrays(x_shape, w_shape, kwargs, seed):
    """Random float32 (input, weight[, bias]) for F.conv2d and the conv2d keyword arguments
    without the test-only ``bias`` flag (True when absent)."""
    kwargs = dict(kwargs)
    use_bias = kwargs.pop("bias", True)
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(x_shape).astype(np.float32),
              rng.standard_normal(w_shape).astype(np.float32)]
    if use_bias:
        arrays.append(rng.standard_normal(w_shape[0]).astype(np.float32))
    return arrays, kwargs


def assert_close(actual, expected, rtol=1e-6, atol=1e-9, msg=""):
    """Compare a deepgrad result with a torch (or NumPy) reference, shapes included."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{msg} shape {a.shape} != expected {e.shape}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=msg)


@pytest.fixture(autouse=True)
def _seed():
    deepgrad.manual_seed(0)
    torch.manual_seed(0)
    yield
