"""gradcheck / gradgradcheck as a public API."""
import warnings

import numpy as np
import pytest

import deepgrad
from deepgrad.autograd import Function, GradcheckError, gradcheck, gradgradcheck


class _WrongGrad(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x * 2.1  # off by 5 %


def test_passes_for_correct_gradients():
    x = deepgrad.randn(3, 2, dtype=deepgrad.float64, requires_grad=True)
    w = deepgrad.randn(2, 4, dtype=deepgrad.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a @ b).tanh(), (x, w))
    assert gradcheck(lambda a, b: (a @ b).tanh(), (x, w), fast_mode=True)
    assert gradgradcheck(lambda a, b: (a @ b).tanh(), (x, w))


def test_failure_names_input_element_and_values():
    x = deepgrad.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=deepgrad.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as err:
        gradcheck(_WrongGrad.apply, (x,))
    msg = str(err.value)
    assert "input 0" in msg and "analytic" in msg and "numerical" in msg
    assert "relative error" in msg
    # the worst element is the largest entry (4.0): analytic 8.4 vs numerical 8
    assert "8.4" in msg and "input index 3" in msg
    assert gradcheck(_WrongGrad.apply, (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError):
        gradcheck(_WrongGrad.apply, (x,), fast_mode=True)


def test_warns_for_single_precision():
    x = deepgrad.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradcheck(lambda a: a * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)
    assert any("double precision" in str(w.message) for w in caught)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class BadSecond(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # right value, but written with a detached x: its own derivative is lost
            return g * 3 * x.detach() ** 2

    x = deepgrad.tensor(np.array([0.5, 1.5]), requires_grad=True)
    assert gradcheck(BadSecond.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(BadSecond.apply, (x,))
