"""Dropout layers: Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout.

In training mode (``model.train()``) each element (or whole channel) is zeroed with
probability ``p`` and the survivors are scaled by 1 / (1 - p) (inverted dropout), so the
expected activation is unchanged; in ``model.eval()`` the layer is the identity.
Dropout discourages co-adaptation of units: it trains an ensemble of thinned networks
that share weights and averages them at test time (Srivastava et al., 2014).

``generator=`` (deepgrad's addition) gives the layer its own random stream, so the masks
are reproducible independently of other random draws.
"""
from ..functional.dropout import (alpha_dropout, dropout, dropout1d, dropout2d, dropout3d,
                                 feature_alpha_dropout)
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False, generator=None):
        super().__init__()
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace
        self.generator = generator

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training; scale the rest by 1 / (1 - p).

    Args:
        p (float): drop probability, 0 <= p <= 1. Default: 0.5.
        inplace (bool): write the result into the input and return it (as torch).
        generator (deepgrad.Generator, optional): the random stream for the masks.

    Shape: any; output the same.

    Example::

        drop = nn.Dropout(0.2)
        y = drop(x)          # training: ~20 % zeros, others * 1.25
        drop.eval(); drop(x) is x
    """

    def forward(self, input):  # noqa: A002
        return dropout(input, self.p, self.training, self.inplace, self.generator)


class Dropout1d(_DropoutNd):
    """Zero whole channels of a (N, C, L) or (C, L) input with probability ``p``."""

    def forward(self, input):  # noqa: A002
        return dropout1d(input, self.p, self.training, self.inplace, self.generator)


class Dropout2d(_DropoutNd):
    """Zero whole feature maps of a (N, C, H, W) or (C, H, W) input with probability ``p``
    (spatial dropout: neighbouring pixels are correlated, so single pixels would not do)."""

    def forward(self, input):  # noqa: A002
        return dropout2d(input, self.p, self.training, self.inplace, self.generator)


class Dropout3d(_DropoutNd):
    """Zero whole channels of a (N, C, D, H, W) or (C, D, H, W) input."""

    def forward(self, input):  # noqa: A002
        return dropout3d(input, self.p, self.training, self.inplace, self.generator)


class AlphaDropout(_DropoutNd):
    """Dropout for self-normalising networks (SELU): dropped units take SELU's negative
    saturation value and an affine correction keeps mean 0 and variance 1 (see
    ``F.alpha_dropout`` for the formula). Identity in eval mode."""

    def forward(self, input):  # noqa: A002
        return alpha_dropout(input, self.p, self.training, self.inplace, self.generator)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of a (N, C, *) input."""

    def forward(self, input):  # noqa: A002
        return feature_alpha_dropout(input, self.p, self.training, self.inplace,
                                       self.generator)
