"""Normal and Uniform, with reparameterised sampling.

    Normal(mu, sigma):  log p(x) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2
                        entropy  = 1/2 + log(2 pi)/2 + log sigma;   rsample = mu + sigma * eps
    Uniform(a, b):      log p(x) = -log(b - a) on [a, b) (-inf outside)
                        entropy  = log(b - a);                      rsample = a + (b - a) * u
"""
import math

import numpy as np

from ..ops import elementwise as E
from ..ops._util import constant, operands
from ..ops.shape import expand
from ..random import numpy_generator
from .distribution import Distribution, check_positive


def _params(*values):
    """Tensors of one dtype (a float) broadcast to a common shape."""
    from ..creation import tensor  # noqa: PLC0415

    ts = [v if hasattr(v, "_data") else tensor(float(v)) for v in values]
    a, b = operands(ts[0], ts[1])
    shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    return expand(a, shape), expand(b, shape)


class Normal(Distribution):
    has_rsample = True
    _param_names = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _params(loc, scale)
        check_positive(self.scale, "scale", f"Normal(loc: {tuple(self.loc.shape)}, scale: "
                                            f"{tuple(self.scale.shape)})")
        super().__init__(self.loc.shape)

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return self.scale * self.scale

    def rsample(self, sample_shape=(), generator=None):
        shape = self._extended_shape(sample_shape)
        eps = numpy_generator(generator).standard_normal(shape).astype(self.loc._data.dtype)
        return self.loc + self.scale * constant(eps, self.loc)

    def log_prob(self, value):
        z = (value - self.loc) / self.scale
        return -0.5 * z * z - E.log(self.scale) - 0.5 * math.log(2 * math.pi)

    def entropy(self):
        return E.log(self.scale) + (0.5 + 0.5 * math.log(2 * math.pi))

    def cdf(self, value):
        from ..ops.special import erf  # noqa: PLC0415
        return 0.5 * (1 + erf((value - self.loc) / (self.scale * math.sqrt(2.0))))


class Uniform(Distribution):
    has_rsample = True
    _param_names = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _params(low, high)
        if (self.low._data >= self.high._data).any():
            raise ValueError("Expected parameter low to be smaller than high: Uniform(low, "
                             f"high) got low={self.low} and high={self.high}")
        super().__init__(self.low.shape)

    @property
    def mean(self):
        return (self.low + self.high) / 2

    @property
    def variance(self):
        width = self.high - self.low
        return width * width / 12

    def rsample(self, sample_shape=(), generator=None):
        shape = self._extended_shape(sample_shape)
        u = numpy_generator(generator).random(shape).astype(self.low._data.dtype)
        return self.low + (self.high - self.low) * constant(u, self.low)

    def log_prob(self, value):
        inside = constant((value._data >= self.low._data) & (value._data < self.high._data),
                          self.low)
        return E.where(inside, -E.log(self.high - self.low), float("-inf"))

    def entropy(self):
        return E.log(self.high - self.low)
