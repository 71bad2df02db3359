"""Per-sample normalisation layers: LayerNorm and GroupNorm.

Unlike batch normalisation these use the statistics of each sample alone, so they
behave the same in training and evaluation and work with a batch of one (hence their
use in transformers and RNNs, and with small batches).

    LayerNorm:  y = (x - mean) / sqrt(var + eps) * weight + bias, statistics over the last
                len(normalized_shape) dims; weight and bias have shape normalized_shape.
    GroupNorm:  the C channels split into G groups; statistics over each group's channels
                and positions; weight and bias per channel, shape (C,).
"""
import numbers

from .. import init
from ..functional import normalization as F
from ..parameter import register_empty_parameter
from .module import Module


def register_affine(module, shape, affine, bias, dtype, device):
    """The learnable scale ``weight`` and shift ``bias`` of a normalisation layer
    (registered as None when absent); ``reset_parameters`` sets them to 1 and 0."""
    register_empty_parameter(module, "weight", shape, affine, dtype, device)
    register_empty_parameter(module, "bias", shape, affine and bias, dtype, device)


class LayerNorm(Module):
    """Layer normalisation (Ba et al., 2016).

    Args:
        normalized_shape (int or tuple): the trailing shape to normalise over.
        eps (float): added to the variance. Default: 1e-5.
        elementwise_affine (bool): learn ``weight`` (init 1) and ``bias`` (init 0) of shape
            ``normalized_shape``. Default: True.
        bias (bool): learn the bias (with elementwise_affine). Default: True.

    Shape: input (*, *normalized_shape), output the same.

    Example::

        ln = nn.LayerNorm(64)
        y = ln(deepgrad.randn(8, 10, 64))   # each 64-vector: mean 0, variance 1
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        register_affine(self, self.normalized_shape, elementwise_affine, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation (Wu & He, 2018).

    Args:
        num_groups (int): G; must divide num_channels.
        num_channels (int): C.
        eps (float): added to the variance. Default: 1e-5.
        affine (bool): learn per-channel ``weight`` (init 1) and ``bias`` (init 0).
            Default: True.
        bias (bool, keyword only): with affine, also learn the bias. Default: True.

    Shape: input (N, C, *), output the same.

    Example::

        gn = nn.GroupNorm(4, 32)
        y = gn(deepgrad.randn(2, 32, 8, 8))
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(f"num_channels must be divisible by num_groups, got "
                             f"num_channels={num_channels}, num_groups={num_groups}")
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = eps
        self.affine = affine
        register_affine(self, self.num_channels, affine, bias, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected input of shape (N, {self.num_channels}, *), "
                             f"got {tuple(input.shape)}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
