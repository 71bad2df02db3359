"""The strict test device: "cuda" tensors backed by StrictDeviceArray (strict_array.py).

The ``cuda`` fixture installs the fake CuPy module where deepgrad looks for CuPy
(``deepgrad.backend._cupy``, and ``sys.modules["cupy"]`` for code that imports it directly)
and restores both afterwards, so deepgrad's public behaviour outside these tests is unchanged.
"""
import sys

import numpy as np
import pytest

import deepgrad
from deepgrad import backend

from .strict_array import StrictDeviceArray, make_fake_cupy


@pytest.fixture(autouse=True)
def _no_compiled_loops(monkeypatch):
    """The CPU reference runs the NumPy paths (the numba loops give the same numbers; their
    own tests compare them), so that compile times stay out of this fast suite."""
    from deepgrad.nn.functional import _fast_kernels
    from deepgrad.optim import _fused

    monkeypatch.setattr(_fast_kernels, "ENABLED", False)
    monkeypatch.setattr(_fused, "ENABLED", False)


@pytest.fixture
def cuda(monkeypatch):
    """Yields the device ``"cuda"``; while it is active, CUDA tensors hold strict device arrays."""
    fake = make_fake_cupy()
    monkeypatch.setattr(backend, "_cupy", fake)
    monkeypatch.setattr(backend, "_gpu_count", None)
    monkeypatch.setitem(sys.modules, "cupy", fake)
    yield deepgrad.device("cuda")


def on_device(t):
    """Asserts that a tensor (and its array) lives on the strict device; returns the host copy."""
    assert t.device.type == "cuda", f"expected a cuda tensor, got {t.device}"
    assert type(t._data) is StrictDeviceArray, f"cuda tensor holds a {type(t._data).__name__}"
    return t._data.get()


def host(t):
    """The values of a deepgrad tensor (on any device) or a torch tensor, as a NumPy array."""
    if isinstance(t, deepgrad.Tensor):
        return t.detach().cpu().numpy()
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
