"""Activation functions (``F.relu``, ``F.gelu``, ``F.softmax``, ...), PyTorch's definitions.

Most are built from differentiable primitives, so their gradients (and gradients of
gradients) come for free; the derivative at the kinks follows PyTorch's choice.
``softplus`` is one primitive because its stable form needs a branch per element.

    relu(x) = max(0, x)                 leaky_relu(x) = x if x > 0 else s x
    elu(x) = x if x > 0 else a (e^x - 1)          selu(x) = scale * elu(x, alpha)
    celu(x) = x if x > 0 else a (e^(x/a) - 1)     gelu(x) = x Phi(x) = x/2 (1 + erf(x/sqrt 2))
    silu(x) = x sigmoid(x)              mish(x) = x tanh(softplus(x))
    softplus(x) = log(1 + e^(b x)) / b  softsign(x) = x / (1 + |x|)
    hardtanh(x) = clamp(x, lo, hi)      hardsigmoid(x) = clamp(x/6 + 1/2, 0, 1)
    hardswish(x) = x hardsigmoid(x)     logsigmoid(x) = -softplus(-x)

``inplace=True`` writes the result into ``input`` and returns ``input``, as torch's in-place
variants do. Under autograd the write is recorded (``ops.inplace.inplace``: the op runs on a
copy of the old value, which keeps its history, and ``input`` takes the op's node), so the
gradient is the out-of-place one; as in torch, a leaf that requires grad may not be written
in place, and a value an earlier op saved for its backward may not be overwritten (that
op's backward raises).
"""
import math
import warnings

import numpy as np

from ... import random as _random
from ...autograd import grad_mode
from ...autograd.function import ArrayFunction
from ...ops import elementwise as E
from ...ops import softmax as S
from ...ops.inplace import maybe_inplace as _maybe_inplace
from ...ops._util import constant
from ...ops.elementwise import Where, _float_input
from ...ops.special import erf


def _select(mask, a, b):
    """where(mask, a, b) for a raw boolean ``mask``; ``b`` may be a Python number."""
    if not hasattr(b, "_data"):
        return E.masked_fill(a, constant(~mask, a), b)
    return Where.apply(constant(mask, a), a, b)




def relu(input, inplace=False):  # noqa: A002
    if not inplace:
        return E.relu(input)
    if grad_mode._state.enabled and input.requires_grad:
        # recorded in place, as torch's relu_: the tensor itself is rectified (its version
        # bumps) and takes ReLU's node, whose backward reads only the output (no copy)
        return input.relu_()
    return _maybe_inplace(input, E.relu, inplace)


def relu6(input, inplace=False):  # noqa: A002
    return hardtanh(input, 0.0, 6.0, inplace)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """clamp(x, min_val, max_val); gradient 1 strictly inside (PyTorch's convention)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    def compute(t):
        x = t._data
        return _select((x > min_val) & (x < max_val), t, E.clamp(t, min_val, max_val).detach())
    return _maybe_inplace(input, compute, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    return _maybe_inplace(input, lambda t: _select(t._data > 0, t, t * negative_slope), inplace)


def prelu(input, weight):  # noqa: A002
    """leaky_relu with a learned slope: ``weight`` has 1 element or one per channel (dim 1)."""
    w = weight
    n = weight._data.size
    if n != 1:
        channels = input._data.shape[1] if input._data.ndim >= 2 else input._data.shape[0]
        if n != channels:
            raise RuntimeError(f"prelu: weight has {n} elements but the input has {channels} "
                               f"channels (dim {1 if input._data.ndim >= 2 else 0}); expected "
                               f"1 or {channels}")
        if input._data.ndim >= 2:
            w = weight.reshape((n,) + (1,) * (input._data.ndim - 2))
    return _select(input._data > 0, input, input * w)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False,  # noqa: A002
          generator=None):
    """Randomised leaky ReLU: slope ~ U(lower, upper) per element in training, else the
    mean slope (lower + upper) / 2."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    rng = _random.numpy_generator(generator)
    slopes = rng.uniform(lower, upper, input._data.shape).astype(input._data.dtype)
    from ...backend import move_array  # noqa: PLC0415
    a = constant(move_array(slopes, input._device), input)
    # x <= 0 gets the random slope
    return _maybe_inplace(input, lambda t: _select(t._data > 0, t, t * a), inplace)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    def compute(t):
        # expm1 only sees x <= 0, so the unused branch never overflows (0 * inf = nan in grad)
        return _select(t._data > 0, t, E.expm1(E.clamp(t, max=0.0)) * alpha)
    return _maybe_inplace(input, compute, inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):  # noqa: A002
    """scale * elu(x, alpha), the self-normalising constants of Klambauer et al. 2017."""
    return _maybe_inplace(input, lambda t: elu(t, _SELU_ALPHA) * _SELU_SCALE, inplace)


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    if alpha == 0:
        raise ValueError("ZeroDivisionError: alpha cannot be 0 for CELU")
    def compute(t):
        return _select(t._data > 0, t, E.expm1(E.clamp(t, max=0.0) / alpha) * alpha)
    return _maybe_inplace(input, compute, inplace)


def gelu(input, approximate="none"):  # noqa: A002
    """x Phi(x). approximate='tanh': x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return input * ((erf(input * (1 / math.sqrt(2.0))) + 1.0) * 0.5)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * ((E.tanh(inner) + 1.0) * 0.5)
    raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")


def silu(input, inplace=False):  # noqa: A002
    return _maybe_inplace(input, lambda t: t * E.sigmoid(t), inplace)


def mish(input, inplace=False):  # noqa: A002
    return _maybe_inplace(input, lambda t: t * E.tanh(softplus(t)), inplace)


class Softplus(ArrayFunction):
    """log(1 + e^(b x)) / b, and x itself where b x > threshold (PyTorch's cut-off).

    Stable form: log(1 + e^z) = max(z, 0) + log1p(e^-|z|).  Gradient: sigmoid(b x)
    (1 above the threshold).
    """

    def forward(self, x, beta, threshold):
        self.beta, self.threshold = beta, threshold
        z = x * beta
        out = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
        return np.where(z > threshold, x, out).astype(x.dtype, copy=False)

    def backward(self, g):
        x = self.inputs[0]
        s = E.sigmoid(x * self.beta)
        return g * _select((x._data * self.beta) <= self.threshold, s, 1.0)


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    return Softplus.apply(_float_input(input), beta=float(beta), threshold=float(threshold))


def softsign(input):  # noqa: A002
    return input / (E.abs(input) + 1.0)


def sigmoid(input):  # noqa: A002
    return E.sigmoid(input)


def tanh(input):  # noqa: A002
    return E.tanh(input)


def hardsigmoid(input, inplace=False):  # noqa: A002
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3)."""
    def compute(t):
        x = t._data
        lin = t / 6.0 + 0.5
        return _select((x > -3) & (x < 3), lin, E.clamp(lin, 0.0, 1.0).detach())
    return _maybe_inplace(input, compute, inplace)


def hardswish(input, inplace=False):  # noqa: A002
    """x relu6(x + 3) / 6: 0 below -3, x above 3, x (x + 3) / 6 between."""
    def compute(t):
        x = t._data
        mid = t * (t + 3.0) / 6.0
        return _select(x > -3, _select(x < 3, mid, t), 0.0)  # torch: at +-3 the outer pieces
    return _maybe_inplace(input, compute, inplace)


def logsigmoid(input):  # noqa: A002
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -Softplus.apply(-_float_input(input), beta=1.0, threshold=math.inf)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """x where x > threshold, else value."""
    return _maybe_inplace(input, lambda t: _select(t._data > threshold, t, value), inplace)


def tanhshrink(input):  # noqa: A002
    return input - E.tanh(input)


def softshrink(input, lambd=0.5):  # noqa: A002
    x = input._data
    return _select(x > lambd, input - lambd, _select(x < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):  # noqa: A002
    x = input._data
    return _select((x > lambd) | (x < -lambd), input, 0.0)


def glu(input, dim=-1):  # noqa: A002
    """a * sigmoid(b) where (a, b) are the two halves of ``input`` along ``dim``."""
    a, b = input.chunk(2, dim)
    return a * E.sigmoid(b)


def _softmax_dim(name, ndim, dim, stacklevel):
    if dim is None:  # PyTorch's legacy implicit choice, deprecated with a warning
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
        return 0 if ndim in (0, 1, 3) else 1
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""
    return S.softmax(input, _softmax_dim("softmax", input.ndim, dim, _stacklevel), dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """x_i - logsumexp_j(x_j) along ``dim``; use with nll_loss (= cross_entropy)."""
    return S.log_softmax(input, _softmax_dim("log_softmax", input.ndim, dim, _stacklevel), dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """softmax(-x) along ``dim``."""
    return S.softmin(input, _softmax_dim("softmin", input.ndim, dim, _stacklevel), dtype)
