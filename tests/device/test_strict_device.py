"""The strict double itself (it must catch the leaks it exists for) and the errors of
``to("cuda")`` without CuPy or without a GPU."""
import sys

import numpy as np
import pytest

import deepgrad
from deepgrad import backend

from .strict_array import HostDeviceMixError, device_array, make_fake_cupy


def test_double_refuses_every_host_device_leak():
    d = device_array(np.arange(6.0).reshape(2, 3))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(d)
    with pytest.raises(TypeError, match="numpy.add"):
        d + np.ones(3)
    with pytest.raises(TypeError, match="numpy.concatenate"):
        np.concatenate([d, np.ones((1, 3))])
    with pytest.raises(TypeError, match="indexing"):
        d[np.arange(2)]
    with pytest.raises(TypeError, match="assignment"):
        d[0] = np.zeros(3)
    for pull in (float, int, bool):
        with pytest.raises(HostDeviceMixError, match=pull.__name__):
            pull(d.sum())


def test_double_computes_like_numpy_and_stays_on_the_device():
    host = np.arange(6.0).reshape(2, 3)
    d = device_array(host)
    results = {"ufunc": np.exp(d) * 2 + 1, "reduction": d.sum(axis=0), "total": np.sum(d),
               "function": np.concatenate([d, d.T.reshape(2, 3)]), "index": d[device_array([1, 0])],
               "matmul": d @ d.T, "compare": d > 2.0, "where": np.where(d > 2, d, 0.0),
               "like": np.arange(3, like=d)}
    expected = {"ufunc": np.exp(host) * 2 + 1, "reduction": host.sum(axis=0), "total": 15.0,
                "function": np.concatenate([host, host.T.reshape(2, 3)]), "index": host[[1, 0]],
                "matmul": host @ host.T, "compare": host > 2.0,
                "where": np.where(host > 2, host, 0.0), "like": np.arange(3)}
    for key, value in results.items():
        assert type(value).__name__ == "StrictDeviceArray", key
        np.testing.assert_array_equal(value.get(), expected[key], err_msg=key)
    assert d.sum().item() == 15.0 and d.tolist() == host.tolist()
    out = device_array(np.zeros(3))
    assert np.add(d[0], d[1], out=out) is out
    np.testing.assert_array_equal(out.get(), host[0] + host[1])


def test_cuda_tensor_without_cupy_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_gpu_count", None)
    monkeypatch.setitem(sys.modules, "cupy", None)   # makes `import cupy` fail
    with pytest.raises(RuntimeError, match=r"needs CuPy.*pip install 'deepgrad\[cuda\]'"):
        deepgrad.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="needs CuPy"):
        deepgrad.zeros(2, device="cuda")
    assert deepgrad.cuda.is_available() is False


@pytest.mark.parametrize("count,spec,message", [
    (0, "cuda", "no CUDA GPU is available"),
    (1, "cuda:1", r"only 1 CUDA device\(s\) are visible"),
    (RuntimeError("cudaErrorNoDevice"), "cuda", "CuPy cannot reach a CUDA GPU.*cudaErrorNoDevice"),
])
def test_cuda_tensor_without_a_gpu_is_a_clear_error(count, spec, message, monkeypatch):
    fake = make_fake_cupy()

    def device_count():
        if isinstance(count, Exception):
            raise count
        return count
    fake.cuda.runtime.getDeviceCount = device_count
    monkeypatch.setattr(backend, "_cupy", fake)
    monkeypatch.setattr(backend, "_gpu_count", None)
    t = deepgrad.ones(2)
    with pytest.raises(RuntimeError, match=message):
        t.to(spec)
    assert t.device.type == "cpu"


def test_fixture_restores_the_cpu_only_backend():
    """Outside the ``cuda`` fixture deepgrad sees no fake CuPy (public behaviour unchanged)."""
    assert not isinstance(backend._cupy, type(make_fake_cupy()))
    assert "StrictDeviceArray" not in repr(sys.modules.get("cupy"))
