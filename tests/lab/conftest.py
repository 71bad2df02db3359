"""The lab tests run the NumPy optimiser kernels: compiling the numba-fused ones costs
seconds per process and dtype, and they give the same bits (tests/optim checks that)."""
import pytest

from deepgrad.optim import _fused


@pytest.fixture(autouse=True)
def _numpy_optimizer_kernels(monkeypatch):
    monkeypatch.setattr(_fused, "ENABLED", False)
