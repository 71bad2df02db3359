"""Fully connected layers: ``Linear`` (y = x W^T + b) and ``Bilinear`` (y = x1^T A x2 + b).

Default initialisation is PyTorch's: Linear's weight is kaiming_uniform_(a=sqrt(5)),
i.e. U(-1/sqrt(in), 1/sqrt(in)), and its bias U(-1/sqrt(in), 1/sqrt(in)).

Example::

    fc = nn.Linear(20, 30)
    y = fc(deepgrad.randn(128, 20))     # (128, 30)
"""
import math

from ...creation import empty
from .. import functional as F
from .. import init
from ..parameter import Parameter, register_empty_parameter
from .module import Module


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features (int): size of each input sample.
        out_features (int): size of each output sample.
        bias (bool): learn an additive bias. Default: True.
        device, dtype: where and how to create the parameters.
    Shapes: input (*, in_features) -> output (*, out_features).
    Attributes: weight (out_features, in_features), bias (out_features,).
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty((out_features, in_features), dtype=dtype, device=device))
        register_empty_parameter(self, "bias", out_features, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        init.default_layer_init_(self.weight, self.bias)

    def forward(self, input):  # noqa: A002
        # the registry read directly: ``self.weight`` reaches it only after a failed normal
        # lookup (Module.__getattr__), a cost paid per call; anything else named weight or
        # bias (a plain attribute set after ``del``) is still found the usual way
        params = self._parameters
        weight = params["weight"] if "weight" in params else self.weight
        bias = params["bias"] if "bias" in params else self.bias
        return F.linear(input, weight, bias)  # checks in_features, names both

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """y = x1^T A x2 + b, one matrix A_o per output feature.

    Args: in1_features, in2_features, out_features (int), bias (bool, default True).
    Shapes: input1 (*, in1), input2 (*, in2) -> (*, out).
    Init (PyTorch's): weight and bias ~ U(-1/sqrt(in1), 1/sqrt(in1)).
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in1_features, in2_features), dtype=dtype,
                                      device=device))
        register_empty_parameter(self, "bias", out_features, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


def __getattr__(name):
    # torch.nn.modules.linear.NonDynamicallyQuantizableLinear (MultiheadAttention's output
    # projection, named in programs' safe_globals lists) is defined beside
    # MultiheadAttention in attention.py, which imports this module: fetched on first use
    if name == "NonDynamicallyQuantizableLinear":
        from .attention import NonDynamicallyQuantizableLinear  # noqa: PLC0415

        return NonDynamicallyQuantizableLinear
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
