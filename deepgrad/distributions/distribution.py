"""The base class of probability distributions (``torch.distributions.Distribution``).

A distribution has a ``batch_shape`` (independent distributions side by side, from the
broadcast parameter shapes) and an ``event_shape`` (the shape of one draw: () for scalar
distributions). ``sample(sample_shape)`` returns ``sample_shape + batch_shape +
event_shape`` values without gradient; ``rsample`` (where the distribution allows it)
draws by the reparameterisation trick, x = g(params, noise), so gradients flow to the
parameters (what a VAE's encoder needs).
"""
from ..autograd import grad_mode
from ..tensor import Size, Tensor


class Distribution:
    has_rsample = False

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        return tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape)

    def sample(self, sample_shape=()):
        with grad_mode.no_grad():
            if self.has_rsample:
                return self.rsample(sample_shape).detach()
            return self._sample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sampling")

    def _sample(self, sample_shape):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def __repr__(self):
        params = ", ".join(f"{name}: {_describe(getattr(self, name))}"
                           for name in self._param_names)
        return f"{type(self).__name__}({params})"


def _describe(value):
    if isinstance(value, Tensor) and value.numel() == 1:
        return repr(value)
    return f"deepgrad.Size({list(value.shape)})"


def check_positive(value, name, dist):
    if (value._data <= 0).any() or not (value._data == value._data).all():
        raise ValueError(f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of "
                         f"distribution {dist} to satisfy the constraint "
                         f"GreaterThan(lower_bound=0.0), but found invalid values:\n{value}")
