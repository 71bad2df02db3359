"""Every op of the op table on the strict device: forward values and gradients equal the CPU's.

The CPU results are themselves checked against PyTorch in tests/core/test_ops_parity.py; here
the oracle is deepgrad's CPU path, and what is under test is that the same code runs on
device arrays without a single host/device leak (the double raises on any).
"""
import numpy as np
import pytest

import deepgrad

from ..core.op_table import CASES
from .conftest import on_device

PARAMS = [pytest.param(case, shapes, id=f"{case.name}-{'x'.join(map(str, shapes))}")
          for case in CASES for shapes in case.shapes]


class OnDevice:
    """``deepgrad`` as seen by an op-table row, with tensors created on the device."""

    def __init__(self, dev):
        self._dev = dev

    def tensor(self, data, **kwargs):
        return deepgrad.tensor(data, device=self._dev, **kwargs)

    def __getattr__(self, name):
        return getattr(deepgrad, name)


def _inputs(case, shapes, dev):
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(*case.domain, size=s) for s in shapes]
    return [deepgrad.tensor(a, device=dev, requires_grad=True) for a in arrays]


def _close(device_result, cpu_result, msg):
    got = on_device(device_result)
    want = cpu_result.detach().numpy()
    assert got.shape == want.shape and got.dtype == want.dtype, msg
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=msg)


@pytest.mark.parametrize("case,shapes", PARAMS)
def test_forward_backward_and_double_backward_equal_cpu(case, shapes, cuda):
    results = {}
    for dev, m in (("cpu", deepgrad), (cuda, OnDevice(cuda))):
        xs = _inputs(case, shapes, dev)
        out = case.fn(m, *xs)
        rng = np.random.default_rng(1)
        up = deepgrad.tensor(rng.standard_normal(tuple(out.shape)), device=dev,
                             requires_grad=True)
        grads = deepgrad.autograd.grad(out, xs, up, create_graph=case.double, allow_unused=True)
        second = None
        if case.double:
            total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
            if isinstance(total, deepgrad.Tensor):
                second = deepgrad.autograd.grad(total, xs + [up], allow_unused=True)
        results[str(dev)] = out, grads, second
    (out_c, grads_c, second_c), (out_d, grads_d, second_d) = results["cpu"], results["cuda:0"]
    _close(out_d, out_c, f"{case.name} forward")
    for i, (gd, gc) in enumerate(zip(grads_d, grads_c)):
        assert (gd is None) == (gc is None), f"{case.name}: gradient {i} presence differs"
        if gc is not None:
            _close(gd, gc, f"{case.name} gradient {i}")
    for i, (gd, gc) in enumerate(zip(second_d or (), second_c or ())):
        assert (gd is None) == (gc is None), f"{case.name}: 2nd-order gradient {i} differs"
        if gc is not None:
            _close(gd, gc, f"{case.name} second-order gradient {i}")
