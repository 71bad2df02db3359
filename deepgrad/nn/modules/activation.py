"""Activation layers: thin Module wrappers around ``deepgrad.nn.functional``'s activations.

The formulas are in ``deepgrad/nn/functional/activation.py``. Only PReLU has
parameters (its slopes); RReLU draws random slopes in training mode.

Example::

    act = nn.LeakyReLU(0.2)
    y = act(deepgrad.randn(4, 8))
"""
from ...creation import full
from .. import functional as F
from ..parameter import Parameter
from .module import Module


class _Inplace(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Inplace):
    """max(0, x)."""

    def forward(self, input):  # noqa: A002
        return F.relu(input, self.inplace)


class ReLU6(_Inplace):
    """min(max(0, x), 6)."""

    def forward(self, input):  # noqa: A002
        return F.relu6(input, self.inplace)


class SiLU(_Inplace):
    """x * sigmoid(x) (a.k.a. swish)."""

    def forward(self, input):  # noqa: A002
        return F.silu(input, self.inplace)


class Mish(_Inplace):
    """x * tanh(softplus(x))."""

    def forward(self, input):  # noqa: A002
        return F.mish(input, self.inplace)


class SELU(_Inplace):
    """scale * elu(x, alpha) with the self-normalising constants."""

    def forward(self, input):  # noqa: A002
        return F.selu(input, self.inplace)


class Hardsigmoid(_Inplace):
    """clamp(x/6 + 1/2, 0, 1)."""

    def forward(self, input):  # noqa: A002
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_Inplace):
    """x * hardsigmoid(x)."""

    def forward(self, input):  # noqa: A002
        return F.hardswish(input, self.inplace)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x.  Args: negative_slope=0.01, inplace=False."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU with a learned slope a: x if x > 0 else a x.

    Args: num_parameters (1 = one slope shared by all channels, or C = one per channel,
    channels on dim 1), init (initial slope, 0.25).
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(full((num_parameters,), float(init), dtype=dtype, device=device))

    def reset_parameters(self):
        self.weight._data[...] = self.init
        self.weight._vc[0] += 1

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: slope ~ U(lower, upper) in training, (lower + upper)/2 in eval."""

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):  # noqa: A002
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        extra = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{extra}"


class ELU(Module):
    """x if x > 0 else alpha (e^x - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """x if x > 0 else alpha (e^(x/alpha) - 1)."""

    def forward(self, input):  # noqa: A002
        return F.celu(input, self.alpha, self.inplace)


class GELU(Module):
    """x Phi(x); approximate='tanh' uses the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear above ``threshold``."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            (", inplace=True" if self.inplace else "")


class Threshold(Module):
    """x if x > threshold else value."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):  # noqa: A002
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + \
            (", inplace=True" if self.inplace else "")


class _NoArg(Module):
    fn = None

    def forward(self, input):  # noqa: A002
        return type(self).fn(input)


class Sigmoid(_NoArg):
    """1 / (1 + e^-x)."""
    fn = staticmethod(F.sigmoid)


class Tanh(_NoArg):
    fn = staticmethod(F.tanh)


class Softsign(_NoArg):
    """x / (1 + |x|)."""
    fn = staticmethod(F.softsign)


class LogSigmoid(_NoArg):
    """log(sigmoid(x))."""
    fn = staticmethod(F.logsigmoid)


class Tanhshrink(_NoArg):
    fn = staticmethod(F.tanhshrink)


class _SoftmaxBase(Module):
    fn = None

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return type(self).fn(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""
    fn = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    fn = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    fn = staticmethod(F.softmin)


class GLU(Module):
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


def __getattr__(name):
    # torch keeps MultiheadAttention in torch.nn.modules.activation, and programs name it
    # there (torch.serialization.safe_globals lists); ours lives in attention.py, imported
    # on first use because attention.py builds on modules that import this one
    if name == "MultiheadAttention":
        from .attention import MultiheadAttention  # noqa: PLC0415

        return MultiheadAttention
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
