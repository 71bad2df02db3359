"""``deepgrad.distributions``: Normal, Uniform, Bernoulli, Categorical and kl_divergence,
with torch.distributions' names (a first part of it)."""
from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical
from .distribution import Distribution
from .kl import kl_divergence

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "Uniform", "kl_divergence"]
