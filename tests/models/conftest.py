"""The model tests train with Adam for a few steps: run the optimisers' NumPy kernels, not
the numba loops, whose one-off compilation (~5 s per process) would dominate these tests
(tests/optim/test_fused.py checks that both paths give the same bits)."""
import pytest

from deepgrad.optim import _fused


@pytest.fixture(autouse=True)
def _numpy_optimizer_kernels(monkeypatch):
    monkeypatch.setattr(_fused, "ENABLED", False)
