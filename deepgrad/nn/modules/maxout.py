"""``Maxout`` (Goodfellow et al. 2013, "Maxout Networks"): deepgrad's own layer.

A maxout unit is the maximum of ``pool_size`` affine functions of the input:

    h_i(x) = max_j (x^T W_{ij} + b_{ij}),     i = 1..out_features, j = 1..pool_size

It is a linear layer to ``out_features * pool_size`` units followed by a max over each
group of ``pool_size`` consecutive units (unit ``i * pool_size + j`` is z_{ij}). A maxout
unit is a learned convex piecewise-linear activation: with pool_size = 2 it can represent
ReLU (one piece fixed at 0) or |x|. The gradient flows only into the winning piece of each
group (split equally between exact ties, as ``amax`` does).

Args:
    in_features (int): size of each input sample.
    out_features (int): number of maxout units.
    pool_size (int): number of affine pieces per unit (k in the paper).
    bias (bool): learn the offsets b_{ij}. Default: True.
    device, dtype: where and how to create the parameters.

Shapes: input (*, in_features) -> output (*, out_features).
Attributes: weight (out_features * pool_size, in_features), bias (out_features * pool_size,),
both initialised U(-1/sqrt(in_features), 1/sqrt(in_features)) like ``nn.Linear``.

Example::

    m = nn.Maxout(20, 10, pool_size=3)
    y = m(deepgrad.randn(128, 20))     # (128, 10)
"""
import math

from ... import creation
from ...autograd import grad_mode
from ...ops import reduce as _reduce
from ...ops import shape as _shape
from ..functional.linear import linear
from ..parameter import Parameter, register_empty_parameter
from .module import Module


def maxout(input, weight, bias, pool_size):  # noqa: A002 - torch-style argument name
    """h = max over groups of ``pool_size`` of (input W^T + b); see :class:`Maxout`."""
    z = linear(input, weight, bias)
    groups = z.shape[-1] // pool_size
    z = _shape.reshape(z, tuple(z.shape[:-1]) + (groups, pool_size))
    return _reduce.amax(z, -1)


class Maxout(Module):
    """h_i(x) = max_j (x^T W_{ij} + b_{ij}): see the module docstring."""

    def __init__(self, in_features, out_features, pool_size, bias=True, device=None,
                 dtype=None):
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features),
                            ("pool_size", pool_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Maxout: {name} must be a positive integer, got {value!r}")
        self.in_features, self.out_features, self.pool_size = in_features, out_features, pool_size
        units = out_features * pool_size
        self.weight = Parameter(creation.empty(units, in_features, dtype=dtype, device=device))
        register_empty_parameter(self, "bias", units, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.in_features)
        with grad_mode.no_grad():
            for p in self.parameters():
                p.uniform_(-bound, bound)

    def forward(self, input):  # noqa: A002
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            got = input.shape[-1] if input.ndim else "a 0-d tensor"
            raise RuntimeError(f"Maxout: expected input with in_features={self.in_features} in "
                               f"its last dimension, but got {got} (input shape "
                               f"{list(input.shape)})")
        return maxout(input, self.weight, self.bias, self.pool_size)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pool_size={self.pool_size}, bias={self.bias is not None}")
